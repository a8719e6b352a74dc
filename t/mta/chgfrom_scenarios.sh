# t/mta/chgfrom_scenarios.sh - a plugin's sender change through a real MTA
#
# SYNOPSIS
#	CF_KIND=postfix|sendmail; . t/lib/mta.sh; . t/mta/chgfrom_scenarios.sh
# DESCRIPTION
#	loopguard on a unix socket with the test plugin tagspy
#	(t/lib/plugins/tagspy.c), which changes the envelope sender of
#	mail from old@external.test to new@example.com at end of message
#	(host->change_sender, ABI 1.4), wired to a private Postfix
#	(t/lib/postfix.sh) or Sendmail (t/lib/sendmail.sh). Checks:
#	- mail from old@external.test reaches alice with
#	  "Return-Path: <new@example.com>": the MTA took SMFIR_CHGFROM;
#	- mail from another sender keeps its own Return-Path;
#	- the daemon logged no refused edit.
#	Needs root; exits 77 otherwise.

LG_NAME=chgfrom-$CF_KIND
lg_need_root
lg_need_cmd swaks smtp-sink ss
[ "$CF_KIND" = postfix ] && lg_need_cmd postfix
if [ "$CF_KIND" = sendmail ]; then
	lg_need_cmd m4 unshare
	lg_sendmail_root >/dev/null || lg_die "no unpacked sendmail: run scripts/deps.sh test"
fi
lg_milter_setup
test_plugins=${TEST_PLUGIN_DIR:-${top_builddir:-$mta_dir/../..}/t/lib/plugins/.libs}
[ -f "$test_plugins/tagspy.so" ] || lg_skip "no $test_plugins/tagspy.so: make check builds it"
lg_install_trap

work=$(lg_workdir "chgfrom-$CF_KIND")
lg_at_exit '[ "${LG_EXIT_RC:-1}" -eq 0 ] && [ -z "${LG_KEEP:-}" ] && rm -rf "$work" || lg_log "work folder kept: $work"'
LG_SWAKS_LOG=$work/swaks.log
sock=$(lg_milter_sockpath "$work")
mkdir "$work/plugins"
ln -s "$(cd "$test_plugins" && pwd)/tagspy.so" "$work/plugins/"
LG_PLUGIN_DIR=$work/plugins
printf '%s\n' postmaster@example.com alice@example.com >"$work/rcpts"
cat >"$work/lg.conf" <<EOF
socket = "unix:$sock";
socket_mode = "0666";
local_domains = [ "example.com" ];
recipients = [ "$work/rcpts" ];
plugin_dir = "$LG_PLUGIN_DIR";
plugins = (
  { name = "tagspy"; chgfrom_from = "old@external.test";
    chgfrom_to = [ "new@example.com" ]; }
);
EOF

lg_check "config passes loopguard -n" lg_milter_check "$work/lg.conf"
lg_milter_start "$work/lg.conf" "$work/loopguard.log" "$sock" ||
	lg_die "loopguard did not start (log: $work/loopguard.log)"
lg_mta_start "$CF_KIND" "$work/$CF_KIND" "$sock"

# send FROM SUBJECT - one message to alice
send() {
	lg_send "$LG_MTA_PORT" --from "$1" --to alice@example.com \
		--header "Subject: $2" --body "sender change test"
}

# return_path SUBJECT - the Return-Path of alice's copy of SUBJECT
return_path() {
	lg_wait_mbox_with "$LG_MTA_MAIL/alice" "Subject: $1" || return 1
	lg_mbox_with "$LG_MTA_MAIL/alice" "Subject: $1" |
		sed -n 's/^Return-Path: //p' | head -n 1
}

# expect_return_path FROM WANT - sent from FROM, delivered with WANT
expect_return_path() {
	local s="chgfrom $1 $$.$RANDOM" got
	send "$1" "$s" || { lg_log "  send failed (swaks $?)"; return 1; }
	got=$(return_path "$s") || { lg_log "  alice got nothing"; return 1; }
	[ "$got" = "$2" ] || { lg_log "  Return-Path: $got, want $2"; return 1; }
}

lg_check "the changed sender is the delivered Return-Path" \
	expect_return_path old@external.test "<new@example.com>"
lg_check "another sender keeps its Return-Path" \
	expect_return_path other@external.test "<other@external.test>"
lg_check "no edit was refused" \
	eval '! grep -q "refused to change the sender" "$work/loopguard.log"'
lg_summary
