# t/mta/autoreply_scenarios.sh - the autoreply plugin and the outbox through
#	a real MTA (sourced)
# shellcheck shell=bash
#
# SYNOPSIS
#	. "$mta_dir/../lib/mta.sh"; . "$mta_dir/autoreply_scenarios.sh"
#	ar_main postfix|sendmail
#
# DESCRIPTION
#	Starts a private MTA, then the daemon of this build tree with the
#	catchall and autoreply plugins; the mailer speaks SMTP to the MTA's
#	own smtpd, so replies land in the local mailboxes. Checks, each as
#	one pass/fail line:
#	- the config passes "loopguard -n";
#	- a trusted local sender (127.0.0.1) writes three times to a
#	  misspelled address and gets exactly one reply, which names the
#	  address and suggests the right one;
#	- a client on 127.0.0.2 (not in trusted_networks) forging a local
#	  sender gets no reply (the message still reaches the postmaster);
#	- list mail (List-Id) gets no reply;
#	- Postfix only: method "sendmail" (Postfix's sendmail through a
#	  wrapper that adds -C for the private instance) delivers a reply
#	  with Return-Path <>;
#	- with the mailer pointed at a dead port (config reloaded) the reply
#	  waits in "loopguardctl queue", stays there across a daemon restart,
#	  and leaves after "loopguardctl queue retry --all" once something
#	  listens on that port (a small forwarder to smtpd);
#	- SIGTERM stops the daemon with status 0 and no sanitizer report.
#	The summary is "autoreply-KIND: N passed, M failed".

AR_SENDER=alice@example.com

# ar_fail - explain why a check failed; returns 1
ar_fail() {
	lg_log "  $*"
	return 1
}

# ar_write_conf - the daemon's config: ar_write_conf MAILER_PORT [METHOD]
ar_write_conf() {
	cat >"$AR_CONF.new" <<CONF
# written by t/mta/autoreply_scenarios.sh
socket = "unix:$AR_SOCK";
socket_mode = "0666";
control = "unix:$AR_WORK/control.sock";
pidfile = "$AR_WORK/loopguard.pid";
local_domains = [ "example.com" ];
recipients = [ "$AR_WORK/recipients" ];
trusted_networks = [ "127.0.0.1/32" ];
on_error = "tempfail";
plugin_dir = "$LG_PLUGIN_DIR";
mailer = { method = "${2:-smtp}"; host = "127.0.0.1"; port = $1;
           path = "$AR_WORK/sendmail-wrapper";
           outbox = "$AR_WORK/outbox"; retry_interval = "30s";
           max_attempts = 5; timeout = "10s"; };
plugins = (
  { name = "catchall"; },
  { name = "autoreply"; interval = "1d"; max_per_day = 20; }
);
CONF
	mv "$AR_CONF.new" "$AR_CONF"
}

# ar_subject - a unique subject for scenario NAME
ar_subject() { printf 'autoreply %s %s.%s\n' "$1" "$$" "$RANDOM$RANDOM"; }

# ar_send - ar_send SUBJECT RCPT [swaks args...]
ar_send() {
	local subject=$1 to=$2
	shift 2
	lg_send "$AR_PORT" --from "$AR_SENDER" --to "$to" \
		--header "From: Alice <$AR_SENDER>" \
		--header "Subject: $subject" --body "autoreply test: $subject" "$@"
}

# ar_replies - replies in alice's box about ADDR
ar_replies() {
	lg_mbox_with "$LG_MTA_MAIL/alice" "Auto-Submitted: auto-replied" |
		grep -c -- "^    $1\$" || true
}

# ar_ctl - loopguardctl on our control socket
ar_ctl() { "$AR_CTL" -s "$AR_WORK/control.sock" "$@"; }

# sc_trusted_three - three messages, one reply
sc_trusted_three() {
	local s i n
	for i in 1 2 3; do
		s=$(ar_subject "trusted $i")
		ar_send "$s" alcie@example.com || ar_fail "send $i failed (swaks $?)" || return 1
		lg_wait_mbox_with "$LG_MTA_MAIL/postmaster" "Subject: $s" ||
			ar_fail "message $i did not reach the postmaster" || return 1
	done
	lg_wait_mbox_with "$LG_MTA_MAIL/alice" "alcie@example.com" ||
		ar_fail "no reply in alice's box" || return 1
	lg_settle
	n=$(ar_replies alcie@example.com)
	[ "$n" -eq 1 ] || ar_fail "alice has $n replies about alcie@example.com, want 1" ||
		return 1
	lg_mbox_with "$LG_MTA_MAIL/alice" "alcie@example.com" |
		grep -q "did you mean alice@example.com" ||
		ar_fail "the reply has no suggestion" || return 1
	lg_mbox_with "$LG_MTA_MAIL/alice" "alcie@example.com" |
		grep -q "^X-Loopguard-Loop: " || ar_fail "the reply has no loop header"
}

# sc_untrusted_forged - 127.0.0.2 forging alice: no reply
sc_untrusted_forged() {
	local s
	s=$(ar_subject forged)
	ar_send "$s" forged1@example.com --local-interface 127.0.0.2 ||
		ar_fail "send failed (swaks $?)" || return 1
	lg_wait_mbox_with "$LG_MTA_MAIL/postmaster" "Subject: $s" ||
		ar_fail "the message did not reach the postmaster" || return 1
	sleep 2
	[ "$(ar_replies forged1@example.com)" -eq 0 ] ||
		ar_fail "a reply went to the forged sender"
}

# sc_list_mail - List-Id: no reply
sc_list_mail() {
	local s
	s=$(ar_subject list)
	ar_send "$s" listed1@example.com --header "List-Id: <test.lists.example.com>" ||
		ar_fail "send failed (swaks $?)" || return 1
	lg_wait_mbox_with "$LG_MTA_MAIL/postmaster" "Subject: $s" ||
		ar_fail "the message did not reach the postmaster" || return 1
	sleep 2
	[ "$(ar_replies listed1@example.com)" -eq 0 ] || ar_fail "list mail got a reply"
}

# sc_sendmail_method - the reply through the MTA's sendmail binary
#	(Postfix's, run through a wrapper naming the private instance)
sc_sendmail_method() {
	local s
	ar_write_conf "$AR_PORT" sendmail
	lg_milter_reload
	s=$(ar_subject sendmail)
	ar_send "$s" viasendmail1@example.com || ar_fail "send failed (swaks $?)" || return 1
	lg_wait_mbox_with "$LG_MTA_MAIL/alice" "    viasendmail1@example.com" ||
		ar_fail "no reply through sendmail: $(ar_ctl queue 2>&1 | tail -n 1)" ||
		return 1
	lg_mbox_with "$LG_MTA_MAIL/alice" "    viasendmail1@example.com" |
		grep -q '^Return-Path: <>$' ||
		ar_fail "the reply's envelope sender is not null"
	ar_write_conf "$AR_PORT"
	lg_milter_reload
}

# ar_forward - forward 127.0.0.1:FROM to 127.0.0.1:TO; sets AR_FWD_PID
ar_forward() {
	python3 -c '
import socket, sys, threading
src, dst = int(sys.argv[1]), int(sys.argv[2])
ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", src))
ls.listen(8)
def pump(a, b):
    try:
        while True:
            d = a.recv(65536)
            if not d:
                break
            b.sendall(d)
    except OSError:
        pass
    try:
        b.shutdown(socket.SHUT_WR)
    except OSError:
        pass
while True:
    c, _ = ls.accept()
    u = socket.create_connection(("127.0.0.1", dst))
    threading.Thread(target=pump, args=(c, u), daemon=True).start()
    threading.Thread(target=pump, args=(u, c), daemon=True).start()
' "$1" "$2" &
	AR_FWD_PID=$!
	lg_at_exit "lg_kill_pid $AR_FWD_PID"
	lg_wait_port "$1"
}

# sc_dead_port - the reply waits, survives a restart, leaves on retry
sc_dead_port() {
	local s dead q i
	lg_pick_port dead
	ar_write_conf "$dead"
	lg_milter_reload
	s=$(ar_subject dead)
	ar_send "$s" deadport1@example.com || ar_fail "send failed (swaks $?)" || return 1
	lg_wait_mbox_with "$LG_MTA_MAIL/postmaster" "Subject: $s" ||
		ar_fail "the message did not reach the postmaster" || return 1
	for ((i = 0; i < 100; i++)); do
		q=$(ar_ctl queue 2>&1)
		grep -q "Connection refused\|connect" <<<"$q" && break
		sleep 0.1
	done
	grep -q "$AR_SENDER" <<<"$q" && grep -q "connect" <<<"$q" ||
		ar_fail "the reply is not waiting in the queue: $q" || return 1
	lg_log "  queue: $(tail -n 1 <<<"$q")"
	ar_ctl --json queue | grep -q '"attempts": 1' ||
		ar_fail "queue --json does not show one attempt" || return 1
	[ "$(ar_replies deadport1@example.com)" -eq 0 ] ||
		ar_fail "a reply arrived although the port is dead" || return 1
	# the outbox survives a restart of the daemon
	lg_milter_stop
	lg_milter_start "$AR_CONF" "$AR_WORK/loopguard.log" "$AR_SOCK" ||
		ar_fail "loopguard did not restart" || return 1
	lg_wait_file "$AR_WORK/control.sock" 5
	ar_ctl queue | grep -q "$AR_SENDER" ||
		ar_fail "the queue is empty after a restart" || return 1
	ar_forward "$dead" "$AR_PORT" || ar_fail "no forwarder on $dead" || return 1
	ar_ctl queue retry --all >/dev/null || ar_fail "queue retry failed" || return 1
	lg_wait_mbox_with "$LG_MTA_MAIL/alice" "    deadport1@example.com" ||
		ar_fail "no reply after queue retry: $(ar_ctl queue 2>&1)" || return 1
	ar_ctl queue | grep -q "outbox is empty" ||
		ar_fail "the queue is not empty: $(ar_ctl queue 2>&1)"
}

# sc_clean_stop - SIGTERM: exit 0, no sanitizer report
sc_clean_stop() {
	lg_milter_stop
	[ "$LG_MILTER_STATUS" = 0 ] || ar_fail "loopguard exited $LG_MILTER_STATUS" || return 1
	lg_milter_log_clean || ar_fail "sanitizer report in the log"
}

# ar_finish - keep the work folder when something failed
ar_finish() {
	if [ "$LG_FAIL" -eq 0 ] && [ -z "${LG_KEEP:-}" ] &&
		[ "${LG_EXIT_RC:-0}" -eq 0 ]; then
		rm -rf "$AR_WORK"
	else
		lg_log "work folder kept: $AR_WORK"
	fi
}

ar_main() {
	local started b
	AR_KIND=$1
	LG_NAME=autoreply-$AR_KIND
	started=$(date +%s)
	lg_need_root
	lg_need_cmd swaks smtp-sink ss python3
	[ "$AR_KIND" = postfix ] && lg_need_cmd postfix
	if [ "$AR_KIND" = sendmail ]; then
		lg_need_cmd m4 unshare
		lg_sendmail_root >/dev/null || lg_die "no unpacked sendmail: run scripts/deps.sh test"
	fi
	lg_milter_setup
	b=${top_builddir:-$lg_mta_dir/../..}
	AR_CTL=$b/loopguardctl
	[ -x "$AR_CTL" ] || lg_die "no $AR_CTL: build first (make)"
	lg_install_trap

	AR_WORK=$(lg_workdir "autoreply-$AR_KIND")
	lg_at_exit ar_finish
	LG_SWAKS_LOG=$AR_WORK/swaks.log
	AR_CONF=$AR_WORK/loopguard.conf
	AR_SOCK=$(lg_milter_sockpath "$AR_WORK")
	printf '%s\n' postmaster@example.com alice@example.com bob@example.com \
		carol@example.com >"$AR_WORK/recipients"
	lg_mta_start "$AR_KIND" "$AR_WORK/$AR_KIND" "$AR_SOCK"
	AR_PORT=$LG_MTA_PORT
	printf '#!/bin/sh\nexec /usr/sbin/sendmail -C %s/etc "$@"\n' \
		"$LG_MTA_DIR" >"$AR_WORK/sendmail-wrapper"
	chmod 0755 "$AR_WORK/sendmail-wrapper"
	ar_write_conf "$AR_PORT"

	lg_check "config passes loopguard -n" lg_milter_check "$AR_CONF"
	lg_milter_start "$AR_CONF" "$AR_WORK/loopguard.log" "$AR_SOCK" ||
		lg_die "loopguard did not start (log: $AR_WORK/loopguard.log)"

	lg_check "trusted local sender, three messages: exactly one reply" sc_trusted_three
	lg_check "untrusted 127.0.0.2 forging a local sender: no reply" sc_untrusted_forged
	lg_check "list mail: no reply" sc_list_mail
	if [ "$AR_KIND" = postfix ]; then
		lg_check "method sendmail: -f <> -oi -- RCPT through Postfix's sendmail" \
			sc_sendmail_method
	fi
	lg_check "dead mailer port: queued, survives restart, sent on retry" sc_dead_port
	lg_check "SIGTERM stops loopguard cleanly" sc_clean_stop

	lg_log "took $(($(date +%s) - started)) s"
	lg_summary
}
