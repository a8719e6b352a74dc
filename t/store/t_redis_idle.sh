#!/bin/bash
# t_redis_idle.sh - the real daemon, backend redis, against a real
# redis-server that closes idle clients after 1 s (its "timeout"
# setting; a proxy in front, such as HAProxy's "timeout client", does
# the same). A pooled connection the server has closed while it sat
# idle is dropped when it is taken from the pool, and a new one is
# dialled: the server is not marked down, nothing falls back and no
# "unreachable" line is logged.
# Needs redis-server, redis-cli and miltertest; exits 77 without them.
set -u
. "$(dirname "$0")/../lib/lib.sh"

for c in redis-server redis-cli miltertest; do
	command -v "$c" >/dev/null || skip "$c is not installed"
done
[ -x "$LOOPGUARD" ] || skip "$LOOPGUARD is not built"
for p in harvest catchall; do
	[ -e "$PLUGIN_DIR/$p.so" ] || skip "$PLUGIN_DIR/$p.so is not built"
done

lg_workdir redis-idle
REDIS_SOCK=$tmp/redis.sock
lg_redis_start "$REDIS_SOCK" --timeout 1 --loglevel verbose || exit 1

cat > "$tmp/lg.conf" <<CONF
socket = "unix:$tmp/lg.sock";
plugin_dir = "$PLUGIN_DIR";
local_domains = [ "example.com" ];
recipients = [ "rcpts" ];
state = { backend = "redis"; server = "unix:$REDIS_SOCK"; prefix = "idle:";
          timeout = "500ms"; };
plugins = ( { name = "harvest"; threshold = 20; }, { name = "catchall"; } );
CONF
: > "$tmp/lg.log"
"$LOOPGUARD" -f -c "$tmp/lg.conf" 2>>"$tmp/lg.log" &
pid=$!
wait_file "$tmp/lg.sock" 10 || { cat "$tmp/lg.log"; exit 1; }

# rcpts "RCPTS" "EXPECTS" - RCPTs from 192.0.2.10
rcpts() {
	SOCKET=unix:$tmp/lg.sock RCPTS=$1 EXPECT=$2 LABEL=idle \
		miltertest -s "$top_srcdir/t/daemon/miltertest/redis_rcpt.lua" \
		>"$tmp/mt.out" 2>&1 || { cat "$tmp/mt.out"; return 1; }
}

check "a RCPT while the server is fresh" rcpts "u1@example.com" "ok"
check "... counted on the server" \
	test "$(redis-cli -s "$REDIS_SOCK" --scan --pattern 'idle:*' | grep -c .)" -gt 0
sleep 2.5
check "the server closed the idle connection" \
	grep -q 'Closing idle client' "$tmp/redis.log"
check "a RCPT after the idle close" rcpts "u2@example.com" "ok"
check "no \"unreachable\" line: the server was not marked down" \
	test "$(grep -c 'unreachable' "$tmp/lg.log")" = 0
kill "$pid"; wait "$pid" 2>/dev/null; pid=
[ "$failed" -gt 0 ] && { echo "--- lg.log"; cat "$tmp/lg.log"; }
echo "redis-idle: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
