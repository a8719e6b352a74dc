#!/usr/bin/env bash
# t/directory/t_sendmail_mta.sh - the "sendmail" recipient source with a
# real Sendmail: its own .cf decides who exists
#
# DESCRIPTION
#	A private Sendmail (t/lib/sendmail.sh) with FEATURE(virtusertable)
#	and the local domain virtual.test; its virtusertable, made with
#	the unpacked makemap, maps vuser@virtual.test to the local user
#	bob. loopguard runs the catchall plugin with recipients =
#	[ "sendmail:CF" ], reading that very .cf. Checks, one line each:
#	- the config passes "loopguard -n";
#	- mail to vuser@virtual.test is delivered (to bob), not redirected;
#	- mail to nosuch@virtual.test goes to the postmaster with the
#	  caught-recipient header, and nothing bounces;
#	- a virtual user added with makemap while both run is delivered
#	  (no reload), with no redirect.
#	Needs root and a built tree; exits 77 (SKIP) when not root.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/mta.sh"
LG_NAME=sendmail-source

FROM=tester@external.test
HEADER=X-Loopguard-Original-To

# sm_send SUBJECT RCPT - one message through Sendmail
sm_send() {
	lg_send "$PORT" --from "$FROM" --to "$2" --header "Subject: $1" \
		--body "sendmail source test: $1"
}

# sm_subject NAME - a unique subject
sm_subject() { printf 'smsrc %s %s.%s\n' "$1" "$$" "$RANDOM$RANDOM"; }

# box USER - USER's mbox
box() { printf '%s/%s\n' "$LG_MTA_MAIL" "$1"; }

# delivered_to USER SUBJECT - USER got SUBJECT once, without the header
delivered_to() {
	local s=$2 n
	lg_wait_mbox_with "$(box "$1")" "Subject: $s" ||
		{ lg_log "  $1 got nothing"; return 1; }
	lg_settle
	n=$(lg_mbox_count_with "$(box "$1")" "Subject: $s")
	[ "$n" -eq 1 ] || { lg_log "  $1 has $n copies"; return 1; }
	! lg_mbox_with "$(box "$1")" "Subject: $s" | grep -qi "^$HEADER:" ||
		{ lg_log "  $1's copy carries $HEADER"; return 1; }
	n=$(lg_mbox_count_with "$(box postmaster)" "Subject: $s")
	[ "$n" -eq 0 ] || { lg_log "  the postmaster got it too"; return 1; }
}

# sc_virtual - a virtual user is delivered
sc_virtual() {
	local s
	s=$(sm_subject virtual)
	sm_send "$s" "$1@virtual.test" || { lg_log "  swaks failed"; return 1; }
	delivered_to bob "$s"
}

# sc_unknown - an unknown virtual user goes to the postmaster
sc_unknown() {
	local s n
	s=$(sm_subject unknown)
	sm_send "$s" nosuch@virtual.test || { lg_log "  swaks failed"; return 1; }
	lg_wait_mbox_with "$(box postmaster)" "Subject: $s" ||
		{ lg_log "  the postmaster got nothing"; return 1; }
	lg_settle
	lg_mbox_with "$(box postmaster)" "Subject: $s" |
		grep -qi "^$HEADER: nosuch@virtual.test" ||
		{ lg_log "  no '$HEADER: nosuch@virtual.test'"; return 1; }
	n=$(lg_sink_grep "$LG_MTA_SINK" "Subject: $s" | wc -l)
	[ "$n" -eq 0 ] || { lg_log "  $n bounces reached smtp-sink"; return 1; }
}

# sc_new_entry - a virtual user made while both run: delivered
sc_new_entry() {
	local i
	printf 'late@virtual.test\tbob\n' >>"$ETC/virtusertable"
	makemap_vt || { lg_log "  makemap failed"; return 1; }
	for ((i = 0; i < 50; i++)); do
		grep -q "sendmail:$ETC/sendmail.cf reloaded" "$WORK/loopguard.log" &&
			break
		sleep 0.1
	done
	sc_virtual late
}

# makemap_vt - the virtusertable database from its text
makemap_vt() {
	"$MAKEMAP" -C "$ETC/sendmail.cf" hash "$ETC/virtusertable" \
		<"$ETC/virtusertable" 2>/dev/null
}

finish() {
	if [ "${LG_EXIT_RC:-1}" -eq 0 ] && [ -z "${LG_KEEP:-}" ]; then
		rm -rf "$WORK"
	else
		lg_log "work folder kept: $WORK"
		tail -n 20 "$WORK/loopguard.log" >&2 || true
	fi
}

lg_need_root
lg_need_cmd swaks smtp-sink ss m4 unshare
SMROOT=$(lg_sendmail_root) || lg_die "no unpacked sendmail: run scripts/deps.sh test"
MAKEMAP=$SMROOT/usr/sbin/makemap
lg_milter_setup
lg_install_trap
WORK=$(lg_workdir sendmail-source)
lg_at_exit finish
LG_SWAKS_LOG=$WORK/swaks.log
SOCK=$(lg_milter_sockpath "$WORK")
ETC=$WORK/sendmail/etc
mkdir -p "$ETC"
chmod 0755 "$WORK/sendmail" "$ETC"
printf 'vuser@virtual.test\tbob\n' >"$ETC/virtusertable"
export SM_CW_EXTRA=virtual.test
export SM_MC_EXTRA="FEATURE(\`virtusertable', \`hash $ETC/virtusertable')dnl"
# Sendmail needs the database at its start: made before the .cf exists
"$MAKEMAP" -C /dev/null hash "$ETC/virtusertable" <"$ETC/virtusertable" \
	2>/dev/null || lg_die "makemap failed"
lg_mta_start sendmail "$WORK/sendmail" "$SOCK"
PORT=$LG_MTA_PORT

cat >"$WORK/loopguard.conf" <<EOF
socket = "unix:$SOCK";
socket_mode = "0666";
pidfile = "$WORK/loopguard.pid";
local_domains = [ "example.com", "virtual.test" ];
recipients = [ "sendmail:$ETC/sendmail.cf" ];
trusted_networks = [ "127.0.0.1/32", "::1/128" ];
on_error = "tempfail";
plugin_dir = "$LG_PLUGIN_DIR";
plugins = ( { name = "catchall"; target = "postmaster@example.com";
	      header = "$HEADER"; } );
EOF
export LOOPGUARD_MAKEMAP=$MAKEMAP
lg_check "config passes loopguard -n" lg_milter_check "$WORK/loopguard.conf"
lg_milter_start "$WORK/loopguard.conf" "$WORK/loopguard.log" "$SOCK" ||
	lg_die "loopguard did not start (log: $WORK/loopguard.log)"

lg_check "a virtual user is delivered, not redirected" sc_virtual vuser
lg_check "an unknown user of the virtual domain goes to the postmaster" sc_unknown
lg_check "a virtual user added with makemap is delivered, no reload" sc_new_entry
lg_summary
