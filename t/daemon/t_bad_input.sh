#!/bin/bash
# t_bad_input.sh - hostile and broken input for the real daemon:
# miltertest/bad_input.lua through the milter protocol (huge headers,
# NULs, 8-bit and UTF-8 addresses, long local parts, 5000 recipients,
# broken MIME in bounces, no Message-ID), then garbage on the control
# socket (binary junk, a 1 MB line, an unknown command, half a command,
# 200 connections dropped at once). Each gets a clear answer; the daemon
# stays up and still answers loopguardctl and mail, and its log has no
# sanitizer report. Needs miltertest and python3; exits 77 without.
set -u
. "$(dirname "$0")/../lib/lib.sh"

command -v miltertest >/dev/null || skip "miltertest is not installed"
command -v python3 >/dev/null || skip "python3 is not installed"
lg_workdir bad
cat >"$tmp/lg.conf" <<CONF
socket = "unix:$tmp/lg.sock";
control = "unix:$tmp/ctl.sock";
plugin_dir = "$PLUGIN_DIR";
local_domains = [ "example.com" ];
recipients = [ "rcpts" ];
plugins = (
  { name = "harvest"; threshold = 100000; },
  { name = "repeat"; },
  { name = "catchall"; },
  { name = "bounce"; }
);
CONF
"$LOOPGUARD" -f -c "$tmp/lg.conf" 2>"$tmp/log" &
pid=$!
wait_file "$tmp/lg.sock" 10 && wait_file "$tmp/ctl.sock" 10 ||
	{ cat "$tmp/log"; echo "Bail out! the daemon did not start"; exit 1; }

# --- the milter protocol
SOCKET="unix:$tmp/lg.sock" stdbuf -oL miltertest -s "$srcdir/miltertest/bad_input.lua" \
	>"$tmp/mt.out" 2>&1
mt_rc=$?
while IFS= read -r line; do
	case $line in
	"ok - "*) ok "milter: ${line#ok - }" ;;
	"not ok - "*) not_ok "milter: ${line#not ok - }" ;;
	esac
done <"$tmp/mt.out"
check "miltertest script ran to its end (exit $mt_rc)" \
	grep -q '^bad_input.lua: ok$' "$tmp/mt.out"
[ "$mt_rc" -eq 0 ] || cat "$tmp/mt.out"
check "broken bounces are refused with a reason in the log" \
	grep -q 'plugin=bounce action=reject' "$tmp/log"
check "addresses it cannot parse are logged and left to the MTA" \
	grep -q 'unparsable recipient .*treated as external' "$tmp/log"
check "... and refused at RCPT in a local domain, the log says so" \
	grep -q 'unparsable recipient .* in a local domain: refused (550 5.1.3)' "$tmp/log"

# --- the control socket
# ctl_raw NAME BYTES-EXPRESSION - send python bytes, print the answer
ctl_raw() {
	python3 - "$tmp/ctl.sock" "$1" <<'PY'
import socket, sys
path, what = sys.argv[1], sys.argv[2]
payloads = {
    "junk": bytes(range(256)) * 4 + b"\n",
    "long": b"x" * (1 << 20),
    "unknown": b"frobnicate now\n",
    "half": b"lis",
}
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(10)
s.connect(path)
try:
    s.sendall(payloads[what])
    if what == "half":
        s.close()
        print("closed")
        sys.exit(0)
    s.shutdown(socket.SHUT_WR)
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    print(data.decode("utf-8", "replace").strip().splitlines()[0] if data else "(nothing)")
except (BrokenPipeError, ConnectionResetError) as e:
    print("(connection closed: %s)" % e.__class__.__name__)
PY
}
out=$(ctl_raw junk)
echo "# binary junk -> $out"
check "binary junk gets an error line" grep -q "^ERR " <<<"$out"
out=$(ctl_raw long)
echo "# 1 MB without a newline -> $out"
check "a 1 MB line is refused, not buffered forever" \
	grep -qi "error\|too long\|closed" <<<"$out"
out=$(ctl_raw unknown)
echo "# unknown command -> $out"
check "an unknown command is named in the error" grep -q "frobnicate" <<<"$out"
check "half a command, then close" test "$(ctl_raw half)" = closed
python3 - "$tmp/ctl.sock" <<'PY'
import socket, sys
conns = []
for _ in range(200):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sys.argv[1])
    conns.append(s)
for s in conns:
    s.close()
PY
check "200 connections opened and dropped" [ $? -eq 0 ]
sleep 0.5
check "the daemon is still running" kill -0 "$pid"
check "loopguardctl stats still answers" \
	sh -c "'$LOOPGUARDCTL' -s 'unix:$tmp/ctl.sock' stats | grep -q messages"
CASE="a normal message" RUN_ID=after SOCKET="unix:$tmp/lg.sock" \
	miltertest -s "$srcdir/miltertest/bad_input.lua" >"$tmp/mt2.out" 2>&1
check "mail is still filtered afterwards" grep -q "^ok - a normal message" "$tmp/mt2.out"

kill "$pid"
wait "$pid"
rc=$?
pid=
check "SIGTERM: exit 0 (got $rc)" [ "$rc" -eq 0 ]
check "no sanitizer report in the log" \
	sh -c "! grep -E 'AddressSanitizer|LeakSanitizer|runtime error:' '$tmp/log'"
[ "$failed" -eq 0 ] || tail -n 20 "$tmp/log"
echo "# $passed passed, $failed failed"
[ "$failed" -eq 0 ]
