#!/usr/bin/env bash
# bench/failover.sh - throughput of two loopguard instances sharing Redis
# through Sentinel, before, during and after the master fails over
#
# SYNOPSIS
#	bench/failover.sh [BEFORE [AFTER]]
#
# DESCRIPTION
#	Needs a built tree (the daemon ./loopguard, its plugins in
#	plugins/.libs), redis-server, redis-sentinel and redis-cli. Starts
#	the Sentinel setup of t/lib/sentinel.sh (a master, a replica,
#	three sentinels on loopback ports, persistence off, failover after
#	1 s of silence) and two loopguard instances A and B (harvest,
#	repeat, catchall) on unix sockets, with state on the master the
#	sentinels name. Two direct loads (miltergen, 8 connections each, 25 messages a round,
#	1 KB bodies, recipients 1,1/4,1/4) run against A and B in short
#	rounds. After BEFORE seconds (default 10) the master is killed
#	with SIGKILL; the run goes on AFTER seconds (default 20) more.
#
#	Prints one line per second (counted from the kill): messages per
#	second through A and B together, tempfail replies and broken
#	conversations; then the mean rate before the kill, during the
#	switch (from the kill until both instances logged "state: redis
#	master ... is" for the new master) and after it, with the totals.
#	A round's messages count in the second the round ended in.
#
# ENVIRONMENT
#	FAILOVER_ON_STORE_ERROR (fallback) sets on_store_error;
#	FAILOVER_TIMEOUT (200ms) the Redis timeout; BENCH_TMPDIR for the
#	scratch folder (/var/tmp); BENCH_KEEP=1 keeps it; LOOPGUARD and
#	PLUGIN_DIR override the build tree's.
#
# DIAGNOSTICS
#	Exit 0 after the table; 1 on a setup error ("failover: ..."). Not
#	part of "make check".
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/t/lib/sentinel.sh"
BEFORE=${1:-10}
AFTER=${2:-20}
LOOPGUARD=${LOOPGUARD:-$top/loopguard}
PLUGIN_DIR=${PLUGIN_DIR:-$top/plugins/.libs}
ON_ERR=${FAILOVER_ON_STORE_ERROR:-fallback}
TIMEOUT=${FAILOVER_TIMEOUT:-200ms}

die() { echo "failover: $*" >&2; exit 1; }
note() { echo "failover: $*" >&2; }

why=$(sn_missing); [ -z "$why" ] || die "$why"
[ -x "$LOOPGUARD" ] || die "$LOOPGUARD is not built"
work=$(mktemp -d "${BENCH_TMPDIR:-/var/tmp}/lgfailover.XXXXXX")
LG_PIDS=() LOAD_PIDS=()

# cleanup - stop what was started, by PID; keep the folder on failure
cleanup() {
	local rc=$? p
	trap - EXIT
	touch "$work/stop"
	for p in "${LOAD_PIDS[@]}" "${LG_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${LOAD_PIDS[@]}" "${LG_PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
	sn_stop
	if [ "$rc" -eq 0 ] && [ -z "${BENCH_KEEP:-}" ]; then
		rm -rf "$work"
	else
		echo "failover: scratch folder kept: $work" >&2
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# miltergen: make's when it is there, else built here
GEN=$top/bench/miltergen
if [ ! -x "$GEN" ]; then
	GEN=$work/miltergen
	(cd "$top/bench" && gcc -O2 -Wall -pthread -o "$GEN" miltergen.c \
		mg_wire.c mg_session.c) || die "cannot build miltergen"
fi

note "starting the Sentinel setup in $work"
sn_start "$work" || die "the Sentinel setup did not start"
list=$(sn_sentinels | sed 's/.*/"&"/' | paste -sd, -)
printf 'alice@example.com\nbob@example.com\ncarol@example.com\npostmaster@example.com\n' \
	>"$work/rcpts"

# start_lg X - one instance on unix:$work/X.sock
start_lg() {
	local x=$1 i
	cat >"$work/$x.conf" <<CONF
socket = "unix:$work/$x.sock";
plugin_dir = "$PLUGIN_DIR";
local_domains = [ "example.com" ];
recipients = [ "rcpts" ];
state = { backend = "redis"; sentinels = [ $list ];
          master_name = "$SN_NAME"; timeout = "$TIMEOUT";
          on_store_error = "$ON_ERR"; };
plugins = ( { name = "harvest"; }, { name = "repeat"; },
            { name = "catchall"; } );
CONF
	"$LOOPGUARD" -f -c "$work/$x.conf" 2>>"$work/$x.log" &
	LG_PIDS+=($!)
	for ((i = 0; i < 200; i++)); do
		[ -S "$work/$x.sock" ] && return 0
		sleep 0.05
	done
	cat "$work/$x.log" >&2
	die "instance $x did not start"
}
start_lg a
start_lg b

# load X - rounds of miltergen against X until $work/stop exists; one
# line per round: END_TIME MESSAGES TEMPFAIL PROTOCOL
load() {
	local x=$1 j
	while [ ! -e "$work/stop" ]; do
		j=$("$GEN" -s "unix:$work/$x.sock" -c 8 -m 25 -z 1024 \
			-r 1,1/4,1/4 -j 2>>"$work/gen-$x.err" | grep '^{') || true
		[ -n "$j" ] || continue
		printf '%s %s\n' "$(date +%s.%N)" "$(sed -E \
			's/.*"messages":([0-9]+).*"failures":\{"protocol":([0-9]+),"tempfail":([0-9]+).*/\1 \3 \2/' <<<"$j")"
	done >"$work/load-$x.out"
}
load a & LOAD_PIDS+=($!)
load b & LOAD_PIDS+=($!)

note "load running; killing the master in $BEFORE s"
sleep "$BEFORE"
sn_wait_synced 5 >/dev/null 2>&1 || note "the replica had not caught up at the kill"
t_kill=$(date +%s.%N)
sn_kill_master || die "no master to kill"
old=$SN_KILLED
# poll from the kill on: when a sentinel first names another master, and
# when both instances have logged a second "master ... is" line
t_named= t_both=
for ((i = 0; i < 1200; i++)); do
	if [ -z "$t_named" ] && new=$(sn_master_port) && [ "$new" != "$old" ]; then
		t_named=$(date +%s.%N)
	fi
	if [ -z "$t_both" ] &&
	   [ "$(grep -c "master $SN_NAME is 127" "$work/a.log")" -ge 2 ] &&
	   [ "$(grep -c "master $SN_NAME is 127" "$work/b.log")" -ge 2 ]; then
		t_both=$(date +%s.%N)
	fi
	[ -n "$t_named" ] && [ -n "$t_both" ] && break
	sleep 0.05
done
[ -n "$t_named" ] || die "the sentinels did not fail over within 60 s"
new=$(sn_master_port)
[ -n "$t_both" ] || note "the instances did not both log the new master"
rest=$(awk -v k="$t_kill" -v a="$AFTER" -v now="$(date +%s.%N)" 'BEGIN {
	r = k + a - now; printf "%.1f", (r > 0 ? r : 0) }')
sleep "$rest"
touch "$work/stop"
for p in "${LOAD_PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
LOAD_PIDS=()

echo "# loopguard failover: 2 instances, Sentinel (3), master 127.0.0.1:$old killed -> 127.0.0.1:$new"
echo "# on_store_error = $ON_ERR, timeout = $TIMEOUT; miltergen -c 8 -m 25 -z 1024 -r 1,1/4,1/4 per instance, in rounds"
cat "$work"/load-a.out "$work"/load-b.out | awk -v k="$t_kill" \
	-v named="$t_named" -v both="${t_both:-0}" '
	{
		s = int($1 - k + 1000) - 1000	# floor, also below 0
		m[s] += $2; t[s] += $3; p[s] += $4
		if (s < lo || NR == 1) lo = s
		if (s > hi || NR == 1) hi = s
		if ($1 < k) { bm += $2; bt += $3 + $4 }
		else if (both > 0 && $1 < both) { dm += $2; dt += $3 + $4 }
		else { am += $2; at += $3 + $4 }
		if ($1 < k && (b0 == "" || $1 < b0)) b0 = $1
		if (last == "" || $1 > last) last = $1
	}
	END {
		printf "%6s %9s %9s %9s\n", "second", "msg/s", "tempfail", "broken"
		for (s = lo; s <= hi; s++)
			printf "%6d %9d %9d %9d\n", s, m[s], t[s], p[s]
		dur = both > 0 ? both - k : 0
		printf "a sentinel named the new master %.1f s after the kill; " \
		       "both instances logged it by %.1f s\n", named - k, dur
		printf "before: %.0f msg/s (%d failed)\n", bm / (k - b0), bt
		if (dur > 0)
			printf "during: %.0f msg/s over %.1f s (%d failed)\n", \
			       dm / dur, dur, dt
		printf "after:  %.0f msg/s (%d failed)\n", \
		       am / (last - (both > 0 ? both : k)), at
	}'
for x in a b; do
	echo "# $x.log: $(grep -c 'unreachable' "$work/$x.log") unreachable, $(grep -c "master $SN_NAME is 127" "$work/$x.log") master lines"
done
