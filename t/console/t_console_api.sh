#!/bin/bash
# t_console_api.sh - the console's JSON API against a real daemon and a
# real console (t/console/lib/console.sh):
#   1. entries made by real SMTP transactions (miltertest: a client
#      probing unknown local recipients, the harvest plugin counts and
#      blocks it) appear in /api/entries as loopguardctl lists them;
#      paging (offset, limit, total), sorting, filters;
#   2. parameters outside their bounds get 400 and never reach the
#      daemon; no credentials 401; a reader who posts gets 403;
#   3. an operator removes an entry by id (Basic auth with
#      X-Requested-With, and a session with X-CSRF-Token): gone from
#      the API and from loopguardctl; a gone id is 422; the action is
#      in the console's log and, "as admin", in the daemon's;
#   4. the outbox: harvest's notice to the postmaster waits while the
#      mailer's target is down; retry makes another attempt; flush
#      once it is up sends it and empties the outbox;
#   5. /api/stats, /api/health and a daemon that stops: 503, "down".
# Needs miltertest and python3; exits 77 without them.
set -u
. "$(dirname "$0")/../lib/lib.sh"

command -v miltertest >/dev/null || skip "miltertest is not installed"
command -v python3 >/dev/null || skip "python3 is not installed"
[ -e "$PLUGIN_DIR/harvest.so" ] || skip "$PLUGIN_DIR/harvest.so is not built"
lg_workdir capi
. "$srcdir/lib/console.sh"

# api PATH [CURL-ARGS] - GET as viewer (Basic); body in out, status in code
api() {
	local path=$1
	shift
	out=$(lgc_curl "$path" -u "viewer:$LGC_VIEWER_PASS" -w '\n%{http_code}' "$@")
	code=${out##*$'\n'}
	out=${out%$'\n'*}
	out=${out%$'\n'}
}

# admin_post PATH [CURL-ARGS] - POST as admin with Basic auth
admin_post() {
	local path=$1
	shift
	out=$(lgc_curl "$path" -u "admin:$LGC_ADMIN_PASS" -H 'X-Requested-With: loopguard' \
		-w '\n%{http_code}' "$@")
	code=${out##*$'\n'}
	out=${out%$'\n'*}
	out=${out%$'\n'}
}

# json EXPR - a python expression over the body as "d"
json() {
	python3 -c "import json,sys; d=json.loads(sys.stdin.read()); sys.exit(0 if ($1) else 1)" <<<"$out"
}

# jget EXPR - print a python expression over the body
jget() {
	python3 -c "import json,sys; d=json.loads(sys.stdin.read()); print($1)" <<<"$out"
}

# ctl_ids - the ids loopguardctl lists, sorted
ctl_ids() {
	"$LOOPGUARDCTL" -s "unix:$tmp/ctl.sock" --json list |
		python3 -c 'import json,sys; print(" ".join(sorted(e["id"] for e in json.load(sys.stdin))))'
}

# wait_for SECONDS COMMAND... - until COMMAND succeeds
wait_for() {
	local i n=$(($1 * 10))
	shift
	for ((i = 0; i < n; i++)); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

# The mailer's target is down while $tmp/mailer-down exists.
LGC_MAILER=1
lgc_write_daemon_conf
cat > "$tmp/mailer" <<SH
#!/bin/sh
[ -e "$tmp/mailer-down" ] && { cat >/dev/null; echo "target down" >&2; exit 75; }
cat > "$tmp/sent/msg.\$\$"
SH
chmod 755 "$tmp/mailer"
touch "$tmp/mailer-down"
lgc_start || exit 1

# --- 1. entries from real transactions
rcpts=
for i in $(seq -w 1 22); do rcpts="$rcpts user$i@example.com"; done
lgc_probe 192.0.2.10 '<prober@external.test>' $rcpts
lgc_probe 198.51.100.7 '<other@external.test>' nobody1@example.com nobody2@example.com
lgc_probe 203.0.113.5 '<third@external.test>' nobody3@example.com
check "the probes ran" grep -q "probe: ok" "$tmp/probe.log"

api /api/entries
check "GET /api/entries: 200" [ "$code" = 200 ]
check "entries: the shape of the API" json 'set(d) >= {"total","hidden","offset","entries"} and all(set(e) == {"id","created","expires","count","size","from","to","client","plugin","status"} for e in d["entries"])'
check "entries: the harvester is blocked" json 'any(e["status"] == "blocked" and e["client"].startswith("192.0.2.") and e["plugin"] == "harvest" for e in d["entries"])'
check "entries: the other client is being counted" json 'any(e["client"].startswith("198.51.100.") and e["from"] == "other@external.test" for e in d["entries"])'
all_ids=$(jget '" ".join(sorted(e["id"] for e in d["entries"]))')
total=$(jget 'd["total"]')
check "entries: the same as loopguardctl list" [ "$all_ids" = "$(ctl_ids)" ]
check "entries: total counts them all" [ "$total" = "$(wc -w <<<"$all_ids")" ]
check "entries: at least 3 to page through" [ "$total" -ge 3 ]

paged=
for ((o = 0; o < total; o++)); do
	api "/api/entries?sort=id&offset=$o&limit=1"
	json 'len(d["entries"]) == 1 and d["total"] == '"$total"' and d["offset"] == '"$o" || break
	paged="$paged $(jget 'd["entries"][0]["id"]')"
done
check "paging one by one: every entry once, in id order" [ "$(echo $paged)" = "$all_ids" ]
api "/api/entries?offset=$total&limit=10"
check "an offset past the end: no rows, the total still" json 'd["entries"] == [] and d["total"] == '"$total"
api "/api/entries?sort=count&desc=1&limit=1000"
check "sort=count&desc=1: largest first" json '[e["count"] for e in d["entries"]] == sorted((e["count"] for e in d["entries"]), reverse=True)'
api "/api/entries?sort=created"
check "sort=created: oldest first" json '[e["created"] for e in d["entries"]] == sorted(e["created"] for e in d["entries"])'
api "/api/entries?plugin=harvest"
check "plugin=harvest" json 'd["total"] == '"$total"' and all(e["plugin"] == "harvest" for e in d["entries"])'
api "/api/entries?plugin=repeat"
check "plugin=repeat: none" json 'd["total"] == 0 and d["entries"] == []'
api "/api/entries?match=*198.51.100.*"
check "match=*198.51.100.*: that client only" json 'd["total"] >= 1 and all(e["client"].startswith("198.51.100.") for e in d["entries"])'
victim=$(jget 'd["entries"][0]["id"]')

# --- 2. parameters and access
for q in "sort=bogus" "sort=key" "limit=5000" "limit=0" "offset=-1" "offset=1e3" \
	 "desc=yes" "plugin=a%20b" "match=a%20b" "match=%01" "match=%FF" \
	 "match=$(head -c 201 /dev/zero | tr '\0' a)" \
	 "match=--desc" "match=--limit" "match=--all" "plugin=--sort"; do
	api "/api/entries?$q"
	check "$q: 400 with an error" eval '[ "$code" = 400 ] && json "isinstance(d[\"error\"], str)"'
done
api "/api/outbox?sort=from"
check "outbox: sort=from is not offered: 400" [ "$code" = 400 ]
check "no bad parameter reached the daemon" \
	eval '! grep -q "unknown option\|bad id\|needs a value\|given twice" "$tmp/daemon.log"'
check "no credentials: 401" [ "$(lgc_status /api/entries)" = 401 ]
check "a wrong password: 401" [ "$(lgc_status /api/entries -u viewer:nope)" = 401 ]
api /api/entries/remove -X POST -H 'X-Requested-With: loopguard' -d "id=$victim"
check "a reader may not remove: 403" [ "$code" = 403 ]
check "... and the entry is still there" grep -qw "$victim" <<<"$(ctl_ids)"
api /api/entries/remove
check "GET on an action: 405" [ "$code" = 405 ]

# --- 3. remove by id
admin_post /api/entries/remove -d "id=$victim"
check "admin removes by id: 200, 1 removed" eval '[ "$code" = 200 ] && json "d == {\"ok\": True, \"message\": \"1 removed\"}"'
api /api/entries
check "the removed entry is gone from the API" json '"'"$victim"'" not in [e["id"] for e in d["entries"]] and d["total"] == '"$((total - 1))"
check "... and from loopguardctl" eval '! grep -qw "$victim" <<<"$(ctl_ids)"'
check "the console logs who removed what" grep -q "user admin (operator) from 127.0.0.1: remove 1 entry: 1 removed" "$(lgc_log)"
check "the daemon's log names the web user" grep -q "control: uid [0-9]* pid [0-9]* as admin removed 1 entries (by id)" "$tmp/daemon.log"
admin_post /api/entries/remove -d "id=$victim"
check "a gone id: 422, ok false, the daemon's words" eval '[ "$code" = 422 ] && json "d[\"ok\"] is False and \"no entry with id\" in d[\"message\"]"'
admin_post /api/entries/remove -d "id=xyz"
check "a malformed id: 400" [ "$code" = 400 ]
admin_post /api/entries/remove -d "id=$victim%20--all"
check "an id with more in it: 400" [ "$code" = 400 ]
admin_post /api/entries/remove -d ''
check "no id and no all: 400" [ "$code" = 400 ]
many=$(for i in $(seq 1 101); do printf -- '-d id=%010x ' "$i"; done)
admin_post /api/entries/remove $many
check "101 ids: 400" [ "$code" = 400 ]
out=$(lgc_curl /api/entries/remove -u "admin:$LGC_ADMIN_PASS" -d "id=$victim" -w '%{http_code}' -o /dev/null)
check "Basic auth without X-Requested-With: 403" [ "$out" = 403 ]

lgc_login admin "$LGC_ADMIN_PASS"
check "admin logs in" [ -n "$LGC_CSRF" ]
api "/api/entries?plugin=harvest&limit=1"
second=$(jget 'd["entries"][0]["id"]')
out=$(lgc_curl /api/entries/remove -d "id=$second" -w '%{http_code}' -o /dev/null)
check "a session without X-CSRF-Token: 403" [ "$out" = 403 ]
out=$(lgc_curl /api/entries/remove -H "X-CSRF-Token: $LGC_CSRF" -d "id=$second")
check "a session with X-CSRF-Token removes" [ "$out" = '{"ok":true,"message":"1 removed"}' ]
lgc_logout

# --- 4. the outbox
api /api/outbox
check "GET /api/outbox: 200" [ "$code" = 200 ]
check "outbox: the notice to the postmaster waits" json 'd["total"] == 1 and d["messages"][0]["to"].startswith("postmaster@") and d["messages"][0]["from"] == ""'
msg=$(jget 'd["messages"][0]["id"]')
outbox_attempts() { api /api/outbox; jget 'd["messages"][0]["attempts"] if d["messages"] else -1'; }
wait_for 10 eval '[ "$(outbox_attempts)" -ge 1 ]'
before=$(outbox_attempts)
check "outbox: a first attempt failed (the target is down)" [ "$before" -ge 1 ]
admin_post /api/outbox/retry -d "id=$msg"
check "retry by id: 200, 1 retried" eval '[ "$code" = 200 ] && json "d == {\"ok\": True, \"message\": \"1 retried\"}"'
check "retry made another attempt" wait_for 10 eval '[ "$(outbox_attempts)" -gt "$before" ]'
admin_post /api/outbox/retry -d "id=00000000.0000.00000000"
check "retry of an unknown message: 422" eval '[ "$code" = 422 ] && json "d[\"ok\"] is False"'
admin_post /api/outbox/retry -d "id=../../x"
check "retry of a malformed id: 400" [ "$code" = 400 ]
api /api/outbox/flush -X POST -H 'X-Requested-With: loopguard'
check "a reader may not flush: 403" [ "$code" = 403 ]
rm -f "$tmp/mailer-down"
admin_post /api/outbox/flush -X POST
check "flush: 200" eval '[ "$code" = 200 ] && json "d[\"ok\"] is True"'
outbox_total() { api /api/outbox; jget 'd["total"]'; }
check "flush sent it: the outbox is empty" wait_for 10 eval '[ "$(outbox_total)" = 0 ]'
check "... and the mailer got it" eval 'ls "$tmp/sent" | grep -q msg'

# --- 5. stats, health, a daemon that stops
api /api/stats
check "GET /api/stats" eval '[ "$code" = 200 ] && json "d[\"daemon\"] == \"up\" and isinstance(d[\"values\"][\"uptime\"], int) and isinstance(d[\"plugins\"][\"harvest\"][\"entries\"], int) and any(a[\"plugin\"] == \"harvest\" for a in d[\"actions\"])"'
api /api/health
check "health: up" [ "$out" = '{"daemon":"up"}' ]
api /api/chart
check "GET /api/chart: JSON" eval '[ "$code" = 200 ] && json "isinstance(d, dict)"'
lgc_daemon_stop
api /api/entries
check "the daemon stopped: 503 and why" eval '[ "$code" = 503 ] && json "\"does not answer\" in d[\"error\"]"'
check "health: down" wait_for 15 eval 'api /api/health; [ "$out" = "{\"daemon\":\"down\"}" ]'
admin_post /api/reload -X POST
check "an action while the daemon is down: 503, ok false" eval '[ "$code" = 503 ] && json "d[\"ok\"] is False"'
lgc_daemon_start
api /api/entries
check "the daemon is back: 200" [ "$code" = 200 ]
admin_post /api/reload -X POST
check "reload: 200, reloaded" eval '[ "$code" = 200 ] && [ "$out" = "{\"ok\":true,\"message\":\"reloaded\"}" ]'

lgc_stop
check "the console stops cleanly" [ $? = 0 ]
echo "# $passed passed, $failed failed"
[ "$failed" = 0 ]
