#!/usr/bin/env bash
# scripts/fresh-root.sh - the README's commands on a Debian 12 that has
# never seen loopguard
#
# SYNOPSIS
#	scripts/fresh-root.sh [--keep] [--full] [--refresh]
#
# DESCRIPTION
#	Builds a bare Debian 12 root ("mmdebstrap --variant=apt bookworm")
#	in a new folder, copies this checkout into it (git's tracked and
#	untracked, not ignored, files: no build products) as /root/loopguard,
#	and there, in a chroot, runs the README's "./run.sh" in the
#	background, untouched. It waits until the milter listens, then
#	checks that it answers a milter option negotiation (a small client
#	on the host speaks to 127.0.0.1:PORT), and, when the host has
#	Postfix and swaks (scripts/deps.sh test), sends one message through
#	a private Postfix (t/lib/postfix.sh) that uses this milter. The
#	daemon is stopped by its PID and the root is removed. Each phase prints how long it took.
#
#	The chroot runs in a private mount namespace (unshare) with /proc,
#	/dev and /sys mounted in it; it shares the host's network, so
#	apt-get reaches the host's Debian mirrors and the client reaches the
#	milter on loopback. The milter listens where conf/loopguard.conf
#	says (inet:8890@127.0.0.1); when something else holds that port, a
#	copy of the config with a free loopback port is used (LOOPGUARD_CONF).
#
#	The downloaded base is kept as a tarball in the test cache
#	($LOOPGUARD_TEST_CACHE, by default /var/cache/loopguard-test) and
#	made again after 7 days or with --refresh; every run unpacks a new
#	root from it, whose dpkg knows none of loopguard's packages. Its
#	apt sources are the host's Debian ones.
#
#	What this script needs on the host is installed by
#	"scripts/deps.sh fresh-root". It must run as root.
#
# OPTIONS
#	--keep		keep the root (its path is printed)
#	--full		after the smoke test, also run "./test.sh" in the
#			root; it must end with "loopguard: N passed, 0 failed"
#	--refresh	make the base tarball again
#
# ENVIRONMENT
#	LOOPGUARD_FRESH_TIMEOUT	seconds "./run.sh" may take to reach a
#				listening milter (default 1800)
#	LOOPGUARD_FRESH_DIR	where the root folder is made (default
#				/var/tmp)
#
# DIAGNOSTICS
#	Exit 0 when every phase passed; else exit 1 with
#	"fresh-root: error: ..." naming the phase and the reason, and the
#	end of the log that shows it.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
keep='' full='' refresh=''
timeout=${LOOPGUARD_FRESH_TIMEOUT:-1800}
suite=bookworm
root=
unshare_pid=
daemon_pid=
pf=
t_start=$(date +%s)

die() { printf 'fresh-root: error: %s\n' "$*" >&2; exit 1; }
note() { printf 'fresh-root: %s\n' "$*" >&2; }

for a in "$@"; do
	case $a in
	--keep) keep=1 ;;
	--full) full=1 ;;
	--refresh) refresh=1 ;;
	-h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) die "unknown option $a (usage: $0 [--keep] [--full] [--refresh])" ;;
	esac
done
[ "$(id -u)" -eq 0 ] || die "must run as root (mmdebstrap, chroot and mounts need it)"

# phase NAME - start timing a phase; phase_done prints its duration
phase() { phase_name=$1; phase_t0=$(date +%s); note "phase $1 ..."; }
phase_done() { note "phase $phase_name took $(($(date +%s) - phase_t0)) s"; }

# alive PID - true when PID runs and is no zombie
alive() {
	local st
	st=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
	case $st in '' | Z*) return 1 ;; esac
}

# stop_pid PID - SIGTERM, wait up to 20 s, then SIGKILL
stop_pid() {
	local pid=$1 i
	alive "$pid" || return 0
	kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < 200; i++)); do
		alive "$pid" || return 0
		sleep 0.1
	done
	note "pid $pid ignored SIGTERM for 20 s; SIGKILL"
	kill -KILL "$pid" 2>/dev/null || true
}

# root_pids - the PIDs of processes whose root folder is the fresh root
root_pids() {
	local p r
	for p in /proc/[0-9]*; do
		r=$(readlink "$p/root" 2>/dev/null) || continue
		[ "$r" = "$root" ] && printf '%s\n' "${p#/proc/}"
	done
	return 0
}

# cleanup - stop what ran in the root (by PID), then remove the root
cleanup() {
	local rc=$? p
	trap - EXIT
	set +e
	if [ -n "$pf" ]; then
		"$top/t/lib/postfix.sh" stop "$pf" >>"$pf.log" 2>&1
		[ -n "$keep" ] || rm -rf "$pf" "$pf.log"
	fi
	[ -n "$daemon_pid" ] && stop_pid "$daemon_pid"
	if [ -n "$root" ] && [ -d "$root" ]; then
		for p in $(root_pids); do
			note "stopping pid $p left running in the root ($(ps -o comm= -p "$p"))"
			stop_pid "$p"
		done
	fi
	[ -n "$unshare_pid" ] && { stop_pid "$unshare_pid"; wait "$unshare_pid" 2>/dev/null; }
	if [ -n "$root" ] && [ -d "$root" ]; then
		if [ -n "$keep" ]; then
			note "root kept: $root (logs: $root/root/*.log)"
		else
			rm -rf --one-file-system "$root"
		fi
	fi
	note "total $(($(date +%s) - t_start)) s"
	[ $rc -eq 0 ] && note "PASS" || note "FAIL"
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# show_log FILE - the end of a log, indented, on stderr
show_log() { [ -f "$1" ] && tail -n "${2:-40}" "$1" | sed 's/^/    | /' >&2; return 0; }

phase host-packages
"$top/scripts/deps.sh" fresh-root || die "host-packages: scripts/deps.sh fresh-root failed"
. "$top/scripts/deps.sh"
phase_done

# Debian's apt sources of the host; the mirror defaults of mmdebstrap
# when the host names none.
sources=()
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
	[ -f "$f" ] && grep -Eq '^[^#]*debian\.org' "$f" && sources+=("$f")
done
# Options of the host's apt that decide whether its mirrors can be used.
aptopts=()
for o in Acquire::Check-Valid-Until Acquire::http::Proxy Acquire::https::Proxy; do
	v=$(apt-config dump "$o" 2>/dev/null | sed -n "s/^$o \"\(.*\)\";\$/\1/p" | head -n 1)
	[ -n "$v" ] && aptopts+=("--aptopt=$o \"$v\"")
done

phase base
cache=$(deps_cache)/fresh-root
base=$cache/$suite-apt.tar
mkdir -p "$cache" || die "base: cannot create $cache"
if [ -n "$refresh" ] || [ ! -s "$base" ] ||
	[ -n "$(find "$base" -mtime +7 2>/dev/null)" ]; then
	note "mmdebstrap --variant=apt $suite into $base (sources: ${sources[*]:-the mmdebstrap default})"
	rm -f "$base.new.tar"
	if ! mmdebstrap --quiet --variant=apt "${aptopts[@]}" "$suite" \
		"$base.new.tar" "${sources[@]}" 2>"$cache/mmdebstrap.log"; then
		show_log "$cache/mmdebstrap.log"
		rm -f "$base.new.tar"
		die "base: mmdebstrap failed (log: $cache/mmdebstrap.log)"
	fi
	mv "$base.new.tar" "$base"
else
	note "using $base (made $(date -r "$base" '+%F %T'); --refresh makes it again)"
fi
phase_done

phase unpack
root=$(mktemp -d "${LOOPGUARD_FRESH_DIR:-/var/tmp}/loopguard-fresh.XXXXXX")
tar -C "$root" -xpf "$base" || die "unpack: tar -xf $base failed"
# The chroot's / is this folder: unprivileged users (postfix, nobody)
# must be able to walk it.
chmod 0755 "$root"
# mmdebstrap leaves no resolver config; apt-get in the root needs one.
cp -L /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
known=$(dpkg-query --admindir="$root/var/lib/dpkg" -W -f='${db:Status-Status} ${Package}\n' \
	"${DEPS_BUILD_PKGS[@]}" "${DEPS_TEST_PKGS[@]}" 2>/dev/null | awk '$1 == "installed" {print $2}' | tr '\n' ' ') || true
[ -z "$known" ] || die "unpack: the new root already has loopguard's packages: $known"
phase_done

phase copy
git -C "$top" rev-parse --is-inside-work-tree >/dev/null 2>&1 ||
	die "copy: $top is no git work tree (the checkout is copied with git ls-files)"
src=$root/root/loopguard
mkdir -p "$src"
git -C "$top" ls-files -z --cached --others --exclude-standard |
	while IFS= read -r -d '' f; do
		{ [ -f "$top/$f" ] || [ -L "$top/$f" ]; } && printf '%s\0' "$f"
	done |
	tar -C "$top" --null -T - -cf - | tar -C "$src" -xpf - ||
	die "copy: copying the checkout failed"
# A clone, as a postmaster would have it: test.sh copies its sources
# with git. The copy is committed as it is, untracked files included.
git -C "$src" init -q &&
	git -C "$src" add -A &&
	git -C "$src" -c user.name=loopguard -c user.email=loopguard@localhost \
		commit -q -m "checkout copied from $top" ||
	die "copy: git init/commit in $src failed"
[ ! -e "$src/configure" ] && [ ! -e "$src/Makefile" ] ||
	die "copy: build products were copied ($src/configure or Makefile)"
note "$(git -C "$src" ls-files | wc -l) files in $src"
phase_done

# in_root LOG COMMAND - run a shell COMMAND in the root (cwd
#	/root/loopguard, a clean environment) in the background, in a
#	private mount namespace with /proc, /dev and /sys; its output goes
#	to LOG; the PID of the shell (it "exec"s the command) is written
#	to /root/cmd.pid in the root. Sets unshare_pid.
in_root() {
	local log=$1 cmd=$2
	rm -f "$root/root/cmd.pid"
	unshare --mount --propagation private -- /bin/sh -c '
		set -e
		r=$1
		mount -t proc proc "$r/proc"
		mount --rbind /dev "$r/dev"
		mount --rbind /sys "$r/sys"
		exec chroot "$r" /usr/bin/env -i HOME=/root USER=root LOGNAME=root \
			PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
			LANG=C.UTF-8 TERM=dumb /bin/bash -c "echo \$\$ >/root/cmd.pid; cd /root/loopguard; $2"
	' _ "$root" "$cmd" >"$log" 2>&1 </dev/null &
	unshare_pid=$!
}

# port_listening PORT - true when something listens on 127.0.0.1:PORT
port_listening() { [ -n "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]; }

phase run.sh
port=8890
conf_env=
if port_listening $port; then
	for ((port = 28890; port < 29890; port++)); do
		port_listening $port || break
	done
	sed "s/^socket = \"inet:8890@127.0.0.1\";/socket = \"inet:$port@127.0.0.1\";/" \
		"$src/conf/loopguard.conf" >"$src/conf/loopguard-fresh.conf"
	grep -q "inet:$port@127.0.0.1" "$src/conf/loopguard-fresh.conf" ||
		die "run.sh: conf/loopguard.conf has no socket line for 8890 to move to $port"
	conf_env="LOOPGUARD_CONF=conf/loopguard-fresh.conf "
	note "8890 is taken on this host; the milter listens on $port (a copy of conf/loopguard.conf)"
fi
runlog=$root/root/run.sh.log
note "${conf_env}./run.sh in $src (log: $runlog)"
in_root "$runlog" "${conf_env}exec ./run.sh"
waited=0
until port_listening $port; do
	if ! alive "$unshare_pid"; then
		wait "$unshare_pid" 2>/dev/null && st=0 || st=$?
		unshare_pid=
		show_log "$runlog"
		die "run.sh: ./run.sh ended (status $st) before the milter listened on 127.0.0.1:$port"
	fi
	if [ $waited -ge "$timeout" ]; then
		show_log "$runlog"
		die "run.sh: no milter listening on 127.0.0.1:$port after $timeout s"
	fi
	sleep 2
	waited=$((waited + 2))
done
daemon_pid=$(cat "$root/root/cmd.pid" 2>/dev/null) || daemon_pid=
case $daemon_pid in '' | *[!0-9]*) die "run.sh: no PID in $root/root/cmd.pid" ;; esac
[ "$(readlink "/proc/$daemon_pid/root")" = "$root" ] ||
	die "run.sh: pid $daemon_pid does not run in the root"
note "milter (pid $daemon_pid, $(ps -o comm= -p "$daemon_pid")) listens on 127.0.0.1:$port"
phase_done

phase negotiate
# SMFIC_OPTNEG: version 6, every action, every protocol step; the milter
# must answer with its own SMFIC_OPTNEG ('O'). Then SMFIC_QUIT.
if ! out=$(python3 - "$port" <<'PY' 2>&1
import socket, struct, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
body = b"O" + struct.pack("!III", 6, 0x1FF, 0x1FFFFF)
s.sendall(struct.pack("!I", len(body)) + body)
def read(n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            sys.exit("connection closed after %d of %d bytes" % (len(buf), n))
        buf += chunk
    return buf
(size,) = struct.unpack("!I", read(4))
if size < 13 or size > 65536:
    sys.exit("reply of %d bytes is no option negotiation" % size)
reply = read(size)
if reply[:1] != b"O":
    sys.exit("reply command %r, want 'O'" % reply[:1])
ver, act, proto = struct.unpack("!III", reply[1:13])
s.sendall(struct.pack("!I", 1) + b"Q")
s.close()
print("version %d actions 0x%x protocol 0x%x" % (ver, act, proto))
PY
); then
	printf '    | %s\n' "$out" >&2
	die "negotiate: the milter on 127.0.0.1:$port did not answer an option negotiation"
fi
note "the milter answered: $out"
phase_done

phase postfix
# One message through a private Postfix on the host (t/lib/postfix.sh;
# Postfix writes the milter as inet:HOST:PORT),
# whose only milter is this one, with milter_default_action = tempfail:
# it reaches alice's mailbox only when the milter let it through.
if command -v postfix >/dev/null 2>&1 && command -v swaks >/dev/null 2>&1 &&
	command -v smtp-sink >/dev/null 2>&1; then
	# shellcheck source=t/lib/mta.sh
	. "$top/t/lib/mta.sh"
	LG_NAME=fresh-root
	pf_port='' pf_sink_port=''
	pf=$(mktemp -d "${LOOPGUARD_FRESH_DIR:-/var/tmp}/loopguard-fresh-postfix.XXXXXX")
	chmod 0755 "$pf"
	lg_pick_port pf_port
	lg_pick_port pf_sink_port
	PORT=$pf_port SINK_PORT=$pf_sink_port MILTER=inet:127.0.0.1:$port \
		"$top/t/lib/postfix.sh" start "$pf" >"$pf.log" 2>&1 ||
		{ show_log "$pf.log"; die "postfix: the private Postfix did not start"; }
	LG_SWAKS_LOG=$pf/swaks.log
	subject="fresh root $$ $(date +%s)"
	lg_send "$pf_port" --from someone@external.test --to alice@example.com \
		--header "Subject: $subject" ||
		{ show_log "$pf/swaks.log"; die "postfix: swaks could not send to alice@example.com"; }
	lg_wait_mbox_with "$pf/mail/alice" "Subject: $subject" 1 30 ||
		{ show_log "$pf/maillog"; die "postfix: the message did not reach alice's mailbox (see $pf/maillog)"; }
	if grep -E "(warning|error|fatal): .*milter" "$pf/maillog" >&2; then
		die "postfix: Postfix reports milter trouble in $pf/maillog"
	fi
	note "a message through Postfix (port $pf_port) and the milter reached alice's mailbox"
	"$top/t/lib/postfix.sh" stop "$pf" >>"$pf.log" 2>&1 || note "postfix: stop reported trouble (see $pf.log)"
	rm -rf "$pf" "$pf.log"
	pf=
else
	note "skipped: no postfix, swaks or smtp-sink on the host (scripts/deps.sh test installs them)"
fi
phase_done

phase stop
stop_pid "$daemon_pid"
daemon_pid=
wait "$unshare_pid" 2>/dev/null && st=0 || st=$?
unshare_pid=
[ "$st" -eq 0 ] || { show_log "$runlog" 10; die "stop: loopguard exited with status $st on SIGTERM"; }
phase_done

if [ -n "$full" ]; then
	phase test.sh
	testlog=$root/root/test.sh.log
	note "./test.sh in $src (log: $testlog)"
	in_root "$testlog" "LOOPGUARD_SKIP_FRESH_ROOT=1 exec ./test.sh"
	wait "$unshare_pid" 2>/dev/null && st=0 || st=$?
	unshare_pid=
	last=$(grep -E '^loopguard: [0-9]+ passed' "$testlog" | tail -n 1) || true
	note "test.sh ended with status $st: ${last:-no summary line}"
	if [ "$st" -ne 0 ] || ! grep -Eq '^loopguard: [0-9]+ passed, 0 failed' <<<"$last"; then
		show_log "$testlog" 80
		if [ -z "$keep" ]; then
			saved=${LOOPGUARD_FRESH_DIR:-/var/tmp}/loopguard-fresh-test.sh.log
			cp "$testlog" "$saved" && note "log copied to $saved"
		fi
		die "test.sh: ./test.sh did not end with \"loopguard: N passed, 0 failed\""
	fi
	phase_done
fi
