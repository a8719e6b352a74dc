# t/mta/bounce_scenarios.sh - the bounce plugin through a real Postfix (sourced)
# shellcheck shell=bash
#
# SYNOPSIS
#	. "$mta_dir/../lib/mta.sh"; . "$mta_dir/bounce_scenarios.sh"
#	bs_main
#
# DESCRIPTION
#	Runs the daemon of this build tree on a unix socket with the bounce
#	plugin (action = "reject"), starts the private Postfix of
#	postfix.sh wired to it, then adds to that instance (postconf -e,
#	postfix reload): a second smtp-sink started with "-f RCPT" (it
#	answers 5xx to every RCPT) as the relay for refuse.test, and
#	internal_mail_filter_classes = bounce, so the DSNs Postfix itself
#	writes pass the milter (through non_smtpd_milters). Checks, each
#	as one pass/fail line:
#	- the config passes "loopguard -n";
#	- alice (127.0.0.1, trusted) sends to someone@refuse.test; the
#	  relay refuses it, Postfix writes a real DSN, the milter finds the
#	  returned Message-ID in its sent ledger (action=pass) and the DSN
#	  reaches alice's mailbox;
#	- the same for a message alice submits with Postfix's sendmail
#	  command (recorded through non_smtpd_milters);
#	- a forged DSN (null sender, a multipart/report whose returned
#	  message has a Message-ID never sent) gets 550 5.7.1 at the end of
#	  DATA and is not delivered;
#	- a null-sender notice carrying one X-Loopguard-Loop header with
#	  this host's name, submitted with the sendmail command as the
#	  daemon's mailer does, reaches the postmaster;
#	- a bounce of a bounce (the returned message has Return-Path: <>)
#	  is accepted by SMTP but discarded (logged action=discard);
#	- mail carrying two X-Loopguard-Loop headers is discarded;
#	- an auto-reply (null sender, Auto-Submitted: auto-replied, no
#	  returned message) whose In-Reply-To names a message alice sent
#	  reaches her (action=pass, "auto-reply to <ID>");
#	- the same naming a Message-ID never sent gets 550 5.7.1 at the end
#	  of DATA and is not delivered;
#	- a bounce to two local recipients: the second RCPT gets 550 5.7.1
#	  (max_bounce_rcpts 1);
#	- a bounce to noreply@example.com gets 550 5.7.1 at RCPT
#	  (never_send);
#	- SIGTERM stops the daemon with status 0 and no sanitizer report.
#	The summary is "bounce-postfix: N passed, M failed".

# bs_fail - explain why a check failed; returns 1
bs_fail() {
	lg_log "  $*"
	return 1
}

# bs_write_conf [SETTINGS] - the daemon's config; SETTINGS are more
#	lines of the bounce plugin's group
bs_write_conf() {
	cat >"$BS_CONF" <<EOF
# written by t/mta/bounce_scenarios.sh
socket = "unix:$BS_SOCK";
socket_mode = "0666";
pidfile = "$BS_WORK/loopguard.pid";
local_domains = [ "example.com" ];
recipients = [ "$BS_WORK/recipients" ];
trusted_networks = [ "127.0.0.1/32", "::1/128" ];
on_error = "tempfail";
hostname = "$(hostname)";
plugin_dir = "$LG_PLUGIN_DIR";
plugins = (
  { name = "bounce";
    action = "reject";
    ledger_ttl = "14d";
    max_loops = 1;${1:-} }
);
EOF
}

# bs_refusing_relay - smtp-sink answering 5xx to RCPT, the relay for
#	refuse.test; DSNs of Postfix itself go through the milter
bs_refusing_relay() {
	local etc=$LG_MTA_DIR/etc pid
	lg_pick_port BS_REFUSE_PORT
	mkdir -p "$BS_WORK/refuse"
	chown postfix "$BS_WORK/refuse"
	smtp-sink -u postfix -f RCPT "127.0.0.1:$BS_REFUSE_PORT" 10 \
		>"$BS_WORK/refuse.log" 2>&1 </dev/null &
	pid=$!
	echo "$pid" >"$BS_WORK/refuse.pid"
	lg_at_exit "lg_kill_pidfile '$BS_WORK/refuse.pid'"
	lg_wait_port "$BS_REFUSE_PORT" 10 || lg_die "the refusing smtp-sink did not start"
	printf 'refuse.test smtp:[127.0.0.1]:%s\n' "$BS_REFUSE_PORT" >"$etc/transport"
	postconf -c "$etc" -e "transport_maps = texthash:$etc/transport" \
		"internal_mail_filter_classes = bounce" >/dev/null
	postfix -c "$etc" reload >>"$LG_MTA_DIR/start.log" 2>&1 ||
		lg_die "postfix reload failed"
	sleep 1
}

# bs_box - alice's mbox
bs_box() { printf '%s/alice\n' "$LG_MTA_MAIL"; }

# bs_milter_saw - wait until the daemon's log has a line with STRING
bs_milter_saw() {
	local i
	for ((i = 0; i < LG_TIMEOUT * 20; i++)); do
		grep -F -q -- "$1" "$BS_WORK/loopguard.log" && return 0
		sleep 0.05
	done
	return 1
}

# sc_genuine - Postfix's own DSN for mail alice sent reaches her
sc_genuine() {
	local port=$1 id subject
	id="genuine.$$.$RANDOM@example.com"
	subject="bounce genuine $$.$RANDOM"
	lg_send "$port" --from alice@example.com --to someone@refuse.test \
		--header "Subject: $subject" --header "Message-Id: <$id>" \
		--body "this will be refused by the relay" ||
		bs_fail "the submission was not accepted" || return 1
	lg_wait_mbox_with "$(bs_box)" "Message-Id: <$id>" 1 30 ||
		bs_fail "no DSN for <$id> in alice's box" || return 1
	lg_mbox_with "$(bs_box)" "Message-Id: <$id>" |
		grep -q -i '^Content-Type: multipart/report' ||
		bs_fail "what reached alice is not a DSN" || return 1
	bs_milter_saw "action=pass from=<> to=<alice@example.com>" ||
		bs_fail "the milter logged no pass for the DSN" || return 1
	grep -F -q "bounce answers <$id>, sent from here" "$BS_WORK/loopguard.log" ||
		bs_fail "the pass names another Message-ID"
}

# sc_genuine_local - the same for mail from Postfix's sendmail command
#	(recorded through non_smtpd_milters)
sc_genuine_local() {
	local id subject
	id="local.$$.$RANDOM@example.com"
	subject="bounce genuine local $$.$RANDOM"
	printf '%s\n' "From: alice@example.com" "To: someone@refuse.test" \
		"Subject: $subject" "Message-ID: <$id>" "" "refused too" |
		sendmail -C "$LG_MTA_DIR/etc" -f alice@example.com -- \
			someone@refuse.test ||
		bs_fail "sendmail refused the message" || return 1
	lg_wait_mbox_with "$(bs_box)" "Message-ID: <$id>" 1 30 ||
		bs_fail "no DSN for <$id> in alice's box" || return 1
	bs_milter_saw "bounce answers <$id>, sent from here" ||
		bs_fail "the milter logged no pass for <$id>"
}

# sc_own_notice - a null-sender notice of ours, handed to the local MTA
#	(as the mailer does), reaches the postmaster
sc_own_notice() {
	local subject box="$LG_MTA_MAIL/postmaster"
	subject="bounce own notice $$.$RANDOM"
	printf '%s\n' "From: MAILER-DAEMON@example.com" \
		"To: postmaster@example.com" "Subject: $subject" \
		"Auto-Submitted: auto-generated" \
		"X-Loopguard-Loop: $(hostname)" "" "a notice" |
		sendmail -C "$LG_MTA_DIR/etc" -f '<>' -- postmaster@example.com ||
		bs_fail "sendmail refused the notice" || return 1
	lg_wait_mbox_with "$box" "Subject: $subject" ||
		bs_fail "the notice did not reach the postmaster" || return 1
	! lg_mbox_with "$box" "Subject: $subject" |
		grep -q -i '^Content-Type: multipart/report' ||
		bs_fail "the postmaster got a bounce of the notice" || return 1
	! grep -q 'plugin=bounce action=[a-z]* from=<> to=<postmaster@example.com>' \
		"$BS_WORK/loopguard.log" ||
		bs_fail "the milter judged the notice"
}

# bs_dsn_body - a multipart/report returning a message: bs_dsn_body ID RP
bs_dsn_body() {
	printf '%s\r\n' "--RPT" "Content-Type: text/plain" "" \
		"Delivery to the following recipient failed." "" \
		"--RPT" "Content-Type: message/delivery-status" "" \
		"Reporting-MTA: dns; mx.external.test" "" \
		"Final-Recipient: rfc822; bob@external.test" "Action: failed" \
		"Status: 5.1.1" "" \
		"--RPT" "Content-Type: message/rfc822" "" \
		"Return-Path: <$2>" "From: alice@example.com" \
		"To: bob@external.test" "Subject: never sent" \
		"Message-ID: <$1>" "" "body" "--RPT--"
}

# bs_send_dsn - a DSN from outside to alice over raw SMTP:
#	bs_send_dsn PORT SUBJECT ID RETURN_PATH; returns 0 when the end of
#	DATA got 2xx, 1 otherwise (the reply is in BS_DSN_REPLY)
bs_send_dsn() {
	bs_null_send "$1" alice@example.com bs_dsn_message "$2" "$3" "$4"
}

# bs_dsn_message SUBJECT ID RETURN_PATH - the headers and body of a DSN
bs_dsn_message() {
	printf '%s\r\n' "From: MAILER-DAEMON@mx.external.test" \
		"To: alice@example.com" "Subject: $1" \
		"Message-ID: <dsn.$RANDOM$RANDOM@mx.external.test>" \
		"MIME-Version: 1.0" \
		"Content-Type: multipart/report; report-type=delivery-status;" \
		"	boundary=\"RPT\"" ""
	bs_dsn_body "$2" "$3"
}

# bs_null_send PORT RCPT WRITER [ARG...] - a message from <> to RCPT over
#	raw SMTP, its headers and body printed by WRITER ARG... (CRLF
#	lines, without the final dot; dot-stuffed here); 0 when the end of
#	DATA got 2xx (the reply is in BS_DSN_REPLY)
bs_null_send() {
	local port=$1 rcpt=$2 rc=1
	shift 2
	lg_smtp_open "$port" || return 1
	if lg_smtp_expect 2 "EHLO mx.external.test" &&
		lg_smtp_expect 2 "MAIL FROM:<>" &&
		lg_smtp_expect 2 "RCPT TO:<$rcpt>" &&
		lg_smtp_expect 3 "DATA"; then
		# dot-stuffed: a quoted-printable soft break can leave a
		# line that starts with "." (RFC 5321 4.5.2)
		{ "$@" | sed 's/^\./../'; printf '.\r\n'; } >&"$LG_SMTP_FD"
		lg_smtp_reply || true
		case $LG_SMTP_CODE in 2*) rc=0 ;; esac
	fi
	BS_DSN_REPLY=$LG_SMTP_TEXT
	lg_smtp_close
	return "$rc"
}

# sc_forged - backscatter gets 550 5.7.1 and is not delivered
sc_forged() {
	local port=$1 subject rc=0
	subject="bounce forged $$.$RANDOM"
	bs_send_dsn "$port" "$subject" "forged.$RANDOM@example.com" \
		alice@example.com || rc=$?
	[ "$rc" -ne 0 ] || bs_fail "the forged DSN was accepted" || return 1
	case $BS_DSN_REPLY in
	"550 5.7.1 "*) ;;
	*) bs_fail "end of DATA got '${BS_DSN_REPLY%$'\n'}', want 550 5.7.1" ||
		return 1 ;;
	esac
	lg_settle
	[ "$(lg_mbox_count_with "$(bs_box)" "Subject: $subject")" -eq 0 ] ||
		bs_fail "the forged DSN reached alice"
}

# sc_bounce_of_bounce - accepted by SMTP, discarded by the milter
sc_bounce_of_bounce() {
	local port=$1 subject
	subject="bounce double $$.$RANDOM"
	bs_send_dsn "$port" "$subject" "double.$RANDOM@example.com" "" ||
		bs_fail "the bounce of a bounce was not accepted by SMTP" || return 1
	bs_milter_saw "bounce of a bounce: the returned message (rfc822) had a null sender" ||
		bs_fail "the milter logged no discard" || return 1
	lg_settle
	[ "$(lg_mbox_count_with "$(bs_box)" "Subject: $subject")" -eq 0 ] ||
		bs_fail "the bounce of a bounce reached alice"
}

# sc_loop - two loop headers: discarded
sc_loop() {
	local port=$1 subject
	subject="bounce loop $$.$RANDOM"
	lg_send "$port" --from someone@external.test --to alice@example.com \
		--header "Subject: $subject" \
		--header "X-Loopguard-Loop: mx.example.com" \
		--header "X-Loopguard-Loop: mx.example.com" \
		--body "round and round" ||
		bs_fail "the looping message was not accepted by SMTP" || return 1
	bs_milter_saw "mail loop: X-Loopguard-Loop seen 2 times" ||
		bs_fail "the milter logged no loop" || return 1
	lg_settle
	[ "$(lg_mbox_count_with "$(bs_box)" "Subject: $subject")" -eq 0 ] ||
		bs_fail "the looping message reached alice"
}

# bs_send_answer - an answer from outside to alice over raw SMTP:
#	bs_send_answer PORT SUBJECT IN_REPLY_TO; 0 when the end of DATA
#	got 2xx (the reply is in BS_DSN_REPLY)
bs_send_answer() {
	bs_null_send "$1" alice@example.com bs_answer_message "$2" "$3"
}

# bs_answer_message SUBJECT IN_REPLY_TO - an automatic answer
bs_answer_message() {
	printf '%s\r\n' "From: friend@external.test" \
		"To: alice@example.com" "Subject: $1" \
		"Message-ID: <away.$RANDOM$RANDOM@external.test>" \
		"In-Reply-To: <$2>" "References: <older@external.test>" \
		"	<$2>" "Auto-Submitted: auto-replied" \
		"Content-Type: text/plain" "" \
		"I am away until Monday."
}

# sc_auto_reply - an auto-reply to mail alice sent reaches her
sc_auto_reply() {
	local port=$1 id subject
	id="away.$$.$RANDOM@example.com"
	subject="bounce auto-reply $$.$RANDOM"
	lg_send "$port" --from alice@example.com --to friend@external.test \
		--header "Subject: a question" --header "Message-Id: <$id>" \
		--body "are you there?" ||
		bs_fail "alice's message was not accepted" || return 1
	bs_send_answer "$port" "$subject" "$id" ||
		bs_fail "the auto-reply got '${BS_DSN_REPLY%$'\n'}'" || return 1
	lg_wait_mbox_with "$(bs_box)" "Subject: $subject" ||
		bs_fail "the auto-reply did not reach alice" || return 1
	bs_milter_saw "auto-reply to <$id>, sent from here (Auto-Submitted: auto-replied)" ||
		bs_fail "the milter logged no pass for the auto-reply"
}

# sc_forged_reply - an auto-reply naming a message never sent: refused
sc_forged_reply() {
	local port=$1 subject rc=0
	subject="bounce forged reply $$.$RANDOM"
	bs_send_answer "$port" "$subject" "never.$RANDOM@example.com" || rc=$?
	[ "$rc" -ne 0 ] || bs_fail "the forged auto-reply was accepted" || return 1
	case $BS_DSN_REPLY in
	"550 5.7.1 "*) ;;
	*) bs_fail "end of DATA got '${BS_DSN_REPLY%$'\n'}', want 550 5.7.1" ||
		return 1 ;;
	esac
	bs_milter_saw "In-Reply-To/References name 2 messages never sent from here" ||
		bs_fail "the refusal does not name the reply headers" || return 1
	lg_settle
	[ "$(lg_mbox_count_with "$(bs_box)" "Subject: $subject")" -eq 0 ] ||
		bs_fail "the forged auto-reply reached alice"
}

# bs_rcpt_refused - MAIL FROM:<>, then RCPT to each address but the
#	last (2xx expected) and the last (550 5.7.1 TEXT expected)
bs_rcpt_refused() {
	local port=$1 text=$2 rc=0 a
	shift 2
	lg_smtp_open "$port" || return 1
	lg_smtp_expect 2 "EHLO mx.external.test" &&
		lg_smtp_expect 2 "MAIL FROM:<>" || rc=1
	while [ "$rc" -eq 0 ] && [ "$#" -gt 1 ]; do
		lg_smtp_expect 2 "RCPT TO:<$1>" || rc=1
		shift
	done
	if [ "$rc" -eq 0 ]; then
		lg_smtp_cmd "RCPT TO:<$1>" || true
		case $LG_SMTP_TEXT in
		"550 5.7.1 $text"*) ;;
		*) lg_log "  RCPT TO:<$1> got '${LG_SMTP_TEXT%$'\n'}', want 550 5.7.1 $text"
			rc=1 ;;
		esac
	fi
	lg_smtp_close
	return "$rc"
}

# sc_multi_rcpt - a bounce's second local recipient is refused
sc_multi_rcpt() {
	bs_rcpt_refused "$1" "Bounce not accepted: a bounce has a single recipient" \
		alice@example.com bob@example.com || return 1
	bs_milter_saw "to=<bob@example.com> client=127.0.0.1 reason=\"bounce to more than 1 local recipient" ||
		bs_fail "the milter logged no refusal"
}

# sc_noreply - a bounce to noreply@ is refused at RCPT
sc_noreply() {
	bs_rcpt_refused "$1" "Bounce not accepted: this address sends no mail" \
		noreply@example.com || return 1
	bs_milter_saw "to=<noreply@example.com> client=127.0.0.1 reason=\"bounce to an address that sends no mail (never_send noreply)" ||
		bs_fail "the milter logged no refusal"
}

# sc_stop - SIGTERM: status 0, no sanitizer report
sc_stop() {
	lg_milter_stop
	[ "${LG_MILTER_STATUS:-1}" -eq 0 ] ||
		bs_fail "loopguard exited with $LG_MILTER_STATUS" || return 1
	lg_milter_log_clean
}

# bs_finish - keep the work folder when something failed
bs_finish() {
	if [ "${LG_EXIT_RC:-1}" -eq 0 ] && [ -z "${LG_KEEP:-}" ]; then
		rm -rf "$BS_WORK"
	else
		lg_log "work folder kept: $BS_WORK"
	fi
}

# bs_main - run every scenario against Postfix
bs_main() {
	LG_NAME=bounce-postfix
	lg_need_root
	lg_need_cmd swaks smtp-sink ss postfix postconf sendmail
	lg_milter_setup
	lg_install_trap

	BS_WORK=$(lg_workdir "bounce-postfix")
	lg_at_exit bs_finish
	LG_SWAKS_LOG=$BS_WORK/swaks.log
	BS_CONF=$BS_WORK/loopguard.conf
	BS_SOCK=$(lg_milter_sockpath "$BS_WORK")
	printf '%s\n' postmaster@example.com alice@example.com bob@example.com \
		carol@example.com >"$BS_WORK/recipients"
	bs_write_conf

	lg_check "config passes loopguard -n" lg_milter_check "$BS_CONF"
	lg_milter_start "$BS_CONF" "$BS_WORK/loopguard.log" "$BS_SOCK" ||
		lg_die "loopguard did not start (log: $BS_WORK/loopguard.log)"
	lg_mta_start postfix "$BS_WORK/postfix" "$BS_SOCK"
	bs_refusing_relay
	local port=$LG_MTA_PORT

	lg_check "Postfix's real DSN for alice's mail reaches her" sc_genuine "$port"
	lg_check "the same for mail from the sendmail command" sc_genuine_local
	lg_check "forged DSN refused with 550 5.7.1" sc_forged "$port"
	lg_check "a notice of ours to the postmaster passes" sc_own_notice
	lg_check "bounce of a bounce discarded" sc_bounce_of_bounce "$port"
	lg_check "two loop headers: discarded" sc_loop "$port"
	lg_check "an auto-reply to alice's mail reaches her" sc_auto_reply "$port"
	lg_check "an auto-reply to mail never sent: 550 5.7.1" sc_forged_reply "$port"
	lg_check "a bounce to two local recipients: 550 5.7.1 at RCPT" sc_multi_rcpt "$port"
	lg_check "a bounce to noreply@: 550 5.7.1 at RCPT" sc_noreply "$port"
	lg_check "SIGTERM: exit 0, clean log" sc_stop
	lg_summary
}
