#!/bin/bash
# t_redis_deadline.sh - the real daemon, backend redis, against a Redis
# server on a loopback TCP port that answers the handshake and PING at
# once but trickles every other reply, one byte every 100 ms (a reply
# then takes 200 s; t/store/redis_misbehave.py). With timeout = 300ms:
#   1. a RCPT is answered within 3 x timeout (miltertest's own start
#      and connection added), and "state: redis SERVER unreachable
#      (reply not complete within 300 ms); using the local memory
#      store" is logged;
#   2. once the server is back (the once-a-second PING), loopguardctl
#      list and stats try it (the server logs their SCAN) and answer
#      from the local store within the same bound.
# Every wait is bounded (timeout(1), SIGKILL), so a daemon that hangs
# fails the test instead of hanging it.
# Needs python3 and miltertest; exits 77 without them.
set -u
. "$(dirname "$0")/../lib/lib.sh"

command -v python3 >/dev/null || skip "python3 is not installed"
command -v miltertest >/dev/null || skip "miltertest is not installed"
[ -x "$LOOPGUARD" ] || skip "$LOOPGUARD is not built"
[ -x "$LOOPGUARDCTL" ] || skip "$LOOPGUARDCTL is not built"
for p in harvest catchall; do
	[ -e "$PLUGIN_DIR/$p.so" ] || skip "$PLUGIN_DIR/$p.so is not built"
done

TIMEOUT_MS=300
BOUND_MS=$((3 * TIMEOUT_MS))	# what one store call may take
START_MS=1500			# a process's start on a loaded machine
lg_workdir deadline
lg_pid=''

# stop PID - SIGTERM, then SIGKILL after 10 s; reaps it
stop() {
	local i
	[ -n "$1" ] || return 0
	kill "$1" 2>/dev/null
	for ((i = 0; i < 200; i++)); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.05
	done
	kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	return 0
}
lg_cleanup_hook() {
	stop "$lg_pid"
	[ "$failed" -gt 0 ] && [ -e "$tmp/lg.log" ] &&
		{ echo "--- lg.log"; cat "$tmp/lg.log"; echo "--- server.log"; cat "$tmp/server.log"; }
}

ms() { echo $(($(date +%s%N) / 1000000)); }

# --- the misbehaving server, on a free loopback port
python3 "$t_lib/../store/redis_misbehave.py" --listen 127.0.0.1:0 \
	--ready "$tmp/ready" --mode trickle --on EVALSHA,HMGET,SCAN,INFO,DEL \
	--log "$tmp/server.log" &
lg_pids+=("$!")
wait_file "$tmp/ready" 20 || exit 1
port=$(cat "$tmp/ready")
server=127.0.0.1:$port

cat > "$tmp/lg.conf" <<CONF
socket = "unix:$tmp/lg.sock";
control = "unix:$tmp/ctl.sock";
plugin_dir = "$PLUGIN_DIR";
local_domains = [ "example.com" ];
recipients = [ "rcpts" ];
state = { backend = "redis"; server = "$server"; prefix = "lg:";
          timeout = "${TIMEOUT_MS}ms"; };
plugins = ( { name = "harvest"; threshold = 20; }, { name = "catchall"; } );
CONF
"$LOOPGUARD" -f -c "$tmp/lg.conf" 2>>"$tmp/lg.log" &
lg_pid=$!
if ! wait_file "$tmp/lg.sock" 20 || ! wait_file "$tmp/ctl.sock" 20; then
	not_ok "loopguard started" "$(cat "$tmp/lg.log")"
	exit 1
fi
grep -q "SCRIPT: answered" "$tmp/server.log" ||
	not_ok "loopguard loaded its script on the server at start"

# --- 1. one RCPT of an unknown recipient: harvest asks the store
t0=$(ms)
out=$(SOCKET="unix:$tmp/lg.sock" RCPTS="nosuch@example.com" EXPECT=ok \
	LABEL="trickling redis" timeout 30 miltertest \
	-s "$t_lib/../daemon/miltertest/redis_rcpt.lua" 2>&1)
rc=$? took=$(($(ms) - t0))
echo "# RCPT against the trickling server: miltertest took $took ms (exit $rc)"
if [ "$rc" = 124 ]; then
	not_ok "RCPT answered" "no answer within 30 s: the daemon hangs on the server"
else
	check "RCPT answered (continue): $out" [ "$rc" = 0 ]
fi
check "RCPT answered within $BOUND_MS ms + $START_MS ms (took $took ms)" \
	[ "$took" -lt $((BOUND_MS + START_MS)) ]
check "a store command reached the server and trickled" \
	grep -qE "(EVALSHA|HMGET): trickle" "$tmp/server.log"
line="state: redis $server unreachable (reply not complete within $TIMEOUT_MS ms); using the local memory store"
for ((i = 0; i < 50; i++)); do
	grep -qF "$line" "$tmp/lg.log" && break
	sleep 0.1
done
check "logged: $line" grep -qF "$line" "$tmp/lg.log"

# ctl WHAT - loopguardctl WHAT once the server is back; sets took, rc,
# out; passes when the server saw one more SCAN
ctl() {
	local scans back i
	scans=$(grep -c "SCAN: trickle" "$tmp/server.log")
	back=$(grep -c "PING: answered" "$tmp/server.log")
	for ((i = 0; i < 100; i++)); do	# the PING after the backoff
		[ "$(grep -c "PING: answered" "$tmp/server.log")" -gt "$back" ] && break
		sleep 0.1
	done
	t0=$(ms)
	out=$(timeout 30 "$LOOPGUARDCTL" -s "unix:$tmp/ctl.sock" "$@" 2>&1)
	rc=$? took=$(($(ms) - t0))
	echo "# loopguardctl $* against the trickling server: $took ms (exit $rc)"
	[ "$(grep -c "SCAN: trickle" "$tmp/server.log")" -gt "$scans" ]
}

# --- 2. loopguardctl list and stats: the SCAN trickles too
for what in list stats; do
	check "loopguardctl $what tried the server (a SCAN)" ctl "$what"
	check "loopguardctl $what answered (exit $rc): $out" [ "$rc" = 0 ]
	check "loopguardctl $what within $BOUND_MS ms + $START_MS ms (took $took ms)" \
		[ "$took" -lt $((BOUND_MS + START_MS)) ]
done
check "list shows the RCPT counted in the local store" \
	grep -q "nosuch@example.com" <<<"$(timeout 30 "$LOOPGUARDCTL" -s "unix:$tmp/ctl.sock" list --all 2>&1)"

kill -0 "$lg_pid" 2>/dev/null || not_ok "loopguard still runs"
echo "redis-deadline: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
