#!/bin/bash
# t_watch.sh - "loopguardctl watch" against the real daemon: a watch
# client sees entry-added after a message (miltertest, the harvest
# plugin) creates an entry, under the id list shows, and entry-removed
# after "loopguardctl remove"; a fifth watcher is refused; ticks come
# while nothing happens; stats counts the watchers; a reload is an
# event; a watcher that reads nothing is dropped after 30 s; stopping
# the daemon ends every stream with "OK stopping" at once. The config also carries a console group, which the daemon
# accepts and ignores.
set -u
. "$(dirname "$0")/../lib/lib.sh"

command -v miltertest >/dev/null || skip "miltertest is not installed"
command -v python3 >/dev/null || skip "python3 is not installed"
[ -x "$LOOPGUARDCTL" ] || skip "$LOOPGUARDCTL is not built"
MT=$top_srcdir/t/daemon/miltertest
lg_workdir watch

cat > "$tmp/lg.conf" <<CONF
socket = "unix:$tmp/lg.sock";
control = "unix:$tmp/ctl.sock";
plugin_dir = "$PLUGIN_DIR";
local_domains = [ "example.com" ];
recipients = [ "rcpts" ];
state = { backend = "memory"; };
console = {
  listen = "127.0.0.1:8025";
  users_file = "/nonexistent/console.users";
};
plugins = (
  { name = "harvest"; },
  { name = "catchall"; }
);
CONF
"$LOOPGUARD" -f -c "$tmp/lg.conf" 2>>"$tmp/lg.log" &
pid=$!
wait_file "$tmp/lg.sock" 10 && wait_file "$tmp/ctl.sock" 10 ||
	{ cat "$tmp/lg.log"; exit 1; }
ok "the daemon starts with a console group in its config"
ctl=unix:$tmp/ctl.sock

# ctl ARGS - loopguardctl on our socket; sets out, err, rc
ctl() {
	out=$("$LOOPGUARDCTL" -s "$ctl" "$@" 2>"$tmp/err"); rc=$?
	err=$(cat "$tmp/err")
}

# watcher N [--json] - a watch client writing to $tmp/wN; its PID in
# wpid[N]; waits for the stream to have started
declare -a wpid
watcher() {
	local n=$1
	shift
	"$LOOPGUARDCTL" -s "$ctl" "$@" watch >"$tmp/w$n" 2>"$tmp/w$n.err" &
	wpid[$n]=$!
	lg_pids+=("$!")
}

# started N - watcher N's stream has begun (the daemon logged it)
started() {
	local i want=$1
	for ((i = 0; i < 100; i++)); do
		[ "$(grep -c 'started watching' "$tmp/lg.log")" -ge "$want" ] &&
			return 0
		sleep 0.05
	done
	return 1
}

watcher 1 --json
check "watcher 1 starts" started 1
check "its first line is watching SEQ" wait_in "$tmp/w1" '{"watching": '

# one unknown recipient from one client: harvest counts it in a shown
# entry (and a hidden "seen" one, which sends no event)
out=$(SOCKET=unix:$tmp/lg.sock CLIENTS=192.0.2.1 PER=1 LEN=40 LABEL=one \
	miltertest -s "$MT/flood.lua" 2>&1)
check "miltertest sent the message" grep -q "one: 1 ok" <<<"$out"
check "entry-added comes" wait_in "$tmp/w1" '"kind": "entry-added"'
id=$(python3 -c '
import json, sys
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e.get("kind") == "entry-added":
        print(e["id"], e["plugin"]); break' "$tmp/w1")
check "the event names the harvest plugin" [ "${id#* }" = harvest ]
id=${id% *}
ctl list
check "list shows the entry under the event's id" grep -q "^$id " <<<"$out"
check "only one entry event (the hidden one sent none)" \
	[ "$(grep -c '"kind": "entry' "$tmp/w1")" = 1 ]

ctl remove "$id"
check "remove ID" [ "$rc" = 0 ]
check "entry-removed comes with that id" \
	wait_in "$tmp/w1" "\"kind\": \"entry-removed\", \"id\": \"$id\""

watcher 2
watcher 3
watcher 4 --json
check "four watchers at once" started 4
ctl stats
check "stats counts them" grep -qx "watchers: *4" <<<"$out"
# a control client's thread runs below the milter's threads (nice 10):
# the four watchers are four such threads, the rest of the daemon at 0
nices=$(for t in /proc/"$pid"/task/*/stat; do
	sed 's/^.*) //' "$t" | cut -d' ' -f17; done | sort | uniq -c | tr -s ' ')
check "the watchers' threads run at nice 10" \
	grep -q '^ *4 10$' <<<"$nices"
check "the milter's threads stay at nice 0" grep -q ' 0$' <<<"$nices"
ctl watch
check "a fifth is refused" eval '[ "$rc" = 1 ] && [ "$err" = "loopguardctl: watch: too many watchers (4)" ]'

# a changed control_mode cannot take effect in a reload: it says so
sed -i 's|^control = .*|&\ncontrol_mode = "0600";|' "$tmp/lg.conf"
ctl reload
check "reload" [ "$rc" = 0 ]
check "a changed control_mode asks for a restart" \
	wait_in "$tmp/lg.log" "control, control_mode or control_group changed; restart loopguard"
check "the reload is an event" wait_in "$tmp/w2" "reload           ok"
ctl stats
check "stats counts the reload" grep -qx "reloads_ok: *1" <<<"$out"

# nothing happens now: the daemon ticks every 5 s
for ((i = 0; i < 130; i++)); do
	grep -q '"tick": ' "$tmp/w4" && break
	sleep 0.1
done
check "a tick comes within 13 s" grep -q '"tick": ' "$tmp/w4"
check "no watcher ended early" kill -0 "${wpid[1]}" "${wpid[2]}" \
	"${wpid[3]}" "${wpid[4]}"

# a watch client that reads nothing is dropped after 30 s; one that
# hangs up gives its place back at once
kill "${wpid[4]}"
wait "${wpid[4]}" 2>/dev/null
python3 - "$tmp/ctl.sock" <<'PY' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(b"watch\n")
time.sleep(45)
PY
stalled=$!
lg_pids+=("$stalled")
check "a hung-up watcher's place is taken again" started 5
for ((i = 0; i < 400; i++)); do
	grep -q "a watch client read nothing for 30 s; dropped" "$tmp/lg.log" && break
	sleep 0.1
done
check "a watcher that reads nothing is dropped after 30 s" \
	grep -q "a watch client read nothing for 30 s; dropped" "$tmp/lg.log"
kill "$stalled"
wait "$stalled" 2>/dev/null

# the daemon stops: every stream ends with OK stopping, promptly
start=$(date +%s%N)
kill "$pid"
ended=1
for n in 1 2 3; do
	wait "${wpid[$n]}" || ended=0
done
took=$((($(date +%s%N) - start) / 1000000))
wait "$pid"
pid=
check "every watcher exits 0 when the daemon stops" [ "$ended" = 1 ]
check "within 3 s (took $took ms)" [ "$took" -lt 3000 ]
check "text watch says so" grep -qx "loopguard stopped" "$tmp/w2"
check "no errors from the watchers" eval '! cat "$tmp"/w?.err | grep -q .'
check "the control socket is removed" [ ! -e "$tmp/ctl.sock" ]

echo "# $passed passed, $failed failed"
[ "$failed" -eq 0 ]
