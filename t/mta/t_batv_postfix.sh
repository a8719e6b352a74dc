#!/usr/bin/env bash
# t/mta/t_batv_postfix.sh - signed envelope senders (BATV) through a private Postfix
#
# DESCRIPTION
#	Runs the daemon of this build tree with the bounce plugin and a
#	batv group (one key, read from a secret_file of mode 0600), wires
#	it to the private Postfix of postfix.sh, and adds the relay that
#	refuses every recipient (bs_refusing_relay of bounce_scenarios.sh,
#	sourced for its helpers only). Checks, each one pass/fail line:
#	- the config passes "loopguard -n";
#	- alice (127.0.0.1, trusted) writes to someone@refuse.test: the
#	  message leaves with the sender prvs=KDDDSSSSSS=alice@example.com
#	  (Postfix's maillog), equal to the tag computed here with openssl
#	  from the same secret; the relay refuses it and Postfix's own DSN
#	  to the tagged sender reaches alice's mailbox (tag removed);
#	- a bounce that returns nothing at all (no copy, no Message-ID)
#	  sent over SMTP to that tag is delivered to alice (action=pass,
#	  "bounce to a valid BATV tag");
#	- the same to a forged tag (a wrong signature) and to an expired
#	  one (signed here with openssl for a day in the past) gets
#	  550 5.7.1 at the end of DATA and is not delivered;
#	- an untagged bounce returning nothing is refused, for want of a
#	  ledger entry, as without BATV;
#	- with the batv group removed (reload): alice's mail leaves
#	  unsigned, the untagged bounce gets the same refusal and reason
#	  as before, and the bounce to the valid tag is refused (what the
#	  code without BATV does);
#	- SIGTERM stops the daemon with status 0 and no sanitizer report.
#	The summary is "batv-postfix: N passed, M failed".
#
# EXIT STATUS
#	0 all passed, 1 a scenario failed, 77 skipped (not root).
set -euo pipefail

mta_dir=$(cd "$(dirname "$0")" && pwd)
. "$mta_dir/../lib/mta.sh"
. "$mta_dir/bounce_scenarios.sh"

BT_SECRET="batv end-to-end secret $$"

# bt_write_conf on|off - the daemon's config; with "on", the batv group
bt_write_conf() {
	local batv=""
	[ "$1" = on ] && batv="
    batv = { keys = ( { id = 0; secret_file = \"$BS_WORK/batv.key\"; } );
               days = 7; };"
	bs_write_conf "$batv"
}

# bt_tag - the tag of alice@example.com expiring on day DAY, key 0,
#	computed with openssl: bt_tag DAY [SIG] (SIG replaces the signature)
bt_tag() {
	local ddd sig
	ddd=$(printf '%03d' $(($1 % 1000)))
	sig=$(printf '%s' "0${ddd}alice@example.com" |
		openssl dgst -sha1 -hmac "$BT_SECRET" | awk '{ print substr($NF, 1, 6) }')
	printf 'prvs=0%s%s=alice@example.com\n' "$ddd" "${2:-$sig}"
}

# bt_count - lines of the daemon's log with STRING
bt_count() { grep -c -F -- "$1" "$BS_WORK/loopguard.log" || true; }

# bt_today - the day number (days since 1970)
bt_today() { echo $(($(date +%s) / 86400)); }

# bt_send_out - alice writes to someone@refuse.test; prints the Message-ID
bt_send_out() {
	local id="batv.$$.$RANDOM@example.com"
	lg_send "$1" --from alice@example.com --to someone@refuse.test \
		--header "Subject: batv out $id" --header "Message-Id: <$id>" \
		--body "refused by the relay" >/dev/null ||
		return 1
	printf '%s\n' "$id"
}

# bt_left_as - wait until the maillog shows a from=<SENDER> line
bt_left_as() {
	local i
	for ((i = 0; i < LG_TIMEOUT * 20; i++)); do
		grep -F -q "from=<$1>" "$LG_MTA_DIR/maillog" && return 0
		sleep 0.05
	done
	return 1
}

# sc_signed_out - the sender leaves tagged; Postfix's DSN reaches alice
sc_signed_out() {
	local port=$1 id want
	want=$(bt_tag $(($(bt_today) + 7)))
	id=$(bt_send_out "$port") || bs_fail "the submission was not accepted" ||
		return 1
	bt_left_as "$want" ||
		bs_fail "no from=<$want> in Postfix's maillog" || return 1
	BT_TAG=$want
	lg_wait_mbox_with "$(bs_box)" "Message-Id: <$id>" 1 30 ||
		bs_fail "Postfix's DSN to <$want> did not reach alice" || return 1
	bs_milter_saw "bounce to a valid BATV tag <$want>" ||
		bs_fail "the milter logged no pass by tag for the DSN"
}

# bt_bounce - a bounce returning nothing: bt_bounce PORT RCPT SUBJECT;
#	0 when the end of DATA got 2xx (the reply is in BT_REPLY)
bt_bounce() {
	local rc=0
	bs_null_send "$1" "$2" bt_nothing_message "$2" "$3" || rc=$?
	BT_REPLY=$BS_DSN_REPLY
	return "$rc"
}

# bt_nothing_message RCPT SUBJECT - a bounce that returns nothing
bt_nothing_message() {
	printf '%s\r\n' "From: MAILER-DAEMON@mx.external.test" \
		"To: $1" "Subject: $2" \
		"Message-ID: <nothing.$RANDOM$RANDOM@mx.external.test>" "" \
		"Hi. This is the mail system at mx.external.test." \
		"Your message could not be delivered. Nothing of it is" \
		"returned here."
}

# sc_valid_nothing - a bounce with nothing returned, to the valid tag
sc_valid_nothing() {
	local port=$1 subject="batv valid $$.$RANDOM" before
	[ -n "${BT_TAG:-}" ] || BT_TAG=$(bt_tag $(($(bt_today) + 7)))
	before=$(bt_count "bounce to a valid BATV tag <$BT_TAG>")
	bt_bounce "$port" "$BT_TAG" "$subject" ||
		bs_fail "end of DATA got '${BT_REPLY%$'\n'}'" || return 1
	lg_wait_mbox_with "$(bs_box)" "Subject: $subject" ||
		bs_fail "the bounce did not reach alice's mailbox" || return 1
	[ "$(bt_count "bounce to a valid BATV tag <$BT_TAG>")" -gt "$before" ] ||
		bs_fail "the milter logged no pass by tag"
}

# bt_refused - a bounce to RCPT gets 550 5.7.1, the log says WHY, and
#	nothing is delivered: bt_refused PORT RCPT WHY
bt_refused() {
	local subject="batv refused $$.$RANDOM" rc=0
	bt_bounce "$1" "$2" "$subject" || rc=$?
	[ "$rc" -ne 0 ] || bs_fail "the bounce to <$2> was accepted" || return 1
	case $BT_REPLY in
	"550 5.7.1 "*) ;;
	*) bs_fail "end of DATA got '${BT_REPLY%$'\n'}', want 550 5.7.1" ||
		return 1 ;;
	esac
	bs_milter_saw "$3" || bs_fail "no '$3' in the milter's log" || return 1
	lg_settle
	[ "$(lg_mbox_count_with "$(bs_box)" "Subject: $subject")" -eq 0 ] ||
		bs_fail "the refused bounce reached alice"
}

# sc_forged_tag - a tag with a wrong signature
sc_forged_tag() {
	local tag
	tag=$(bt_tag $(($(bt_today) + 7)) 000000)
	bt_refused "$1" "$tag" "the BATV tag of <$tag> does not verify"
}

# sc_expired_tag - a tag that verifies but expired two days ago
sc_expired_tag() {
	local tag
	tag=$(bt_tag $(($(bt_today) - 2)))
	bt_refused "$1" "$tag" "expired BATV tag: <$tag> expired 2 day(s) ago"
}

# sc_untagged - nothing returned, no tag: refused for want of a proof
sc_untagged() {
	bt_refused "$1" alice@example.com \
		"to=<alice@example.com> client=127.0.0.1 reason=\"unverified bounce: no returned Message-ID found (none)\""
}

# sc_off - without the batv group: unsigned, judged as before
sc_off() {
	local port=$1 id qid
	bt_write_conf off
	lg_milter_reload || bs_fail "reload failed" || return 1
	id=$(bt_send_out "$port") || bs_fail "the submission was not accepted" ||
		return 1
	lg_wait_mbox_with "$(bs_box)" "Message-Id: <$id>" 1 30 ||
		bs_fail "no DSN for <$id>" || return 1
	qid=$(grep -F "message-id=<$id>" "$LG_MTA_DIR/maillog" | head -n 1 |
		sed -E 's/.*: ([0-9A-Za-z]+): message-id=.*/\1/')
	grep -q -F "$qid: from=<alice@example.com>" "$LG_MTA_DIR/maillog" ||
		bs_fail "with BATV off, <$id> ($qid) did not leave as alice@example.com" ||
		return 1
	sc_untagged "$port" || return 1
	bt_refused "$port" "$BT_TAG" \
		"to=<$BT_TAG> client=127.0.0.1 reason=\"unverified bounce: no returned Message-ID found (none)\""
}

# bt_main - every scenario against Postfix
bt_main() {
	LG_NAME=batv-postfix
	lg_need_root
	lg_need_cmd swaks smtp-sink ss postfix postconf sendmail openssl
	lg_milter_setup
	lg_install_trap

	BS_WORK=$(lg_workdir "batv-postfix")
	lg_at_exit bs_finish
	LG_SWAKS_LOG=$BS_WORK/swaks.log
	BS_CONF=$BS_WORK/loopguard.conf
	BS_SOCK=$(lg_milter_sockpath "$BS_WORK")
	printf '%s\n' postmaster@example.com alice@example.com bob@example.com \
		>"$BS_WORK/recipients"
	(umask 077 && printf '%s\n' "$BT_SECRET" >"$BS_WORK/batv.key")
	bt_write_conf on

	lg_check "config passes loopguard -n" lg_milter_check "$BS_CONF"
	lg_milter_start "$BS_CONF" "$BS_WORK/loopguard.log" "$BS_SOCK" ||
		lg_die "loopguard did not start (log: $BS_WORK/loopguard.log)"
	lg_mta_start postfix "$BS_WORK/postfix" "$BS_SOCK"
	bs_refusing_relay
	local port=$LG_MTA_PORT

	lg_check "alice's mail leaves with her tag; Postfix's DSN to it reaches her" \
		sc_signed_out "$port"
	lg_check "a bounce returning nothing, to the valid tag, is delivered" \
		sc_valid_nothing "$port"
	lg_check "a forged tag: 550 5.7.1" sc_forged_tag "$port"
	lg_check "an expired tag: 550 5.7.1" sc_expired_tag "$port"
	lg_check "untagged, nothing returned: 550 5.7.1 (no proof)" \
		sc_untagged "$port"
	lg_check "BATV off: unsigned, judged as before" sc_off "$port"
	lg_check "SIGTERM: exit 0, clean log" sc_stop
	lg_summary
}

bt_main
