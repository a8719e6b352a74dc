#!/bin/bash
# t_console_limits.sh - loopguard-console against requests that are too
# big, too slow or too many: a long URL (414), huge headers (431), a
# huge body (413, or a chunked one cut off), an unknown path (404), a
# method it does not take (405), a body that is no form (415) or a
# broken one (400), a client that stops sending (dropped after the
# timeout), more connections than one address or everyone may have;
# the security headers on every answer; and after each attack the
# console still answers.
set -u
. "$(dirname "$0")/../lib/lib.sh"
lg_workdir lgc-limits
. "$(dirname "$0")/lib/console.sh"
command -v python3 >/dev/null || skip "python3 is not installed"

LGC_CONSOLE_CONF="timeout = 2; max_connections = 10;"
lgc_start || exit 1

# still_serves NAME - the console answers a plain request right after
still_serves() {
	check "after $1: the console still serves" [ "$(lgc_status /login)" = 200 ]
}

# logged TEXT - the console's log has TEXT
logged() { grep -qF -- "$1" "$(lgc_log)"; }

# a string of N bytes
big() { head -c "$1" /dev/zero | tr '\0' a; }

code=$(lgc_status "/login?x=$(big 2100)")
check "a URL over 2048 bytes: 414" [ "$code" = 414 ]
check "... logged with the address" logged "GET /login from 127.0.0.1: 414 the URL is too long"
code=$(lgc_status "/login?x=$(big 2000)")
check "a URL just under 2048 bytes: 200" [ "$code" = 200 ]
code=$(lgc_status "/login?x=$(big 100000)")
check "a URL of 100 KB: 414 (from libmicrohttpd's memory limit)" [ "$code" = 414 ]
still_serves "long URLs"

code=$(lgc_status /login -H "X-Big: $(big 9000)")
check "a header of 9000 bytes: 431" [ "$code" = 431 ]
check "... logged" logged "431 the request headers are too large"
code=$(lgc_status /login -H "X-Big: $(big 100000)")
check "a header of 100 KB: 431" [ "$code" = 431 ]
code=$(python3 - "$LGC_PORT" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
req = "GET /login HTTP/1.1\r\nHost: x\r\n" + "".join("X-%d: a\r\n" % i for i in range(5000)) + "\r\n"
try:
    s.sendall(req.encode())
except OSError:
    pass
print(s.recv(200).split(b"\r\n")[0].split(b" ")[1].decode())
PY
)
check "5000 small headers: 431" [ "$code" = 431 ]
still_serves "huge headers"

code=$(big 70000 | lgc_status /login --data-binary @-)
check "a body of 70000 bytes (Content-Length): 413" [ "$code" = 413 ]
check "... logged" logged "POST /login from 127.0.0.1: 413 the request body is too large"
code=$(big 70000 | lgc_status /login -H 'Transfer-Encoding: chunked' \
	-H 'Content-Type: application/x-www-form-urlencoded' --data-binary @- 2>/dev/null)
check "a chunked body growing past 64 KiB: the connection is closed" [ "$code" = 000 ]
check "... logged" logged "body over 65536 bytes: closed"
code=$(lgc_status /login -d user=admin --data-binary "password=$(big 60000)")
check "a form of 60000 bytes is read (a failed login: 403)" [ "$code" = 403 ]
still_serves "huge bodies"

check "an unknown path: 404" [ "$(lgc_status /no/such/page)" = 404 ]
check "an unknown path under /api/: 404 in JSON" \
	eval '[ "$(lgc_curl /api/nope)" = "{\"error\":\"no such page\"}" ]'
code=$(lgc_status /login -X PUT)
check "PUT: 405" [ "$code" = 405 ]
check "... with Allow" eval 'lgc_curl /login -X DELETE -D - -o /dev/null | grep -qi "^Allow: GET, HEAD, POST"'
check "GET on a POST-only path: 405" [ "$(lgc_status /logout)" = 405 ]
check "HEAD /login: 200" [ "$(lgc_status /login -I)" = 200 ]
check "a JSON body: 415" [ "$(lgc_status /login -H 'Content-Type: application/json' -d '{}')" = 415 ]
check "a broken form: 400" [ "$(lgc_status /login -d 'user=%zz&&==&password')" = 400 ]
still_serves "bad methods and bodies"

headers=$(lgc_curl /login -D - -o /dev/null)
for h in "X-Frame-Options: DENY" "Content-Security-Policy: default-src 'self'" \
	 "X-Content-Type-Options: nosniff" "Referrer-Policy: same-origin" \
	 "Cache-Control: no-store"; do
	check "header $h" grep -qiF "$h" <<<"$headers"
done
headers=$(lgc_curl /nope -D - -o /dev/null)
check "an error page carries them too" grep -qiF "X-Frame-Options: DENY" <<<"$headers"

# a client that sends half a request and waits: dropped after 2 s
out=$(python3 - "$LGC_PORT" <<'PY'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=15)
s.sendall(b"GET /login HTTP/1.1\r\nHost: x\r\n")
t = time.time()
data = s.recv(100)
print("%s %.1f" % ("closed" if not data else "data", time.time() - t))
PY
)
check "a stalled client is dropped after the timeout (2 s): $out" \
	eval '[ "${out%% *}" = closed ] && awk "BEGIN { exit !(${out#* } >= 1.5 && ${out#* } < 6) }"'
still_serves "a stalled client"

# 8 idle connections from 127.0.0.1: the 9th is refused at once; 2
# more from 127.0.0.2 make 10 (max_connections), so 127.0.0.3 is refused
out=$(python3 - "$LGC_PORT" <<'PY'
import socket, sys, time
port = int(sys.argv[1])
held = []
def conn(src):
    s = socket.socket()
    s.bind((src, 0))
    s.settimeout(3)
    s.connect(("127.0.0.1", port))
    return s
def refused(s):
    # a refused connection is closed at once, without an answer
    try:
        s.sendall(b"GET /login HTTP/1.1\r\nHost: x\r\n\r\n")
        return s.recv(100) == b""
    except OSError:
        return True
for i in range(8):
    held.append(conn("127.0.0.1"))
time.sleep(0.3)
r1 = refused(conn("127.0.0.1"))
held.append(conn("127.0.0.2"))
held.append(conn("127.0.0.2"))
time.sleep(0.3)
r2 = refused(conn("127.0.0.3"))
ok = held[0]
ok.sendall(b"GET /login HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
r3 = ok.recv(20).startswith(b"HTTP/1.1 200")
print(r1, r2, r3)
PY
)
check "a 9th connection from one address is refused" [ "$(cut -d' ' -f1 <<<"$out")" = True ]
check "an 11th connection (max_connections = 10) is refused" [ "$(cut -d' ' -f2 <<<"$out")" = True ]
check "a held connection is still served" [ "$(cut -d' ' -f3 <<<"$out")" = True ]
sleep 0.5
still_serves "too many connections"

lgc_stop
check "SIGTERM: the console exits 0" [ $? = 0 ]
check "... and says it stopped" logged "stopped"

echo "console limits: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
