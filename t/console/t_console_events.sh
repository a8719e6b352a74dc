#!/bin/bash
# t_console_events.sh - GET /events and the chart against the real
# daemon and a real loopguard-console (t/console/lib/console.sh):
# without a login /events is 401; a viewer's stream (curl -N) says
# text/event-stream and "event: daemon" up; removing a seeded entry
# with loopguardctl sends a change with "entries":true, a burst of
# removals is coalesced (at most 2 a second); 32 streams at once from
# several loopback addresses, the 33rd 503, a slot comes back once a
# client left, a quiet stream gets keepalives; the daemon stopped:
# "down" within 15 s; started again: "up" (the watch reconnects,
# backing off up to 30 s); with the sample interval at 1 s a message
# through the daemon (miltertest) shows in the chart (/api/chart when
# the pages are built in, and the state file), the chart survives a
# console restart through its state_file, a damaged state file is a
# warning and an empty chart, and stopping the console ends the open
# streams at once. Last, a fake daemon on the control socket sends
# what the real one would not: "lost" (a change of both), a line over
# 1024 bytes and silence (down, then a reconnection), a refused watch.
set -u
. "$(dirname "$0")/../lib/lib.sh"

command -v miltertest >/dev/null || skip "miltertest is not installed"
command -v python3 >/dev/null || skip "python3 is not installed"

lg_workdir events
. "$srcdir/lib/console.sh"

export LOOPGUARD_CONSOLE_SAMPLE_SECONDS=1
LGC_SEED=1
curls=()

# stream NAME [CURL-ARG...] - a viewer's /events into $tmp/NAME.sse
# (headers in NAME.hdr) in the background; curl's own PID (not a
# subshell's, so kill ends the connection) in curls and spid
stream() {
	local name=$1
	shift
	curl -sS -N -u "viewer:$LGC_VIEWER_PASS" --max-time 300 \
		-D "$tmp/$name.hdr" "$@" "$(lgc_url)/events" \
		>"$tmp/$name.sse" 2>"$tmp/$name.err" &
	spid=$!
	curls+=("$spid")
}

# wait_for FILE TEXT SECONDS - until FILE holds TEXT (a grep -E pattern)
wait_for() {
	local i
	for ((i = 0; i < $3 * 10; i++)); do
		grep -qE -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "  $1 has no /$2/ after $3 s:"
	tail -n 20 "$1" 2>/dev/null | sed 's/^/    /'
	return 1
}

# count FILE PATTERN - how many lines match
count() { grep -cE -- "$2" "$1" 2>/dev/null || true; }

# wait_count FILE PATTERN N SECONDS - until N lines match
wait_count() {
	local i
	for ((i = 0; i < $4 * 10; i++)); do
		[ "$(count "$1" "$2")" -ge "$3" ] && return 0
		sleep 0.1
	done
	echo "  $1 has fewer than $3 lines /$2/ after $4 s:"
	tail -n 20 "$1" 2>/dev/null | sed 's/^/    /'
	return 1
}

# poll SECONDS COMMAND... - until COMMAND succeeds
poll() {
	local i n=$1
	shift
	for ((i = 0; i < n * 10; i++)); do
		"$@" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# gone PID - the process has ended (reaped)
gone() { ! kill -0 "$1" 2>/dev/null; }

# ctl ARGS - loopguardctl on the fixture's daemon
ctl() { "$LOOPGUARDCTL" -s "unix:$tmp/ctl.sock" "$@"; }

# ids - the ids of the seeded entries that are not hidden (a hidden
# one changes silently)
ids() { ctl list 2>/dev/null | awk 'NR > 1 && $1 ~ /^[0-9a-f]+$/ { print $1 }'; }

# message - one decision of the catchall plugin
message() {
	SOCKET="unix:$tmp/lg.sock" miltertest -s "$srcdir/events_message.lua" \
		>"$tmp/mt.out" 2>&1
}

# chart_api_has / state_has PLUGIN - /api/chart or the state file
# counts a decision of PLUGIN
chart_api_has() {
	lgc_curl /api/chart -u "viewer:$LGC_VIEWER_PASS" | python3 -c '
import json, sys
d = json.load(sys.stdin)
sys.exit(0 if any(s["plugin"] == sys.argv[1] and s["total"] > 0
		  for s in d["series"]) else 1)' "$1"
}
state_has() {
	python3 - "$tmp/console/chart" "$1" <<'PY'
import sys
lines = open(sys.argv[1]).read().split("\n")
series = {l.split("\t")[1] for l in lines
	  if l.startswith("series\t") and l.split("\t")[2] == sys.argv[2]}
sys.exit(0 if any(l.startswith("count\t") and l.split("\t")[2] in series
		  for l in lines) else 1)
PY
}

lg_cleanup_hook() {
	local p
	for p in "${curls[@]}"; do
		kill "$p" 2>/dev/null
	done
	lgc_cleanup
}

lgc_start || exit 1

# --- access and the first event
check "/events without a login: 401" [ "$(lgc_status /events --max-time 3)" = 401 ]
stream main
check "the viewer's stream says the daemon is up" \
	wait_for "$tmp/main.sse" '^data: up$' 5
check "the stream is text/event-stream" grep -qi '^content-type: text/event-stream' "$tmp/main.hdr"
check "the stream is not cached" grep -qi '^cache-control: no-store' "$tmp/main.hdr"
check "event: daemon comes before its data" \
	grep -qx 'event: daemon' "$tmp/main.sse"

# --- a change when an entry is removed
mapfile -t seeded < <(ids)
check "the daemon has seeded entries (${#seeded[@]})" [ "${#seeded[@]}" -ge 3 ]
ctl remove "${seeded[0]}" >/dev/null
check "a removed entry: a change of entries" \
	wait_for "$tmp/main.sse" '^data: \{"entries":true,"outbox":(true|false),"seq":[0-9]+\}$' 5
before=$(count "$tmp/main.sse" '^event: change$')
ctl remove "${seeded[@]:1}" >/dev/null
sleep 2.5
after=$(count "$tmp/main.sse" '^event: change$')
check "a burst of $((${#seeded[@]} - 1)) removals: 1 or 2 change events ($((after - before)))" \
	[ $((after - before)) -ge 1 -a $((after - before)) -le 2 ]

# --- 32 streams at most (8 connections per address: spread over 5)
for ((i = 1; i < 32; i++)); do
	stream "s$i" --interface "127.0.0.$((i % 5 + 1))"
	extra[i]=$spid
done
all_up() {
	local i
	for ((i = 1; i < 32; i++)); do
		grep -qx 'data: up' "$tmp/s$i.sse" 2>/dev/null || return 1
	done
}
for ((t = 0; t < 300; t++)); do all_up && break; sleep 0.1; done
check "32 streams at once" all_up
check "the 33rd stream: 503" \
	[ "$(lgc_status /events -u "viewer:$LGC_VIEWER_PASS" --interface 127.0.0.7 --max-time 10)" = 503 ]
check "the refusal is logged" grep -q 'events from 127.0.0.7 for viewer refused: 32 streams open' "$(lgc_log)"
for ((i = 1; i < 32; i++)); do
	kill "${extra[i]}" 2>/dev/null
	wait "${extra[i]}" 2>/dev/null
done
# the server notices a client left when a write to it fails: the
# second keepalive (15 s apart) after it left, at the latest
slot_back() {
	local t code
	# a try must wait for the answer: one that gives up before the
	# headers (a slow password check) leaves a stream behind
	for ((t = 0; t < 40; t++)); do
		code=$(lgc_status /events -u "viewer:$LGC_VIEWER_PASS" --max-time 5 2>/dev/null)
		[ "$code" = 200 ] && return 0
		sleep 1
	done
	return 1
}
check "a slot comes back once clients left" slot_back
# that took at least 15 s without a change
check "a quiet stream gets keepalives" grep -qx ': keepalive' "$tmp/main.sse"

# --- the daemon stops and comes back
ups=$(count "$tmp/main.sse" '^data: up$')
lgc_daemon_stop
check "the daemon stopped: down within 15 s" wait_for "$tmp/main.sse" '^data: down$' 15
check "the console logs it" grep -q 'daemon is down' "$(lgc_log)"
lgc_daemon_start || exit 1
check "the daemon started again: up within the 30 s backoff" \
	wait_count "$tmp/main.sse" '^data: up$' $((ups + 1)) 40

# --- the chart: a decision, sampled every second
message
check "a message through the daemon (miltertest)" grep -q 'events_message.lua: ok' "$tmp/mt.out"
if [ "$(lgc_status /api/chart -u "viewer:$LGC_VIEWER_PASS")" = 200 ]; then
	check "the chart shows the catchall decision (/api/chart)" \
		poll 10 chart_api_has catchall
fi
stream late
late=$spid
sleep 1
started=$SECONDS
check "the console stops at once with streams open" lgc_stop
check "... in under 5 s ($((SECONDS - started)) s)" [ $((SECONDS - started)) -lt 5 ]
check "its streams ended" poll 5 gone "$late"
check "the main stream ended too" poll 5 gone "${curls[0]}"
check "the state file counts the catchall decision" state_has catchall
check "the state file is complete" [ "$(tail -n 1 "$tmp/console/chart")" = done ]
check "no temporary file is left" [ ! -e "$tmp/console/chart.tmp" ]
cp "$tmp/console/chart" "$tmp/chart.before"

# --- a restart reads it back
lines=$(wc -l < "$(lgc_log)")
lgc_start || exit 1
check "the restarted console read the state file (no warning)" \
	eval "! tail -n +$((lines + 1)) '$(lgc_log)' | grep -q 'state_file'"
if [ "$(lgc_status /api/chart -u "viewer:$LGC_VIEWER_PASS")" = 200 ]; then
	check "the chart still shows the decision (/api/chart)" chart_api_has catchall
fi
lgc_stop
check "... and keeps it at the next stop" state_has catchall

# --- a damaged or hostile state file: a warning, an empty chart
printf 'loopguard-console-chart\t1\nend\t99\nseries\t0\t<svg onload=x>\tx\n%s\n' \
	"$(head -c 5000 /dev/zero | tr '\0' 'a')" > "$tmp/console/chart"
lines=$(wc -l < "$(lgc_log)")
lgc_start || exit 1
check "a damaged state file: a warning naming the line" \
	grep -q "state_file $tmp/console/chart: line 3: a bad plugin or action name; the chart starts empty" "$(lgc_log)"
check "... and the console serves" [ "$(lgc_status /events -u "viewer:$LGC_VIEWER_PASS" --max-time 5 2>/dev/null)" = 200 ]
lgc_stop
check "... and it is replaced at stop" [ "$(head -n 1 "$tmp/console/chart")" = "$(printf 'loopguard-console-chart\t1')" ]
check "... by a chart without the old series" eval "! grep -q onload '$tmp/console/chart'"

# --- a daemon that misbehaves (a fake on the control socket): "lost",
# a line too long, silence, a refused watch
lgc_daemon_stop
rm -f "$tmp/ctl.sock"
python3 - "$tmp/ctl.sock" >"$tmp/fake.log" 2>&1 <<'PY' &
import os, socket, sys, threading, time
os.umask(0)
srv = socket.socket(socket.AF_UNIX)
srv.bind(sys.argv[1])
srv.listen(8)
watches = 0
def go(name):
    # the test says when: it creates the file NAME beside the socket
    path = os.path.join(os.path.dirname(sys.argv[1]), name)
    while not os.path.exists(path):
        time.sleep(0.1)
def serve(c):
    global watches
    req = c.makefile("rb").readline().strip()
    if req != b"watch":
        c.sendall(b"OK\n")
    else:
        watches += 1
        if watches == 1:
            c.sendall(b"watching\t1\n")
            go("lost")
            c.sendall(b"lost\t7\n")
            go("long")
            c.sendall(b"tick\t" + b"9" * 2000 + b"\n")
        elif watches == 2:
            c.sendall(b"watching\t2\n")
            time.sleep(30)
        else:
            c.sendall(b"ERR watch: too many watchers (4)\n")
    time.sleep(0.5)
    c.close()
while True:
    c, _ = srv.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
PY
fake=$!
lg_pids+=("$fake")
wait_file "$tmp/ctl.sock" 5
LGC_NO_DAEMON=1
lgc_start || exit 1
stream fake
check "fake daemon: up" wait_for "$tmp/fake.sse" '^data: up$' 10
touch "$tmp/lost"
check "\"lost\": a change of entries and outbox" \
	wait_for "$tmp/fake.sse" '^data: \{"entries":true,"outbox":true,"seq":1\}$' 5
touch "$tmp/long"
check "a watch line over 1024 bytes: down" wait_for "$tmp/fake.sse" '^data: down$' 5
check "... logged" grep -q 'daemon is down: a watch line over 1024 bytes' "$(lgc_log)"
check "reconnected: up again" wait_count "$tmp/fake.sse" '^data: up$' 2 5
check "a daemon that says nothing: down within 15 s" \
	wait_count "$tmp/fake.sse" '^data: down$' 2 15
check "... logged" grep -q 'daemon is down: no word from it for 12 s' "$(lgc_log)"
check "a refused watch: logged" wait_for "$(lgc_log)" 'watch refused by the daemon: ERR watch: too many watchers \(4\)' 5
check "... and the daemon counts as up (it answered)" wait_count "$tmp/fake.sse" '^data: up$' 3 5
lgc_stop
kill "$fake" 2>/dev/null

echo "passed $passed, failed $failed"
[ "$failed" -eq 0 ]
