#!/bin/bash
# t_state_move.sh - a switch from the memory backend to Redis keeps what
# was learned when it goes through "loopguardctl state export/import",
# and the backends tell the truth about their health:
#   1. backend memory: a message alice sent enters the sent ledger and a
#      harvest from 192.0.2.10 is blocked; state export writes a 0600
#      file and will not overwrite it without --force; counts at both
#      ends of the 64-bit range import and list (table and JSON);
#   2. restarted on a private redis-server: the start warns that the
#      snapshot holds state Redis lacks, naming export and import; a
#      genuine bounce of alice's message is refused (the state is gone);
#   3. state import: the same bounce is accepted, the block is back with
#      its own expiry and still refuses the client; a bad file is refused
#      with its line number and imports nothing;
#   4. stats shows the backend, the server, health up and the counts;
#   5. redis-server stopped (by PID): an export that is the first to
#      find it gone is refused; stats says down since when and that
#      the fallback answers, list says it shows only this host's fallback
#      store (table and JSON), export is refused;
#   6. back to memory with an empty store while the config still names
#      the redis server: the start warns, naming export and import (and
#      the first memory start, whose store was not empty, did not).
# Needs redis-server, redis-cli, miltertest and python3; exits 77 without.
set -u
. "$(dirname "$0")/../lib/lib.sh"

for c in redis-server redis-cli miltertest python3; do
	command -v "$c" >/dev/null || skip "$c is not installed"
done
[ -x "$LOOPGUARD" ] || skip "$LOOPGUARD is not built"
[ -x "$LOOPGUARDCTL" ] || skip "$LOOPGUARDCTL is not built"
for p in bounce harvest catchall; do
	[ -e "$PLUGIN_DIR/$p.so" ] || skip "$PLUGIN_DIR/$p.so is not built"
done

lg_workdir state-move
[ -n "${KEEP:-}" ] && trap - EXIT
REDIS_SOCK=$tmp/redis.sock
# start_lg memory|redis|back - the daemon on that backend; the snapshot
# key stays in the file for redis, as it does when an operator
# switches; "back" is memory again with a fresh snapshot file and the
# redis server still named
start_lg() {
	local state="backend = \"memory\"; snapshot = \"$tmp/snap\";"
	[ "$1" = back ] && state="backend = \"memory\"; snapshot = \"$tmp/snap2\";
          server = \"unix:$REDIS_SOCK\";"
	[ "$1" = redis ] && state="backend = \"redis\"; snapshot = \"$tmp/snap\";
          server = \"unix:$REDIS_SOCK\"; prefix = \"lgmove:\"; timeout = \"500ms\";"
	cat > "$tmp/lg.conf" <<CONF
socket = "unix:$tmp/lg.sock";
control = "unix:$tmp/ctl.sock";
plugin_dir = "$PLUGIN_DIR";
local_domains = [ "example.com" ];
recipients = [ "rcpts" ];
trusted_networks = [ "127.0.0.0/8" ];
state = { $state };
plugins = (
  { name = "bounce"; },
  { name = "harvest"; threshold = 3; },
  { name = "catchall"; }
);
CONF
	: > "$tmp/lg.log"
	"$LOOPGUARD" -f -c "$tmp/lg.conf" 2>>"$tmp/lg.log" &
	pid=$!
	wait_file "$tmp/lg.sock" 10 && wait_file "$tmp/ctl.sock" 10 &&
		wait_in "$tmp/lg.log" "listening on" || exit 1
}
stop_lg() {
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	pid=
	rm -f "$tmp/lg.sock"
}

# ctl ARGS - loopguardctl; sets out, rc
ctl() { out=$("$LOOPGUARDCTL" -s "unix:$tmp/ctl.sock" "$@" 2>&1); rc=$?; }
# mail MODE EXPECT - one message (state_move.lua); 0 when as expected
mail() {
	SOCKET=unix:$tmp/lg.sock MODE=$1 MSGID=$MSGID EXPECT=$2 \
		miltertest -s "$srcdir/state_move.lua" >"$tmp/mt.out" 2>&1 ||
		{ cat "$tmp/mt.out"; return 1; }
}
# rcpts "RCPTS" "EXPECTS" - RCPTs from 192.0.2.10 (the harvest prober)
rcpts() {
	SOCKET=unix:$tmp/lg.sock RCPTS=$1 EXPECT=$2 LABEL=harvest \
		miltertest -s "$top_srcdir/t/daemon/miltertest/redis_rcpt.lua" \
		>"$tmp/mt.out" 2>&1 || { cat "$tmp/mt.out"; return 1; }
}
# block_expires - the expiry of the harvest block (JSON list), or ""
block_expires() {
	ctl --json list --plugin harvest
	python3 -c '
import json, sys
d = json.loads(sys.stdin.read())
d = d["entries"] if isinstance(d, dict) else d
print(" ".join(str(e["expires"]) for e in d if e["status"] == "blocked"))' <<<"$out"
}
# pyjson EXPR - EXPR true of the JSON in $out (as d)
pyjson() {
	python3 -c "import json,sys; d=json.loads(sys.stdin.read()); sys.exit(0 if ($1) else 1)" <<<"$out"
}

MSGID="sent-move.$$@example.com"
lg_redis_start "$REDIS_SOCK" || exit 1

# --- 1. memory: the ledger and a block, then export
start_lg memory
check "1: a memory start names no switch" \
	test "$(grep -c 'state: backend' "$tmp/lg.log")" = 0
check "1: alice's message is continued (and enters the ledger)" mail send continue
check "1: harvest blocks 192.0.2.10 at the 4th unknown recipient" \
	rcpts "u1@example.com u2@example.com u3@example.com u4@example.com" \
	"ok ok ok tempfail"
exp1=$(block_expires)
check "1: the block is listed with an expiry" test -n "$exp1"
ctl state export "$tmp/state"
check "1: state export succeeds" test "$rc" = 0
check "1: it reports what it wrote" grep -qE '^exported [0-9]+ entries to ' <<<"$out"
check "1: the file is mode 600" test "$(stat -c %a "$tmp/state" 2>/dev/null)" = 600
check "1: the file starts with the format line" \
	test "$(head -n 1 "$tmp/state" 2>/dev/null)" = "$(printf 'loopguard-state\t1')"
check "1: the file holds the ledger entry" grep -q $'\tbounce:sent:'"$MSGID"$'\t' "$tmp/state"
ctl state export "$tmp/state"
check "1: a second export refuses to overwrite the file" \
	grep -q 'exists (use --force to replace it)' <<<"$out"
ln -s "$tmp/elsewhere" "$tmp/link"
ctl state export "$tmp/link"
check "1: export refuses a symlink in the way" test "$rc" = 1 -a ! -e "$tmp/elsewhere"
ctl state export --force "$tmp/state"
check "1: --force replaces it" test "$rc" = 0
far=$(($(date +%s) + 3600))
printf 'loopguard-state\t1\nentry\tedge:max\tother\t9223372036854775807\t0\t0\t%s\t\t\t\t\nentry\tedge:min\tother\t-9223372036854775808\t0\t0\t%s\t\t\t\t\n' \
	"$far" "$far" > "$tmp/edge"
ctl state import "$tmp/edge"
check "1: counts at the ends of the range import" test "$rc" = 0
ctl list --all --plugin other
check "1: ... and list shows them" \
	grep -q '9223372036854775807' <<<"$out"
ctl --json list --all --plugin other
check "1: ... JSON list too, as numbers" \
	pyjson 'sorted(e["count"] for e in d) == [-9223372036854775808, 9223372036854775807]'
stop_lg

# --- 2. redis, before the import: the state is gone, and the start says so
start_lg redis
check "2: the start warns that the snapshot holds state redis lacks" \
	grep -q 'state: backend redis: .*holds no entries.*state export FILE.*state import FILE' "$tmp/lg.log"
check "2: before the import a genuine bounce is refused" mail bounce reject
check "2: ... by bounce, 550 (log)" grep -q 'plugin=bounce action=reject' "$tmp/lg.log"
check "2: before the import no block is listed" test -z "$(block_expires)"

# --- 3. import
printf 'loopguard-state\t1\nentry\tk\t\t1\t0\t0\tnotanumber\t\t\t\t\n' > "$tmp/bad"
ctl state import "$tmp/bad"
check "3: a bad file is refused with its line number" \
	grep -q "bad:2: field 7 (expires): not a number" <<<"$out"
check "3: ... and imports nothing" test "$(redis-cli -s "$REDIS_SOCK" --scan --pattern 'lgmove:*' | grep -c .)" = 0
ctl state import "$tmp/state"
check "3: state import succeeds" test "$rc" = 0
check "3: it reports the count" grep -qE '^[1-9][0-9]* imported, 0 expired skipped from ' <<<"$out"
check "3: after the import the same bounce is accepted" mail bounce continue
check "3: the block is back with its own expiry" test "$(block_expires)" = "$exp1"
check "3: redis holds it with a Redis expiry" \
	test "$(redis-cli -s "$REDIS_SOCK" eval "local n=0 for _,k in ipairs(redis.call('keys','lgmove:*')) do if redis.call('ttl',k) > 0 then n=n+1 end end return n" 0)" -gt 0
check "3: and the block still refuses 192.0.2.10" rcpts "u5@example.com" "tempfail"

# --- 4. stats with redis up
ctl stats
check "4: stats names the backend" grep -qE '^backend: +redis$' <<<"$out"
check "4: stats names the server" grep -qE "^server: +unix:$REDIS_SOCK\$" <<<"$out"
check "4: stats says up, no fallback" grep -qE '^health: +up$' <<<"$out"
check "4: ... fallback no" grep -qE '^fallback: +no$' <<<"$out"
check "4: stats counts the server's entries" grep -qE '^redis_entries: +[1-9]' <<<"$out"
ctl --json stats
check "4: JSON stats has the same" pyjson 'd["backend"] == "redis" and d["health"] == "up" and d["fallback"] is False and d["redis_entries"] > 0 and "fallback_entries" in d'

# --- 5. redis stopped
lg_redis_stop
ctl state export "$tmp/state-down"
check "5: an export that first finds redis gone is refused" \
	grep -q 'unreachable; refusing to export only this host' <<<"$out"
check "5: ... and writes no file" test "$rc" = 1 -a ! -e "$tmp/state-down"
ctl stats
check "5: stats says down" grep -qE '^health: +down$' <<<"$out"
check "5: ... since when" grep -qE '^down_since: +[0-9]{4}-' <<<"$out"
check "5: ... and that the fallback answers" grep -qE '^fallback: +yes$' <<<"$out"
check "5: ... with its own counts" grep -qE '^fallback_entries: ' <<<"$out"
ctl list --all
check "5: list says it shows only the fallback store" \
	grep -qE "^redis unix:$REDIS_SOCK unreachable since [0-9-]+ [0-9:]+: showing only this host's fallback store \([0-9]+ entries\)\$" <<<"$out"
ctl --json list
check "5: JSON list carries the fallback field" \
	pyjson 'isinstance(d, dict) and "showing only this host" in d["fallback"] and isinstance(d["entries"], list)'
ctl --json stats
check "5: JSON stats: down, down_since, fallback true" \
	pyjson 'd["health"] == "down" and d["down_since"] > 0 and d["fallback"] is True and "redis_entries" not in d'
ctl state export "$tmp/partial"
check "5: export is refused while only the fallback answers" \
	grep -q "refusing to export only this host's fallback store" <<<"$out"
check "5: ... and leaves no file" test ! -e "$tmp/partial"
stop_lg

# --- 6. back to memory, empty, with the redis server still named
start_lg back
check "6: an empty memory store with a redis server named warns" \
	grep -q 'state: backend memory starts empty, but the config still names the redis server .*state export FILE.*state import FILE' "$tmp/lg.log"
stop_lg

[ "$failed" -gt 0 ] && { echo "--- lg.log"; cat "$tmp/lg.log"; }
echo "state-move: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
