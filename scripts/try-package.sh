#!/usr/bin/env bash
# scripts/try-package.sh - build the Debian packages, check them as
#	Debian does, and install them in bare Debian 12 roots as a
#	postmaster would
#
# SYNOPSIS
#	scripts/try-package.sh [--keep] [--debs=DIR] [--only=a|b]
#
# DESCRIPTION
#	1. build: in a bare root, the checkout (git archive HEAD) is built
#	   with the README's own commands ("Installing the Debian package":
#	   the build packages, "dpkg-buildpackage -us -uc -b", which runs
#	   the Check unit suites); lintian, on this host, checks the result
#	   and must report no error and no warning (its whole output is
#	   printed). --debs=DIR takes
#	   the .deb files of an earlier build instead; --only=a or b
#	   runs only that root's step.
#	2. root A, the README.Debian path, in a bare root (mmdebstrap
#	   --variant=apt bookworm, the tarball cached as fresh-root.sh
#	   caches it): "apt install ./loopguard_*.deb postfix" with Postfix
#	   as "Internet Site"; the milter is running (started by postinst,
#	   through the init script: there is no systemd in a root), its
#	   user, folders and socket folder in Postfix's chroot are there
#	   with their owners; postinst printed the Postfix commands, which
#	   are run as printed; a message to an unknown local address
#	   reaches the postmaster, the redirect is in /var/log/mail.log,
#	   and harvest's counter for the client is in "loopguardctl list".
#	   Then an upgrade to a newer version (the same packages with
#	   version +upgrade1): the edited conffile is kept without a
#	   prompt, the daemon is a new process, the entry is still listed
#	   (the snapshot). loopguard-dev: an out-of-tree plugin
#	   (t/install/oot/hello.c) builds with pkg-config and loads. Then
#	   "apt remove" (stopped, state kept) and "apt purge" (nothing of
#	   loopguard left: files, folders, rc links, processes).
#	3. root B, the autopkgtest: a second bare root with autopkgtest,
#	   Postfix, swaks and rsyslog; "autopkgtest ./loopguard_*.deb
#	   SOURCE -- null" runs debian/tests/ there.
#	apt-get downloads with the host's network; every install that
#	starts a server (Postfix on port 25, rsyslog, loopguard) runs in a
#	network namespace of its own, from apt's cache, so they listen only
#	on its loopback. Processes are stopped by PID (pid files, and any
#	process whose root is the root), the roots removed unless --keep.
#
# DIAGNOSTICS
#	Exit 0 when every step worked, 1 with "try-package: error: STEP:
#	reason" otherwise, 77 when it cannot run here (not root).
#
# ENVIRONMENT
#	TRY_PACKAGE_DIR	where the build and the roots are made (default
#			/var/tmp)

set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$TOP/scripts/root-lib.sh"
KEEP=
DEBS=
ONLY=
WORK=
STEP=setup
T0=$(date +%s)
MAILNAME=mx.example.com

die() {
	echo "try-package: error: $STEP: $*" >&2
	exit 1
}
say() { echo "try-package: $*"; }
phase() {
	[ -n "${PHASE_T0:-}" ] && say "   $STEP took $(($(date +%s) - PHASE_T0)) s"
	STEP=$1
	PHASE_T0=$(date +%s)
	say "== $STEP"
}

for arg; do
	case $arg in
	--keep) KEEP=1 ;;
	--debs=*) DEBS=$(cd "${arg#--debs=}" && pwd) ;;
	--only=a | --only=b) ONLY=${arg#--only=} ;;
	-h | --help) sed -n '2,/^$/p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) die "unknown argument: $arg" ;;
	esac
done

if [ "$(id -u)" != 0 ]; then
	echo "try-package: skipped: must run as root (mmdebstrap, chroot, namespaces)"
	exit 77
fi
"$TOP/scripts/deps.sh" package >/dev/null || die "scripts/deps.sh package failed"

cleanup() {
	local rc=$? r
	trap - EXIT ERR
	set +e
	for r in "${ROOTS[@]}"; do
		root_stop_all "$r"
	done
	netns_stop
	if [ -n "$WORK" ]; then
		if [ -n "$KEEP" ]; then
			say "kept: $WORK"
		else
			for r in "${ROOTS[@]}"; do root_umount_cache "$r"; done
			rm -rf --one-file-system "$WORK"
		fi
	fi
	say "total $(($(date +%s) - T0)) s"
	exit $rc
}
ROOTS=()
trap cleanup EXIT
set -E
trap 'die "line $LINENO: $BASH_COMMAND: exit $?"' ERR
trap 'exit 1' INT TERM

WORK=$(mktemp -d "${TRY_PACKAGE_DIR:-/var/tmp}/lg-package-XXXX")
chmod 0755 "$WORK"
ARCHIVES=$WORK/archives          # apt's cache, shared by both roots
mkdir -p "$ARCHIVES/partial"

# readme_build - the first command block of the README's "Installing
# the Debian package": the build packages and dpkg-buildpackage
readme_build() {
	awk '
		$0 == "Installing the Debian package" { sec = 1; next }
		!sec { next }
		/^    / { inb = 1; sub(/^    /, ""); print; next }
		inb { exit }
	' "$TOP/README"
}

# ---- 1. build and lintian
build() {
	local ver r text out
	ver=$(dpkg-parsechangelog -l "$TOP/debian/changelog" -S Version)
	phase "build: the README's commands in a bare root"
	text=$(readme_build)
	case $text in *"dpkg-buildpackage -us -uc -b"*) ;;
	*) die "README, Installing the Debian package: no dpkg-buildpackage block" ;; esac
	r=$WORK/build-root
	mkdir "$r"
	ROOTS+=("$r")
	root_unpack "$r" || die "cannot make the root $r"
	root_mount_cache "$r" "$ARCHIVES"
	mkdir -p "$r/root/loopguard"
	git -C "$TOP" archive HEAD | tar -x -C "$r/root/loopguard"
	[ -f "$r/root/loopguard/debian/rules" ] || die "no debian/rules in HEAD (commit debian/ first)"
	# The root has the host's network for apt-get (the build itself asks
	# nothing of it); the README's own lines, with apt-get update first.
	printf 'set -ex\ncd /root/loopguard\napt-get update -qq\nexport DEB_BUILD_OPTIONS=parallel=2\n%s\n' \
		"$text" >"$r/root/.build.sh"
	root_run "$r" /bin/bash /root/.build.sh >"$WORK/build.log" 2>&1 ||
		{ tail -n 60 "$WORK/build.log"; die "the README's build failed (log: $WORK/build.log)"; }
	grep -E '^# (TOTAL|PASS|FAIL|SKIP)' "$WORK/build.log" | sed 's/^/   unit suites: /'
	DEBS=$WORK/build
	mkdir -p "$DEBS"
	cp "$r"/root/*.deb "$r"/root/*.changes "$r"/root/*.buildinfo "$DEBS/"
	say "   $(cd "$DEBS" && ls ./*.deb | tr '\n' ' ')"
	root_stop_all "$r"
	phase "lintian"
	out=$(lintian --info --pedantic --tag-display-limit 0 "$DEBS"/loopguard_"$ver"_*.changes 2>&1) || true
	printf '%s\n' "$out" | sed 's/^/   | /'
	if printf '%s\n' "$out" | grep -q '^[EW]: '; then
		die "lintian reports errors or warnings (above)"
	fi
	say "   lintian: no error, no warning"
}

# the .deb of PACKAGE in DIR
deb_of() {
	local f
	f=$(ls "$2/$1"_*.deb 2>/dev/null | grep -v dbgsym | head -n 1)
	[ -n "$f" ] || die "no $1_*.deb in $2"
	printf '%s\n' "$f"
}

# upgrade_debs - the same packages as version V+upgrade1, into DIR
upgrade_debs() {
	local out=$1 d p v tmp
	mkdir -p "$out"
	for p in loopguard loopguard-console loopguard-dev; do
		d=$(deb_of "$p" "$DEBS")
		tmp=$WORK/repack-$p
		rm -rf "$tmp"
		dpkg-deb -R "$d" "$tmp"
		v=$(sed -n 's/^Version: //p' "$tmp/DEBIAN/control")
		sed -i -e "s/^Version: .*/Version: $v+upgrade1/" \
			-e "s/(= $v)/(= $v+upgrade1)/g" "$tmp/DEBIAN/control"
		dpkg-deb -b "$tmp" "$out/${p}_$v+upgrade1_$(dpkg --print-architecture).deb" >/dev/null
	done
}

# new_root NAME - NEW_ROOT: a bare Debian 12 root from the cached
# tarball, with the debs in /root/debs and apt's cache shared
new_root() {
	local r=$WORK/$1
	mkdir "$r"
	ROOTS+=("$r")
	root_unpack "$r" || die "cannot make the root $r"
	mkdir -p "$r/root/debs"
	cp "$(deb_of loopguard "$DEBS")" "$(deb_of loopguard-console "$DEBS")" \
		"$(deb_of loopguard-dev "$DEBS")" "$r/root/debs/"
	root_mount_cache "$r" "$ARCHIVES"
	# A root has no init system, and invoke-rc.d then blocks every start
	# a postinst asks for; this policy lets them run, as on a booted host.
	printf '#!/bin/sh\nexit 0\n' >"$r/usr/sbin/policy-rc.d"
	chmod 0755 "$r/usr/sbin/policy-rc.d"
	printf '%s\n' "postfix postfix/main_mailer_type select Internet Site" \
		"postfix postfix/mailname string $MAILNAME" |
		root_run "$r" debconf-set-selections
	root_run "$r" apt-get update -qq || die "apt-get update in $r failed"
	NEW_ROOT=$r
}

# sh_in ROOT [--net] SCRIPT - bash -e script text in ROOT
sh_in() {
	local r=$1 net=
	shift
	[ "$1" = --net ] && { net=--net; shift; }
	printf 'set -euo pipefail\ncd /root\n%s\n' "$1" >"$r/root/.step.sh"
	root_run "$r" $net /bin/bash /root/.step.sh
}

# ---- 2. the README.Debian path
root_a() {
	local r out pid1 pid2 cpid1 printed entries
	phase "root A: bare root, apt downloads"
	new_root a
	r=$NEW_ROOT
	sh_in "$r" "apt-get install -q -y --download-only ./debs/loopguard_*.deb ./debs/loopguard-console_*.deb \
		./debs/loopguard-dev_*.deb postfix rsyslog swaks gcc libc6-dev pkgconf >/dev/null" ||
		die "apt-get --download-only failed"

	# A mail server has a syslog daemon already; rsyslog has no init
	# script in Debian 12 (systemd starts it), so it is started here.
	sh_in "$r" --net 'apt-get install -y --no-install-recommends rsyslog >/dev/null; rsyslogd' ||
		die "rsyslog did not start"
	phase "root A: apt install ./loopguard_*.deb postfix (offline, own network)"
	out=$(sh_in "$r" --net "cd debs && apt install -y ./loopguard_*.deb postfix 2>&1") ||
		{ printf '%s\n' "$out" | tail -n 40; die "apt install failed"; }
	printf '%s\n' "$out" | grep -E '^(loopguard|    postconf|    postfix)' | sed 's/^/   | /'
	# (apt's terminal output ends some lines in CR)
	printed=$(printf '%s\n' "$out" | tr -d '\r' | sed -n 's/^    \(postconf -e .*\)$/\1/p')
	[ "$(printf '%s\n' "$printed" | grep -c '^postconf -e')" = 2 ] ||
		die "postinst did not print the two postconf commands"
	sh_in "$r" --net '
		for i in $(seq 50); do loopguardctl stats >/dev/null 2>&1 && break; sleep 0.2; done
		loopguardctl stats | head -n 3
		pid=$(cat /run/loopguard/loopguard.pid); kill -0 "$pid"
		getent passwd loopguard | grep -q ":/var/lib/loopguard:/usr/sbin/nologin$"
		test "$(stat -c %U:%G:%a /var/lib/loopguard)" = loopguard:loopguard:750
		test "$(stat -c %U:%G:%a /var/spool/loopguard/outbox)" = loopguard:loopguard:750
		test "$(stat -c %U:%G:%a /run/loopguard)" = loopguard:loopguard:755
		test "$(stat -c %U:%G:%a /var/spool/postfix/loopguard)" = loopguard:postfix:750
		test "$(stat -c %U:%G:%a /var/spool/postfix/loopguard/loopguard.sock)" = loopguard:postfix:660
		test "$(stat -c %U "/proc/$pid")" = loopguard
		ls /etc/rc2.d/S*loopguard >/dev/null
		# enabled for systemd too (deb-systemd-helper, without systemd running)
		test -L /etc/systemd/system/multi-user.target.wants/loopguard.service
		grep -q "^local_domains = \"postfix\";" /etc/loopguard/loopguard.conf
		getent passwd loopguard-console >/dev/null && exit 1 || true
	' || die "the installed milter is not as README.Debian says"
	say "   running as loopguard, folders and socket as README.Debian says"

	phase "root A: the printed Postfix lines, a message to an unknown address"
	sh_in "$r" --net "$printed
		apt-get install -y swaks >/dev/null
		to=nosuch@\$(postconf -xh myhostname)
		# from 192.0.2.1: harvest leaves trusted_networks (127.0.0.0/8) alone
		swaks --server 192.0.2.1 --from someone@example.net --to \$to >/root/swaks.log 2>&1
		for i in \$(seq 100); do grep -q \"X-Loopguard-Original-To: \$to\" /var/mail/root 2>/dev/null && break; sleep 0.2; done
		grep \"X-Loopguard-Original-To: \$to\" /var/mail/root
		grep 'plugin=catchall action=redirect' /var/log/mail.log
		loopguardctl list | tee /root/list.txt
		grep -q \"\$to\" /root/list.txt
		loopguardctl reload
		test \"\$(stat -c %U:%G:%a /etc/loopguard/loopguard.conf)\" = root:loopguard:640
		test \"\$(stat -c %U:%G:%a /var/spool/loopguard)\" = root:loopguard:750
	" || die "the catch-all did not work after the printed lines"
	entries=$(awk '/^[0-9a-f]+ / { print $1 }' "$r/root/list.txt" | sort)
	[ -n "$entries" ] || die 'loopguardctl list shows no entry'

	phase "root A: loopguard-console and loopguard-dev"
	mkdir -p "$r/root/oot"
	cp "$TOP/t/install/oot/hello.c" "$r/root/oot/"
	sh_in "$r" --net '
		cd debs && apt-get install -y ./loopguard-console_*.deb ./loopguard-dev_*.deb gcc libc6-dev pkgconf >/dev/null
		getent passwd loopguard-console >/dev/null
		test "$(stat -c %U:%a /var/lib/loopguard-console)" = loopguard-console:750
		test -x /usr/sbin/loopguard-console && man -w loopguard-console >/dev/null 2>&1 || test -f /usr/share/man/man8/loopguard-console.8.gz
		cd /root/oot
		cc -shared -fPIC -Wall -Wextra -Werror $(pkg-config --cflags loopguard) -o hello.so hello.c
		install -m 0644 hello.so "$(pkg-config --variable=plugindir loopguard)"
		sed -e "s|^plugins = (|plugins = ( { name = \"hello\"; greeting = \"packaged\"; },|" \
			/etc/loopguard/loopguard.conf >/root/oot/with-hello.conf
		loopguard -n -c /root/oot/with-hello.conf
		rm "$(pkg-config --variable=plugindir loopguard)/hello.so"
	' || die "loopguard-console or the out-of-tree plugin failed"
	say "   an out-of-tree plugin built with pkg-config --cflags loopguard and loaded"

	phase "root A: the web console as its README.Debian says, without systemd"
	sh_in "$r" --net '
		conf=/etc/loopguard/loopguard.conf
		sed -i "s|^# control_group = .*|control_group = \"loopguard-console\";|" $conf
		grep -q "^control_group = \"loopguard-console\";" $conf
		service loopguard restart
		printf "console = {\n  listen = \"127.0.0.1:8025\";\n  users_file = \"/etc/loopguard/console.users\";\n};\n" >>$conf
		printf "%s\n" try-package-Secret-1 | loopguard-console user add admin --role operator
		loopguard-console -t
		update-rc.d loopguard-console enable
		service loopguard-console start
		pid=$(cat /run/loopguard-console.pid)
		test "$(stat -c %U /proc/$pid)" = loopguard-console
		python3 -c "
import urllib.request
page = urllib.request.urlopen(\"http://127.0.0.1:8025/login\", timeout=10).read().decode()
assert \"name=\\\"password\\\"\" in page, page[:200]
"
		service loopguard-console stop
		if kill -0 "$pid" 2>/dev/null; then echo "still running: $pid"; exit 1; fi
		test ! -e /run/loopguard-console.pid
		service loopguard-console start
	' || die "the console did not run as README.Debian says"
	say "   console: user add, -t, update-rc.d enable, service start, GET /login, stop"

	phase "root A: upgrade to a newer version"
	upgrade_debs "$r/root/debs-new"
	pid1=$(cat "$r/run/loopguard/loopguard.pid")
	cpid1=$(cat "$r/run/loopguard-console.pid")
	echo "# kept across the upgrade" >>"$r/etc/loopguard/loopguard.conf"
	sh_in "$r" --net 'cd debs-new && apt-get install -y ./loopguard_*.deb ./loopguard-console_*.deb ./loopguard-dev_*.deb >/root/upgrade.log 2>&1' ||
		{ tail -n 30 "$r/root/upgrade.log"; die "the upgrade failed"; }
	grep -q '^# kept across the upgrade' "$r/etc/loopguard/loopguard.conf" || die "the edited conffile was replaced"
	sh_in "$r" --net '
		dpkg-query -W -f="\${Version}\n" loopguard | grep -q +upgrade1
		for i in $(seq 50); do loopguardctl stats >/dev/null 2>&1 && break; sleep 0.2; done
		loopguardctl list >/root/list-after.txt
		cat /root/list-after.txt
		test -s /var/lib/loopguard/state.snap
	' || die "after the upgrade: not running, or no snapshot"
	pid2=$(cat "$r/run/loopguard/loopguard.pid")
	[ "$pid1" != "$pid2" ] || die "the daemon was not restarted by the upgrade (pid $pid1)"
	[ "$cpid1" != "$(cat "$r/run/loopguard-console.pid")" ] ||
		die "the running console was not restarted by the upgrade (pid $cpid1)"
	[ "$(awk '/^[0-9a-f]+ / { print $1 }' "$r/root/list-after.txt" | sort)" = "$entries" ] ||
		die "the entries did not survive the upgrade (the snapshot)"
	say "   restarted (pid $pid1 -> $pid2), conffile kept, entries kept:" $entries

	phase "root A: apt remove, then apt purge"
	sh_in "$r" --net '
		dpkg -L loopguard loopguard-console loopguard-dev | sort -u >/root/files.txt
		pid=$(cat /run/loopguard/loopguard.pid)
		cpid=$(cat /run/loopguard-console.pid)
		kill -0 "$cpid"
		postconf -e "smtpd_milters =" "non_smtpd_milters =" && postfix reload
		apt-get remove -y loopguard-dev loopguard-console loopguard >/dev/null
		for p in "$pid" "$cpid"; do
			if kill -0 "$p" 2>/dev/null; then echo "still running after remove: $p"; exit 1; fi
		done
		test -s /var/lib/loopguard/state.snap
		test -f /etc/loopguard/loopguard.conf
		apt-get purge -y loopguard-console loopguard >/dev/null   # -dev has no conffiles: gone at remove
		left=""
		for f in /etc/loopguard /var/lib/loopguard /var/spool/loopguard /run/loopguard \
			/var/spool/postfix/loopguard /var/lib/loopguard-console /run/loopguard-console; do
			test -e "$f" && left="$left $f"
		done
		while read -r f; do
			case $f in /.|/|/etc|/etc/init.d|/lib|/lib/systemd|/lib/systemd/system|/usr|/usr/*/|/usr/bin|/usr/sbin|/usr/include|/usr/lib|/usr/lib/*-linux-gnu|/usr/lib/*-linux-gnu/pkgconfig|/usr/lib/sysusers.d|/usr/lib/tmpfiles.d|/usr/share|/usr/share/doc|/usr/share/man|/usr/share/man/man*) continue ;; esac
			test -e "$f" && left="$left $f"
		done </root/files.txt
		ls /etc/rc*.d/*loopguard* 2>/dev/null && left="$left rc-links"
		ls /etc/systemd/system/*/loopguard*.service 2>/dev/null && left="$left unit-links"
		dpkg -l | grep -E "^.. +loopguard" && left="$left dpkg-status"
		test -z "$left" || { echo "left behind:$left"; exit 1; }
	' || die "remove or purge left something behind"
	say "   remove stopped it and kept the state; purge left nothing"
	# root B shares the network namespace: its Postfix needs port 25
	root_stop_all "$r"
}

# ---- 3. autopkgtest
root_b() {
	local r src
	phase "root B: bare root, autopkgtest"
	new_root b
	r=$NEW_ROOT
	src=${SRC:-}
	if [ -z "$src" ]; then
		src=$WORK/src
		mkdir -p "$src"
		git -C "$TOP" archive HEAD | tar -x -C "$src"
	fi
	mkdir -p "$r/root/src"
	cp -a "$src/debian" "$r/root/src/"
	# autopkgtest also installs dpkg-dev, make and patch for the tree
	sh_in "$r" "apt-get install -q -y --download-only autopkgtest dpkg-dev make patch \
		./debs/loopguard_*.deb postfix swaks rsyslog >/dev/null" ||
		die "apt-get --download-only failed"
	sh_in "$r" --net 'apt-get install -y autopkgtest >/dev/null
		cd /root && autopkgtest --output-dir=/root/apt-out ./debs/loopguard_*.deb ./src -- null' \
		>"$WORK/autopkgtest.log" 2>&1 || {
		tail -n 60 "$WORK/autopkgtest.log"
		die "autopkgtest failed (log: $WORK/autopkgtest.log)"
	}
	grep -E '^(catchall|ok:) ' "$WORK/autopkgtest.log" | sed 's/^/   | /'
	grep -Eq '^catchall +PASS' "$WORK/autopkgtest.log" || die "autopkgtest: catchall did not PASS"
}

# main - one function, so bash has read all of it before it runs
main() {
	netns_start
	root_base || die "no base tarball (mmdebstrap failed)"
	[ -n "$DEBS" ] || build
	[ "$ONLY" = b ] || root_a
	[ "$ONLY" = a ] || root_b
	phase "done"
	say "all steps worked"
}
main
