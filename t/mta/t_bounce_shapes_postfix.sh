#!/usr/bin/env bash
# t/mta/t_bounce_shapes_postfix.sh - bounce shapes through a private Postfix
#
# DESCRIPTION
#	The bounce plugin (action = "reject") behind the private Postfix of
#	postfix.sh, set up as bounce_scenarios.sh does (its helpers are
#	sourced, not changed). alice (127.0.0.1, trusted) first sends one
#	original per shape to bob@example.com, which fills the sent ledger.
#	Then, for each shape a real MTA sends and an older parser missed,
#	a bounce from outside (MAIL FROM:<>, raw SMTP) to alice:
#	- cut:      an RFC 3464 report whose returned message lost a
#	            folding blank before its Message-ID;
#	- qp:       a quoted-printable text body, a soft line break inside
#	            the Message-ID of the inline copy;
#	- base64:   the whole body base64, the copy inline;
#	- indented: a list's loop alert, the headers indented by blanks;
#	- quoted:   the copy quoted with "> ", starting with Received:.
#	The genuine one (returning an id alice sent) must be accepted and
#	reach alice's mailbox with a "bounce answers <ID>" pass in the
#	milter log; the forged one (an id never sent) must get 550 5.7.1
#	and stay out of the mailbox.
#
#	Lone CR line ends cannot reach the milter through Postfix: its
#	smtpd turns each lone CR of a DATA line into a blank (measured
#	with Postfix 3.7: the mailbox and the milter both get one long
#	line), so a CR-only bounce arrives without any line structure. The
#	last check pins that: the cr shape, genuine, is refused as a bounce
#	whose returned Message-ID cannot be found (if a later Postfix
#	passes lone CRs on, the check fails and the shape joins the
#	others; the parser reads lone CRs, see check_bounce_corpus).
#
#	Needs root and a built tree: the daemon ($top_builddir/loopguard
#	or $LOOPGUARD) and the plugins ($PLUGIN_DIR).
#
# EXIT STATUS
#	0 all passed, 1 a scenario failed, 77 skipped (not root).
set -euo pipefail

mta_dir=$(cd "$(dirname "$0")" && pwd)
. "$mta_dir/../lib/mta.sh"
. "$mta_dir/bounce_scenarios.sh"

BSH_SHAPES="cut qp base64 indented quoted"

# bsh_id - the id alice's original carries for SHAPE (no "=" in it)
bsh_id() { printf 'shape-%s.%s@example.com\n' "$1" "$BSH_RUN"; }

# bsh_orig - the original's headers as a returned copy, CRLF: bsh_orig ID
bsh_orig() {
	printf '%s\r\n' "Return-Path: <alice@example.com>" \
		"Received: from client.example.com (client.example.com [127.0.0.1])" \
		"	by mail.example.com (Postfix) with ESMTP id 4QSHAPE" \
		"From: alice@example.com" "To: bob@example.net" \
		"Subject: the original" "Date: Mon, 23 Nov 2026 10:00:00 +0000" \
		"Message-ID: <$1>"
}

# bsh_ctype - the top-level Content-Type and transfer encoding of SHAPE,
#	as header lines
bsh_ctype() {
	case $1 in
	cut) printf '%s\r\n' "Content-Type: multipart/report; report-type=delivery-status;" \
		"	boundary=\"SHP\"" ;;
	qp) printf '%s\r\n' "Content-Type: text/plain; charset=us-ascii" \
		"Content-Transfer-Encoding: quoted-printable" ;;
	base64) printf '%s\r\n' "Content-Type: text/plain; charset=utf-8" \
		"Content-Transfer-Encoding: base64" ;;
	*) printf '%s\r\n' "Content-Type: text/plain; charset=us-ascii" ;;
	esac
}

# bsh_body - the body of SHAPE's bounce returning ID (no lone "." line)
bsh_body() {
	local shape=$1 id=$2
	case $shape in
	cut)
		printf '%s\r\n' "--SHP" "Content-Type: text/plain" "" \
			"Delivery failed." "" "--SHP" \
			"Content-Type: message/delivery-status" "" \
			"Reporting-MTA: dns; gw.external.test" "" \
			"Final-Recipient: rfc822; bob@example.net" \
			"Action: failed" "Status: 5.1.1" "" "--SHP" \
			"Content-Type: message/rfc822" "" \
			"Return-Path: <alice@example.com>" \
			"References: <r1@example.net>" \
			"<r2@example.net> <r3@example.net>" \
			"From: alice@example.com" "Message-ID: <$id>" "" \
			"hello" "--SHP--"
		;;
	qp)
		printf '%s\r\n' "Your message could not be delivered." "" \
			"----- Original message -----" "" \
			"Received: from client.example.com by mail.example.com" \
			"Message-ID: <${id:0:12}=" "${id:12}>" \
			"From: alice@example.com" "Subject: caf=C3=A9" ""
		;;
	base64)
		{
			printf '%s\r\n' "Delivery failed; the message follows." ""
			bsh_orig "$id"
		} | base64 -w 76 | sed 's/$/\r/'
		;;
	indented)
		printf '%s\r\n' "A message looped back to the list." "" \
			"The headers were:" ""
		bsh_orig "$id" | sed 's/^/    /'
		printf '%s\r\n' "" "Nothing was distributed."
		;;
	quoted)
		printf '%s\r\n' "The owner got this looping message back:" ""
		bsh_orig "$id" | sed '1d; s/^/> /'
		;;
	cr)
		{
			printf '%s\n' "Hi. This is the qmail-send program." "" \
				"--- Below this line is a copy of the message." ""
			bsh_orig "$id" | tr -d '\r'
			printf '%s\n' "" "hello"
		} | tr '\n' '\r'
		printf '\r\n'
		;;
	esac
}

# bsh_send - a bounce of SHAPE returning ID to alice over raw SMTP:
#	bsh_send PORT SHAPE ID SUBJECT; 0 when the end of DATA got 2xx
bsh_send() {
	local rc=0
	bs_null_send "$1" alice@example.com bsh_message "$2" "$3" "$4" || rc=$?
	BSH_REPLY=$BS_DSN_REPLY
	return "$rc"
}

# bsh_message SHAPE ID SUBJECT - the headers and body of a bounce
bsh_message() {
	printf '%s\r\n' "From: MAILER-DAEMON@mx.external.test" \
		"To: alice@example.com" "Subject: $3" \
		"Message-ID: <own.$RANDOM$RANDOM@mx.external.test>" \
		"MIME-Version: 1.0"
	bsh_ctype "$1"
	printf '\r\n'
	bsh_body "$1" "$2"
}

# sc_fill_ledger - alice sends one original per shape (trusted path)
sc_fill_ledger() {
	local port=$1 shape id
	for shape in $BSH_SHAPES; do
		id=$(bsh_id "$shape")
		lg_send "$port" --from alice@example.com --to bob@example.com \
			--header "Subject: original $shape $BSH_RUN" \
			--header "Message-Id: <$id>" --body "the original" ||
			bs_fail "the original for $shape was not accepted" || return 1
	done
	for shape in $BSH_SHAPES; do
		lg_wait_mbox_with "$LG_MTA_MAIL/bob" "<$(bsh_id "$shape")>" 1 30 ||
			bs_fail "the original for $shape did not reach bob" || return 1
	done
}

# sc_shape_genuine - the bounce of SHAPE for alice's mail reaches her
sc_shape_genuine() {
	local port=$1 shape=$2 id subject
	id=$(bsh_id "$shape")
	subject="shape genuine $shape $BSH_RUN"
	bsh_send "$port" "$shape" "$id" "$subject" ||
		bs_fail "end of DATA got '${BSH_REPLY%$'\n'}'" || return 1
	lg_wait_mbox_with "$(bs_box)" "Subject: $subject" 1 30 ||
		bs_fail "the $shape bounce did not reach alice" || return 1
	bs_milter_saw "bounce answers <$id>, sent from here" ||
		bs_fail "the milter logged no pass for <$id>"
}

# sc_shape_forged - the same shape returning an id never sent: refused
sc_shape_forged() {
	local port=$1 shape=$2 subject rc=0
	subject="shape forged $shape $BSH_RUN"
	bsh_send "$port" "$shape" "forged-$shape.$BSH_RUN@example.com" \
		"$subject" || rc=$?
	[ "$rc" -ne 0 ] || bs_fail "the forged $shape bounce was accepted" ||
		return 1
	case $BSH_REPLY in
	"550 5.7.1 "*) ;;
	*) bs_fail "end of DATA got '${BSH_REPLY%$'\n'}', want 550 5.7.1" ||
		return 1 ;;
	esac
	bs_milter_saw "returned <forged-$shape.$BSH_RUN@example.com> was never sent" ||
		bs_fail "the milter did not name the forged id" || return 1
	lg_settle
	[ "$(lg_mbox_count_with "$(bs_box)" "Subject: $subject")" -eq 0 ] ||
		bs_fail "the forged $shape bounce reached alice"
}

# sc_shape_cr - a genuine CR-only bounce: Postfix flattens it, so the
#	milter finds no returned Message-ID and refuses it
sc_shape_cr() {
	local port=$1 subject rc=0
	subject="shape cr $BSH_RUN"
	bsh_send "$port" cr "$(bsh_id quoted)" "$subject" || rc=$?
	[ "$rc" -ne 0 ] || bs_fail "accepted: Postfix passed lone CRs on?" ||
		return 1
	bs_milter_saw "unverified bounce: no returned Message-ID found (none)" ||
		bs_fail "the milter logged another reason"
}

# bsh_main - every shape, genuine and forged
bsh_main() {
	local port shape
	LG_NAME=bounce-shapes-postfix
	lg_need_root
	lg_need_cmd swaks smtp-sink ss postfix postconf sendmail base64
	lg_milter_setup
	lg_install_trap

	BS_WORK=$(lg_workdir "bounce-shapes-postfix")
	lg_at_exit bs_finish
	LG_SWAKS_LOG=$BS_WORK/swaks.log
	BS_CONF=$BS_WORK/loopguard.conf
	BS_SOCK=$(lg_milter_sockpath "$BS_WORK")
	BSH_RUN=$$.$RANDOM
	printf '%s\n' postmaster@example.com alice@example.com bob@example.com \
		>"$BS_WORK/recipients"
	bs_write_conf

	lg_check "config passes loopguard -n" lg_milter_check "$BS_CONF"
	lg_milter_start "$BS_CONF" "$BS_WORK/loopguard.log" "$BS_SOCK" ||
		lg_die "loopguard did not start (log: $BS_WORK/loopguard.log)"
	lg_mta_start postfix "$BS_WORK/postfix" "$BS_SOCK"
	port=$LG_MTA_PORT

	lg_check "alice's originals fill the sent ledger" sc_fill_ledger "$port"
	for shape in $BSH_SHAPES; do
		lg_check "genuine $shape bounce reaches alice" \
			sc_shape_genuine "$port" "$shape"
		lg_check "forged $shape bounce refused with 550 5.7.1" \
			sc_shape_forged "$port" "$shape"
	done
	lg_check "Postfix turns lone CRs into blanks: CR-only copy not found" \
		sc_shape_cr "$port"
	lg_check "SIGTERM: exit 0, clean log" sc_stop
	lg_summary
}

bsh_main
