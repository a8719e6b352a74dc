#!/bin/bash
# t_console_pages.sh - the console's pages against a real daemon and a
# real console (t/console/lib/console.sh), with curl:
#   1. a hostile envelope sender (<script>, quotes) that reached the
#      store through a real SMTP transaction is shown escaped, in the
#      table and in the filter fields that echo a pattern; no inline
#      script or style anywhere (CSP default-src 'self');
#   2. the pages: entries (sort links, pager), ?fragment=1 (only the
#      live part), outbox, stats; / and the login redirect; 400 for
#      bad parameters;
#   3. the forms: post, redirect, get. A remove answers 303 back to the
#      page with its filters, and the result shows once; no token, or
#      a reader's: 403; remove all matching; reload;
#   4. the daemon stops: the page says so and refreshes itself without
#      script; it starts again: the banner is gone;
#   5. /static/: the built-in script and style, anonymous, with their
#      types and a long cache; the page names them with a hash.
# Needs miltertest; exits 77 without it.
set -u
. "$(dirname "$0")/../lib/lib.sh"

command -v miltertest >/dev/null || skip "miltertest is not installed"
[ -e "$PLUGIN_DIR/harvest.so" ] || skip "$PLUGIN_DIR/harvest.so is not built"
lg_workdir cpages
. "$srcdir/lib/console.sh"


# page PATH [CURL-ARGS] - body in out, status in code, headers in hdr
page() {
	local path=$1
	shift
	out=$(lgc_curl "$path" -D "$tmp/hdr" -w '\n%{http_code}' "$@")
	code=${out##*$'\n'}
	out=${out%$'\n'*}
	hdr=$(tr -d '\r' < "$tmp/hdr")
}

# has TEXT / hasnt TEXT - in the last body, fixed strings
has() { grep -qF -- "$1" <<<"$out"; }
hasnt() { ! grep -qF -- "$1" <<<"$out"; }
# header NAME - a header of the last answer
header() { sed -n "s/^$1: //Ip" <<<"$hdr" | head -1; }

lgc_start || exit 1
lgc_probe 192.0.2.66 '<"<script>alert(1)</script>"@evil.test>' ghost1@example.com ghost2@example.com
lgc_probe 198.51.100.9 '<plain@external.test>' ghost3@example.com
lgc_probe 203.0.113.5 '<third@external.test>' ghost4@example.com
check "the probes ran" grep -q "probe: ok" "$tmp/probe.log"

# --- 2. before a login
page /
check "/ without a login: 303 to the login" eval '[ "$code" = 303 ] && header Location | grep -q "^/login"'
page /entries
check "/entries without a login: 303 to /login?next=" eval '[ "$code" = 303 ] && header Location | grep -q "^/login?next=%2Fentries\|^/login?next=/entries"'

# --- 1. escaping, as a reader
lgc_login viewer "$LGC_VIEWER_PASS" || { echo "viewer login failed"; exit 1; }
page /
check "/: 303 to /entries" eval '[ "$code" = 303 ] && [ "$(header Location)" = /entries ]'
page /entries
check "/entries: 200 HTML" eval '[ "$code" = 200 ] && header Content-Type | grep -q "^text/html"'
check "the pages carry the CSP" eval 'header Content-Security-Policy | grep -q "default-src '"'"'self'"'"'"'
check "no-store on pages" [ "$(header Cache-Control)" = no-store ]
check "the hostile sender is escaped" has '<td class="from">&lt;script&gt;alert(1)&lt;/script&gt;@evil.test</td>'
check "no script element but the file" eval '[ "$(grep -o "<script[^>]*>" <<<"$out")" = "$(grep -o "<script src=\"/static/console.js?v=[0-9a-f]*\" defer>" <<<"$out")" ]'
check "no inline style or handlers" eval '! grep -qiE " style=| on[a-z]+=" <<<"$out"'
check "the plain client is listed" has '198.51.100.'
check "a reader sees no buttons" eval 'hasnt "Remove selected" && hasnt "name=\"id\"" && hasnt "action=\"/reload\""'
check "sort links on the headings" has '<a href="/entries?sort=from&amp;desc=0">From</a>'
page "/entries?match=%22%3E%3Cscript%3Ex"
check "a pattern is echoed escaped in its field" has 'value="&quot;&gt;&lt;script&gt;x"'
check "... and escaped in the links" has 'match=%22%3E%3Cscript%3Ex'
check "... never raw" hasnt '"><script>x'
page "/entries?sort=from&desc=1"
check "sorted by from, descending: said so" has 'aria-sort="descending"><a href="/entries?sort=from&amp;desc=0">From &#9660;</a>'
froms=$(grep -o '<td class="from">[^<]*' <<<"$out" | sed 's/.*>//')
check "sorted by from, descending: in that order" [ "$froms" = "$(sort -r <<<"$froms")" ]
page "/entries?fragment=1"
check "?fragment=1: the table only" eval '[ "$code" = 200 ] && has "<table class=\"rows\"" && hasnt "<html" && hasnt "<form class=\"filters\""'
for q in "sort=bogus" "page=0" "page=abc" "desc=2" "plugin=%3Cb%3E" "match=a%20b"; do
	page "/entries?$q"
	check "/entries?$q: 400" [ "$code" = 400 ]
done
check "a 400 page escapes nothing it was given" eval 'page "/entries?plugin=%3Cb%3E"; hasnt "<b>"'
page /outbox
check "/outbox without a mailer: 200, the daemon's words" eval '[ "$code" = 200 ] && has "The daemon answered:" && has "no outbox"'
page /stats
check "/stats: 200" [ "$code" = 200 ]
check "stats: uptime, store, counters, entries of harvest" eval 'has "<th>Uptime</th>" && has "<th>Backend</th><td>memory</td>" && has "<th>Messages</th>" && has "<a href=\"/entries?plugin=harvest\">"'
check "stats: the chart section" has '<section id="chart">'
page "/stats?fragment=1"
check "stats ?fragment=1" eval 'has "<th>Uptime</th>" && hasnt "<html"'
page /entries/remove -X POST -H "X-CSRF-Token: $LGC_CSRF" -d id=0000000000
check "a reader's POST: 403" [ "$code" = 403 ]

# --- 3. forms, as an operator
lgc_login admin "$LGC_ADMIN_PASS" || { echo "admin login failed"; exit 1; }
page "/entries?plugin=harvest&sort=client"
check "an operator gets the buttons" eval 'has "Remove selected" && has "Remove all matching" && has "action=\"/reload\""'
check "the token is in a meta tag and the form" eval 'has "<meta name=\"csrf-token\" content=\"$LGC_CSRF\">" && has "<input type=\"hidden\" name=\"csrf\" value=\"$LGC_CSRF\">"'
id=$(grep '203\.0\.113\.5' <<<"$out" | grep -m1 -o 'name="id" value="[0-9a-f]*"' | grep -o '[0-9a-f]\{10\}')
check "rows have checkboxes with their ids" [ -n "$id" ]
page /entries/remove -d "id=$id" -d plugin=harvest -d sort=client -d desc=0 -d page=1
check "remove without the token: 403" [ "$code" = 403 ]
page /entries/remove -d "csrf=$LGC_CSRF" -d "id=$id" -d plugin=harvest -d sort=client -d desc=0 -d page=1
check "remove: 303 back to the page with its filters" eval '[ "$code" = 303 ] && [ "$(header Location)" = "/entries?plugin=harvest&sort=client&desc=0" ]'
check "remove: the result in a short-lived cookie" eval 'header Set-Cookie | grep -q "^lg_flash=o\..*Max-Age=60; HttpOnly; SameSite=Strict"'
page "/entries?plugin=harvest&sort=client&desc=0"
check "the page after the redirect shows the result" has '<p class="flash ok" role="status">1 removed</p>'
check "... and the entry is gone" hasnt "value=\"$id\""
page "/entries?plugin=harvest&sort=client&desc=0"
check "the result shows once" hasnt 'class="flash'
check "the console logged it" grep -q "user admin (operator) from 127.0.0.1: remove 1 entry: 1 removed" "$(lgc_log)"
page /entries/remove -d "csrf=$LGC_CSRF" -d "id=$id"
page /entries
check "a gone id: the daemon's refusal shown" has 'class="flash err" role="status">remove: no entry with id'
page /entries/remove -d "csrf=$LGC_CSRF" -d "id=not-an-id"
page /entries
check "a bad id: said so, nothing sent" eval 'has "id: 10 hex digits" && ! grep -q "bad id" "$tmp/daemon.log"'
page /entries/remove -d "csrf=$LGC_CSRF" -d all=1 -d "match=*198.51.100.*"
check "remove all matching: 303" [ "$code" = 303 ]
page "/entries?match=*198.51.100.*"
check "remove all matching: they are gone" eval 'has "class=\"flash ok\"" && has "<span id=\"total\">0</span>"'
page /entries
check "remove all matching: the others stay" has 'evil.test'
page /reload -d "csrf=$LGC_CSRF" -d back=stats
check "reload: 303 to the page it came from" eval '[ "$code" = 303 ] && [ "$(header Location)" = /stats ]'
page /stats
check "reload: reloaded" has '<p class="flash ok" role="status">reloaded</p>'
page /reload -d "csrf=$LGC_CSRF" -d back=https://evil.test/
check "reload: back is never another site" [ "$(header Location)" = /entries ]

# --- 4. the daemon stops and comes back
lgc_daemon_stop
page /entries
check "daemon down: the page still renders, with a banner" eval '[ "$code" = 200 ] && has "id=\"daemon-down\"" && has "does not answer"'
check "daemon down: it refreshes itself without script" has '<noscript><meta http-equiv="refresh" content="10"></noscript>'
page /stats
check "daemon down: stats too" has 'id="daemon-down"'
lgc_daemon_start
page /entries
check "daemon back: no banner" eval 'hasnt "daemon-down" && hasnt "http-equiv"'

# --- 5. the static files
lgc_logout
js=$(grep -o '/static/console.js?v=[0-9a-f]*' <<<"$(lgc_login viewer "$LGC_VIEWER_PASS"; lgc_curl /entries)")
lgc_logout
page "$js"
check "console.js without a login: 200, JavaScript" eval '[ "$code" = 200 ] && header Content-Type | grep -q "^text/javascript"'
check "console.js: cached for long" eval 'header Cache-Control | grep -q "max-age=[0-9]\{6,\}"'
check "console.js is the file of the source tree" eval 'lgc_curl "$js" | cmp -s - "$top_srcdir/console/www/console.js"'
page /static/console.css
check "console.css: 200, CSS" eval '[ "$code" = 200 ] && header Content-Type | grep -q "^text/css"'
check "console.css is the file of the source tree" eval 'lgc_curl /static/console.css | cmp -s - "$top_srcdir/console/www/console.css"'
page /static/nope.js
check "an unknown static file: 404" [ "$code" = 404 ]
page /static/../users
check "no way out of /static/" eval '[ "$code" = 404 ] || [ "$code" = 400 ]'

lgc_stop
check "the console stops cleanly" [ $? = 0 ]
echo "# $passed passed, $failed failed"
[ "$failed" = 0 ]
