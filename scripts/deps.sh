#!/usr/bin/env bash
# scripts/deps.sh - install the Debian packages loopguard needs
#
# SYNOPSIS
#	scripts/deps.sh build	compilers, autotools, libmilter, libopendkim,
#				libconfig, libhiredis, libldap, liblmdb,
#				libssl (libcrypto), Check, and for
#				loopguard-console libmicrohttpd, GnuTLS
#				and libcrypt
#	scripts/deps.sh test	the above, the test peers (Postfix, swaks,
#				miltertest, Redis and Sentinel, ...), clang and its
#				libFuzzer runtime (make fuzz), llvm (its
#				llvm-symbolizer: LeakSanitizer suppressions
#				match function names), git, ss, ps,
#				openssl, slapd and ldap-utils, curl,
#				prometheus, chromium with chromium-driver
#				and python3-selenium (the console), and an unpacked
#				Sendmail
#	scripts/deps.sh fresh-root
#				what scripts/fresh-root.sh needs on the host
#				(mmdebstrap, python3, iproute2, procps, git)
#	scripts/deps.sh package
#				the build packages and what scripts/try-package.sh
#				needs: debhelper, dpkg-dev, fakeroot, lintian,
#				and mmdebstrap
#	. scripts/deps.sh	defines deps_build, deps_test, deps_fresh_root,
#				deps_package and deps_sendmail without running
#				anything
#
# DESCRIPTION
#	Only missing packages are installed, after one "apt-get update".
#	Postfix installs without a prompt ("No configuration"), slapd
#	without a database of its own (the LDAP tests start a private
#	slapd, t/lib/slapd.sh). Services
#	are kept from starting during the install (a temporary policy-rc.d
#	when there is none); any Postfix or Redis that a package's postinst
#	started anyway is stopped by the PID in its pid file (Sentinel's too).
#
#	Sendmail is never installed (sendmail-bin conflicts with postfix):
#	its packages are fetched with "apt-get download" and unpacked with
#	"dpkg -x" into $LOOPGUARD_TEST_CACHE/sendmail-root, by default
#	/var/cache/loopguard-test, or t/tmp when that is not writable. The
#	MTA tests look there (t/lib/mta.sh, lg_sendmail_root).
#
#	Running it again does nothing when everything is present.
#
# DIAGNOSTICS
#	Exit 1 with "deps: ..." on stderr when something cannot be installed.

DEPS_BUILD_PKGS=(build-essential autoconf automake libtool pkg-config
	libmilter-dev libopendkim-dev libconfig-dev libhiredis-dev libldap-dev liblmdb-dev
	libssl-dev check libmicrohttpd-dev libgnutls28-dev libcrypt-dev)
DEPS_TEST_PKGS=(postfix postfix-lmdb postfix-cdb swaks miltertest m4 libwrap0 redis-server
	redis-sentinel python3 opendkim-tools valgrind clang libclang-rt-14-dev llvm git iproute2
	procps openssl slapd ldap-utils curl prometheus chromium chromium-driver python3-selenium)
DEPS_FRESH_ROOT_PKGS=(mmdebstrap python3 iproute2 procps git)
DEPS_PACKAGE_PKGS=(debhelper dpkg-dev fakeroot lintian mmdebstrap iproute2 git)
DEPS_SENDMAIL_PKGS=(sendmail-bin sendmail-base sendmail-cf)
DEPS_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DEPS_UPDATED=

# deps_die - report and stop
deps_die() { printf 'deps: error: %s\n' "$*" >&2; exit 1; }

# deps_note - progress on stderr
deps_note() { printf 'deps: %s\n' "$*" >&2; }

# deps_sudo - run as root (directly, or through sudo when there is one)
deps_sudo() {
	if [ "$(id -u)" -eq 0 ]; then
		"$@"
	elif command -v sudo >/dev/null 2>&1; then
		sudo "$@"
	else
		deps_die "need root to run: $*"
	fi
}

# deps_missing - print the packages of the arguments that are not installed
deps_missing() {
	local installed listed
	# dpkg-query exits 1 when it has never heard of one of the names
	# (a new machine): that is an answer, not a failure of this script.
	listed=$(dpkg-query -W -f='${db:Status-Status} ${Package}\n' "$@" 2>/dev/null) || true
	installed=" $(printf '%s\n' "$listed" |
		awk '$1 == "installed" {print $2}' | tr '\n' ' ') "
	local p
	for p in "$@"; do
		case $installed in *" ${p%%:*} "*) ;; *) printf '%s\n' "$p" ;; esac
	done
}

# deps_apt_update - "apt-get update", at most once per run
deps_apt_update() {
	[ -n "$DEPS_UPDATED" ] && return 0
	deps_note "apt-get update"
	deps_sudo apt-get update -qq || deps_die "apt-get update failed"
	DEPS_UPDATED=1
}

# deps_pid_of - print the PID in a pid file when that process is alive
deps_pid_of() {
	local pid
	[ -s "$1" ] || return 1
	pid=$(head -n 1 "$1" | tr -d ' ')
	case $pid in '' | *[!0-9]*) return 1 ;; esac
	kill -0 "$pid" 2>/dev/null || return 1
	printf '%s\n' "$pid"
}

# deps_stop_service - stop what a postinst started, by its pid file
deps_stop_service() {
	local name=$1 pidfile=$2 pid i
	pid=$(deps_pid_of "$pidfile") || return 0
	deps_note "stopping the $name that its package started (pid $pid)"
	deps_sudo kill -TERM "$pid" || true
	for ((i = 0; i < 100; i++)); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	deps_die "$name (pid $pid from $pidfile) did not stop"
}

# deps_install - install the missing ones of the given packages
deps_install() {
	local -a missing
	local p policy=/usr/sbin/policy-rc.d own_policy=
	mapfile -t missing < <(deps_missing "$@")
	[ ${#missing[@]} -eq 0 ] && return 0
	deps_note "installing: ${missing[*]}"
	deps_apt_update
	for p in "${missing[@]}"; do
		if [ "$p" = postfix ]; then
			echo "postfix postfix/main_mailer_type select No configuration" |
				deps_sudo debconf-set-selections
		fi
		# slapd: no database of its own; the tests start a private one.
		if [ "$p" = slapd ]; then
			echo "slapd slapd/no_configuration boolean true" |
				deps_sudo debconf-set-selections
		fi
	done
	# Keep packages from starting their services while they install.
	if [ ! -e "$policy" ]; then
		printf '#!/bin/sh\nexit 101\n' | deps_sudo tee "$policy" >/dev/null
		deps_sudo chmod 0755 "$policy"
		own_policy=1
	fi
	if ! deps_sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		--no-install-recommends "${missing[@]}"; then
		[ -n "$own_policy" ] && deps_sudo rm -f "$policy"
		deps_die "apt-get install failed for: ${missing[*]}"
	fi
	[ -n "$own_policy" ] && deps_sudo rm -f "$policy"
	for p in "${missing[@]}"; do
		case $p in
		postfix) deps_stop_service postfix /var/spool/postfix/pid/master.pid ;;
		redis-server) deps_stop_service redis /run/redis/redis-server.pid ;;
		redis-sentinel) deps_stop_service redis-sentinel \
			/run/sentinel/redis-sentinel.pid ;;
		slapd) deps_stop_service slapd /run/slapd/slapd.pid ;;
		esac
	done
	mapfile -t missing < <(deps_missing "$@")
	[ ${#missing[@]} -eq 0 ] || deps_die "still missing after install: ${missing[*]}"
}

# deps_cache - print the folder for downloaded and unpacked test packages
deps_cache() {
	if [ -n "${LOOPGUARD_TEST_CACHE:-}" ]; then
		printf '%s\n' "$LOOPGUARD_TEST_CACHE"
	elif mkdir -p /var/cache/loopguard-test 2>/dev/null &&
		[ -w /var/cache/loopguard-test ]; then
		printf '%s\n' /var/cache/loopguard-test
	else
		printf '%s\n' "$DEPS_TOP/t/tmp"
	fi
}

# deps_sendmail_version - the candidate versions, empty when apt knows none
deps_sendmail_version() {
	local v
	v=$(apt-cache policy "${DEPS_SENDMAIL_PKGS[@]}" 2>/dev/null |
		awk '/^[^ ]/{p=$1} /Candidate:/{print p $2}' | tr '\n' ' ')
	case $v in *"(none)"*) v= ;; esac
	printf '%s\n' "$v"
}

# deps_sendmail - download and unpack (never install) Sendmail
deps_sendmail() {
	local cache debs root stamp want tmp d
	cache=$(deps_cache)
	debs=$cache/sendmail-debs
	root=$cache/sendmail-root
	stamp=$root/.unpacked-from
	want=$(deps_sendmail_version)
	if [ -x "$root/usr/libexec/sendmail/sendmail" ] && [ -f "$stamp" ] &&
		{ [ -z "${want// /}" ] || [ "$(cat "$stamp")" = "$want" ]; }; then
		return 0
	fi
	mkdir -p "$debs" || deps_die "cannot create $debs"
	deps_note "fetching ${DEPS_SENDMAIL_PKGS[*]} into $debs"
	rm -f "$debs"/*.deb
	if ! (cd "$debs" && apt-get -qq -o APT::Sandbox::User=root download \
		"${DEPS_SENDMAIL_PKGS[@]}" 2>"$debs/download.log"); then
		deps_apt_update
		want=$(deps_sendmail_version)
		(cd "$debs" && apt-get -qq -o APT::Sandbox::User=root download \
			"${DEPS_SENDMAIL_PKGS[@]}" 2>"$debs/download.log") ||
			{ cat "$debs/download.log" >&2; deps_die "apt-get download of sendmail failed"; }
	fi
	tmp=$(mktemp -d "$cache/sendmail-root.new.XXXXXX")
	for d in "$debs"/*.deb; do
		dpkg -x "$d" "$tmp" || { rm -rf "$tmp"; deps_die "dpkg -x $d failed"; }
	done
	[ -x "$tmp/usr/libexec/sendmail/sendmail" ] ||
		{ rm -rf "$tmp"; deps_die "no usr/libexec/sendmail/sendmail in the packages"; }
	printf '%s' "$want" >"$tmp/.unpacked-from"
	chmod 0755 "$tmp"
	rm -rf "$root"
	mv "$tmp" "$root"
	deps_note "sendmail unpacked in $root"
}

# deps_build - what a build needs
deps_build() { deps_install "${DEPS_BUILD_PKGS[@]}"; }

# deps_test - what the whole test suite needs
deps_test() {
	deps_install "${DEPS_BUILD_PKGS[@]}" "${DEPS_TEST_PKGS[@]}"
	deps_sendmail
}

# deps_fresh_root - what scripts/fresh-root.sh needs on the host
deps_fresh_root() { deps_install "${DEPS_FRESH_ROOT_PKGS[@]}"; }

# deps_package - what building and trying the Debian package needs
deps_package() { deps_install "${DEPS_BUILD_PKGS[@]}" "${DEPS_PACKAGE_PKGS[@]}"; }

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	set -euo pipefail
	case ${1:-} in
	build) deps_build ;;
	test) deps_test ;;
	fresh-root) deps_fresh_root ;;
	package) deps_package ;;
	*) deps_die "usage: $0 build|test|fresh-root|package" ;;
	esac
fi
