#!/bin/bash
# t_browser.sh - loopguard-console in a real browser: Debian's chromium,
# headless, driven by t/console/browser.py through chromedriver and
# selenium. A real harvest probe (over SMTP through a private Postfix
# when root, else straight to the milter) makes an entry and a
# postmaster notice that waits in the outbox, since the mailer's
# target is down. In the browser: log in through the form, see the
# entry come, remove it, see it go (both without the page being
# loaded again), see the notice wait in the outbox, start the target,
# press "Try to send now", see the outbox empty, the statistics page
# with its chart, log out; a read-only user sees no action buttons
# and a removal posted from their page is refused. Afterwards the
# daemon, the target and the console's log confirm what the page
# showed. Screenshots go to the test's folder, or with --shots DIR
# (the doc/ screenshots) there.
#
# Exit 77 (skipped) only when chromium, chromedriver or
# python3-selenium cannot be found; every other problem fails.
set -u
. "$(dirname "$0")/../lib/lib.sh"
. "$srcdir/lib/console.sh"

PY=/usr/bin/python3
BROWSER_PY=$srcdir/browser.py
SHOTS= DOC=
if [ "${1:-}" = --shots ]; then
	SHOTS=$(cd "${2:?--shots DIR}" && pwd) || exit 1
	DOC=1
	# the chart samples every 2 s instead of every minute
	export LOOPGUARD_CONSOLE_SAMPLE_SECONDS=2
fi

[ -x /usr/bin/chromium ] || skip "chromium is not installed (apt-get install chromium)"
[ -x /usr/bin/chromedriver ] || skip "chromedriver is not installed (apt-get install chromium-driver)"
"$PY" -c 'import selenium' 2>/dev/null ||
	skip "python3-selenium is not installed (apt-get install python3-selenium)"

lg_workdir browser
mkdir -p "$tmp/shots" "$tmp/sink"
SHOTS=${SHOTS:-$tmp/shots}
DEAD_PORT=$(lgc_free_port)
PF_PORT=$(lgc_free_port)
PF_SINK_PORT=$(lgc_free_port)
CTL() { "$LOOPGUARDCTL" -s "unix:$tmp/ctl.sock" "$@"; }

# The probe goes through a private Postfix (t/lib/postfix.sh) when it can
# run here, else straight to the milter socket (t/daemon/milter_eom.py).
VIA=milter
if [ "$(id -u)" = 0 ] && command -v postfix >/dev/null &&
	command -v smtp-sink >/dev/null && id postfix >/dev/null 2>&1; then
	VIA=postfix
fi

# stop what the fixture did not start: Postfix and the mailer's target
lg_cleanup_hook() {
	[ "$VIA" = postfix ] && [ -d "$tmp/pf" ] && "$t_lib/postfix.sh" stop "$tmp/pf" >/dev/null 2>&1
	[ -s "$tmp/sink.pid" ] && kill "$(cat "$tmp/sink.pid")" 2>/dev/null
	lgc_cleanup
}

# The daemon: the fixture's (catchall, repeat, harvest, autoreply), its
# mailer speaking SMTP to a port where nothing listens yet, retried by
# itself only after 10 minutes (so only "Try to send now" sends); the
# milter socket open to Postfix's smtpd.
LGC_MAILER=1
lgc_write_daemon_conf
sed -i "s|^mailer = .*|mailer = { method = \"smtp\"; host = \"127.0.0.1\"; port = $DEAD_PORT; outbox = \"$tmp/outbox\"; retry_interval = \"10m\"; timeout = \"5s\"; };|" "$tmp/lg.conf"
echo 'socket_mode = "0666";' >> "$tmp/lg.conf"
grep -q "port = $DEAD_PORT" "$tmp/lg.conf" || { echo "Bail out! the fixture's mailer line was not found"; exit 1; }

if ! lgc_start; then
	echo "Bail out! the daemon and the console did not start"
	exit 1
fi
if [ "$VIA" = postfix ]; then
	if ! PORT=$PF_PORT SINK_PORT=$PF_SINK_PORT MILTER="unix:$tmp/lg.sock" \
		"$t_lib/postfix.sh" start "$tmp/pf" >"$tmp/postfix.out" 2>&1; then
		echo "Bail out! the private Postfix did not start:"
		sed 's/^/  /' "$tmp/postfix.out"
		exit 1
	fi
fi
echo "# the harvest probe goes through: $VIA"

# for the doc's screenshots, some ordinary mail first: messages to
# addresses that do not exist, which catchall redirects and repeat counts
if [ -n "$DOC" ] && [ "$VIA" = postfix ]; then
	"$PY" - "$PF_PORT" <<'PY'
import smtplib, sys
port = int(sys.argv[1])
senders = ["news@shop.example.net", "billing@vendor.example.org",
           "jane@partner.example", "alerts@monitor.example.net"]
rcpts = ["sales@example.com", "info@example.com", "jobs@example.com",
         "support@example.com", "alice@example.com"]
for i in range(12):
    f, t = senders[i % 4], rcpts[i % 5]
    s = smtplib.SMTP("127.0.0.1", port, timeout=30)
    s.sendmail(f, [t], "From: %s\r\nTo: %s\r\nSubject: note %d\r\n\r\nhello\r\n" % (f, t, i))
    s.quit()
PY
	sleep 2
fi

# probe.sh - browser.py's hook: three networks probe 24 addresses each
# (harvest's threshold is 20), or one without Postfix; prints the
# entries ("entry" for 127.0.0.1's, or 192.0.2.1's, "other" for the
# rest) and the notices waiting in the outbox, once the daemon lists
# them all
cat > "$tmp/probe.sh" <<SH
#!/bin/bash
set -u
if [ $VIA = postfix ]; then
	nets="127.0.0.1 127.0.0.2 127.0.0.3"
	for c in \$nets; do
		$PY "$BROWSER_PY" probe --port $PF_PORT --client \$c --count 24 || exit 1
	done
else
	nets=192.0.2.1
	rcpts=()
	for ((i = 0; i < 24; i++)); do rcpts+=("<h\$i@example.com>"); done
	$PY "$srcdir/../daemon/milter_eom.py" "$tmp/lg.sock" all "<probe@probe.test>" "\${rcpts[@]}" >/dev/null 2>&1
fi
n=\$(wc -w <<<"\$nets")
for ((i = 0; i < 100; i++)); do
	list=\$("$LOOPGUARDCTL" -s "unix:$tmp/ctl.sock" --json list --plugin harvest)
	queue=\$("$LOOPGUARDCTL" -s "unix:$tmp/ctl.sock" --json queue)
	[ "\$(grep -c '"status": "blocked"' <<<"\$list")" = \$n ] &&
		[ "\$(grep -c 'connect' <<<"\$queue")" = \$n ] && break
	sleep 0.1
done
for c in \$nets; do
	id=\$(grep "\"key\": \"harvest:net:\$c/32\"" <<<"\$list" | sed -E 's/.*"id": "([0-9a-f]+)".*/\1/')
	[ -n "\$id" ] || { echo "no harvest entry for \$c: \$list" >&2; exit 1; }
	case \$c in 127.0.0.1|192.0.2.1) echo "entry \$id" ;; *) echo "other \$id" ;; esac
done
grep -o '"id": "[^"]*"' <<<"\$queue" | sed -E 's/"id": "(.*)"/outbox \1/'
SH

# target-up.sh - browser.py's hook: the mailer's target starts listening
cat > "$tmp/target-up.sh" <<SH
#!/bin/bash
$PY "$BROWSER_PY" sink --port $DEAD_PORT --dir "$tmp/sink" </dev/null >"$tmp/sink.log" 2>&1 &
echo \$! > "$tmp/sink.pid"
for ((i = 0; i < 100; i++)); do
	ss -Hltn "sport = :$DEAD_PORT" | grep -q . && exit 0
	sleep 0.05
done
echo "the SMTP sink did not listen on $DEAD_PORT" >&2
cat "$tmp/sink.log" >&2
exit 1
SH
chmod 755 "$tmp/probe.sh" "$tmp/target-up.sh"

# --- the browser
timeout -s INT -k 30 300 "$PY" "$BROWSER_PY" run --url "$(lgc_url)" \
	--operator "admin:$LGC_ADMIN_PASS" --viewer "viewer:$LGC_VIEWER_PASS" \
	--probe "$tmp/probe.sh" --target-up "$tmp/target-up.sh" \
	--shots "$SHOTS" ${DOC:+--settle 8} > "$tmp/browser.out" 2>"$tmp/browser.err"
rc=$?
cat "$tmp/browser.out"
case $rc in
0) ok "the browser's checks" ;;
77) cat "$tmp/browser.err"; exit 77 ;;
124) not_ok "the browser's checks" "browser.py did not finish within 300 s" ;;
*) not_ok "the browser's checks" "browser.py exit $rc: $(tail -n 20 "$tmp/browser.err")" ;;
esac

# --- what the page showed, from the daemon, the target and the logs
list=$(CTL --json list --plugin harvest 2>&1)
check "the daemon no longer has the removed entry" \
	eval '! grep -q "harvest:net:127\.0\.0\.1/32\|harvest:net:192\.0\.2\.1/32" <<<"$list"'
if [ "$VIA" = postfix ]; then
	check "the daemon still has the other two networks' entries" \
		eval '[ "$(grep -c "\"status\": \"blocked\"" <<<"$list")" = 2 ]'
fi
check "the daemon's outbox is empty" eval '[ "$(CTL queue 2>&1)" = "outbox is empty" ]'
n=$(grep -l "blocked for probing addresses" "$tmp"/sink/msg.* 2>/dev/null | wc -l)
want=1; [ "$VIA" = postfix ] && want=3
check "the mailer's target got the $want postmaster notice(s)" [ "$n" = "$want" ]
log=$(lgc_log)
check "the console logged the operator's login" grep -q "user admin (operator) from 127.0.0.1: logged in" "$log"
check "the console logged the removal with the operator's name" \
	grep -q "user admin (operator) from 127.0.0.1: remove" "$log"
check "the console logged the retry with the operator's name" \
	grep -q "user admin (operator) from 127.0.0.1: retry" "$log"
check "the daemon's log names the web user for the removal" \
	grep -q "control: .* as admin removed 1 entries" "$tmp/daemon.log"
check "the daemon's log names the web user for the retry" \
	grep -q "control: .* as admin: queue retry" "$tmp/daemon.log"
check "the console logged the read-only user's refused removal" \
	grep -q "user viewer (read) from 127.0.0.1: POST /entries/remove: refused" "$log"
for s in entries outbox stats; do
	check "console-$s.png is a PNG" eval \
		'[ "$(head -c 8 "$SHOTS/console-$s.png" 2>/dev/null | od -An -tx1 | tr -d " ")" = 89504e470d0a1a0a ]'
done
if [ "$failed" -gt 0 ]; then
	echo "# the console's log:"; sed 's/^/#   /' "$log" | tail -n 40
	echo "# the daemon's log:"; sed 's/^/#   /' "$tmp/daemon.log" | tail -n 20
fi

echo "browser: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
