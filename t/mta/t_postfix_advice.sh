#!/usr/bin/env bash
# t/mta/t_postfix_advice.sh - the README's Postfix advice through a
# private Postfix: what "loopguard -n" warns about, and what happens
#
# DESCRIPTION
#	The private Postfix of postfix.sh (mydestination = example.com,
#	$myhostname (mx.example.com), localhost; local_recipient_maps
#	empty; no chroot) with loopguard on a unix socket, plugins in the
#	README's order (catchall, then bounce). Checks:
#	- with local_domains = example.com only, "loopguard -n" (the real
#	  postconf, MAIL_CONFIG) names mx.example.com and localhost as
#	  backscatter domains, and Postfix indeed accepts mail for
#	  nosuch@mx.example.com and bounces it to the forged sender;
#	- with every mydestination domain in local_domains, -n is quiet
#	  about domains and the same message goes to the postmaster;
#	- a forged bounce to an unknown user is refused by the bounce
#	  plugin, and no catch-all redirect is logged for it;
#	- with local_recipient_maps restored, Postfix rejects the unknown
#	  user itself: -n says the catch-all is inactive, and the daemon
#	  logs "catch-all inactive" once for two such recipients;
#	- the README's socket: inside queue_directory, named
#	  unix:loopguard/loopguard.sock in main.cf, is what -n expects and
#	  what Postfix reaches.
#
# EXIT STATUS
#	0 all passed, 1 a check failed, 77 skipped (not root).
set -euo pipefail

mta_dir=$(cd "$(dirname "$0")" && pwd)
. "$mta_dir/../lib/mta.sh"
LG_NAME=postfix-advice

lg_need_root
lg_need_cmd postconf swaks
lg_milter_setup
lg_install_trap

WORK=$(lg_workdir postfix-advice)
lg_at_exit '[ "${LG_EXIT_RC:-1}" = 0 ] && [ -z "${LG_KEEP:-}" ] && rm -rf "$WORK"'
SOCK=$(lg_milter_sockpath "$WORK")
CONF=$WORK/loopguard.conf
LOG=$WORK/loopguard.log
LG_SWAKS_LOG=$WORK/swaks.log
printf 'postmaster@example.com\nalice@example.com\npostmaster@mx.example.com\n' \
	>"$WORK/recipients"

# write_conf DOMAINS - the daemon's config with these local_domains
write_conf() {
	cat >"$CONF" <<EOF
socket = "unix:$SOCK";
socket_mode = "0666";
local_domains = [ $1 ];
recipients = [ "$WORK/recipients" ];
plugin_dir = "$LG_PLUGIN_DIR";
plugins = (
  { name = "catchall"; },
  { name = "bounce"; }
);
EOF
}

# dash_n - "loopguard -n" against the private Postfix; output in $out
dash_n() {
	out=$(MAIL_CONFIG=$LG_MTA_DIR/etc LOOPGUARD_POSTCONF=$(command -v postconf) \
		LOOPGUARD_PLUGIN_DIR=$LG_PLUGIN_DIR "$LG_LOOPGUARD" -n -c "$CONF" 2>&1)
}

# has - the -n output has TEXT
has() { grep -qF -- "$1" <<<"$out" || { lg_log "  no \"$1\" in: $out"; return 1; }; }
lacks() { ! grep -qF -- "$1" <<<"$out" || { lg_log "  \"$1\" in: $out"; return 1; }; }

write_conf '"example.com"'
lg_mta_start postfix "$WORK/pf" "$SOCK"
lg_milter_start "$CONF" "$LOG" "$SOCK" || lg_die "loopguard did not start"

# --- the old advice: mydestination wider than local_domains
dash_n
lg_check "-n names mx.example.com as a backscatter domain" has \
	"postfix: mydestination domain mx.example.com accepts unknown users (local_recipient_maps is empty) but is not in local_domains"
lg_check "-n names localhost too" has "postfix: mydestination domain localhost accepts unknown users"
lg_check "-n finds the milter socket in smtpd_milters" lacks "postfix: smtpd_milters"

backscatter() {
	lg_send "$LG_MTA_PORT" --from victim@forged.test --to nosuch@mx.example.com \
		--header "Subject: backscatter probe" || return 1
	lg_wait_sink "$LG_MTA_SINK" "victim@forged.test"
}
lg_check "that domain really bounces to the forged sender" backscatter

# --- the new advice: every mydestination domain is a local domain
write_conf '"example.com", "mx.example.com", "localhost"'
dash_n
lg_check "-n is quiet about domains once all are covered" lacks "accepts unknown users"
lg_milter_reload
covered() {
	lg_send "$LG_MTA_PORT" --from someone@sender.test --to nosuch@mx.example.com \
		--header "Subject: covered probe" || return 1
	lg_wait_mbox_with "$LG_MTA_MAIL/postmaster" "covered probe"
}
lg_check "nosuch@mx.example.com reaches the postmaster" covered

# --- a forged bounce: refused, and no redirect logged for it
forged_bounce() {
	local rc=0
	lg_send "$LG_MTA_PORT" --from '<>' --to nosuch@example.com \
		--header "Subject: Undelivered Mail" \
		--body "your message could not be delivered" || rc=$?
	[ "$rc" = 26 ] || [ "$rc" = 25 ] || { lg_log "  swaks exit $rc"; return 1; }
	lg_settle
	grep -q "plugin=bounce action=reject from=<> " "$LOG" ||
		{ lg_log "  no bounce reject in the log"; return 1; }
	! grep "plugin=catchall action=redirect from=<> to=<nosuch@example.com>" "$LOG" >&2
}
lg_check "forged bounce refused, no catch-all redirect logged" forged_bounce

# --- Postfix checks unknown users itself again
postconf -c "$LG_MTA_DIR/etc" -e "local_recipient_maps = \$alias_maps" >/dev/null
postfix -c "$LG_MTA_DIR/etc" reload >/dev/null 2>&1
sleep 1
dash_n
lg_check "-n: catch-all inactive for example.com" has \
	"postfix: catch-all inactive for example.com: Postfix rejects unknown users itself (local_recipient_maps is not empty)"
inactive() {
	local rc=0
	lg_send "$LG_MTA_PORT" --from someone@sender.test --to nosuch@example.com || rc=$?
	[ "$rc" = 24 ] || { lg_log "  swaks exit $rc, want 24"; return 1; }
	rc=0
	lg_send "$LG_MTA_PORT" --from someone@sender.test --to other@example.com || rc=$?
	[ "$rc" = 24 ] || { lg_log "  swaks exit $rc, want 24"; return 1; }
	lg_settle
	[ "$(grep -c "catch-all inactive: Postfix rejects unknown users itself (local_recipient_maps" "$LOG")" = 1 ] ||
		{ grep "catch-all" "$LOG" >&2; return 1; }
}
lg_check "the daemon logs the inactive catch-all once" inactive

# --- the README's socket: inside the queue folder, named relative to it
lg_milter_stop
lg_check "loopguard stopped cleanly" [ "$LG_MILTER_STATUS" = 0 ]
QSOCK=$LG_MTA_DIR/queue/loopguard/loopguard.sock
mkdir -p "${QSOCK%/*}"
sed -i "s|^socket = .*|socket = \"unix:$QSOCK\";|" "$CONF"
postconf -c "$LG_MTA_DIR/etc" -e "local_recipient_maps =" \
	"smtpd_milters = unix:loopguard/loopguard.sock" \
	"non_smtpd_milters = unix:loopguard/loopguard.sock" >/dev/null
postfix -c "$LG_MTA_DIR/etc" reload >/dev/null 2>&1
sleep 1
dash_n
lg_check "-n accepts unix:loopguard/loopguard.sock" lacks "milters"
lg_milter_start "$CONF" "$LOG" "$QSOCK" || lg_die "loopguard did not start on $QSOCK"
relative() {
	lg_send "$LG_MTA_PORT" --from someone@sender.test --to nosuch@example.com \
		--header "Subject: relative probe" || return 1
	lg_wait_mbox_with "$LG_MTA_MAIL/postmaster" "relative probe"
}
lg_check "Postfix reaches loopguard at unix:loopguard/loopguard.sock" relative
lg_milter_stop
lg_check "loopguard stopped cleanly again" [ "$LG_MILTER_STATUS" = 0 ]
lg_summary
