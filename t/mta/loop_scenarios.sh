# t/mta/loop_scenarios.sh - repeat, harvest and loopguardctl through a real MTA (sourced)
# shellcheck shell=bash
#
# SYNOPSIS
#	. "$mta_dir/../lib/mta.sh"; . "$mta_dir/loop_scenarios.sh"
#	lp_main postfix|sendmail
#
# DESCRIPTION
#	Runs the daemon of this build tree (t/lib/mta.sh: lg_milter_setup) on a
#	unix socket, with a control socket and a memory store with a
#	snapshot file, and the plugins harvest, repeat and catchall in that
#	order; starts a private MTA wired to it and checks, each as one
#	pass/fail line:
#	- the config passes "loopguard -n";
#	- repeat: one message (same Message-ID, Date and body) sent 5 times
#	  from 127.0.0.2, each in its own SMTP session, to nosuch@example.com:
#	  every copy gets 250, exactly 3 reach the postmaster (each with
#	  X-Loopguard-Original-To), nothing bounces, the daemon log has 2
#	  "plugin=repeat action=discard" lines for the recipient (copies #4
#	  and #5), and "loopguardctl list" shows the entry as looping, count
#	  5, To nosuch@example.com (table and --json);
#	- harvest: 25 distinct unknown addresses from 127.0.0.1 (one session,
#	  RCPT after RCPT): 250 for the first 20, 450 4.7.1 from the 21st on;
#	  "loopguardctl list" shows 127.0.0.1/32 blocked;
#	- "loopguardctl stats": messages > 0, repeat/discard 2,
#	  harvest/tempfail 5; "list --json" parses with python3 -m json.tool;
#	- the daemon stopped with SIGTERM (status 0) and started again with
#	  the same config: the block is still listed and a new RCPT from
#	  127.0.0.1 gets 450 4.7.1;
#	- "loopguardctl remove ID" (ID from list) says "1 removed" and the
#	  next RCPT from 127.0.0.1 gets 250;
#	- SIGTERM stops the daemon with status 0 and no sanitizer report;
#	- loopguardctl against the stopped daemon: non-zero exit, nothing on
#	  stdout, one line on stderr naming the socket.
#	127.0.0.1 is not in trusted_networks (trusted clients are never
#	counted by harvest); the repeat client 127.0.0.2 is a different /32
#	network, so its copies do not count towards the harvest block.
#	The summary is "loops-KIND: N passed, M failed".
#
# ENVIRONMENT
#	LOOPGUARDCTL	the control client (default $top_builddir/loopguardctl)
#	and those of t/lib/mta.sh.

LP_FROM=looper@external.test
LP_HARVESTER=harvester@external.test
LP_HEADER=X-Loopguard-Original-To
LP_REPEAT_CLIENT=127.0.0.2
LP_REPEAT_TO=nosuch@example.com
LP_COPIES=5
LP_REPEAT_PASS=3
LP_PROBES=25
LP_HARVEST_PASS=20

# lp_fail - explain why a check failed; returns 1
lp_fail() {
	lg_log "  $*"
	return 1
}

# lp_indent - print stdin indented, for failure details
lp_indent() { sed 's/^/    /' >&2; }

# lp_write_conf - the daemon's config (plugin order matters)
lp_write_conf() {
	cat >"$LP_CONF.new" <<EOF
# written by t/mta/loop_scenarios.sh
socket = "unix:$LP_SOCK";
socket_mode = "0666";
pidfile = "$LP_WORK/loopguard.pid";
control = "unix:$LP_CTL_SOCK";
local_domains = [ "example.com" ];
recipients = [ "$LP_WORK/recipients" ];
# 127.0.0.1 (the harvest client) must not be trusted
trusted_networks = [ "192.0.2.0/24" ];
on_error = "tempfail";
plugin_dir = "$LG_PLUGIN_DIR";
state = { backend = "memory"; snapshot = "$LP_WORK/state.snap"; snapshot_interval = "60s"; };
plugins = (
  { name = "harvest"; threshold = 20; window = "10m"; block = "1h"; action = "tempfail"; },
  { name = "repeat"; threshold = 3; window = "1h"; action = "discard"; },
  { name = "catchall"; }
);
EOF
	mv "$LP_CONF.new" "$LP_CONF"
}

# lp_ctl - run loopguardctl on our control socket; sets LP_OUT, LP_ERR,
#	LP_RC and appends everything to $LP_WORK/ctl.log
lp_ctl() {
	local t0=${EPOCHREALTIME/./}
	LP_RC=0
	LP_OUT=$("$LG_CTL" -s "unix:$LP_CTL_SOCK" "$@" 2>"$LP_WORK/ctl.err") || LP_RC=$?
	LP_ERR=$(<"$LP_WORK/ctl.err")
	{
		printf '=== %s loopguardctl %s (exit %s, %d ms)\n' "$(date +%T)" "$*" \
			"$LP_RC" $(((${EPOCHREALTIME/./} - t0) / 1000))
		[ -z "$LP_OUT" ] || printf '%s\n' "$LP_OUT"
		[ -z "$LP_ERR" ] || printf 'stderr: %s\n' "$LP_ERR"
	} >>"$LP_WORK/ctl.log"
}

# lp_ctl_ok - lp_ctl, failing (with the output) unless it exits 0
lp_ctl_ok() {
	lp_ctl "$@"
	[ "$LP_RC" -eq 0 ] && return 0
	lp_fail "loopguardctl $* exited $LP_RC: ${LP_ERR:-$LP_OUT}"
}

# lp_json PYTHON-EXPR - true when EXPR holds for d, the JSON in LP_OUT
lp_json() {
	python3 -c 'import json, sys
d = json.loads(sys.stdin.read())
sys.exit(0 if eval(sys.argv[1]) else 1)' "$1" <<<"$LP_OUT"
}

# lp_rows - the table rows of LP_OUT (the header left out)
lp_rows() { tail -n +2 <<<"$LP_OUT" | grep . || true; }

# lp_box - the postmaster's mbox
lp_box() { printf '%s/postmaster\n' "$LG_MTA_MAIL"; }

# lp_sink_with - smtp-sink dumps that mention STRING (a bounce to an
#	external sender, or anything relayed, ends up there)
lp_sink_with() { lg_sink_grep "$LG_MTA_SINK" "$1"; }

# lp_session RCPT... - one SMTP session from 127.0.0.1: EHLO, MAIL, one
#	RCPT per argument, QUIT. LP_CODES / LP_TEXTS get each RCPT's reply.
#	Fails only when the session itself does not work.
lp_session() {
	local r
	LP_CODES=()
	LP_TEXTS=()
	if ! lg_smtp_open "$LG_MTA_PORT" || [ "$LG_SMTP_CODE" != 220 ]; then
		lg_smtp_close
		lp_fail "no SMTP greeting (got '$LG_SMTP_CODE')"
		return 1
	fi
	if ! lg_smtp_expect 2 "EHLO client.external.test" ||
		! lg_smtp_expect 2 "MAIL FROM:<$LP_HARVESTER>"; then
		lg_smtp_close
		lp_fail "EHLO or MAIL refused"
		return 1
	fi
	for r in "$@"; do
		lg_smtp_cmd "RCPT TO:<$r>" || true
		LP_CODES+=("$LG_SMTP_CODE")
		LP_TEXTS+=("${LG_SMTP_TEXT%$'\n'}")
	done
	lg_smtp_cmd RSET >/dev/null || true
	lg_smtp_close
}

# lp_expect_rcpt WANT ADDR - a new session's RCPT for ADDR gets WANT
#	(250, or 450 with 4.7.1)
lp_expect_rcpt() {
	local want=$1 addr=$2
	lp_session "$addr" || return 1
	case $want:${LP_CODES[0]} in
	250:250) return 0 ;;
	450:450)
		[[ ${LP_TEXTS[0]} == *4.7.1* ]] && return 0
		lp_fail "RCPT $addr: 450 without 4.7.1: ${LP_TEXTS[0]}"
		return 1
		;;
	esac
	lp_fail "RCPT $addr got '${LP_TEXTS[0]}', want $want"
}

# lp_repeat_message - the one message the broken client keeps sending
lp_repeat_message() {
	cat >"$LP_WORK/repeat.eml" <<EOF
From: Looping Client <$LP_FROM>
To: <$LP_REPEAT_TO>
Subject: $LP_SUBJECT
Date: Mon, 02 Jan 2006 15:04:05 +0000
Message-ID: <repeat.$$.$LP_TAG@client.external.test>
MIME-Version: 1.0
Content-Type: text/plain; charset=us-ascii

This very message is sent again and again by a broken client.
It must reach the postmaster $LP_REPEAT_PASS times, never more.
EOF
}

# sc_repeat_send - 5 copies, each in its own session from 127.0.0.2, all
#	accepted with 250
sc_repeat_send() {
	local i rc
	lp_repeat_message
	for ((i = 1; i <= LP_COPIES; i++)); do
		rc=0
		lg_send "$LG_MTA_PORT" --local-interface "$LP_REPEAT_CLIENT" \
			--from "$LP_FROM" --to "$LP_REPEAT_TO" \
			--data "$LP_WORK/repeat.eml" || rc=$?
		if [ "$rc" -ne 0 ]; then
			lp_fail "copy $i: swaks exit $rc"
			lg_last_transcript | grep -E '^ *(<-|<\*\*)' | lp_indent
			return 1
		fi
		# The reply to the final dot: the first server line after " -> ."
		if ! lg_last_transcript | awk '/^ *-> \.$/ { dot = 1; next }
			dot && /^ *<(-|\*\*) / { print; exit }' | grep -qE '^ *<- +250 '; then
			lp_fail "copy $i: no 250 for the end of data"
			lg_last_transcript | grep -E '^ *(<-|<\*\*)' | lp_indent
			return 1
		fi
	done
}

# sc_repeat_delivery - exactly 3 copies reach the postmaster, each with
#	the caught-recipient header; nothing bounces or is relayed
sc_repeat_delivery() {
	local box n h
	box=$(lp_box)
	lg_wait_mbox_with "$box" "Subject: $LP_SUBJECT" "$LP_REPEAT_PASS" ||
		lp_fail "the postmaster has $(lg_mbox_count_with "$box" "Subject: $LP_SUBJECT") copies after ${LG_TIMEOUT}s, want $LP_REPEAT_PASS" ||
		return 1
	# The discarded copies must not turn up late.
	sleep "${LP_SETTLE:-1.5}"
	n=$(lg_mbox_count_with "$box" "Subject: $LP_SUBJECT")
	[ "$n" -eq "$LP_REPEAT_PASS" ] ||
		lp_fail "the postmaster has $n copies, want $LP_REPEAT_PASS" || return 1
	h=$(lg_mbox_with "$box" "Subject: $LP_SUBJECT" |
		grep -ci "^$LP_HEADER: $LP_REPEAT_TO\$" || true)
	[ "$h" -eq "$LP_REPEAT_PASS" ] ||
		lp_fail "$h of the copies carry '$LP_HEADER: $LP_REPEAT_TO', want $LP_REPEAT_PASS" ||
		return 1
	[ -z "$(lp_sink_with "$LP_SUBJECT")" ] ||
		lp_fail "something about the message reached smtp-sink (a bounce?): $(lp_sink_with "$LP_SUBJECT" | tr '\n' ' ')" ||
		return 1
	n=$(lg_mbox_count_with "$box" "MAILER-DAEMON")
	[ "$n" -eq 0 ] || lp_fail "the postmaster got $n bounce(s)"
}

# sc_repeat_log - 2 discard decisions for the recipient: copies #4 and #5
sc_repeat_log() {
	local lines n
	lines=$(grep -F 'plugin=repeat action=discard' "$LG_MILTER_LOG" || true)
	n=$(grep -cF "<$LP_REPEAT_TO>" <<<"$lines" || true)
	[ -n "$lines" ] || n=0
	if [ "$n" -ne $((LP_COPIES - LP_REPEAT_PASS)) ] ||
		[ "$(grep -c . <<<"$lines")" -ne "$n" ]; then
		lp_fail "$n 'plugin=repeat action=discard' lines for <$LP_REPEAT_TO>, want $((LP_COPIES - LP_REPEAT_PASS)); the log has:"
		grep -F 'plugin=' "$LG_MILTER_LOG" | lp_indent
		return 1
	fi
	if ! grep -q 'repeat #4 ' <<<"$lines" || ! grep -q 'repeat #5 ' <<<"$lines"; then
		lp_fail "the discard lines are not for copies #4 and #5: $lines"
		return 1
	fi
}

# sc_repeat_list - the entry is looping, count 5, To nosuch@example.com
sc_repeat_list() {
	local rows
	lp_ctl_ok list --plugin repeat || return 1
	rows=$(lp_rows)
	# ID, Created (2 words), Next Try (2 words), Count, Size, From, To, Status
	if ! awk -v to="$LP_REPEAT_TO" -v n="$LP_COPIES" \
		'$6 == n && $9 == to && $NF == "looping" { f = 1 } END { exit !f }' <<<"$rows"; then
		lp_fail "no row with count $LP_COPIES, To $LP_REPEAT_TO, status looping:"
		printf '%s\n' "$LP_OUT" | lp_indent
		return 1
	fi
	lp_ctl_ok --json list --plugin repeat || return 1
	lp_json "len([e for e in d if e['to'] == '$LP_REPEAT_TO' and e['status'] == 'looping' and e['count'] == $LP_COPIES and e['plugin'] == 'repeat' and e['from'] == '$LP_FROM']) == 1" ||
		{ lp_fail "list --json has no single such entry: $LP_OUT"; return 1; }
}

# sc_harvest_probe - 25 distinct unknown addresses in one session from
#	127.0.0.1: 250 for the first 20, 450 4.7.1 from the 21st on
sc_harvest_probe() {
	local i bad=0 addrs=()
	for ((i = 1; i <= LP_PROBES; i++)); do
		addrs+=("probe$i.$LP_TAG@example.com")
	done
	lp_session "${addrs[@]}" || return 1
	for ((i = 1; i <= LP_PROBES; i++)); do
		if [ "$i" -le "$LP_HARVEST_PASS" ]; then
			[ "${LP_CODES[i - 1]}" = 250 ] && continue
		else
			[ "${LP_CODES[i - 1]}" = 450 ] &&
				[[ ${LP_TEXTS[i - 1]} == *4.7.1* ]] && continue
		fi
		bad=1
	done
	[ "$bad" -eq 0 ] && return 0
	lp_fail "RCPT replies (want 250 x$LP_HARVEST_PASS, then 450 4.7.1):"
	for ((i = 1; i <= LP_PROBES; i++)); do
		printf '#%d %s\n' "$i" "${LP_TEXTS[i - 1]}"
	done | lp_indent
	return 1
}

# lp_harvest_blocked - list shows 127.0.0.1's network blocked; sets LP_ID
lp_harvest_blocked() {
	local rows
	LP_ID=
	lp_ctl_ok list --plugin harvest --match '127.0.0.1*' || return 1
	rows=$(lp_rows | awk '$NF == "blocked"')
	if [ "$(grep -c . <<<"$rows")" -ne 1 ] || [ -z "$rows" ]; then
		lp_fail "want one blocked harvest row for 127.0.0.1*, list shows:"
		printf '%s\n' "$LP_OUT" | lp_indent
		return 1
	fi
	LP_ID=$(awk '{ print $1 }' <<<"$rows")
	lp_ctl_ok --json list --plugin harvest || return 1
	lp_json "len([e for e in d if e['client'] == '127.0.0.1/32' and e['status'] == 'blocked' and e['id'] == '$LP_ID' and e['count'] > $LP_HARVEST_PASS]) == 1" ||
		{ lp_fail "list --json has no blocked entry $LP_ID for 127.0.0.1/32: $LP_OUT"; return 1; }
}

# sc_harvest_listed - after the probe the network is listed as blocked
sc_harvest_listed() { lp_harvest_blocked; }

# sc_stats - messages counted, the repeat and harvest actions counted
sc_stats() {
	local want_h=$((LP_PROBES - LP_HARVEST_PASS))
	local want_r=$((LP_COPIES - LP_REPEAT_PASS))
	lp_ctl_ok stats || return 1
	if ! grep -qE '^messages: +[1-9][0-9]*$' <<<"$LP_OUT" ||
		! grep -qE "^repeat/discard: +$want_r\$" <<<"$LP_OUT" ||
		! grep -qE "^harvest/tempfail: +$want_h\$" <<<"$LP_OUT"; then
		lp_fail "want messages > 0, repeat/discard: $want_r, harvest/tempfail: $want_h; stats says:"
		printf '%s\n' "$LP_OUT" | lp_indent
		return 1
	fi
}

# sc_list_json - list --json (and list --all --json) parse as JSON
sc_list_json() {
	local how
	for how in "list --json" "list --all --json"; do
		# shellcheck disable=SC2086
		lp_ctl_ok $how || return 1
		python3 -m json.tool <<<"$LP_OUT" >/dev/null 2>"$LP_WORK/json.err" ||
			lp_fail "$how is no JSON ($(head -n 1 "$LP_WORK/json.err")): $(head -c 300 <<<"$LP_OUT")" ||
			return 1
	done
	lp_json 'isinstance(d, list) and len(d) >= 2' ||
		lp_fail "list --all --json is not an array with the repeat and harvest entries"
}

# sc_restart_keeps_block - SIGTERM, start again: still blocked, and a
#	new RCPT from 127.0.0.1 gets 450 4.7.1
sc_restart_keeps_block() {
	local id
	lp_harvest_blocked || return 1
	id=$LP_ID
	lg_milter_stop
	[ "$LG_MILTER_STATUS" = 0 ] ||
		lp_fail "loopguard exited with $LG_MILTER_STATUS at SIGTERM" || return 1
	[ -s "$LP_WORK/state.snap" ] ||
		lp_fail "no snapshot $LP_WORK/state.snap after the stop" || return 1
	lg_milter_start "$LP_CONF" "$LG_MILTER_LOG" "$LP_SOCK" ||
		lp_fail "loopguard did not start again" || return 1
	lg_wait_file "$LP_CTL_SOCK" 10 ||
		lp_fail "no control socket after the restart" || return 1
	lp_harvest_blocked || return 1
	[ "$LP_ID" = "$id" ] || lg_log "  note: the entry's id changed from $id to $LP_ID"
	lp_expect_rcpt 450 "after-restart.$LP_TAG@example.com"
}

# sc_remove_lifts_block - remove ID, then the next RCPT gets 250
sc_remove_lifts_block() {
	lp_harvest_blocked || return 1
	lp_ctl_ok remove "$LP_ID" || return 1
	[ "$LP_OUT" = "1 removed" ] ||
		lp_fail "remove $LP_ID said '$LP_OUT', want '1 removed'" || return 1
	lp_ctl_ok list --plugin harvest || return 1
	! lp_rows | awk '$NF == "blocked" { f = 1 } END { exit !f }' ||
		lp_fail "still blocked after remove: $LP_OUT" || return 1
	lp_expect_rcpt 250 "after-remove.$LP_TAG@example.com"
}

# sc_clean_stop - SIGTERM ends the daemon with 0 and no sanitizer report
sc_clean_stop() {
	lg_milter_stop
	[ "$LG_MILTER_STATUS" = 0 ] ||
		lp_fail "loopguard exited with $LG_MILTER_STATUS (log: $LG_MILTER_LOG)" || return 1
	lg_milter_log_clean || lp_fail "sanitizer reports in $LG_MILTER_LOG"
}

# sc_ctl_stopped - loopguardctl against the stopped daemon: one clear
#	line on stderr, nothing on stdout, non-zero exit
sc_ctl_stopped() {
	local cmd
	for cmd in list stats; do
		lp_ctl "$cmd"
		[ "$LP_RC" -ne 0 ] || lp_fail "$cmd exited 0 with the daemon stopped" || return 1
		[ -z "$LP_OUT" ] || lp_fail "$cmd printed on stdout: $LP_OUT" || return 1
		[ "$(grep -c . <<<"$LP_ERR")" -eq 1 ] ||
			lp_fail "$cmd: want one line on stderr, got: $LP_ERR" || return 1
		grep -q "^loopguardctl: .*$LP_CTL_SOCK" <<<"$LP_ERR" ||
			lp_fail "$cmd: the error does not name the socket: $LP_ERR" || return 1
	done
}

# lp_finish - keep the work folder when something failed
lp_finish() {
	if [ "${LG_EXIT_RC:-1}" -eq 0 ] && [ -z "${LG_KEEP:-}" ]; then
		rm -rf "$LP_WORK"
	else
		lg_log "work folder kept: $LP_WORK (loopguard.log, ctl.log, swaks.log, $LP_KIND/)"
		[ -f "$LP_WORK/loopguard.log" ] && tail -n 20 "$LP_WORK/loopguard.log" >&2
	fi
}

# lp_main - run every scenario against KIND (postfix or sendmail)
lp_main() {
	local started b
	LP_KIND=$1
	LG_NAME=loops-$LP_KIND
	started=$(date +%s)
	lg_need_root
	lg_need_cmd swaks smtp-sink ss python3
	[ "$LP_KIND" = postfix ] && lg_need_cmd postfix
	if [ "$LP_KIND" = sendmail ]; then
		lg_need_cmd m4 unshare
		lg_sendmail_root >/dev/null || lg_die "no unpacked sendmail: run scripts/deps.sh test"
	fi
	lg_milter_setup
	b=${top_builddir:-$lg_mta_dir/../..}
	LG_CTL=${LOOPGUARDCTL:-$b/loopguardctl}
	[ -x "$LG_CTL" ] || lg_die "no control client $LG_CTL: build first (make)"
	local p
	for p in harvest repeat catchall; do
		[ -e "$LG_PLUGIN_DIR/$p.so" ] || lg_die "no plugin $LG_PLUGIN_DIR/$p.so: build first (make)"
	done
	lg_install_trap

	LP_WORK=$(lg_workdir "loops-$LP_KIND")
	lg_at_exit lp_finish
	LG_SWAKS_LOG=$LP_WORK/swaks.log
	LP_CONF=$LP_WORK/loopguard.conf
	LP_SOCK=$(lg_milter_sockpath "$LP_WORK")
	LP_CTL_SOCK=$(dirname "$LP_SOCK")/control.sock
	LP_TAG=$$.$RANDOM
	LP_SUBJECT="repeat loop $LP_TAG"
	printf '%s\n' postmaster@example.com alice@example.com bob@example.com \
		carol@example.com >"$LP_WORK/recipients"
	lp_write_conf

	lg_check "config passes loopguard -n" lg_milter_check "$LP_CONF"
	lg_milter_start "$LP_CONF" "$LP_WORK/loopguard.log" "$LP_SOCK" ||
		lg_die "loopguard did not start (log: $LP_WORK/loopguard.log)"
	lg_wait_file "$LP_CTL_SOCK" 10 || lg_die "no control socket $LP_CTL_SOCK"
	lg_mta_start "$LP_KIND" "$LP_WORK/$LP_KIND" "$LP_SOCK"

	lg_check "repeat: 5 copies in 5 sessions all get 250" sc_repeat_send
	lg_check "repeat: exactly 3 reach the postmaster with the header, none bounces" \
		sc_repeat_delivery
	lg_check "repeat: 2 'plugin=repeat action=discard' log lines for the recipient" \
		sc_repeat_log
	lg_check "repeat: loopguardctl list shows it looping, count 5" sc_repeat_list
	lg_check "harvest: 25 unknown RCPTs get 250 x20, then 450 4.7.1" sc_harvest_probe
	lg_check "harvest: loopguardctl list shows 127.0.0.1/32 blocked" sc_harvest_listed
	lg_check "stats: messages, repeat/discard and harvest/tempfail counted" sc_stats
	lg_check "list --json parses as JSON" sc_list_json
	lg_check "harvest: the block survives a restart (snapshot), RCPT gets 450" \
		sc_restart_keeps_block
	lg_check "harvest: loopguardctl remove ID lifts the block, RCPT gets 250" \
		sc_remove_lifts_block
	lg_check "SIGTERM stops loopguard cleanly" sc_clean_stop
	lg_check "loopguardctl with the daemon stopped: one-line error, exit != 0" \
		sc_ctl_stopped

	lg_log "took $(($(date +%s) - started)) s"
	lg_summary
}
