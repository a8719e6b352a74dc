#!/bin/bash
# t_tsan.sh - the daemon under ThreadSanitizer, under load, with reloads
# and control requests: every plugin, the memory store with a snapshot,
# an outbox, a log file. bench/miltergen plays the MTA on 4 parallel
# connections while SIGHUP and SIGUSR1 reload the config (switching
# log_level between info and debug), SIGUSR2 reopens the log file, and
# loopguardctl asks for stats, list, queue, lookup and reload, and an
# aliases table grows (read again by the directory's own thread, and by
# the reloads); then SIGTERM.
# Passes when ThreadSanitizer reported nothing in loopguard's code
# (libmilter's own shutdown races are suppressed in t/lib/tsan.supp,
# each entry with the reason; a race wholly inside libmilter's stripped
# worker pool is listed but not counted).
#
# SYNOPSIS
#	t/daemon/t_tsan.sh			in a --enable-sanitizers=thread
#						build (its make check runs it)
#	t/daemon/t_tsan.sh --build DIR		from a source tree: copy the
#		sources into DIR (git's tracked and untracked, not ignored,
#		files), configure there with --enable-werror
#		--enable-sanitizers=thread, make, and run DIR's t_tsan.sh
#
# An in-tree configured source tree forbids VPATH builds, hence the
# copy. In any other build it exits 77. The load comes in waves until
# TSAN_SECONDS (default 20) have passed; TSAN_MSGS: messages per
# connection and wave (default 250). About half a minute when built.
set -u

if [ "${1:-}" = "--build" ]; then
	[ -n "${2:-}" ] || { echo "usage: $0 --build DIR" >&2; exit 64; }
	src=$(cd "$(dirname "$0")/../.." && pwd)
	mkdir -p "$2" && dst=$(cd "$2" && pwd) || exit 99
	git -C "$src" ls-files -z --cached --others --exclude-standard |
		while IFS= read -r -d '' f; do
			[ -f "$src/$f" ] && printf '%s\0' "$f"
		done | tar -C "$src" --null -T - -cf - | tar -C "$dst" -xpf - ||
		{ echo "t_tsan.sh: cannot copy the sources to $dst" >&2; exit 99; }
	cd "$dst" || exit 99
	want="'--enable-werror' '--enable-sanitizers=thread'"
	if [ ! -x configure ] || [ configure.ac -nt configure ]; then
		./autogen.sh >autogen.log 2>&1 ||
			{ cat autogen.log; echo "t_tsan.sh: autogen.sh failed" >&2; exit 99; }
	fi
	if [ ! -f Makefile ] || [ "$(./config.status --config 2>/dev/null)" != "$want" ] ||
	   [ configure -nt config.status ]; then
		./configure --enable-werror --enable-sanitizers=thread \
			>configure.out 2>&1 ||
			{ tail -n 30 configure.out; echo "t_tsan.sh: configure failed" >&2; exit 99; }
	fi
	make -j2 >make.out 2>&1 ||
		{ tail -n 40 make.out; echo "t_tsan.sh: make failed in $dst" >&2; exit 99; }
	exec "$dst/t/daemon/t_tsan.sh"
fi

. "$(dirname "$0")/../lib/lib.sh"

ldd "$LOOPGUARD" 2>/dev/null | grep -q libtsan ||
	skip "not a ThreadSanitizer build (configure --enable-sanitizers=thread, or run $0 --build DIR)"
GEN=$top_builddir/bench/miltergen
if [ ! -x "$GEN" ]; then
	make -C "$top_builddir" bench/miltergen >/dev/null 2>&1 ||
		skip "bench/miltergen could not be built"
fi
[ -x "$LOOPGUARDCTL" ] || skip "loopguardctl is not built"

lg_workdir tsan
msgs=${TSAN_MSGS:-250}
seconds=${TSAN_SECONDS:-20}
printf 'bob@example.com\ncarol@example.com\n' >>"$tmp/rcpts"
printf 'staff: bob\n' >"$tmp/aliases"
printf '#!/bin/sh\ncat >>"%s/sent"\n' "$tmp" >"$tmp/mailer"
chmod 755 "$tmp/mailer"
printf 'Hello %%{sender},\n%%{recipients} does not exist.\n' >"$tmp/autoreply.txt"
mkdir "$tmp/outbox"

# write_config LEVEL - the config, with log_level LEVEL
write_config() {
	cat >"$tmp/lg.conf.new" <<CONF
socket = "unix:$tmp/lg.sock";
control = "unix:$tmp/ctl.sock";
plugin_dir = "$PLUGIN_DIR";
local_domains = [ "example.com" ];
recipients = [ "rcpts", "aliases:$tmp/aliases", "passwd" ];
recipient_delimiter = "+";
trusted_networks = [ "127.0.0.0/8" ];
log = "file:$tmp/mail.log";
log_level = "$1";
state = { backend = "memory"; snapshot = "$tmp/state.snap";
          snapshot_interval = "1s"; };
mailer = { method = "sendmail"; path = "$tmp/mailer";
           outbox = "$tmp/outbox"; };
plugins = (
  { name = "harvest"; threshold = 20; },
  { name = "repeat"; },
  { name = "catchall"; reject = [ "leaked@example.com" ]; },
  { name = "autoreply"; template = "$tmp/autoreply.txt"; },
  { name = "bounce"; }
);
CONF
	mv "$tmp/lg.conf.new" "$tmp/lg.conf"
}
write_config info
"$LOOPGUARD" -n -c "$tmp/lg.conf" >/dev/null 2>&1 ||
	{ "$LOOPGUARD" -n -c "$tmp/lg.conf"; echo "Bail out! config"; exit 1; }

# halt_on_error=0: every report is collected, not only the first
export TSAN_OPTIONS="halt_on_error=0 exitcode=66 second_deadlock_stack=1 suppressions=$t_lib/tsan.supp"
"$LOOPGUARD" -f -c "$tmp/lg.conf" 2>"$tmp/stderr" &
pid=$!
wait_file "$tmp/lg.sock" 60 && wait_file "$tmp/ctl.sock" 30 ||
	{ cat "$tmp/stderr"; echo "Bail out! the daemon did not start"; exit 1; }

ctl() { "$LOOPGUARDCTL" -s "unix:$tmp/ctl.sock" "$@"; }
# load WAVE - one wave: the null sender (bounce) on 2 connections, and
# known, unknown (harvest blocks) and external recipients on 4
load() {
	"$GEN" -s "unix:$tmp/lg.sock" -c 2 -m $((msgs / 5 + 1)) -z 1024 \
		-r 1,1,0 -f '' -t 120 >"$tmp/gen2.$1.out" 2>&1 &
	"$GEN" -s "unix:$tmp/lg.sock" -c 4 -m "$msgs" -z 2048 -r 1,1/2,1/4 \
		-u 100 -t 120 >"$tmp/gen1.$1.out" 2>&1
	echo "gen1 rc $?" >"$tmp/rc.$1"
	wait
	echo "gen2 rc $?" >>"$tmp/rc.$1"
}
start=$(date +%s)
deadline=$((start + seconds))
# waves of load until the deadline, while the rounds below run
(
	wave=0
	while [ "$(date +%s)" -lt "$deadline" ] || [ $wave -eq 0 ]; do
		wave=$((wave + 1))
		load "$wave"
	done
	echo "$wave" >"$tmp/waves"
) &
loader=$!
# reloads, log reopens and control requests while the load runs
rounds=0
while kill -0 "$loader" 2>/dev/null; do
	rounds=$((rounds + 1))
	if [ $((rounds % 2)) -eq 0 ]; then write_config debug; else write_config info; fi
	kill -HUP "$pid"
	ctl stats >>"$tmp/ctl.out" 2>&1 &
	ctl list >>"$tmp/ctl.out" 2>&1 &
	kill -USR2 "$pid"
	ctl reload >>"$tmp/ctl.out" 2>&1 &
	ctl --json list >>"$tmp/ctl.out" 2>&1 &
	ctl queue >>"$tmp/ctl.out" 2>&1 &
	ctl lookup staff@example.com "alias$rounds@example.com" >>"$tmp/ctl.out" 2>&1 &
	# a table that changes under load: reloaded live by its own thread
	echo "alias$rounds: bob" >>"$tmp/aliases"
	kill -USR1 "$pid"
	wait $(jobs -p | grep -vx -e "$pid" -e "$loader") 2>/dev/null
	sleep 0.2
done
wait "$loader"
elapsed=$(($(date +%s) - start))
waves=$(cat "$tmp/waves" 2>/dev/null || echo 0)
# bounce's 550s and harvest's 450s are answers (miltergen exits 2 on
# them); only protocol failures count here
gen_rc=$(cat "$tmp"/rc.* | awk '{if ($3 > m) m = $3} END {print m + 0}')
tail -n 2 "$tmp"/gen1.1.out "$tmp"/gen2.1.out
check "miltergen load completed ($waves waves, worst rc $gen_rc)" \
	[ "$waves" -ge 1 -a "$gen_rc" -le 2 ]
check "no protocol failures" \
	[ "$(grep -L 'failures: 0 protocol' "$tmp"/gen*.out | wc -l)" -eq 0 ]
check "the daemon reloaded under load ($rounds rounds)" \
	[ "$(grep -c 'reloaded' "$tmp/mail.log")" -ge 10 ]
check "the log file was reopened under load" grep -q "reopened" "$tmp/mail.log"
check "loopguardctl answered" grep -q "entries" "$tmp/ctl.out"
check "loopguardctl lookup answered while the aliases grew" \
	grep -q "staff@example.com: exists (aliases:" "$tmp/ctl.out"
check "harvest blocked a network" grep -q "plugin=harvest" "$tmp/mail.log"

kill -TERM "$pid"
wait "$pid"
rc=$?
pid=
reports=$(grep -c '^WARNING: ThreadSanitizer' "$tmp/stderr")
# A report is loopguard's when a frame of its racing accesses (not the
# stacks that created the threads) is in loopguard's code. libmilter's
# internal functions are static and stripped, so a race inside its
# worker pool shows only "<null> (libmilter.so...)" frames and cannot
# be suppressed by name: such a report is listed, not counted.
ours=$(awk '
	/^WARNING: ThreadSanitizer/ { in_report = 1; access = 1; mine = 0; next }
	in_report && /^  (Thread T|Location is|Mutex M)/ { access = 0 }
	in_report && access && /^ +#[0-9]+ / &&
	    (/[ /](milter|plugins|ctl)\/[^ ]+\.[ch]:[0-9]+/ || /\((loopguard|[a-z]+\.so)\+0x/) { mine = 1 }
	in_report && /^SUMMARY: ThreadSanitizer/ { n += mine; in_report = 0 }
	END { print n + 0 }' "$tmp/stderr")
echo "# $((waves * (4 * msgs + 2 * (msgs / 5 + 1)))) messages, $rounds rounds of reloads and control requests in ${elapsed}s; exit $rc; $reports ThreadSanitizer reports, $ours in loopguard's code"
grep -A3 '^WARNING: ThreadSanitizer' "$tmp/stderr" | grep -E '^WARNING|#[01] ' |
	sed 's/^/# /' | sort | uniq -c | sort -rn | head -n 20
check "the daemon exited 0, or 66 for reports inside libmilter only (exit $rc)" \
	eval '[ "$rc" -eq 0 ] || { [ "$rc" -eq 66 ] && [ "$reports" -gt 0 ] && [ "$ours" -eq 0 ]; }'
check "no ThreadSanitizer report in loopguard's code" [ "$ours" -eq 0 ]
if [ "$failed" -gt 0 ]; then
	echo "--- stderr (ThreadSanitizer reports)"
	cat "$tmp/stderr"
	echo "--- mail.log (tail)"
	tail -n 30 "$tmp/mail.log"
fi
echo "# $passed passed, $failed failed"
[ "$failed" -eq 0 ]
