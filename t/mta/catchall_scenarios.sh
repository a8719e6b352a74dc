# t/mta/catchall_scenarios.sh - the catchall plugin through a real MTA (sourced)
# shellcheck shell=bash
#
# SYNOPSIS
#	. "$mta_dir/../lib/mta.sh"; . "$mta_dir/catchall_scenarios.sh"
#	cs_main postfix|sendmail
#
# DESCRIPTION
#	Runs the daemon of this build tree (t/lib/mta.sh: lg_milter_setup) on a
#	unix socket with a catchall config, starts a private MTA wired to
#	it, and checks, each as one pass/fail line:
#	- the config passes "loopguard -n";
#	- nosuch@example.com goes to the postmaster only, with one
#	  "X-Loopguard-Original-To: nosuch@example.com", and nothing bounces;
#	- alice@example.com is untouched (her box, no header);
#	- nosuch + alice + someone@external.test: one copy each for the
#	  postmaster (with the header), alice and smtp-sink;
#	- leaked@example.com gets 550 5.1.1 at RCPT;
#	- mode = "report" (config rewritten, SIGUSR1): the MTA handles
#	  nosuch as without the milter (it bounces), no header, no redirect;
#	- milter stopped: the client gets 4xx and nothing is delivered or
#	  bounced; the same message sent again after a restart arrives;
#	- a reload that changes the target to bob@example.com applies to the
#	  next SMTP session; a session that stays open across the reload is
#	  not dropped and keeps the config it started with (its next message
#	  still goes to the postmaster), as DESIGN.md requires;
#	- Sendmail only: the unknown-recipient case through "sendmail -bs";
#	- SIGTERM stops the daemon with status 0 and no sanitizer report.
#	The summary is "catchall-KIND: N passed, M failed".

CS_FROM=tester@external.test
CS_HEADER=X-Loopguard-Original-To

# cs_fail - explain why a check failed; returns 1
cs_fail() {
	lg_log "  $*"
	return 1
}

# cs_write_conf - write the daemon's config: cs_write_conf TARGET MODE
cs_write_conf() {
	cat >"$CS_CONF.new" <<EOF
# written by t/mta/catchall_scenarios.sh
socket = "unix:$CS_SOCK";
socket_mode = "0666";
pidfile = "$CS_WORK/loopguard.pid";
local_domains = [ "example.com" ];
recipients = [ "$CS_WORK/recipients" ];
trusted_networks = [ "127.0.0.1/32", "::1/128" ];
on_error = "tempfail";
plugin_dir = "$LG_PLUGIN_DIR";
plugins = (
  { name = "catchall";
    target = "$1";
    header = "$CS_HEADER";
    reject = [ "leaked@example.com" ];
    mode = "$2"; }
);
EOF
	mv "$CS_CONF.new" "$CS_CONF"
}

# cs_reconfigure - rewrite the config and reload: cs_reconfigure TARGET MODE
cs_reconfigure() {
	cs_write_conf "$1" "$2"
	lg_milter_reload
}

# cs_subject - a unique subject for scenario NAME
cs_subject() { printf 'catchall %s %s.%s\n' "$1" "$$" "$RANDOM$RANDOM"; }

# cs_send - send a message: cs_send PORT SUBJECT RCPT[,RCPT...]
#	The Message-Id comes from the subject, so sending again is a retry.
cs_send() {
	local port=$1 subject=$2 to=$3 id
	id=$(printf '%s' "$subject" | md5sum | cut -c1-24)
	lg_send "$port" --from "$CS_FROM" --to "$to" \
		--header "Subject: $subject" \
		--header "Message-Id: <$id@client.external.test>" \
		--body "catch-all test: $subject"
}

# cs_box - the mbox file of a local user
cs_box() { printf '%s/%s\n' "$LG_MTA_MAIL" "$1"; }

# cs_count - messages in USER's box that carry SUBJECT
cs_count() { lg_mbox_count_with "$(cs_box "$1")" "Subject: $2"; }

# cs_wait - wait for a message with SUBJECT in USER's box
cs_wait() { lg_wait_mbox_with "$(cs_box "$1")" "Subject: $2"; }

# cs_headers - how many caught-recipient header lines USER's copy has
#	(for ADDR only when given)
cs_headers() {
	local pat="^$CS_HEADER:"
	[ -n "${3:-}" ] && pat="^$CS_HEADER: $3\$"
	lg_mbox_with "$(cs_box "$1")" "Subject: $2" | grep -ci -- "$pat" || true
}

# cs_bounces - sink dumps of bounces to the test sender about SUBJECT
cs_bounces() {
	lg_sink_grep "$LG_MTA_SINK" "Subject: $1" |
		xargs -r grep -l "^X-Rcpt-Args: <$CS_FROM>" 2>/dev/null || true
}

# cs_expect_one - USER holds exactly one copy of SUBJECT with N headers
#	(for ADDR when given)
cs_expect_one() {
	local user=$1 subject=$2 n=$3 addr=${4:-} got
	got=$(cs_count "$user" "$subject")
	[ "$got" -eq 1 ] || cs_fail "$user has $got copies, want 1"  || return 1
	got=$(cs_headers "$user" "$subject" "$addr")
	[ "$got" -eq "$n" ] ||
		cs_fail "$user's copy has $got '$CS_HEADER: ${addr:-*}' headers, want $n"
}

# cs_expect_none - USER holds no copy of SUBJECT
cs_expect_none() {
	local got
	got=$(cs_count "$1" "$2")
	[ "$got" -eq 0 ] || cs_fail "$1 got $got copies, want none"
}

# cs_expect_no_bounce - nothing about SUBJECT bounced to the sender
cs_expect_no_bounce() {
	[ -z "$(cs_bounces "$1")" ] || cs_fail "a bounce for '$1' went to $CS_FROM"
}

# sc_unknown - an unknown local recipient goes to the postmaster only
sc_unknown() {
	local port=$1 s
	s=$(cs_subject unknown)
	cs_send "$port" "$s" nosuch@example.com || cs_fail "send failed (swaks $?)" || return 1
	cs_wait postmaster "$s" || cs_fail "the postmaster got nothing" || return 1
	lg_settle
	cs_expect_one postmaster "$s" 1 nosuch@example.com &&
		cs_expect_one postmaster "$s" 1 &&
		cs_expect_no_bounce "$s"
}

# sc_valid - a valid recipient is left alone
sc_valid() {
	local port=$1 s
	s=$(cs_subject valid)
	cs_send "$port" "$s" alice@example.com || cs_fail "send failed (swaks $?)" || return 1
	cs_wait alice "$s" || cs_fail "alice got nothing" || return 1
	lg_settle
	cs_expect_one alice "$s" 0 &&
		cs_expect_none postmaster "$s" &&
		cs_expect_no_bounce "$s"
}

# sc_mixed - unknown, valid and external recipients in one message
sc_mixed() {
	local port=$1 s n
	s=$(cs_subject mixed)
	cs_send "$port" "$s" nosuch@example.com,alice@example.com,someone@external.test ||
		cs_fail "send failed (swaks $?)" || return 1
	cs_wait postmaster "$s" || cs_fail "the postmaster got nothing" || return 1
	cs_wait alice "$s" || cs_fail "alice got nothing" || return 1
	lg_wait_sink "$LG_MTA_SINK" "Subject: $s" ||
		cs_fail "nothing reached smtp-sink" || return 1
	lg_settle
	cs_expect_one postmaster "$s" 1 nosuch@example.com || return 1
	cs_expect_one postmaster "$s" 1 || return 1
	[ "$(cs_count alice "$s")" -eq 1 ] || cs_fail "alice has $(cs_count alice "$s") copies" ||
		return 1
	n=$(lg_sink_grep "$LG_MTA_SINK" "Subject: $s" |
		xargs -r grep -l '^X-Rcpt-Args: <someone@external.test>' | wc -l)
	[ "$n" -eq 1 ] || cs_fail "smtp-sink has $n copies for someone@external.test" || return 1
	cs_expect_no_bounce "$s"
}

# sc_reject - a listed address is refused with 550 5.1.1 at RCPT
sc_reject() {
	local port=$1 s rc=0
	s=$(cs_subject reject)
	cs_send "$port" "$s" leaked@example.com || rc=$?
	[ "$rc" -eq 24 ] || cs_fail "swaks exit $rc, want 24 (no recipient accepted)" || return 1
	lg_last_transcript | grep -E '^<\*\* +550[ -]5\.1\.1' >/dev/null ||
		cs_fail "no '550 5.1.1' reply: $(lg_last_transcript | grep '^<\*\*' | head -n 1)"
}

# sc_report - report mode changes nothing; the MTA bounces the unknown user
sc_report() {
	local port=$1 s ok=0
	cs_reconfigure "postmaster@%d" report || cs_fail "reload failed" || return 1
	s=$(cs_subject report)
	if ! cs_send "$port" "$s" nosuch@example.com; then
		cs_fail "send failed (swaks $?)"
	elif ! lg_wait_sink "$LG_MTA_SINK" "Subject: $s"; then
		cs_fail "no bounce for nosuch reached smtp-sink"
	elif [ -z "$(cs_bounces "$s")" ]; then
		cs_fail "smtp-sink got '$s' but not as a bounce to $CS_FROM"
	elif cs_bounces "$s" | xargs grep -il "^$CS_HEADER:" >/dev/null; then
		cs_fail "the bounced message carries $CS_HEADER"
	else
		lg_settle
		cs_expect_none postmaster "$s" && ok=1
	fi
	cs_reconfigure "postmaster@%d" enforce || cs_fail "reload back to enforce failed"
	[ "$ok" -eq 1 ]
}

# sc_milter_down - milter stopped: 4xx, nothing lost; the retry arrives
sc_milter_down() {
	local port=$1 s rc=0
	lg_milter_stop
	s=$(cs_subject down)
	cs_send "$port" "$s" nosuch@example.com || rc=$?
	if [ "$rc" -eq 0 ]; then
		cs_fail "the MTA accepted the message while the milter was down"
	elif ! lg_last_transcript | grep -E '^<\*\* +4[0-9][0-9][ -]' >/dev/null; then
		cs_fail "no 4xx reply (swaks exit $rc): $(lg_last_transcript | grep '^<\*\*' | head -n 1)"
	fi
	rc=$?
	lg_settle
	cs_expect_none postmaster "$s" || rc=1
	cs_expect_no_bounce "$s" || rc=1
	lg_milter_start "$CS_CONF" "$CS_WORK/loopguard.log" "$CS_SOCK" ||
		cs_fail "loopguard did not restart" || return 1
	[ "$rc" -eq 0 ] || return 1
	cs_send "$port" "$s" nosuch@example.com || cs_fail "the retry failed (swaks $?)" || return 1
	cs_wait postmaster "$s" || cs_fail "the retry did not reach the postmaster" || return 1
	lg_settle
	cs_expect_one postmaster "$s" 1 nosuch@example.com && cs_expect_no_bounce "$s"
}

# sc_reload_session - a session open across a reload is not dropped and
#	keeps the snapshot it started with
sc_reload_session() {
	local port=$1 s1 s2 ok=0
	s1=$(cs_subject session-before)
	s2=$(cs_subject session-after)
	if ! lg_smtp_open "$port" || [ "$LG_SMTP_CODE" != 220 ]; then
		cs_fail "no SMTP greeting"
	elif ! lg_smtp_expect 2 "EHLO client.external.test"; then
		cs_fail "EHLO refused"
	elif ! lg_smtp_message "$CS_FROM" "$s1" nosuch1@example.com; then
		cs_fail "first message refused"
	elif ! cs_reconfigure "bob@example.com" enforce; then
		cs_fail "reload failed"
	elif ! lg_smtp_message "$CS_FROM" "$s2" nosuch2@example.com; then
		cs_fail "second message in the same session refused"
	else
		ok=1
	fi
	lg_smtp_close
	if [ "$ok" -eq 1 ]; then
		ok=0
		if ! cs_wait postmaster "$s1"; then
			cs_fail "the first message did not reach the postmaster"
		elif ! cs_wait postmaster "$s2"; then
			cs_fail "the message after the reload did not reach the postmaster"
			lg_log "  bob has it $(cs_count bob "$s2") times"
		else
			lg_settle
			cs_expect_one postmaster "$s1" 1 nosuch1@example.com &&
				cs_expect_one postmaster "$s2" 1 nosuch2@example.com &&
				cs_expect_none bob "$s2" &&
				cs_expect_none bob "$s1" &&
				cs_expect_no_bounce "$s1" && cs_expect_no_bounce "$s2" && ok=1
		fi
	fi
	cs_reconfigure "postmaster@%d" enforce || cs_fail "reload back failed"
	[ "$ok" -eq 1 ]
}

# sc_reload_new_session - after a reload, a new session gets the new target
sc_reload_new_session() {
	local port=$1 s ok=0
	cs_reconfigure "bob@example.com" enforce || cs_fail "reload failed" || return 1
	s=$(cs_subject reload-new)
	if ! cs_send "$port" "$s" nosuch3@example.com; then
		cs_fail "send failed (swaks $?)"
	elif ! cs_wait bob "$s"; then
		cs_fail "bob got nothing (postmaster has it $(cs_count postmaster "$s") times)"
	else
		lg_settle
		cs_expect_one bob "$s" 1 nosuch3@example.com &&
			cs_expect_none postmaster "$s" &&
			cs_expect_no_bounce "$s" && ok=1
	fi
	cs_reconfigure "postmaster@%d" enforce || cs_fail "reload back failed"
	[ "$ok" -eq 1 ]
}

# sc_clean_stop - SIGTERM ends the daemon with 0 and no sanitizer report
sc_clean_stop() {
	lg_milter_stop
	[ "$LG_MILTER_STATUS" = 0 ] ||
		cs_fail "loopguard exited with $LG_MILTER_STATUS (log: $LG_MILTER_LOG)" || return 1
	lg_milter_log_clean || cs_fail "sanitizer reports in $LG_MILTER_LOG"
}

# cs_finish - keep the work folder when something failed
cs_finish() {
	if [ "${LG_EXIT_RC:-1}" -eq 0 ] && [ -z "${LG_KEEP:-}" ]; then
		rm -rf "$CS_WORK"
	else
		lg_log "work folder kept: $CS_WORK (loopguard.log, swaks.log, $CS_KIND/)"
		[ -f "$CS_WORK/loopguard.log" ] && tail -n 20 "$CS_WORK/loopguard.log" >&2
	fi
}

# cs_main - run every scenario against KIND (postfix or sendmail)
cs_main() {
	local started
	CS_KIND=$1
	LG_NAME=catchall-$CS_KIND
	started=$(date +%s)
	lg_need_root
	lg_need_cmd swaks smtp-sink ss md5sum
	[ "$CS_KIND" = postfix ] && lg_need_cmd postfix
	if [ "$CS_KIND" = sendmail ]; then
		lg_need_cmd m4 unshare
		lg_sendmail_root >/dev/null || lg_die "no unpacked sendmail: run scripts/deps.sh test"
	fi
	lg_milter_setup
	lg_install_trap

	CS_WORK=$(lg_workdir "catchall-$CS_KIND")
	lg_at_exit cs_finish
	LG_SWAKS_LOG=$CS_WORK/swaks.log
	CS_CONF=$CS_WORK/loopguard.conf
	CS_SOCK=$(lg_milter_sockpath "$CS_WORK")
	printf '%s\n' postmaster@example.com alice@example.com bob@example.com \
		carol@example.com >"$CS_WORK/recipients"
	cs_write_conf "postmaster@%d" enforce

	lg_check "config passes loopguard -n" lg_milter_check "$CS_CONF"
	lg_milter_start "$CS_CONF" "$CS_WORK/loopguard.log" "$CS_SOCK" ||
		lg_die "loopguard did not start (log: $CS_WORK/loopguard.log)"
	lg_mta_start "$CS_KIND" "$CS_WORK/$CS_KIND" "$CS_SOCK"
	local port=$LG_MTA_PORT

	lg_check "unknown recipient goes to the postmaster with the header" sc_unknown "$port"
	lg_check "valid recipient untouched" sc_valid "$port"
	lg_check "unknown + valid + external in one message" sc_mixed "$port"
	lg_check "listed address refused with 550 5.1.1 at RCPT" sc_reject "$port"
	lg_check "report mode changes nothing" sc_report "$port"
	lg_check "milter down: 4xx, nothing lost, retry delivered" sc_milter_down "$port"
	lg_check "reload changes the target for the next session" sc_reload_new_session "$port"
	lg_check "an open session survives a reload with its own config" sc_reload_session "$port"
	if [ "$CS_KIND" = sendmail ]; then
		lg_check "sendmail -bs: unknown recipient goes to the postmaster" \
			sc_unknown "pipe:$lg_mta_dir/sendmail.sh bs $LG_MTA_DIR"
	fi
	lg_check "SIGTERM stops loopguard cleanly" sc_clean_stop

	lg_log "took $(($(date +%s) - started)) s"
	lg_summary
}
