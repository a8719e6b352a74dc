#!/bin/bash
# t_console_auth.sh - who may do what on loopguard-console: logins
# (wrong password, no password, unknown user, the cookie's attributes,
# where "next" may lead), HTTP Basic, the CSRF token, the X-Requested-With
# rule for Basic, a foreign Origin, roles, a user removed from the
# users file, idle and absolute session timeouts, and the login failure
# limit per address (429). Every refusal must be in the console's log
# with the user and the address.
set -u
. "$(dirname "$0")/../lib/lib.sh"
lg_workdir lgc-auth
. "$(dirname "$0")/lib/console.sh"
command -v python3 >/dev/null || skip "python3 is not installed"

lgc_start || exit 1

# logged TEXT - the console's log has TEXT
logged() { grep -qF -- "$1" "$(lgc_log)"; }

# login_code USER PASS [ARG...] - the status of a POST /login
login_code() {
	local u=$1 p=$2
	shift 2
	lgc_status /login --data-urlencode "user=$u" --data-urlencode "password=$p" "$@"
}

# --- logins (failures from 127.0.0.3: 127.0.0.1 stays under the limit)
A3="--interface 127.0.0.3"
check "wrong password: 403" [ "$(login_code admin nope $A3)" = 403 ]
check "... logged with user and address" \
	logged "login failed for user admin from 127.0.0.3: wrong password"
check "no password: 403" [ "$(lgc_status /login -d user=admin $A3)" = 403 ]
check "... logged" logged "login failed for user admin from 127.0.0.3: empty password"
check "unknown user: 403" [ "$(login_code mallory secret $A3)" = 403 ]
check "... logged" logged "login failed for user mallory from 127.0.0.3: no such user"
body=$(lgc_curl /login --data-urlencode user=mallory -d password=x --interface 127.0.0.4)
check "the page does not tell an unknown user from a wrong password" \
	grep -q "Wrong user name or password" <<<"$body"
check "a name with a newline is logged escaped on one line" \
	eval '[ "$(login_code "$(printf "eve\nfake line")" x --interface 127.0.0.4)" = 403 ] && logged "login failed for user eve\\nfake line from 127.0.0.4"'

headers=$(lgc_curl /login -D - -o /dev/null --data-urlencode user=admin \
	--data-urlencode "password=$LGC_ADMIN_PASS" -d next=/somewhere)
cookie=$(grep -i '^Set-Cookie:' <<<"$headers" | tr -d '\r')
check "a login: 303 to next" grep -qi '^Location: /somewhere' <<<"$headers"
check "the cookie is lg_session, 43 characters of base64url" \
	grep -qE '^Set-Cookie: lg_session=[A-Za-z0-9_-]{43};' <<<"$cookie"
check "... HttpOnly, SameSite=Strict, Path=/" \
	eval 'grep -q "HttpOnly" <<<"$cookie" && grep -q "SameSite=Strict" <<<"$cookie" && grep -q "Path=/" <<<"$cookie"'
check "... not Secure over plain HTTP" eval '! grep -q Secure <<<"$cookie"'
check "... logged" logged "user admin (operator) from 127.0.0.1: logged in"
for next in //evil.example/x 'http://evil.example/' '/\evil.example' 'javascript:alert(1)'; do
	loc=$(lgc_curl /login -D - -o /dev/null --data-urlencode user=admin \
		--data-urlencode "password=$LGC_ADMIN_PASS" --data-urlencode "next=$next" |
		grep -i '^Location:' | tr -d '\r')
	check "next=$next leads to / only" [ "$loc" = "Location: /" ]
done

# --- not logged in
code=$(lgc_curl /api/session -D "$tmp/h" -o /dev/null -w '%{http_code}')
check "anonymous GET /api/session: 401" [ "$code" = 401 ]
check "... with WWW-Authenticate Basic" grep -qi '^WWW-Authenticate: Basic realm="loopguard-console"' "$tmp/h"
check "... logged" logged "anonymous from 127.0.0.1: GET /api/session: refused: not logged in"
code=$(lgc_curl '/entries?plugin=repeat' -D "$tmp/h" -o /dev/null -w '%{http_code}')
if [ "$code" = 404 ]; then
	echo "# skip: no /entries page in this build"
else
	check "anonymous GET of a page: 303 to the login with next" \
		eval '[ "$code" = 303 ] && grep -qi "^Location: /login?next=/entries%3Fplugin%3Drepeat" "$tmp/h"'
fi
code=$(lgc_curl /logout -X POST -D "$tmp/h" -o /dev/null -w '%{http_code}')
check "anonymous POST of a form: 303 to the login, next=/" \
	eval '[ "$code" = 303 ] && grep -qi "^Location: /login?next=/\s*$" "$tmp/h"'
code=$(lgc_curl /api/session -H 'Sec-Fetch-Mode: cors' -D "$tmp/h" -o /dev/null -w '%{http_code}')
check "a page's fetch() without a login: 401 without a Basic challenge" \
	eval '[ "$code" = 401 ] && ! grep -qi "^WWW-Authenticate" "$tmp/h"'


# --- a session, its CSRF token, Origin
lgc_login admin "$LGC_ADMIN_PASS" || not_ok "admin logs in"
check "the session answers /api/session" \
	eval 'lgc_curl /api/session | grep -q "\"user\":\"admin\",\"role\":\"operator\""'
check "POST without the CSRF token: 403" [ "$(lgc_status /logout -X POST)" = 403 ]
check "... logged" logged "user admin (operator) from 127.0.0.1: POST /logout: refused: missing or wrong CSRF token"
check "POST with a wrong token: 403" [ "$(lgc_status /logout -d csrf=AAAA"${LGC_CSRF:4}")" = 403 ]
check "the right token in the URL, not the body: 403" \
	[ "$(lgc_status "/logout?csrf=$LGC_CSRF" -X POST)" = 403 ]
check "... also with a form body without it" \
	[ "$(lgc_status "/logout?csrf=$LGC_CSRF" -d x=1)" = 403 ]
check "POST with a foreign Origin and the right token: 403" \
	[ "$(lgc_status /logout -d "csrf=$LGC_CSRF" -H 'Origin: http://evil.example')" = 403 ]
check "... logged" logged "user admin (operator) from 127.0.0.1: POST /logout: refused: the request comes from another site (Origin)"
check "Origin: null: 403" [ "$(lgc_status /logout -d "csrf=$LGC_CSRF" -H 'Origin: null')" = 403 ]
check "a foreign Origin on the login form: 403" \
	[ "$(login_code admin "$LGC_ADMIN_PASS" -H 'Origin: http://evil.example')" = 403 ]
check "POST with its own Origin and X-CSRF-Token: 303" \
	[ "$(lgc_status /logout -X POST -H "X-CSRF-Token: $LGC_CSRF" -H "Origin: $(lgc_url)")" = 303 ]
check "... logged out" logged "user admin (operator) from 127.0.0.1: logged out"
check "after the logout the cookie is worth nothing: 401" [ "$(lgc_status /api/session)" = 401 ]
lgc_login admin "$LGC_ADMIN_PASS"
check "an https Origin for this host is fine behind a TLS proxy: 303" \
	[ "$(lgc_status /logout -X POST -H "X-CSRF-Token: $LGC_CSRF" -H "Origin: https://127.0.0.1:$LGC_PORT")" = 303 ]
lgc_login admin "$LGC_ADMIN_PASS"
check "an Origin of another port: 403" \
	[ "$(lgc_status /logout -X POST -H "X-CSRF-Token: $LGC_CSRF" -H "Origin: http://127.0.0.1:1")" = 403 ]
# a new login from a browser that still sends its old cookie
cp "$LGC_JAR" "$tmp/oldjar"
lgc_curl /login -o /dev/null --data-urlencode user=admin \
	--data-urlencode "password=$LGC_ADMIN_PASS"
check "a new login ends the session the browser had" \
	[ "$(curl -s -o /dev/null -w '%{http_code}' -b "$tmp/oldjar" "$(lgc_url)/api/session")" = 401 ]
check "... and the new one works" [ "$(lgc_status /api/session)" = 200 ]
lgc_logout

# --- HTTP Basic
check "Basic, right password: 200" \
	[ "$(lgc_status /api/session -u "viewer:$LGC_VIEWER_PASS")" = 200 ]
check "Basic, wrong password: 401" [ "$(lgc_status /api/session -u viewer:wrong $A3)" = 401 ]
check "... logged" logged "login failed for user viewer from 127.0.0.3: wrong password"
check "Basic POST without X-Requested-With: 403" \
	[ "$(lgc_status /logout -X POST -u "admin:$LGC_ADMIN_PASS")" = 403 ]
check "... logged" logged "user admin (operator) from 127.0.0.1: POST /logout: refused: missing X-Requested-With: loopguard"
check "Basic POST with X-Requested-With: loopguard: 303" \
	[ "$(lgc_status /logout -X POST -u "admin:$LGC_ADMIN_PASS" -H 'X-Requested-With: loopguard')" = 303 ]

# --- roles: a read user may not act (the views' routes, when built in)
code=$(lgc_status /api/reload -X POST -u "viewer:$LGC_VIEWER_PASS" -H 'X-Requested-With: loopguard')
if [ "$code" = 404 ]; then
	echo "# skip: no /api/reload in this build"
else
	check "a read user's POST /api/reload: 403" [ "$code" = 403 ]
	check "... logged" logged "user viewer (read) from 127.0.0.1: POST /api/reload: refused: this needs the operator role"
	lgc_login viewer "$LGC_VIEWER_PASS"
	check "a read user's form POST /reload with its token: 403" \
		[ "$(lgc_status /reload -d "csrf=$LGC_CSRF")" = 403 ]
	lgc_logout
fi

# --- a user removed from the file: the session ends at once
lgc_login viewer "$LGC_VIEWER_PASS" || not_ok "viewer logs in"
check "viewer's session works" [ "$(lgc_status /api/session)" = 200 ]
"$LGC_CONSOLE" -c "$LGC_CONF" user del viewer >/dev/null
check "after user del viewer: the session is refused" [ "$(lgc_status /api/session)" = 401 ]
check "... logged" logged "user viewer from 127.0.0.1: no longer in the users file: session ended"
printf '%s\n' "$LGC_VIEWER_PASS" | "$LGC_CONSOLE" -c "$LGC_CONF" user add viewer --role read >/dev/null
check "a new user works without a restart" \
	[ "$(lgc_status /api/session -u "viewer:$LGC_VIEWER_PASS")" = 200 ]
lgc_logout

# --- session timeouts: idle 4 s, at most 6 s (counted in whole
# seconds: a session may end up to 1 s early; a loaded machine may
# take a while for one request)
lgc_stop
LGC_CONSOLE_CONF="session_idle = 4; session_max = 6;"
lgc_start || exit 1
lgc_login admin "$LGC_ADMIN_PASS"
sleep 4.2
check "idle longer than session_idle: 401" [ "$(lgc_status /api/session)" = 401 ]
start=$(date +%s.%N)
lgc_login admin "$LGC_ADMIN_PASS"
while [ "$(lgc_status /api/session)" = 200 ]; do
	awk -v s="$start" -v n="$(date +%s.%N)" 'BEGIN { exit !(n - s < 12) }' || break
	sleep 0.2
done
took=$(awk -v s="$start" -v n="$(date +%s.%N)" 'BEGIN { printf "%.1f", n - s }')
check "in use but older than session_max: 401 after $took s" \
	awk -v t="$took" 'BEGIN { exit !(t >= 4.9 && t < 10) }'
lgc_logout

# --- the failure limit, from 127.0.0.2 (127.0.0.1 stays free)
for i in 1 2 3 4 5; do
	code=$(login_code admin "bad$i" --interface 127.0.0.2)
done
check "the 5th failure still gets 403" [ "$code" = 403 ]
check "... and starts the limit, logged" logged "login from 127.0.0.2: 5 failures in 300 s: refused for 300 s"
check "the right password from there now: 429" \
	[ "$(login_code admin "$LGC_ADMIN_PASS" --interface 127.0.0.2)" = 429 ]
check "... logged" logged "login from 127.0.0.2 refused: too many failures"
check "Basic from there: 429 too" \
	[ "$(lgc_status /api/session -u "admin:$LGC_ADMIN_PASS" --interface 127.0.0.2)" = 429 ]
check "another address is not limited" [ "$(login_code admin "$LGC_ADMIN_PASS")" = 303 ]

echo "console auth: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
