#!/bin/bash
# t_steps.sh - the real daemon negotiates the steps its plugins need:
# each plugin sees exactly the steps it declared (one that declares
# nothing sees all), steps nobody uses are dropped, a verdict given at a
# quiet step reaches the MTA at the next RCPT, over TCP every step is
# answered, and the body is skipped once nobody reads it. Driven by
# miltertest (miltertest/steps.lua), which sends like an MTA.
set -u
. "$(dirname "$0")/../lib/lib.sh"

command -v miltertest >/dev/null || skip "miltertest is not installed"
lg_workdir steps

# libmilter's syslog lines land in $tmp/syslog (a sanitizer build lets
# the spy be preloaded before its runtime)
syslog_spy=$top_builddir/t/lib/.libs/syslogspy.so
[ -f "$syslog_spy" ] || skip "t/lib/.libs/syslogspy.so is not built"
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"

# session SOCKET-KIND PLUGINS [MORE-SETTINGS] - start loopguard with
# the spies, run one session (MESSAGES from the environment), stop it;
# the replies land in $tmp/out, the spies' steps in $tmp/seen
session() {
	local sock
	if [ "$1" = unix ]; then
		sock="unix:$tmp/lg.sock"
	else
		port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
		sock="inet:$port@127.0.0.1"
	fi
	rm -f "$tmp/seen" "$tmp/out" "$tmp/lg.sock"
	cat > "$tmp/lg.conf" <<CONF
socket = "$sock";
plugin_dir = "${PDIR:-$TEST_PLUGIN_DIR}";
local_domains = [ "example.com" ];
recipients = [ "rcpts" ];
${3:-}
plugins = ( $2 );
CONF
	echo alice@example.com > "$tmp/rcpts"
	: > "$tmp/lg.log"
	: > "$tmp/syslog"
	LD_PRELOAD=$syslog_spy LG_SYSLOG_SPY=$tmp/syslog \
		"$LOOPGUARD" -f -c "$tmp/lg.conf" 2>>"$tmp/lg.log" &
	pid=$!
	wait_in "$tmp/lg.log" "listening on" || return 1
	SOCKET="$sock" miltertest -s "$srcdir/miltertest/steps.lua" \
		> "$tmp/out" 2>&1 || { cat "$tmp/out" "$tmp/lg.log"; }
	kill "$pid" && wait "$pid"
	touch "$tmp/seen"
}

# seen NAME - the steps the spy NAME saw, on one line
seen() { awk -v n="$1" '$1 == n { printf "%s%s", sep, $2; sep = " " }' "$tmp/seen"; }

# expect_syslog_clean WHAT - libmilter warned of nothing: the session
# left it no private data at close
expect_syslog_clean() {
	if grep -q "private data" "$tmp/syslog"; then
		not_ok "$1" "$(cat "$tmp/syslog")"
	else
		ok "$1"
	fi
}

# has LINE - the session's output has LINE
has() { grep -qxF -- "$1" "$tmp/out"; }

# expect_seen WHAT NAME STEPS
expect_seen() {
	local got
	got=$(seen "$2")
	if [ "$got" = "$3" ]; then ok "$1"; else not_ok "$1" "saw \"$got\", want \"$3\""; fi
}

# expect_out WHAT LINE... - every LINE is in the output
expect_out() {
	local what=$1 line missing=
	shift
	for line; do has "$line" || missing="$missing [$line]"; done
	if [ -z "$missing" ]; then ok "$what"; else not_ok "$what" "missing$missing"; sed 's/^/    /' "$tmp/out"; fi
}

# expect_no WHAT LINE... - no LINE is in the output
expect_no() {
	local what=$1 line found=
	shift
	for line; do has "$line" && found="$found [$line]"; done
	if [ -z "$found" ]; then ok "$what"; else not_ok "$what" "found$found"; fi
}

spy() { echo "{ name = \"stepspy\"; log = \"$tmp/seen\"; $1 }"; }
old="{ name = \"stepold\"; log = \"$tmp/seen\"; }"

# 1. A plugin that uses RCPT and end of message only, on a unix socket.
export MESSAGES=1
session unix "$(spy 'uses = [ "rcpt", "eom" ]; answers = [ "rcpt" ];')"
expect_seen "a plugin sees exactly the steps it declared" stepspy "rcpt eom"
expect_out "steps nobody uses are dropped" "option NOHELO" "option NOHDRS" \
	"option NOBODY" "option NOUNKNOWN"
expect_out "on a unix socket the steps nobody answers are quiet" \
	"option NR_CONN" "option NR_MAIL" "option NR_DATA" "option NR_EOH" \
	"connect quiet" "mail quiet" "eoh quiet"
expect_out "RCPT and end of message are answered" "rcpt SMFIR_CONTINUE" \
	"eom SMFIR_CONTINUE"
expect_no "RCPT is never quiet" "option NR_RCPT"
expect_syslog_clean "a connection with quiet steps leaves libmilter no private data"

# 2. Beside it, a plugin of ABI 1.2 without needs: it gets everything.
session unix "$(spy 'uses = [ "rcpt", "eom" ]; answers = [ "rcpt" ];'), $old"
expect_seen "a plugin that declares nothing sees every step" stepold \
	"connect helo mail rcpt headers headers eoh body body eom"
expect_seen "... and the other still only its own" stepspy "rcpt eom"
expect_no "... and nothing is dropped or quiet" "option NOHELO" \
	"option NOHDRS" "option NOBODY" "option NR_CONN" "option NR_MAIL" \
	"option NR_EOH" "option NR_BODY"

# 3. A verdict at a quiet MAIL reaches the MTA at RCPT, with its reply.
reject_at_mail='uses = [ "mail", "rcpt", "eom" ]; verdict = "reject"; verdict_at = "mail";'
session unix "$(spy "$reject_at_mail")"
expect_out "a reject at a quiet MAIL is answered at RCPT" "mail quiet" \
	"rcpt SMFIR_REPLYCODE"
expect_seen "... and no later step of that message reaches the plugin" \
	stepspy "mail"
grep -q 'plugin=stepspy action=reject stage=mail' "$tmp/lg.log" &&
	ok "... logged at the step it was made" ||
	not_ok "... logged at the step it was made" "$(cat "$tmp/lg.log")"

# 4. Over TCP nothing is quiet (no_reply "auto"): MAIL answers itself.
session tcp "$(spy "$reject_at_mail")"
expect_out "over TCP the reject is answered at MAIL" "mail SMFIR_REPLYCODE"
expect_syslog_clean "... nor one without"
expect_no "over TCP no step is quiet" "option NR_CONN" "option NR_MAIL" \
	"option NR_DATA" "option NR_EOH" "option NR_BODY" "mail quiet"

# 5. no_reply = "always" makes TCP quiet too; "never" keeps unix loud.
session tcp "$(spy "$reject_at_mail")" 'no_reply = "always";'
expect_out "no_reply always: quiet over TCP" "mail quiet" "rcpt SMFIR_REPLYCODE"
session unix "$(spy "$reject_at_mail")" 'no_reply = "never";'
expect_out "no_reply never: answered on a unix socket" "mail SMFIR_REPLYCODE"

# 6. A tempfail kept at connect holds for every message of the connection.
MESSAGES=2 session unix "$(spy 'uses = [ "connect", "rcpt", "eom" ]; verdict = "tempfail"; verdict_at = "connect";')"
n=$(grep -cx "rcpt SMFIR_REPLYCODE" "$tmp/out")
[ "$n" = 2 ] && ok "a verdict kept at connect answers every message's RCPT" ||
	not_ok "a verdict kept at connect answers every message's RCPT" "$n of 2"
expect_seen "... and the plugin sees nothing after connect" stepspy "connect"

# 7. With replies on, the body is skipped once nobody reads it.
session tcp "$(spy 'uses = [ "body", "eom" ]; answers = [ "eom" ]; body_done = true;')"
expect_out "the body is skipped once nobody reads it" "option SKIP" \
	"body SMFIR_SKIP"
expect_seen "... after the first chunk" stepspy "body eom"
session unix "$(spy 'uses = [ "body", "eom" ]; answers = [ "eom" ]; body_done = true;')"
expect_out "on a unix socket the body comes unanswered" "option NR_BODY" \
	"body quiet"
expect_seen "... and a plugin done with it sees no more of it" stepspy "body eom"
session tcp "$(spy 'uses = [ "body", "eom" ]; answers = [ "eom" ];')"
expect_seen "a plugin that reads the body gets all of it" stepspy "body body eom"

# 8. The shipped plugins: catchall and harvest need no headers or body.
PDIR=$PLUGIN_DIR session unix '{ name = "catchall"; }, { name = "harvest"; }'
expect_out "catchall and harvest: no headers, no body" "option NOHDRS" \
	"option NOBODY" "option NR_MAIL"

# 9. After SMFIC_QUIT_NC the next session on the same connection
# cannot know its quiet steps: it answers and keeps, so a reject at MAIL
# still reaches the MTA at RCPT and end of message; nothing hangs.
session unix "$(spy "$reject_at_mail")"
rm -f "$tmp/lg.sock" "$tmp/out"
: > "$tmp/syslog"
LD_PRELOAD=$syslog_spy LG_SYSLOG_SPY=$tmp/syslog \
	"$LOOPGUARD" -f -c "$tmp/lg.conf" 2>>"$tmp/lg.log" &
pid=$!
wait_in "$tmp/lg.log" "listening on" &&
	timeout 30 python3 "$srcdir/quitnc.py" "$tmp/lg.sock" > "$tmp/out" 2>&1
kill "$pid" && wait "$pid"
expect_out "after QUIT_NC a reject at MAIL is still answered" \
	"session 1 rcpt y5" "session 1 eom y5" "session 2 rcpt y5" \
	"session 2 eom y5"
expect_syslog_clean "... and no private data is left"

# 10. A discard at connect is no verdict for a connection (Postfix
# answers its default action): kept, it would drop every message; it is
# on_error (tempfail) instead, at RCPT.
session unix "$(spy 'uses = [ "connect", "rcpt", "eom" ]; verdict = "discard"; verdict_at = "connect";')"
expect_out "a discard at a quiet connect is answered on_error at RCPT" \
	"connect quiet" "rcpt SMFIR_TEMPFAIL"
expect_no "... and no message of the connection is discarded" \
	"rcpt SMFIR_DISCARD" "eom SMFIR_DISCARD"

echo "steps: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
