#!/bin/bash
# t_redis_shared.sh - two loopguard instances ("MX hosts") sharing their
# state in one private redis-server, driven by miltertest:
#   1. a message repeated across both hosts is discarded at copy 4;
#   2. a harvest spread over both hosts blocks the client on both;
#   3. loopguardctl on A lists the block made through B, and remove on B
#      lifts it for both;
#   4. redis killed: mail keeps flowing (local fallback, one warning);
#      redis back: both hosts say "is back" and share counts again.
# Needs redis-server, redis-cli and miltertest; exits 77 without them.
set -u
. "$(dirname "$0")/../lib/lib.sh"

command -v redis-server >/dev/null || skip "redis-server is not installed"
command -v redis-cli >/dev/null || skip "redis-cli is not installed"
command -v miltertest >/dev/null || skip "miltertest is not installed"
[ -x "$LOOPGUARD" ] || skip "$LOOPGUARD is not built"
[ -x "$LOOPGUARDCTL" ] || skip "$LOOPGUARDCTL is not built"
for p in harvest repeat catchall; do
	[ -e "$PLUGIN_DIR/$p.so" ] || skip "$PLUGIN_DIR/$p.so is not built"
done

MT=$srcdir/miltertest
tmp=$(mktemp -d /tmp/lg-redis-XXXXXX)
REDIS_SOCK=$tmp/redis.sock
redis_pid='' pid_a='' pid_b=''
passed=0 failed=0

# stop PID... - SIGTERM to all, then SIGKILL to any still there after
# 10 s (libmilter notices SIGTERM only at its next 5 s poll); reaps them
stop() {
	local p i
	for p; do [ -n "$p" ] && kill "$p" 2>/dev/null; done
	for ((i = 0; i < 200; i++)); do
		local left=0
		for p; do [ -n "$p" ] && kill -0 "$p" 2>/dev/null && left=1; done
		[ "$left" = 0 ] && break
		sleep 0.05
	done
	for p; do
		[ -n "$p" ] || continue
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	return 0
}
cleanup() {
	stop "$pid_a" "$pid_b" "$redis_pid"
	rm -rf "$tmp"
}
trap cleanup EXIT

rcli() { redis-cli -s "$REDIS_SOCK" "$@"; }

# --- two loopguard instances, same state, own sockets
printf 'alice@example.com\npostmaster@example.com\n' > "$tmp/rcpts"
start_lg() {	# start_lg a|b
	local x=$1
	cat > "$tmp/$x.conf" <<CONF
socket = "unix:$tmp/$x.sock";
control = "unix:$tmp/ctl-$x.sock";
plugin_dir = "$PLUGIN_DIR";
local_domains = [ "example.com" ];
recipients = [ "rcpts" ];
trusted_networks = [ "127.0.0.0/8", "::1/128" ];
state = { backend = "redis"; server = "unix:$REDIS_SOCK";
          prefix = "lgtest:"; timeout = "500ms"; };
plugins = (
  { name = "harvest"; threshold = 20; },
  { name = "repeat"; threshold = 3; },
  { name = "catchall"; }
);
CONF
	"$LOOPGUARD" -f -c "$tmp/$x.conf" 2>>"$tmp/$x.log" &
	eval "pid_$x=\$!"
	if ! wait_file "$tmp/$x.sock" 10 || ! wait_file "$tmp/ctl-$x.sock" 10; then
		cat "$tmp/$x.log"
		return 1
	fi
}

lg_redis_start "$REDIS_SOCK" || exit 1
start_lg a || exit 1
start_lg b || exit 1
SOCK_A=unix:$tmp/a.sock SOCK_B=unix:$tmp/b.sock

# --- reporting: one line per scenario, the reasons under a failed one
why=()
fail() { why+=("$*"); }
scenario() {	# scenario NAME - ends the scenario begun with why=()
	if [ ${#why[@]} -eq 0 ]; then
		passed=$((passed + 1)); echo "ok - $1"
	else
		failed=$((failed + 1)); echo "not ok - $1"
		printf '  %s\n' "${why[@]}"
	fi
	why=()
}

sock_of() { [ "$1" = A ] && echo "$SOCK_A" || echo "$SOCK_B"; }
log_of() { [ "$1" = A ] && echo "$tmp/a.log" || echo "$tmp/b.log"; }

# msg HOST MSGID EXPECT LABEL - one message to nosuch@example.com
msg() {
	local out
	out=$(SOCKET=$(sock_of "$1") MSGID=$2 EXPECT=$3 LABEL="$4 via $1" \
		miltertest -s "$MT/redis_message.lua" 2>&1) || {
		fail "${out:-miltertest failed with no output} (log: $(tail -n 3 "$(log_of "$1")" | tr '\n' '|'))"
		return 1; }
}

# rcpts HOST "RCPTS" "EXPECTS" LABEL - one RCPT-only transaction
rcpts() {
	local out
	out=$(SOCKET=$(sock_of "$1") RCPTS=$2 EXPECT=$3 LABEL="$4 via $1" \
		miltertest -s "$MT/redis_rcpt.lua" 2>&1) || {
		fail "${out:-miltertest failed with no output}"
		return 1; }
}

# ctl HOST ARGS - loopguardctl on that host's control socket; out, rc
ctl() {
	local h=$1; shift
	out=$("$LOOPGUARDCTL" -s "unix:$tmp/ctl-$(tr AB ab <<<"$h").sock" "$@" 2>&1); rc=$?
}

# users FIRST LAST - "userNN@example.com ..." ; words WORD N
users() { local i; for ((i = $1; i <= $2; i++)); do printf 'user%02d@example.com ' "$i"; done; }
words() { local i; for ((i = 0; i < $2; i++)); do printf '%s ' "$1"; done; }

t0=$SECONDS

# --- 1. the same message 4 times, alternating A, B, A, B
mid="<loop-1.$$@external.test>"
msg A "$mid" redirect "copy 1"
msg B "$mid" redirect "copy 2"
msg A "$mid" redirect "copy 3"
msg B "$mid" discard "copy 4"
grep -q "plugin=repeat action=discard .*to=<nosuch@example.com> client=192.0.2.10 reason=\"repeat #4 of message" "$tmp/b.log" ||
	fail "B logged no 'plugin=repeat action=discard ... repeat #4'"
[ "$(rcli --scan --pattern 'lgtest:*' | grep -c .)" -gt 0 ] ||
	fail "no lgtest:* keys in redis"
scenario "1: a message repeated over A and B: copies 1-3 redirected, copy 4 (on B) discarded"

# Scenario 1 counted nosuch@example.com for harvest; start 2 from empty.
rcli flushall >/dev/null

# --- 2. harvest: 10 unknown recipients on A, 11 on B; the 21st refused
rcpts A "$(users 1 10)" "$(words ok 10)" "harvest 1-10"
rcpts B "$(users 11 21)" "$(words ok 10) tempfail" "harvest 11-21"
grep -q 'plugin=harvest action=tempfail .*to=<user21@example.com> client=192.0.2.10 reason="network 192.0.2.10/32 blocked for 1h: 21 distinct unknown recipients' "$tmp/b.log" ||
	fail "B logged no block at user21"
rcpts A "user22@example.com" "tempfail" "after the block"
grep -q 'plugin=harvest action=tempfail .*to=<user22@example.com> client=192.0.2.10 reason="network 192.0.2.10/32 is blocked' "$tmp/a.log" ||
	fail "A logged no refusal of user22 for the shared block"
scenario "2: harvest over A and B: the 21st unknown recipient (on B) gets 4xx, then A refuses the client too"

# --- 3. loopguardctl: list on A shows B's block; remove on B lifts it
ctl A list --plugin harvest
[ "$rc" = 0 ] || fail "loopguardctl list on A: exit $rc: $out"
grep -qE ' 21 +0  prober@external\.test +user21@example\.com +blocked$' <<<"$out" ||
	fail "list on A has no blocked row for user21, count 21: $out"
ctl A --json list --match '192.0.2.10*'
if command -v python3 >/dev/null; then
	python3 -c '
import json, sys
d = json.loads(sys.stdin.read())
sys.exit(0 if any(e["client"] == "192.0.2.10/32" and e["status"] == "blocked"
		  and e["plugin"] == "harvest" and e["count"] == 21 for e in d) else 1)' <<<"$out" ||
		fail "--json list on A: no blocked harvest entry for client 192.0.2.10/32: $out"
fi
ctl B remove --match '192.0.2.10*'
if [ "$rc" != 0 ] || ! grep -qE '^[1-9][0-9]* removed$' <<<"$out"; then
	fail "remove --match on B: exit $rc: $out"
fi
ctl A list --plugin harvest --match '192.0.2.10*'
grep -q blocked <<<"$out" && fail "A still lists the block after remove on B: $out"
rcpts A "user05@example.com" "ok" "after remove"
rcpts B "user15@example.com" "ok" "after remove"
scenario "3: list on A shows the block made through B; remove on B lifts it for A and B"

# --- 4. redis killed, then back
lg_redis_stop KILL
msg A "<down-a.$$@external.test>" redirect "redis down" &&
	msg B "<down-b.$$@external.test>" redirect "redis down"
for h in a b; do
	n=$(grep -c 'state: redis .* unreachable' "$tmp/$h.log")
	[ "$n" = 1 ] || fail "$h.log: $n 'unreachable' warnings while redis is down, want 1"
done
lg_redis_start "$REDIS_SOCK" || fail "redis-server did not restart"
back=0 wait_max=35
for ((i = 0; i < wait_max; i++)); do
	if grep -q 'state: redis .* is back' "$tmp/a.log" &&
	   grep -q 'state: redis .* is back' "$tmp/b.log"; then
		back=1; break
	fi
	msg A "<poll-a$i.$$@external.test>" redirect "poll $i"
	msg B "<poll-b$i.$$@external.test>" redirect "poll $i"
	sleep 1
done
[ "$back" = 1 ] || fail "after $wait_max s: a.log $(grep -c 'is back' "$tmp/a.log"), b.log $(grep -c 'is back' "$tmp/b.log") 'is back' lines"
[ "$back" = 1 ] && echo "# redis back for both after ~$i s of polling"
mid="<loop-2.$$@external.test>"
msg B "$mid" redirect "after back, copy 1"
msg A "$mid" redirect "after back, copy 2"
msg B "$mid" redirect "after back, copy 3"
msg A "$mid" discard "after back, copy 4"
[ "$(rcli --scan --pattern 'lgtest:*' | grep -c .)" -gt 0 ] ||
	fail "no lgtest:* keys in the restarted redis"
for h in a b; do
	n=$(grep -c 'state: redis .* unreachable' "$tmp/$h.log")
	[ "$n" = 1 ] || fail "$h.log: $n 'unreachable' warnings in all, want 1"
	kill -0 "$(eval echo "\$pid_$h")" 2>/dev/null || fail "instance $h died"
done
scenario "4: redis killed: mail flows with one warning; restarted: both say \"is back\", repeats shared again"

if [ "$failed" -gt 0 ]; then
	for h in a b; do echo "--- $h.log"; cat "$tmp/$h.log"; done
fi
echo "# run time $((SECONDS - t0)) s"
echo "redis-shared: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
