#!/usr/bin/env bash
# t/lib/postfix.sh - a private Postfix instance for the integration tests
#
# SYNOPSIS
#	PORT=n SINK_PORT=n MILTER=spec t/lib/postfix.sh start DIR
#	t/lib/postfix.sh stop DIR
#
# DESCRIPTION
#	start writes a complete Postfix configuration under DIR (etc/,
#	queue/, data/, mail/, sink/, maillog), starts smtp-sink on
#	127.0.0.1:SINK_PORT and then Postfix, and returns once smtpd
#	accepts on 127.0.0.1:PORT. Nothing listens on another address.
#
#	example.com is local (mydestination). Its users postmaster, alice,
#	bob and carol are aliases to mbox files DIR/mail/USER (Postfix
#	appends as default_privs, so DIR/mail is mode 1777); any other
#	local user bounces as "unknown user", but local_recipient_maps is
#	empty so smtpd accepts it and the milter sees it. Every other
#	domain is relayed to smtp-sink, which dumps each message under
#	DIR/sink/. MILTER (e.g. unix:/path/sock or inet:8890@127.0.0.1;
#	empty: none) becomes smtpd_milters and non_smtpd_milters, with
#	milter_default_action = tempfail.
#
#	stop runs "postfix stop", waits for the master to exit, stops the
#	smtp-sink it started (PIDs from DIR/*.pid, never by name) and
#	checks that both ports are closed.
#
# DIAGNOSTICS
#	Exit 1 with a message on stderr; Postfix logs to DIR/maillog.
set -euo pipefail

. "$(cd "$(dirname "$0")" && pwd)/mta.sh"
LG_NAME=postfix.sh

LOCAL_USERS=${LOCAL_USERS:-"postmaster alice bob carol"}

# write_main_cf - the instance's main.cf
write_main_cf() {
	cat >"$DIR/etc/main.cf" <<EOF
# Private test instance written by t/lib/postfix.sh; do not edit.
compatibility_level = 3.6
queue_directory = $DIR/queue
data_directory = $DIR/data
mail_owner = postfix
setgid_group = postdrop
maillog_file = $DIR/maillog
maillog_file_prefixes = $DIR
syslog_name = postfix-test
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
myhostname = mx.example.com
mydomain = example.com
myorigin = \$mydomain
mydestination = example.com, \$myhostname, localhost
mynetworks = 127.0.0.0/8
relayhost = [127.0.0.1]:$SINK_PORT
smtp_dns_support_level = disabled
smtp_helo_name = mx.example.com
smtpd_peername_lookup = no
smtpd_banner = \$myhostname ESMTP test
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
smtpd_error_sleep_time = 0
in_flow_delay = 0
alias_maps = texthash:$DIR/etc/aliases
alias_database =
local_recipient_maps =
allow_mail_to_files = alias
default_privs = nobody
biff = no
append_dot_mydomain = no
delay_warning_time = 0
queue_run_delay = 10s
minimal_backoff_time = 10s
maximal_backoff_time = 60s
milter_default_action = tempfail
milter_connect_timeout = 5s
milter_command_timeout = 15s
milter_content_timeout = 30s
smtpd_milters = $MILTER
non_smtpd_milters = $MILTER
EOF
}

# write_master_cf - every service non-chrooted; smtpd on 127.0.0.1:PORT only
write_master_cf() {
	cat >"$DIR/etc/master.cf" <<EOF
# service type private unpriv chroot wakeup maxproc command
127.0.0.1:$PORT inet n - n - - smtpd
pickup    unix  n - n 60 1 pickup
cleanup   unix  n - n - 0 cleanup
qmgr      unix  n - n 300 1 qmgr
rewrite   unix  - - n - - trivial-rewrite
bounce    unix  - - n - 0 bounce
defer     unix  - - n - 0 bounce
trace     unix  - - n - 0 bounce
verify    unix  - - n - 1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n - - proxymap
proxywrite unix - - n - 1 proxymap
smtp      unix  - - n - - smtp
relay     unix  - - n - - smtp
showq     unix  n - n - - showq
error     unix  - - n - - error
retry     unix  - - n - - error
discard   unix  - - n - - discard
local     unix  - n n - - local
anvil     unix  - - n - 1 anvil
scache    unix  - - n - 1 scache
postlog   unix-dgram n - n - 1 postlogd
EOF
}

# write_aliases - each test user is an mbox file under DIR/mail
write_aliases() {
	local u
	{
		# texthash: "key value", no colon; delivery runs as default_privs
		echo "mailer-daemon postmaster"
		for u in $LOCAL_USERS; do
			echo "$u $DIR/mail/$u"
		done
	} >"$DIR/etc/aliases"
}

# start_sink - smtp-sink for every non-local domain
start_sink() {
	local pid
	chown postfix "$DIR/sink"
	smtp-sink -u postfix -d "$DIR/sink/%H%M%S." "127.0.0.1:$SINK_PORT" 100 \
		>"$DIR/sink.log" 2>&1 </dev/null &
	pid=$!
	echo "$pid" >"$DIR/sink.pid"
	if ! lg_wait_port "$SINK_PORT" 10; then
		cat "$DIR/sink.log" >&2 || true
		lg_die "smtp-sink did not listen on 127.0.0.1:$SINK_PORT"
	fi
}

# do_start - configure, then start smtp-sink and Postfix
do_start() {
	: "${PORT:?set PORT to the smtpd port}"
	: "${SINK_PORT:?set SINK_PORT to the smtp-sink port}"
	MILTER=${MILTER:-}
	lg_need_cmd postfix smtp-sink postconf ss
	[ "$(id -u)" -eq 0 ] || lg_die "must run as root"
	if [ -s "$DIR/queue/pid/master.pid" ] &&
		lg_alive "$(head -n 1 "$DIR/queue/pid/master.pid" | tr -d ' ')"; then
		lg_die "a Postfix already runs for $DIR; stop it first"
	fi
	lg_port_listening "$PORT" && lg_die "port $PORT is already in use"
	lg_port_listening "$SINK_PORT" && lg_die "port $SINK_PORT is already in use"

	mkdir -p "$DIR/etc" "$DIR/queue" "$DIR/data" "$DIR/mail" "$DIR/sink"
	chmod 0755 "$DIR" "$DIR/etc" "$DIR/queue"
	chown postfix "$DIR/data"
	chmod 1777 "$DIR/mail"
	write_main_cf
	write_master_cf
	write_aliases
	printf 'PORT=%s\nSINK_PORT=%s\nMILTER=%s\n' "$PORT" "$SINK_PORT" "$MILTER" \
		>"$DIR/instance.env"

	start_sink
	if ! postfix -c "$DIR/etc" start >"$DIR/start.log" 2>&1; then
		cat "$DIR/start.log" "$DIR/maillog" >&2 2>/dev/null || true
		do_stop || true
		lg_die "postfix -c $DIR/etc start failed"
	fi
	if ! lg_wait_port "$PORT" 15; then
		tail -n 20 "$DIR/maillog" >&2 2>/dev/null || true
		do_stop || true
		lg_die "Postfix smtpd did not listen on 127.0.0.1:$PORT"
	fi
}

# do_stop - stop Postfix and smtp-sink by PID; check the ports are closed
do_stop() {
	local pid="" port sink_port="" rc=0
	[ -f "$DIR/instance.env" ] || { lg_log "$DIR: no instance here"; return 0; }
	port=$(sed -n 's/^PORT=//p' "$DIR/instance.env")
	sink_port=$(sed -n 's/^SINK_PORT=//p' "$DIR/instance.env")
	if [ -s "$DIR/queue/pid/master.pid" ]; then
		pid=$(head -n 1 "$DIR/queue/pid/master.pid" | tr -d ' ')
	fi
	if [ -n "$pid" ] && lg_alive "$pid"; then
		postfix -c "$DIR/etc" stop >>"$DIR/start.log" 2>&1 || true
		# The master's children exit when it does; wait for that.
		lg_kill_pid "$pid"
	fi
	lg_kill_pidfile "$DIR/sink.pid"
	rm -f "$DIR/sink.pid"
	if [ -n "$port" ] && ! lg_wait_port_closed "$port" 10; then
		lg_log "something still listens on port $port"
		rc=1
	fi
	if [ -n "$sink_port" ] && ! lg_wait_port_closed "$sink_port" 10; then
		lg_log "something still listens on port $sink_port"
		rc=1
	fi
	return "$rc"
}

[ $# -eq 2 ] || lg_die "usage: $0 start|stop DIR"
case $2 in
/*) DIR=$2 ;;
*) DIR=$(pwd)/$2 ;;
esac
case $1 in
start) mkdir -p "$DIR"; do_start ;;
stop) do_stop ;;
*) lg_die "usage: $0 start|stop DIR" ;;
esac
