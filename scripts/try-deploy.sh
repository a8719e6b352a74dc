#!/usr/bin/env bash
# scripts/try-deploy.sh - follow the README's "Deploying on Debian 12" on a
#	bare Debian 12 root, as a postmaster who has never seen loopguard
#
# SYNOPSIS
#	scripts/try-deploy.sh [--keep]
#	scripts/try-deploy.sh --reuse=ROOT	(a kept root, from step 3 on)
#
# DESCRIPTION
#	Makes a bare root with "mmdebstrap --variant=apt bookworm", copies
#	the checkout (git archive HEAD) to ROOT/root/loopguard, and runs in
#	it, as root, the README's deployment steps in their order: 1 (the
#	packages with Postfix as "Internet Site", build, make install), 2
#	(the path without systemd: adduser, make install again), 3 (the
#	config: local_domains from "postconf -x mydestination", a user
#	account for the postfix source, the log file of the section
#	"Logs"; loopguard -n), 4
#	(the init script), 5 (postconf -e, loopguard -n && postfix reload)
#	and 6 (loopguardctl stats, swaks to an unknown address, the log).
#	The command blocks of steps 1 to 6 and of the uninstall are read
#	from the README itself (where one is adapted, a comment says why),
#	so this script fails when the README drifts from what works.
#
#	After step 4 it shows that the installed milter socket is a unix
#	socket in Postfix's chroot, mode 0660, group postfix, that nothing
#	listens on TCP, and that the user nobody cannot connect to it
#	(EACCES): whoever can would speak for the MTA.
#	It then shows, in the logs, a catch-all redirect and, from a client
#	outside trusted_networks, a harvest block past the installed
#	threshold; that the postmaster's mailbox got the redirected message;
#	and that a start with an unwritable state folder, a missing folder,
#	an unknown user or a refused config exits non-zero with the reason
#	on stderr and leaves no pid file or control socket, both with
#	loopguard itself and with the init script; stop then an immediate
#	start, and a start after /run/loopguard is gone (as after a boot).
#	After the harvest block it follows "The web console", turning it
#	on, steps 1 to 4 without systemd, from the README's command blocks
#	(control_group, the user and its folder, a restart of loopguard,
#	the console group, two users with the password on stdin,
#	loopguard-console -t, the start as a background job with its PID
#	kept); checks the control socket's group, the users file's owner
#	and mode and the user the console runs as; logs in with curl
#	(GET /login, POST the form, /entries shows the harvest block),
#	reads /metrics as the read user; then the TLS variant with the
#	README's self-made certificate (a Secure cookie, /metrics over
#	https), and stops the console by its PID each time.
#	Last, the README's uninstall block, which must leave no binary,
#	folder, rc link or user behind and Postfix without the milter.
#
#	apt-get runs with the host's network (the only way to the archive);
#	the servers (Postfix's smtpd on port 25, loopguard) run
#	in a network namespace of their own, so they listen only on its
#	loopback. Every phase runs in a private mount namespace with proc,
#	sysfs and /dev mounted, then chroot. Everything started is stopped
#	by PID and the root is removed at the end, unless --keep is given.
#	Each phase prints its duration, and the total at the end.
#
# DIAGNOSTICS
#	Exit 0 when every step worked. Otherwise exit 1 with
#	"try-deploy: error: STEP: reason" on stderr.
#
# ENVIRONMENT
#	TRY_DEPLOY_DIR	where the root is made (default /var/tmp)
#	TRY_DEPLOY_MIRROR the Debian mirror for mmdebstrap (default: its own)

set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$TOP/scripts/root-lib.sh"
README=$TOP/README
KEEP=
REUSE=
STEP=setup
ROOT=
T0=$(date +%s)
MAILNAME=mx.example.com

# die - report the failing step and stop
die() {
	echo "try-deploy: error: $STEP: $*" >&2
	exit 1
}

# say - a progress line
say() {
	echo "try-deploy: $*"
}

# phase - start timing a new step, after reporting the last one's time
phase() {
	phase_end
	STEP=$1
	PHASE_T0=$(date +%s)
	say "== $STEP"
}
PHASE_T0=
# phase_end - the time the current step took
phase_end() {
	if [ -n "$PHASE_T0" ]; then
		say "   $STEP took $(($(date +%s) - PHASE_T0)) s"
		PHASE_T0=
	fi
}

for arg; do
	case $arg in
	--keep) KEEP=1 ;;
	--reuse=*) REUSE=${arg#--reuse=}; KEEP=1 ;;
	-h|--help) sed -n '2,/^$/p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) die "unknown argument: $arg (usage: $0 [--keep])" ;;
	esac
done

[ "$(id -u)" = 0 ] || die "run as root (mmdebstrap, chroot, namespaces)"
for tool in mmdebstrap unshare nsenter ip ss git; do
	command -v "$tool" >/dev/null || die "$tool is not installed"
done
[ -r "$README" ] || die "no README at $README"

# readme_block STEP N [SECTION] - the Nth indented command block of the
# numbered step STEP of SECTION (default "Deploying on Debian 12"),
# without its indentation
readme_block() {
	awk -v want="$1" -v nth="$2" -v name="${3:-Deploying on Debian 12}" '
		$0 == name { sec = 1; getline; next }
		!sec { next }
		/^--+$/ { exit }
		/^[0-9]+\. / { step = $1 + 0; blk = 0; inb = 0; next }
		step != want { next }
		/^       / {
			if (!inb) { inb = 1; blk++ }
			if (blk == nth) { sub(/^       /, ""); print }
			next
		}
		{ inb = 0 }
	' "$README"
}

# readme_uninstall - the command block after "Uninstall:" in
# "Deploying on Debian 12"
readme_uninstall() {
	awk '
		$0 == "Deploying on Debian 12" { sec = 1; getline; next }
		!sec { next }
		/^--+$/ { exit }
		/^Uninstall:/ { un = 1; next }
		un && /^    / { inb = 1; sub(/^    /, ""); print; next }
		inb { exit }
	' "$README"
}

# need_block STEP N PATTERN [SECTION] - readme_block, which must
# contain PATTERN
need_block() {
	local text
	text=$(readme_block "$1" "$2" "${4:-}")
	case $text in
	*"$3"*) printf '%s\n' "$text" ;;
	*) die "README, ${4:-Deploying on Debian 12}, step $1: command block $2 no longer contains \"$3\"" ;;
	esac
}

# readme_tls N - the Nth command block after "On the network, with
# TLS" in "The web console", without its indentation
readme_tls() {
	awk -v nth="$1" '
		/^On the network, with TLS/ { sec = 1; next }
		!sec { next }
		/^    / {
			if (!inb) { inb = 1; blk++ }
			if (blk == nth) { sub(/^    /, ""); print }
			next
		}
		/^$/ { inb = 0; next }
		inb || blk { if (blk >= nth) exit; inb = 0 }
	' "$README"
}

# cleanup - stop what was started, by PID; remove the root
cleanup() {
	local rc=$? pid f
	trap - EXIT ERR
	set +e
	if [ -n "$ROOT" ] && [ -d "$ROOT" ]; then
		for f in run/loopguard/loopguard.pid var/spool/postfix/pid/master.pid; do
			[ -r "$ROOT/$f" ] || continue
			pid=$(tr -dc 0-9 <"$ROOT/$f")
			[ -n "$pid" ] && kill_pid "$pid"
		done
		for pid in $(cat "$ROOT/.try-deploy-pids" 2>/dev/null); do
			kill_pid "$pid"
		done
	fi
	[ -n "$HOLDER" ] && kill_pid "$HOLDER"
	phase_end
	if [ -n "$ROOT" ] && [ -d "$ROOT" ]; then
		if [ -n "$KEEP" ]; then
			say "kept the root: $ROOT"
		else
			rm -rf --one-file-system "$ROOT"
		fi
	fi
	say "total $(($(date +%s) - T0)) s"
	exit $rc
}

# kill_pid PID - SIGTERM, then SIGKILL after 10 s
kill_pid() {
	local i
	kill -0 "$1" 2>/dev/null || return 0
	kill "$1" 2>/dev/null
	for i in $(seq 100); do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.1
	done
	kill -9 "$1" 2>/dev/null
}
trap cleanup EXIT
# A command that fails where no die() speaks still names the step.
set -E
trap 'die "line $LINENO: $BASH_COMMAND: exit $?"' ERR
trap 'exit 1' INT TERM

# in_root [--net] CMD... - run CMD in the root, in a private mount
# namespace; with --net also in the servers' network namespace
in_root() {
	root_run "$ROOT" "$@"
}

# root_sh [--net] SCRIPT - run a bash script (text) in the root, from
# the source folder, with -e and -x so a stranger's terminal is shown
root_sh() {
	local net=
	[ "$1" = --net ] && { net=--net; shift; }
	printf 'set -euxo pipefail\ncd /root/loopguard\n%s\n' "$1" >"$ROOT/root/.try-step.sh"
	in_root $net /bin/bash /root/.try-step.sh
}

# wait_log FILE PATTERN - wait up to 20 s for PATTERN in the root's FILE
wait_log() {
	local i
	for i in $(seq 200); do
		grep -q -- "$2" "$ROOT$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
# The milter socket of the installed config, inside Postfix's chroot.
MILTER_SOCK=/var/spool/postfix/loopguard/loopguard.sock
# no_leftovers WHAT - no pid file, no control socket, no milter socket,
# nothing on 8890
no_leftovers() {
	[ ! -e "$ROOT/run/loopguard/loopguard.pid" ] || die "$1 left the pid file"
	[ ! -e "$ROOT/run/loopguard/control.sock" ] || die "$1 left the control socket"
	[ ! -e "$ROOT$MILTER_SOCK" ] || die "$1 left the milter socket"
	! nsenter "--net=/proc/$HOLDER/ns/net" ss -ltn | grep -q '127.0.0.1:8890 ' ||
		die "$1 left a listener on 8890"
}
# must_fail WHAT PATTERN CMD - CMD exits non-zero and says PATTERN on
# stderr, and leaves nothing behind
must_fail() {
	local what=$1 pat=$2 rc=0
	shift 2
	rm -f "$ROOT/root/.try-rc"
	root_sh --net "rc=0; $* 2>/root/.try-err || rc=\$?; echo \$rc >/root/.try-rc" >/dev/null 2>&1 ||
		die "$what: the root's shell failed"
	rc=$(cat "$ROOT/root/.try-rc")
	[ "$rc" != 0 ] || die "$what: exit 0"
	grep -q -- "$pat" "$ROOT/root/.try-err" ||
		die "$what: exit $rc, but stderr lacks \"$pat\": $(cat "$ROOT/root/.try-err")"
	say "   $what: exit $rc: $(grep -v '^+' "$ROOT/root/.try-err" | tr '\n' ' ')"
	no_leftovers "$what"
}

# p0 - bare root
p0() {
	phase "bare root"
	[ -z "$(git -C "$TOP" status --porcelain --untracked-files=no)" ] ||
		say "note: uncommitted changes are not copied (git archive HEAD)"
	if [ -n "$REUSE" ]; then
		ROOT=$REUSE
		return 0
	fi
	ROOT=$(mktemp -d "${TRY_DEPLOY_DIR:-/var/tmp}/lg-stranger-XXXX")
	chmod 0755 "$ROOT"   # the root's "/": the services' users must pass it
	mmdebstrap --quiet --variant=apt bookworm "$ROOT" ${TRY_DEPLOY_MIRROR:+"$TRY_DEPLOY_MIRROR"} ||
		die "mmdebstrap failed"
	mkdir -p "$ROOT/root/loopguard"
	git -C "$TOP" archive HEAD | tar -x -C "$ROOT/root/loopguard" ||
		die "cannot copy the checkout"
	# Adapted: the README's "apt-get install" asks "Do you want to
	# continue?"; a stranger types y, this script says it once here.
	echo 'APT::Get::Assume-Yes "true";' >"$ROOT/etc/apt/apt.conf.d/90try-deploy"
	# Adapted: in a chroot a package's postinst would start Postfix in the
	# host's network namespace (port 25 of the host). Services are kept
	# from starting during package installs; they are started later in the
	# servers' own namespace.
	printf '#!/bin/sh\nexit 101\n' >"$ROOT/usr/sbin/policy-rc.d"
	chmod 0755 "$ROOT/usr/sbin/policy-rc.d"
	# The answers a stranger gives to Postfix's questions.
	printf '%s\n' "postfix postfix/main_mailer_type select Internet Site" \
		"postfix postfix/mailname string $MAILNAME" |
		in_root debconf-set-selections || die "debconf-set-selections failed"
}

# p1 - README step 1 (packages, build, make install)
p1() {
	phase "README step 1 (packages, build, make install)"
	root_sh "$(need_block 1 1 'make install')" || die "a command of step 1 failed (see above)"
	# swaks is only the checking tool of step 6; it comes with the host's
	# network now, since the servers' namespace has none.
	in_root apt-get install -q swaks >/dev/null || die "apt-get install swaks failed"
	for f in /usr/sbin/loopguard /usr/bin/loopguardctl /etc/loopguard/loopguard.conf \
		/etc/init.d/loopguard /usr/sbin/postfix; do
		[ -e "$ROOT$f" ] || die "$f is not there after step 1"
	done
}

# p2 - README step 2 (the user, without systemd)
p2() {
	phase "README step 2 (the user, without systemd)"
	in_root sh -c 'command -v systemd-sysusers' >/dev/null &&
		die "systemd-sysusers exists: this root is not the no-systemd case"
	root_sh "$(need_block 2 2 'adduser')" || die "a command of step 2 failed (see above)"
	for d in /var/lib/loopguard /var/spool/loopguard/outbox /run/loopguard; do
		o=$(in_root stat -c %U "$d") || die "$d was not made"
		[ "$o" = loopguard ] || die "$d belongs to $o, not loopguard"
	done
	o=$(in_root stat -c '%U:%G %a' "${MILTER_SOCK%/*}") ||
		die "${MILTER_SOCK%/*} (the milter socket's folder) was not made"
	[ "$o" = "loopguard:postfix 750" ] ||
		die "${MILTER_SOCK%/*} is $o, not loopguard:postfix 750"
}

# p3 - README step 3 (the config)
p3() {
	phase "README step 3 (the config)"
	# The postmaster's own domain example.com is one Postfix delivers
	# locally; local_domains is then every mydestination domain, as step 3
	# says, and the recipients every real address in them.
	root_sh "$(cat <<'EOF'
	postconf -e 'mydestination = example.com, $myhostname, mx.example.com, localhost.localdomain, localhost'
	doms=$(postconf -xh mydestination | tr ',' ' ')
	list=$(for d in $doms; do printf '"%s", ' "$d"; done)
	conf=/etc/loopguard/loopguard.conf
	sed -i "s|^local_domains = .*|local_domains = [ ${list%, } ];|" $conf
	grep -q '^local_domains = \[ "example.com"' $conf
	# Logs, without systemd and without rsyslog: a file of its own.
	sed -i 's|^# log = "syslog";|log = "file:/var/log/loopguard.log";|' $conf
	grep -q '^log = "file:/var/log/loopguard.log";' $conf
	# The mailer group, for the postmaster notices: installed on.
	grep -q '^mailer = {' $conf
	# Who exists: the installed config asks Postfix (its accounts and
	# aliases); a new account is all a new user needs.
	grep -q '^recipients = \[ "postfix" \];' $conf
	useradd -M -s /usr/sbin/nologin alice
EOF
	)" || die "editing the config failed"
	out=$(root_sh "$(need_block 3 1 'loopguard -n')" 2>&1) || die "loopguard -n refused the config: $out"
	printf '%s\n' "$out"
}

# p4 - README step 4 (start with the init script)
p4() {
	phase "README step 4 (start with the init script)"
	rm -f "$ROOT/usr/sbin/policy-rc.d"
	# Adapted: "service loopguard start" runs in the servers' namespace.
	root_sh --net "$(need_block 4 2 'service loopguard start')" ||
		die "the init script did not start loopguard"
	pid=$(cat "$ROOT/run/loopguard/loopguard.pid") || die "no pid file"
	kill -0 "$pid" || die "pid $pid of the pid file is not running"
	# The installed milter socket: unix, in Postfix's chroot, mode 0660,
	# group postfix; no TCP port.
	[ -S "$ROOT$MILTER_SOCK" ] || die "no milter socket $MILTER_SOCK"
	o=$(in_root stat -c '%U:%G %a' "$MILTER_SOCK")
	[ "$o" = "loopguard:postfix 660" ] || die "$MILTER_SOCK is $o, not loopguard:postfix 660"
	! nsenter "--net=/proc/$HOLDER/ns/net" ss -ltn | grep -q '127.0.0.1:8890 ' ||
		die "loopguard listens on 127.0.0.1:8890 (the installed socket is a unix one)"
	# Whoever can connect speaks for the MTA: another local user cannot.
	out=$(in_root setpriv --reuid=nobody --regid=nogroup --clear-groups \
		perl -MSocket -e 'socket(my $s, PF_UNIX, SOCK_STREAM, 0) or die;
			if (connect($s, pack_sockaddr_un($ARGV[0]))) { print "connected\n"; exit 0 }
			printf "%d %s\n", $! + 0, $!; exit 1' "$MILTER_SOCK" 2>&1) &&
		die "the user nobody can connect to $MILTER_SOCK"
	[ "$out" = "13 Permission denied" ] || die "nobody connecting to $MILTER_SOCK: $out"
	say "   loopguard runs, pid $pid, on $MILTER_SOCK ($o); nobody gets: $out"
}

# p5 - README step 5 (attach Postfix)
p5() {
	phase "README step 5 (attach Postfix)"
	# Without systemd and rsyslog Postfix's lines go nowhere either; like
	# loopguard's log setting, Postfix's maillog_file (see "Logs").
	# Adapted: in a real install apt-get started Postfix; here it starts
	# now, in the servers' namespace, so that step 5's reload has a master.
	root_sh --net "$(cat <<'EOF'
	postconf -e 'maillog_file = /var/log/mail.log'
	service postfix start
EOF
	)" || die "Postfix does not start"
	root_sh --net "$(need_block 5 1 'postfix reload')" || die "a command of step 5 failed (see above)"
	nsenter "--net=/proc/$HOLDER/ns/net" ss -ltn | grep -q ':25 ' ||
		die "Postfix's smtpd does not listen on port 25"
}

# p6 - README step 6 (see that it works)
p6() {
	phase "README step 6 (see that it works)"
	# The README's block but its journalctl line (systemd); swaks is
	# installed already (p1), so its apt-get needs no network here.
	need_block 6 1 'swaks' | grep -v '^journalctl' >"$ROOT/root/.try-6.sh"
	root_sh --net "$(cat "$ROOT/root/.try-6.sh")" || die "a command of step 6 failed (see above)"
	wait_log /var/log/loopguard.log 'plugin=catchall action=redirect' ||
		die "no plugin=catchall action=redirect in /var/log/loopguard.log"
	# The README's line for the case without systemd.
	root_sh "$(need_block 6 2 '/var/log/loopguard.log')" ||
		die "the README's grep of /var/log/loopguard.log found nothing"
	wait_log /var/mail/root 'X-Loopguard-Original-To: nosuch@example.com' ||
		die "the redirected message did not reach the postmaster's mailbox (/var/mail/root)"
	# Who exists comes from Postfix: the account made in step 3, an
	# alias of /etc/aliases, and nobody else.
	out=$(root_sh "loopguardctl lookup alice@example.com postmaster@example.com nosuch@example.com" 2>&1) ||
		die "loopguardctl lookup failed: $out"
	printf '%s\n' "$out"
	grep -q '^alice@example.com: exists (postfix)$' <<<"$out" &&
		grep -q '^postmaster@example.com: exists (postfix)$' <<<"$out" &&
		grep -q '^nosuch@example.com: unknown' <<<"$out" ||
		die "the postfix source does not answer as Postfix would"
	say "   /var/mail/root (postmaster is root in /etc/aliases):"
	grep -E '^(X-Loopguard-Original-To|X-Original-To|Delivered-To):' "$ROOT/var/mail/root"
	grep -E 'to=<root@[^>]*>, orig_to=<postmaster@example.com>.*status=sent' "$ROOT/var/log/mail.log" ||
		die "Postfix's log shows no delivery to postmaster@example.com"
}

# p7 - harvest block
p7() {
	phase "harvest block"
	THRESHOLD=$(sed -n '/name = "harvest"/,/}/s/^[[:space:]]*threshold = \([0-9]*\);.*/\1/p' \
		"$ROOT/etc/loopguard/loopguard.conf")
	[ -n "$THRESHOLD" ] || die "no harvest threshold in the installed config"
	say "   installed harvest threshold: $THRESHOLD"
	# From 192.0.2.1: 127.0.0.0/8 is in trusted_networks, which harvest
	# never counts. THRESHOLD+5 distinct unknown recipients in one session.
	n=$((THRESHOLD + 5))
	rcpts=$(for i in $(seq "$n"); do printf 'probe%d@example.com,' "$i"; done)
	root_sh --net "swaks --server 192.0.2.1 --from probe@example.net --to '${rcpts%,}' >/root/.try-harvest.out 2>&1 || true" ||
		die "swaks failed"
	wait_log /var/log/loopguard.log 'plugin=harvest' ||
		die "no plugin=harvest line after $n unknown recipients from 192.0.2.1"
	grep 'plugin=harvest' "$ROOT/var/log/loopguard.log" | head -3
	grep -E '^<\*\* +4[0-9][0-9] ' "$ROOT/root/.try-harvest.out" | head -2 ||
		die "swaks saw no 4xx answer after the block"
	wait_log /var/mail/root 'Subject: loopguard: network 192.0.2.1/32 blocked' ||
		die "the postmaster got no notice of the block in /var/mail/root"
	grep 'Subject: loopguard: network' "$ROOT/var/mail/root"
	root_sh --net "loopguardctl stats" || die "loopguardctl stats failed"
}

# pc - README "The web console", turning it on, without systemd
pc() {
	local sec="The web console" conf=/etc/loopguard/loopguard.conf jar=/root/.try-jar
	local url=http://127.0.0.1:8025 pw=try-deploy-Secret-1 pid o out i
	phase "README web console (turning it on, without systemd)"
	# curl is only the checking tool here, like swaks; host's network.
	in_root apt-get install -q curl >/dev/null || die "apt-get install curl failed"
	# Step 1: the control socket's group in place of the commented one.
	line=$(need_block 1 1 'control_group' "$sec")
	grep -q '^control = "unix:/run/loopguard/control.sock";' "$ROOT$conf" ||
		die "the installed config does not set control as the README says"
	sed -i "s|^# control_group = .*|$line|" "$ROOT$conf"
	grep -qx "$line" "$ROOT$conf" || die "cannot set control_group"
	root_sh --net "$(need_block 1 3 'adduser' "$sec")" ||
		die "a command of the console's step 1 failed (see above)"
	o=$(in_root stat -c '%G %a' /run/loopguard/control.sock) || die "no control socket"
	[ "$o" = "loopguard-console 660" ] || die "the control socket is $o, not loopguard-console 660"
	o=$(in_root stat -c '%U:%G %a' /var/lib/loopguard-console) || die "/var/lib/loopguard-console was not made"
	[ "$o" = "loopguard-console:loopguard-console 750" ] || die "/var/lib/loopguard-console is $o"
	# Step 2: the console group at the end of the config; no syslog here.
	need_block 2 1 'console = {' "$sec" | sed 's|^  # log = "stderr";|  log = "stderr";|' >>"$ROOT$conf"
	grep -q '^  log = "stderr";' "$ROOT$conf" || die "the README's console group has no log line to turn on"
	# Step 3: the password as the first line of stdin, one user at a
	# time; the block ends with loopguard-console -t.
	need_block 3 1 'loopguard-console -t' "$sec" |
		sed "s/^loopguard-console user add/printf '%s\\\\n' '$pw' | &/" >"$ROOT/root/.try-c3.sh"
	root_sh "$(cat "$ROOT/root/.try-c3.sh")" || die "a command of the console's step 3 failed (see above)"
	o=$(in_root stat -c '%U:%G %a' /etc/loopguard/console.users) || die "no users file"
	[ "$o" = "root:loopguard-console 640" ] || die "/etc/loopguard/console.users is $o"
	# Step 4: the start without systemd; its PID for the cleanup.
	root_sh --net "$(need_block 4 3 'loopguard-console -f' "$sec")" || die "the console did not start"
	pid=$(cat "$ROOT/run/loopguard-console.pid") || die "no /run/loopguard-console.pid"
	echo "$pid" >>"$ROOT/.try-deploy-pids"
	for i in $(seq 100); do
		nsenter "--net=/proc/$HOLDER/ns/net" ss -ltn | grep -q '127.0.0.1:8025 ' && break
		kill -0 "$pid" 2>/dev/null || die "the console exited: $(cat "$ROOT/var/log/loopguard-console.log")"
		sleep 0.1
	done
	o=$(awk '/^Uid:/ { print $2 }' "/proc/$pid/status") || die "the console is not running"
	[ "$o" = "$(in_root id -u loopguard-console)" ] || die "the console runs as uid $o"
	# Log in as a browser would: the form, the POST, the entries page.
	root_sh --net "curl -fsS -c $jar $url/login | grep -q 'name=\"password\"'" || die "GET /login has no form"
	out=$(root_sh --net "curl -sS -b $jar -c $jar -o /dev/null -w '%{http_code} %{redirect_url}' \
		--data-urlencode user=admin --data-urlencode password='$pw' --data-urlencode next=/entries $url/login") ||
		die "POST /login failed"
	[ "${out%% *}" = 303 ] || die "POST /login: $out, not 303"
	root_sh --net "curl -fsS -b $jar $url/entries >/root/.try-entries.html" || die "GET /entries failed"
	grep -q '192\.0\.2\.1' "$ROOT/root/.try-entries.html" ||
		die "/entries does not show the harvest block of 192.0.2.1"
	grep -q 'harvest' "$ROOT/root/.try-entries.html" || die "/entries names no harvest entry"
	say "   logged in as admin; /entries shows the harvest block of 192.0.2.1"
	# /metrics with the read user, over HTTP Basic.
	out=$(root_sh --net "curl -fsS -u 'viewer:$pw' $url/metrics" 2>/dev/null) || die "GET /metrics as viewer failed"
	grep -q '^loopguard_up 1$' <<<"$out" || die "/metrics lacks loopguard_up 1"
	say "   /metrics as viewer: $(grep -c '^loopguard_' <<<"$out") samples, loopguard_up 1"
	# Stop by the PID the README keeps.
	kill "$pid"
	for i in $(seq 100); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	! kill -0 "$pid" 2>/dev/null || die "the console did not stop within 10 s of SIGTERM"
	grep -q 'stopped' "$ROOT/var/log/loopguard-console.log" || die "no 'stopped' in the console's log"
	say "   stopped by its PID $pid; its log: /var/log/loopguard-console.log"
}

# pc_tls - the console over TLS, with the README's self-made certificate
pc_tls() {
	local sec="The web console" conf=/etc/loopguard/loopguard.conf
	local url=https://mx.example.com:8443 pw=try-deploy-Secret-1 pid text out i
	phase "README web console over TLS"
	text=$(readme_tls 1)
	case $text in *"openssl req"*) ;; *) die "README: no openssl block before the TLS console group" ;; esac
	root_sh "$text" || die "the README's openssl commands failed"
	o=$(in_root stat -c '%U %a' /etc/loopguard/console.key)
	[ "$o" = "root 600" ] || die "/etc/loopguard/console.key is $o"
	text=$(readme_tls 2)
	case $text in *"tls_key"*) ;; *) die "README: no TLS console group" ;; esac
	# In place of step 3's group (the last lines of the config); adapted:
	# its log line, as there is no syslog here.
	sed -i '/^console = {$/,$d' "$ROOT$conf"
	printf '%s\n' "$text" | sed 's|^};$|  log = "stderr";\n};|' >>"$ROOT$conf"
	root_sh "loopguard-console -t" || die "loopguard-console -t refused the TLS config"
	root_sh --net "$(need_block 4 3 'loopguard-console -f' "$sec")" || die "the console did not start with TLS"
	pid=$(cat "$ROOT/run/loopguard-console.pid") || die "no /run/loopguard-console.pid"
	echo "$pid" >>"$ROOT/.try-deploy-pids"
	for i in $(seq 100); do
		nsenter "--net=/proc/$HOLDER/ns/net" ss -ltn | grep -q '0.0.0.0:8443 ' && break
		kill -0 "$pid" 2>/dev/null || die "the console exited: $(tail -3 "$ROOT/var/log/loopguard-console.log")"
		sleep 0.1
	done
	# The certificate checked against itself, by its name.
	c="curl -sS --cacert /etc/loopguard/console.pem --resolve mx.example.com:8443:127.0.0.1"
	out=$(root_sh --net "$c -D - -o /dev/null --data-urlencode user=admin \
		--data-urlencode password='$pw' $url/login" 2>/dev/null) || die "POST /login over TLS failed"
	grep -qi '^set-cookie: lg_session=.*; *Secure' <<<"$out" || die "no Secure session cookie over TLS: $out"
	out=$(root_sh --net "$c -f -u 'viewer:$pw' $url/metrics" 2>/dev/null) || die "/metrics over TLS failed"
	grep -q '^loopguard_up 1$' <<<"$out" || die "/metrics over TLS lacks loopguard_up 1"
	say "   https on 0.0.0.0:8443 with the self-made certificate: login (Secure cookie), /metrics"
	kill "$pid"
	for i in $(seq 100); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	! kill -0 "$pid" 2>/dev/null || die "the console did not stop within 10 s of SIGTERM"
}

# p8 - stop, then start right away
p8() {
	phase "stop, then start right away"
	root_sh --net "service loopguard stop && service loopguard start" ||
		die "stop then start failed"
	t=$(date +%s%N)
	in_root sh -c 'kill -TERM "$(cat /run/loopguard/loopguard.pid)" &&
		while [ -e /run/loopguard/loopguard.pid ]; do sleep 0.01; done'
	say "   SIGTERM to pid file gone: $((($(date +%s%N) - t) / 1000000)) ms (chroot included)"
	root_sh --net "service loopguard start" || die "no start right after SIGTERM"
	# A crash (SIGKILL) leaves the pid file and the control socket;
	# the next start takes them over.
	pid=$(cat "$ROOT/run/loopguard/loopguard.pid")
	kill -KILL "$pid"
	while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
	[ -e "$ROOT/run/loopguard/loopguard.pid" ] || die "SIGKILL removed the pid file?"
	root_sh --net "service loopguard start" || die "no start after a crash (stale pid file)"
	pid=$(cat "$ROOT/run/loopguard/loopguard.pid") && kill -0 "$pid" ||
		die "loopguard does not run after a start over a stale pid file"
	say "   started over the stale pid file of a killed daemon, pid $pid"
	pid=$(cat "$ROOT/run/loopguard/loopguard.pid") && kill -0 "$pid" ||
		die "loopguard does not run after stop and start"
	say "   runs again, pid $pid"
	root_sh --net "service loopguard stop" || die "service loopguard stop failed"
	[ ! -e "$ROOT/run/loopguard/loopguard.pid" ] || die "the pid file is left after stop"
	# After a boot /run is empty: the init script must cope.
	rm -rf "$ROOT/run/loopguard"
	root_sh --net "service loopguard start && service loopguard stop" ||
		die "the init script does not start without /run/loopguard (as after a boot)"
	say "   starts with /run/loopguard missing, as after a boot"
}

# p9 - failing starts
p9() {
	phase "failing starts"
	conf=/etc/loopguard/loopguard.conf
	cp "$ROOT$conf" "$ROOT$conf.good"
	# An unwritable state folder.
	root_sh "chown root:root /var/lib/loopguard && chmod 0755 /var/lib/loopguard"
	must_fail "unwritable state folder, loopguard" '/var/lib/loopguard' loopguard
	must_fail "unwritable state folder, loopguard -n" '/var/lib/loopguard' loopguard -n
	# The init script checks (loopguard -n) before it makes its folders,
	# so it refuses too rather than change an owner behind one's back.
	must_fail "unwritable state folder, init script" '/var/lib/loopguard' service loopguard start
	root_sh "chown loopguard:loopguard /var/lib/loopguard && chmod 0750 /var/lib/loopguard"
	# A missing folder that is not the last level (loopguard makes only the
	# last level, the init script only its own folders).
	sed -i 's|^  snapshot = .*|  snapshot = "/var/lib/lg-missing/state/state.snap";|' "$ROOT$conf"
	grep -q lg-missing "$ROOT$conf" || die "cannot set the snapshot path"
	must_fail "missing folder, loopguard" '/var/lib/lg-missing' loopguard
	must_fail "missing folder, init script" '/var/lib/lg-missing' service loopguard start
	cp "$ROOT$conf.good" "$ROOT$conf"
	# An unknown user.
	sed -i 's|^user = "loopguard";|user = "loopgaurd";|' "$ROOT$conf"
	grep -q '^user = "loopgaurd";' "$ROOT$conf" || die "cannot set the user"
	must_fail "unknown user, loopguard" 'loopgaurd' loopguard
	must_fail "unknown user, init script" 'loopgaurd' service loopguard start
	cp "$ROOT$conf.good" "$ROOT$conf"
	# A refused config.
	sed -i 's|^on_error = "tempfail";|on_error = ;|' "$ROOT$conf"
	grep -q '^on_error = ;' "$ROOT$conf" || die "cannot break the config"
	must_fail "syntax error, loopguard" "$conf:" loopguard
	must_fail "syntax error, init script" "$conf:" /etc/init.d/loopguard start
	cp "$ROOT$conf.good" "$ROOT$conf"
	root_sh --net "service loopguard start" || die "the good config does not start again"
	# A second daemon is refused; the running one keeps its pid file.
	pid=$(cat "$ROOT/run/loopguard/loopguard.pid")
	root_sh --net "rc=0; loopguard 2>/root/.try-err || rc=\$?; echo \$rc >/root/.try-rc" >/dev/null 2>&1 ||
		die "the root's shell failed"
	[ "$(cat "$ROOT/root/.try-rc")" != 0 ] || die "a second loopguard started"
	grep -q "already running, pid $pid" "$ROOT/root/.try-err" ||
		die "a second loopguard: $(cat "$ROOT/root/.try-err")"
	[ "$(cat "$ROOT/run/loopguard/loopguard.pid")" = "$pid" ] && kill -0 "$pid" ||
		die "a second loopguard disturbed the first"
	say "   second start: exit $(cat "$ROOT/root/.try-rc"): $(cat "$ROOT/root/.try-err")"
}

# p10 - README's uninstall
p10() {
	phase "README uninstall"
	local text
	text=$(readme_uninstall)
	case $text in
	*"deluser --system loopguard"*) ;;
	*) die "README, Deploying on Debian 12: the Uninstall block no longer ends with deluser" ;;
	esac
	# Adapted: without systemd, the alternative the README gives in
	# its comment.
	text=$(printf '%s\n' "$text" | sed 's/^systemctl disable --now loopguard *# or: //')
	root_sh --net "$text" || die "a command of the README's uninstall failed (see above)"
	for f in /usr/sbin/loopguard /usr/bin/loopguardctl /etc/init.d/loopguard \
		/etc/loopguard /var/lib/loopguard /run/loopguard "${MILTER_SOCK%/*}" \
		/usr/sbin/loopguard-console /var/lib/loopguard-console; do
		[ ! -e "$ROOT$f" ] || die "$f is still there after the uninstall"
	done
	! ls "$ROOT"/etc/rc?.d/*loopguard >/dev/null 2>&1 || die "rc?.d links are left"
	! in_root getent passwd loopguard >/dev/null || die "the user loopguard is left"
	! in_root getent passwd loopguard-console >/dev/null ||
		die "the user loopguard-console is left"
	[ -z "$(in_root postconf -h smtpd_milters)" ] || die "smtpd_milters is left"
	say "   loopguard is gone; Postfix runs without it"
}

# p11 - stop Postfix
p11() {
	phase "stop Postfix"
	# loopguard went with the uninstall; Postfix is what is left.
	root_sh --net "if postfix status; then postfix stop; fi" || die "postfix stop failed"
}

# main - the namespace, then the steps in order; one function, so bash
# has read all of it before it runs (an edit of this file while it runs
# changes nothing)
main() {
	# The servers' network namespace: only a loopback, with 127.0.0.1 and
	# 192.0.2.1 (a client outside trusted_networks, for the harvest test).
	netns_start

	# p0 always runs (it finds the root); with --reuse the steps before
	# TRY_DEPLOY_FROM (default 3, the config) are taken as done.
	FROM=0
	[ -n "$REUSE" ] && FROM=${TRY_DEPLOY_FROM:-3}
	for i in $(seq 0 11); do
		[ "$i" != 0 ] && [ "$i" -lt "$FROM" ] || "p$i"
		# the web console, once the harvest step has made an entry
		[ "$i" != 7 ] || { pc; pc_tls; }
	done
	phase_end
	say "all steps worked"
}

main "$@"; exit
