#!/usr/bin/env bash
# t/mta/t_harness.sh - self-test of the private Postfix and Sendmail setups
#
# DESCRIPTION
#	Starts each MTA with no milter, sends to alice@example.com (a local
#	mbox) and to someone@external.test (smtp-sink), for Sendmail also
#	through "sendmail -bs", stops everything and checks that nothing
#	listens on the ports any more. Prints "harness: N passed, M failed".
#
# EXIT STATUS
#	0 all passed, 1 a check failed, 77 skipped (not root).
set -euo pipefail

mta_dir=$(cd "$(dirname "$0")" && pwd)
. "$mta_dir/../lib/mta.sh"
LG_NAME=harness

lg_need_root
lg_need_cmd swaks postfix smtp-sink m4 unshare ss
lg_sendmail_root >/dev/null || lg_die "no unpacked sendmail: run scripts/deps.sh test"
lg_install_trap

work=$(lg_workdir harness)
LG_SWAKS_LOG=$work/swaks.log
lg_at_exit 'finish'

# finish - keep the work folder when something failed
finish() {
	if [ "${LG_EXIT_RC:-1}" -eq 0 ] && [ -z "${LG_KEEP:-}" ]; then
		rm -rf "$work"
	else
		lg_log "work folder kept: $work"
	fi
}

# local_delivery - a message to alice lands in her mbox
local_delivery() {
	local port=$1 box=$LG_MTA_MAIL/alice before
	before=$(lg_mbox_count_with "$box" "Subject: harness local $LG_MTA_KIND")
	lg_send "$port" --from tester@external.test --to alice@example.com \
		--header "Subject: harness local $LG_MTA_KIND" || return 1
	# wait for the whole message: the "From " line is written first
	lg_wait_mbox_with "$box" "Subject: harness local $LG_MTA_KIND" \
		$((before + 1))
}

# relay_delivery - a message to an external domain reaches smtp-sink
relay_delivery() {
	local subject="harness relay $LG_MTA_KIND $RANDOM"
	lg_send "$1" --from tester@external.test --to someone@external.test \
		--header "Subject: $subject" || return 1
	lg_wait_sink "$LG_MTA_SINK" "Subject: $subject" || return 1
	lg_sink_grep "$LG_MTA_SINK" "Subject: $subject" |
		xargs grep '^X-Rcpt-Args: <someone@external.test>' >/dev/null
}

# stops_cleanly - stop the MTA; nothing may listen on its ports afterwards
stops_cleanly() {
	lg_mta_stop "$LG_MTA_KIND" "$LG_MTA_DIR" || return 1
	! lg_port_listening "$LG_MTA_PORT" && ! lg_port_listening "$LG_MTA_SINK_PORT"
}

started=$(date +%s)

lg_mta_start postfix "$work/postfix"
lg_check "postfix: local delivery to alice" local_delivery "$LG_MTA_PORT"
lg_check "postfix: external domain relayed to smtp-sink" relay_delivery "$LG_MTA_PORT"
lg_check "postfix: stopped, ports closed" stops_cleanly

lg_mta_start sendmail "$work/sendmail"
lg_check "sendmail: local delivery to alice" local_delivery "$LG_MTA_PORT"
lg_check "sendmail: external domain relayed to smtp-sink" relay_delivery "$LG_MTA_PORT"
lg_check "sendmail -bs: local delivery to alice" \
	local_delivery "pipe:$lg_mta_dir/sendmail.sh bs $work/sendmail"
lg_check "sendmail: stopped, ports closed" stops_cleanly

lg_log "took $(($(date +%s) - started)) s"
lg_summary
