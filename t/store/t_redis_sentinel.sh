#!/bin/bash
# t_redis_sentinel.sh - two loopguard instances ("MX hosts") sharing their
# state through Redis Sentinel (t/lib/sentinel.sh: a master, a replica
# and three sentinels on loopback), driven by miltertest:
#   1. both instances log the master the sentinels name;
#   2. a harvest block is made through A and seen by B;
#   3. under a load of messages through A and B, the master is killed
#      (SIGKILL, after the replica caught up); the sentinels promote the
#      replica; both instances log "master ... is NEW", and nothing was
#      tempfailed (on_store_error is "fallback");
#   4. after the failover the block made before it still refuses the
#      client on A and on B, and new writes land on the new master.
# The block survives because it was replicated before the kill: Redis
# replication is asynchronous, and what the master had not yet sent
# when it died is lost.
#
# SENTINEL_TEST_SERVER=1 configures the same instances with server =
# the first master instead of sentinels (as before Sentinel support):
# parts 3 and 4 then fail, which shows what the test proves.
# Needs redis-server, redis-sentinel, redis-cli and miltertest (exit 77).
set -u
. "$(dirname "$0")/../lib/lib.sh"
. "$t_lib/sentinel.sh"

why=$(sn_missing); [ -z "$why" ] || skip "$why"
command -v miltertest >/dev/null || skip "miltertest is not installed"
[ -x "$LOOPGUARD" ] || skip "$LOOPGUARD is not built"
for p in harvest catchall; do
	[ -e "$PLUGIN_DIR/$p.so" ] || skip "$PLUGIN_DIR/$p.so is not built"
done

MT=$top_srcdir/t/daemon/miltertest
LOAD=$srcdir/miltertest/sentinel_load.lua
lg_workdir sentinel
lg_cleanup_hook() { [ -n "${load_pid:-}" ] && kill "$load_pid" 2>/dev/null; sn_stop; }
load_pid=

sn_start "$tmp" || { echo "not ok - the Sentinel setup did not start"; exit 1; }
first_master=$SN_MASTER_PORT
list=$(sn_sentinels | sed 's/.*/"&"/' | paste -sd, -)
if [ "${SENTINEL_TEST_SERVER:-0}" = 1 ]; then
	where="server = \"127.0.0.1:$first_master\";"
else
	where="sentinels = [ $list ]; master_name = \"$SN_NAME\";"
fi

# start_lg a|b - one instance on the shared Redis
start_lg() {
	local x=$1
	cat > "$tmp/$x.conf" <<CONF
socket = "unix:$tmp/$x.sock";
plugin_dir = "$PLUGIN_DIR";
local_domains = [ "example.com" ];
recipients = [ "rcpts" ];
trusted_networks = [ "127.0.0.0/8", "::1/128" ];
state = { backend = "redis"; $where
          prefix = "lgtest:"; timeout = "300ms"; };
plugins = (
  { name = "harvest"; threshold = 20; },
  { name = "catchall"; }
);
CONF
	"$LOOPGUARD" -f -c "$tmp/$x.conf" 2>>"$tmp/$x.log" &
	lg_pids+=($!)
	wait_file "$tmp/$x.sock" 10 || { cat "$tmp/$x.log"; return 1; }
}
start_lg a || { echo "not ok - instance A did not start"; exit 1; }
start_lg b || { echo "not ok - instance B did not start"; exit 1; }

# rcpts A|B "RCPTS" "EXPECTS" LABEL - one RCPT-only transaction from
# 192.0.2.10 (t/daemon/miltertest/redis_rcpt.lua)
errs=()
rcpts() {
	local out
	out=$(SOCKET=unix:$tmp/$(tr AB ab <<<"$1").sock RCPTS=$2 EXPECT=$3 \
		LABEL="$4 via $1" miltertest -s "$MT/redis_rcpt.lua" 2>&1) ||
		{ errs+=("$out"); return 1; }
}
users() { local i; for ((i = $1; i <= $2; i++)); do printf 'user%02d@example.com ' "$i"; done; }
words() { local i; for ((i = 0; i < $2; i++)); do printf '%s ' "$1"; done; }
# wait_log FILE REGEX SECS - until FILE has a line matching REGEX
wait_log() {
	local i
	for ((i = 0; i < $3 * 10; i++)); do
		grep -qE "$2" "$1" && return 0
		sleep 0.1
	done
	return 1
}
master_line() { echo "state: redis master $SN_NAME is 127.0.0.1:$1 \(via sentinel 127\.0\.0\.1:[0-9]+\)"; }

# --- 1. both name the first master
for h in a b; do
	check "1: $h logs \"master $SN_NAME is 127.0.0.1:$first_master\"" \
		wait_log "$tmp/$h.log" "$(master_line "$first_master")" 5
done

# --- 2. a harvest block made through A, seen by B
errs=()
rcpts A "$(users 1 20)" "$(words ok 20)" "harvest 1-20" &&
	rcpts A "user21@example.com" "tempfail" "harvest 21" &&
	rcpts B "user22@example.com" "tempfail" "after the block"
check "2: a block made through A refuses the client on B too" \
	test ${#errs[@]} -eq 0
[ ${#errs[@]} -eq 0 ] || printf '  %s\n' "${errs[@]}"
blocks=$(sn_cli "$first_master" --scan --pattern 'lgtest:*' | grep -c .)

# --- 3. load through A and B; kill the master; wait for the failover
sn_wait_synced 10 || not_ok "3: the replica did not catch up before the kill"
: > "$tmp/load.out"
(
	i=0
	while [ ! -e "$tmp/load.stop" ]; do
		for h in a b; do
			SOCKET=unix:$tmp/$h.sock COUNT=10 FIRST=$i \
				miltertest -s "$LOAD" >> "$tmp/load.out" 2>&1
		done
		i=$((i + 10))
	done
) &
load_pid=$!
sleep 1
t0=$(date +%s.%N)
sn_kill_master || not_ok "3: no master to kill"
killed=$SN_KILLED
sn_wait_failover "$killed" 30 || not_ok "3: the sentinels did not fail over"
new=$(sn_master_port)
t1=$(date +%s.%N)
for h in a b; do
	check "3: $h logs \"master $SN_NAME is 127.0.0.1:$new\" after the failover" \
		wait_log "$tmp/$h.log" "$(master_line "$new")" 15
done
t2=$(date +%s.%N)
sleep 1
touch "$tmp/load.stop"
wait "$load_pid"
load_pid=
read -r sent cont temp other broken < <(awk '
	/^sent / { s += $2; c += $4; t += $6; o += $8; next }
	{ b++ }
	END { print s + 0, c + 0, t + 0, o + 0, b + 0 }' "$tmp/load.out")
awk -v a="$t0" -v b="$t1" -v c="$t2" -v n="$new" 'BEGIN {
	printf "# failover: the sentinels named 127.0.0.1:%s %.1f s after the kill; both instances logged it by %.1f s\n", n, b - a, c - a }'
echo "# load: $sent messages, $cont continued, $temp tempfailed, $other other, $broken broken sessions"
check "3: load ran through the failover ($sent messages)" test "$sent" -gt 40
check "3: nothing tempfailed or broken during the switch (on_store_error = fallback)" \
	test "$temp" = 0 -a "$other" = 0 -a "$broken" = 0
[ "$broken" = 0 ] || grep -v '^sent ' "$tmp/load.out" | head -n 3 | sed 's/^/  /'

# --- 4. the block survived; new writes go to the new master
errs=()
rcpts A "user23@example.com" "tempfail" "after failover" &&
	rcpts B "user24@example.com" "tempfail" "after failover"
check "4: the block made before the failover refuses the client on A and B" \
	test ${#errs[@]} -eq 0
[ ${#errs[@]} -eq 0 ] || printf '  %s\n' "${errs[@]}"
for h in a b; do
	check "4: $h refused it as blocked in Redis, not from its local store" \
		grep -q "to=<user2[34]@example.com> client=192.0.2.10 reason=\"network 192.0.2.10/32 is blocked" "$tmp/$h.log"
done
before=$(sn_cli "$new" dbsize)
for h in a b; do
	SOCKET=unix:$tmp/$h.sock COUNT=10 RCPT=after-$h@example.com miltertest -s "$LOAD" >/dev/null 2>&1
done
after=$(sn_cli "$new" dbsize)
check "4: new writes land on the new master (keys: $blocks of the block before, $before, then $after after 20 messages)" \
	test "${after:-0}" -gt "${before:-0}"
check "4: the new master answers ROLE master" \
	test "$(sn_cli "$new" role | head -n 1)" = master
for h in a b; do
	n=$(grep -c "master $SN_NAME is 127" "$tmp/$h.log")
	check "4: $h logged the master twice (first and new), not more: $n" test "$n" = 2
done

if [ "$failed" -gt 0 ]; then
	for h in a b; do echo "--- $h.log"; cat "$tmp/$h.log"; done
fi
echo "redis-sentinel: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
