#!/usr/bin/env bash
# t/directory/t_postfix_mta.sh - the "postfix:/DIR" recipient source end
# to end, with a private Postfix (t/lib/postfix.sh) whose own config
# directory loopguard reads
#
# DESCRIPTION
#	The instance gets a virtual alias domain, virt.test, with a hash
#	table built by postmap (va@virt.test -> alice@example.com), and a
#	virtual mailbox domain, vm.test, with an lmdb table (vu@vm.test,
#	delivered by Postfix's virtual(8) under DIR/vmail); its
#	local domain example.com keeps the harness's texthash aliases with
#	local_recipient_maps empty, and smtpd_reject_unlisted_recipient =
#	no lets unknown virtual users reach the milter (as the README says). loopguard runs the catchall plugin
#	with recipients = [ "postfix:DIR/etc" ] and no recipients file.
#	Checked: mail to va@virt.test and to alice@example.com is delivered
#	to alice untouched, to vu@vm.test into its box; mail to vx@vm.test
#	and nosuch@example.com goes to the postmaster with the original
#	recipient in a header. (An unknown address in a virtual alias
#	domain is not tried: Postfix resolves it to its error mailer, which
#	loopguard leaves to Postfix.)
#
# EXIT STATUS
#	0 all passed, 1 a check failed, 77 skipped (not root, no Postfix).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/mta.sh"
LG_NAME=postfix-source-mta
LG_PASS=0 LG_FAIL=0 LG_FAILED_NAMES=()

lg_need_root
lg_need_cmd swaks smtp-sink ss postfix postmap postconf
lg_milter_setup
lg_install_trap
W=$(lg_workdir pfsrc-mta)
lg_at_exit "[ \"\${LG_EXIT_RC:-1}\" = 0 ] && rm -rf '$W' || echo 'kept $W' >&2"
LG_SWAKS_LOG=$W/swaks.log
SOCK=$(lg_milter_sockpath "$W")
PF=$W/postfix

lg_mta_start postfix "$PF" "$SOCK"
printf 'va@virt.test alice@example.com\n' > "$PF/etc/virtual"
printf 'vu@vm.test vu\n' > "$PF/etc/vmailbox"
mkdir -m 1777 "$PF/vmail"
postmap -c "$PF/etc" "hash:$PF/etc/virtual" "lmdb:$PF/etc/vmailbox"
postconf -c "$PF/etc" -e "virtual_alias_domains = virt.test" \
	"virtual_alias_maps = hash:$PF/etc/virtual" \
	"virtual_mailbox_domains = vm.test" \
	"virtual_mailbox_maps = lmdb:$PF/etc/vmailbox" \
	"virtual_mailbox_base = $PF/vmail" \
	"virtual_uid_maps = static:65534" "virtual_gid_maps = static:65534" \
	"smtpd_reject_unlisted_recipient = no"
postconf -c "$PF/etc" -M -e "virtual/unix=virtual unix - n n - - virtual"
postfix -c "$PF/etc" reload >/dev/null 2>&1

cat > "$W/loopguard.conf" <<CONF
socket = "unix:$SOCK";
socket_mode = "0666";
local_domains = [ "example.com", "virt.test", "vm.test" ];
recipients = [ "postfix:$PF/etc" ];
on_error = "tempfail";
plugin_dir = "$LG_PLUGIN_DIR";
plugins = ( { name = "catchall"; target = "postmaster@example.com";
	      header = "X-Loopguard-Original-To"; } );
CONF
lg_check "loopguard -n reads the instance" lg_milter_check "$W/loopguard.conf"
lg_milter_start "$W/loopguard.conf" "$W/loopguard.log" "$SOCK"

# delivered TO USER - a message to TO arrives in USER's box; with the
# header only when HEADER is 1
delivered() {
	local to=$1 user=$2 header=$3 s box
	s="pfsrc $to $$.$RANDOM"
	box=$PF/mail/$user
	lg_send "$LG_MTA_PORT" --from tester@external.test --to "$to" \
		--header "Subject: $s" --body "postfix source: $s" || return 1
	lg_wait_mbox_with "$box" "Subject: $s" || { lg_log "$user got nothing for $to"; return 1; }
	if [ "$header" = 1 ]; then
		lg_mbox_with "$box" "Subject: $s" | grep -qi "^X-Loopguard-Original-To: $to" ||
			{ lg_log "no original-to header"; return 1; }
	else
		! lg_mbox_with "$box" "Subject: $s" | grep -qi "^X-Loopguard-Original-To:" ||
			{ lg_log "a known recipient was redirected"; return 1; }
	fi
}

lg_check "known virtual alias va@virt.test reaches alice" delivered va@virt.test alice 0
lg_check "known local alice@example.com reaches alice" delivered alice@example.com alice 0
lg_check "known virtual mailbox vu@vm.test is delivered to its box" delivered vu@vm.test ../vmail/vu 0
lg_check "unknown vx@vm.test goes to the postmaster" delivered vx@vm.test postmaster 1
lg_check "unknown nosuch@example.com goes to the postmaster" delivered nosuch@example.com postmaster 1
lg_check "the daemon's log has no sanitizer report" lg_milter_log_clean
lg_summary
