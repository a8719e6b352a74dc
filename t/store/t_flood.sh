#!/bin/bash
# t_flood.sh - the memory store under a harvester's flood, in the real
# daemon driven by miltertest (t/daemon/miltertest/flood.lua):
#   1. legitimate repeat counters are made first, 8 from one IPv4
#      client (a busy network);
#   2. a harvester with 500-byte addresses probes from 200 /64s of one
#      IPv6 /48, 5 recipients each: the /48 is blocked past
#      threshold6_wide, so it cannot make 200 counters of its own;
#   3. the same harvester from 40 other /48s fills the store (max_entries
#      400, max_bytes 128K) and makes it evict;
#   4. the harvester spread over 300 more /48s, one recipient each, so
#      that no flooding network weighs more than the busy one: its
#      older counters stay all the same;
# and throughout: loopguardctl stats shows bytes within max_bytes, and
# loopguardctl list still shows the repeat counter (the largest
# contributors lose their newest entries first, not an older lone one).
# Prints bytes per entry for the record. Needs miltertest; exits 77
# without it.
set -u
. "$(dirname "$0")/../lib/lib.sh"

command -v miltertest >/dev/null || skip "miltertest is not installed"
[ -x "$LOOPGUARD" ] || skip "$LOOPGUARD is not built"

MAX_BYTES=${MAX_BYTES:-98304}
MT=$top_srcdir/t/daemon/miltertest
lg_workdir flood

cat > "$tmp/lg.conf" <<CONF
socket = "unix:$tmp/lg.sock";
control = "unix:$tmp/ctl.sock";
plugin_dir = "$PLUGIN_DIR";
local_domains = [ "example.com" ];
recipients = [ "rcpts" ];
state = { backend = "memory"; max_entries = 400;
          max_bytes = $MAX_BYTES;
};
plugins = (
  { name = "harvest"; },
  { name = "repeat"; window = "10m"; },
  { name = "catchall"; }
);
CONF
"$LOOPGUARD" -f -c "$tmp/lg.conf" 2>>"$tmp/lg.log" &
pid=$!
wait_file "$tmp/lg.sock" 10 && wait_file "$tmp/ctl.sock" 10 ||
	{ cat "$tmp/lg.log"; exit 1; }
sock=unix:$tmp/lg.sock ctl=unix:$tmp/ctl.sock

# stat NAME - one number of loopguardctl --json stats
stat() {
	"$LOOPGUARDCTL" -s "$ctl" --json stats |
		python3 -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"
}

# listed CLIENT STATUS - an entry of CLIENT with STATUS is listed
listed() {
	"$LOOPGUARDCTL" -s "$ctl" --json list --all | python3 -c '
import json, sys
sys.exit(not any(e.get("client") == sys.argv[1] and e.get("status") == sys.argv[2]
                 for e in json.load(sys.stdin)))' "$1" "$2"
}

# within - stats bytes within max_bytes, said with the figures
within() {
	local b e
	b=$(stat bytes) e=$(stat entries)
	echo "  $1: $e entries, $b bytes ($((b / (e ? e : 1))) per entry), evicted $(stat evicted)"
	[ -n "$b" ] && [ "$b" -le "$MAX_BYTES" ]
}

# legit_listed - the repeat counter of 192.0.2.10 is listed
legit_listed() { listed 192.0.2.10 counting; }

# legit_count - how many counters of 192.0.2.10 are listed
legit_count() {
	"$LOOPGUARDCTL" -s "$ctl" --json list --all | python3 -c '
import json, sys
print(sum(e.get("client") == "192.0.2.10" and e.get("status") == "counting"
          for e in json.load(sys.stdin)))'
}

# clients NET FROM TO - "NET:FROM::1 ... NET:TO::1" (hex)
clients() { local i; for ((i = $2; i <= $3; i++)); do printf '%s:%x::1 ' "$1" "$i"; done; }

# 1. the legitimate counter, first
SOCKET=$sock MSGID="<legit.1@external.test>" LABEL=legit \
	miltertest -s "$MT/redis_message.lua" >"$tmp/mt.out" 2>&1 ||
	{ cat "$tmp/mt.out"; not_ok "the repeat counter is made"; }
check "the repeat counter is listed" legit_listed
for ((k = 2; k <= 8; k++)); do
	SOCKET=$sock MSGID="<legit.$k@external.test>" LABEL=legit \
		miltertest -s "$MT/redis_message.lua" >"$tmp/mt.out" 2>&1 ||
		{ cat "$tmp/mt.out"; not_ok "repeat counter $k is made"; }
done
n=$(legit_count)
[ "$n" = 8 ] && ok "the busy network's 8 counters are listed" ||
	not_ok "the busy network's 8 counters are listed" "$n listed"

# 2. one /48, 200 /64s
out=$(SOCKET=$sock CLIENTS="$(clients 2001:db8:77 1 200)" PER=5 LABEL=one48 \
	miltertest -s "$MT/flood.lua" 2>&1)
echo "  $out"
check "one /48: the store stays within max_bytes" within "one /48"
check "one /48: the /48 is blocked" listed 2001:db8:77::/48 blocked
check "one /48: the repeat counter is still listed" legit_listed

# 3. 40 more /48s, 15 recipients from one /64 of each
all=
for ((k = 1; k <= 40; k++)); do all="$all $(printf '2001:db8:%x:1::1' $((0x100 + k)))"; done
out=$(SOCKET=$sock CLIENTS="$all" PER=15 LABEL=many48 \
	miltertest -s "$MT/flood.lua" 2>&1)
echo "  $out"
check "many /48s: the store stays within max_bytes" within "many /48s"
ev=$(stat evicted)
if [ "${ev:-0}" -gt 0 ]; then ok "many /48s: the store evicted ($ev)"; else
	not_ok "many /48s: the store evicted" "evicted ${ev:-?}"; fi
check "many /48s: the repeat counter is still listed" legit_listed

# 4. 300 more /48s, one recipient each
all=
for ((k = 1; k <= 300; k++)); do all="$all $(printf '2001:db8:%x:1::1' $((0x1000 + k)))"; done
out=$(SOCKET=$sock CLIENTS="$all" PER=1 LABEL=spread \
	miltertest -s "$MT/flood.lua" 2>&1)
echo "  $out"
check "spread: the store stays within max_bytes" within "spread"
n=$(legit_count)
[ "$n" = 8 ] && ok "spread: the busy network's 8 counters are still listed" ||
	not_ok "spread: the busy network's 8 counters are still listed" "$n listed"
grep -q 'store: full' "$tmp/lg.log" && ok "the eviction is logged" ||
	not_ok "the eviction is logged"

kill "$pid" && wait "$pid"
pid=
echo "passed $passed, failed $failed"
[ "$failed" -eq 0 ]
