#!/usr/bin/env bash
# t/lib/sendmail.sh - a private Sendmail instance for the integration tests
#
# SYNOPSIS
#	PORT=n SINK_PORT=n MILTER_SOCK=/path t/lib/sendmail.sh start DIR
#	t/lib/sendmail.sh bs DIR
#	t/lib/sendmail.sh stop DIR
#
# DESCRIPTION
#	Sendmail comes from the Debian packages unpacked (never installed:
#	sendmail-bin conflicts with postfix) by scripts/deps.sh; see
#	lg_sendmail_root in mta.sh for where it is looked up.
#
#	start builds DIR/etc/sendmail.cf from a .mc with m4, the alias
#	database, a class-w file (example.com is local), a service switch
#	without DNS, a 0700 queue, starts smtp-sink on 127.0.0.1:SINK_PORT
#	(every non-local domain goes there through SMART_HOST) and runs
#	"sendmail -bD" (a foreground daemon) on 127.0.0.1:PORT. Sendmail
#	runs in its own UTS namespace (unshare -u) with the host name
#	mx.example.com, which avoids its 60 s wait for a qualified name.
#	MILTER_SOCK (empty: no milter) is the unix socket of the milter,
#	attached with INPUT_MAIL_FILTER and F=T (tempfail when it is down).
#
#	The local mailer is DIR/deliver, which appends to the mbox file
#	DIR/mail/USER for postmaster, alice, bob and carol and fails any
#	other user with EX_NOUSER (67), so Sendmail bounces it. The 'w'
#	flag is taken off the local mailer, so unknown users are accepted
#	at RCPT and reach the milter.
#
#	SM_MC_EXTRA (empty: none) holds more .mc lines, put before the
#	mailers (a FEATURE such as virtusertable); SM_CW_EXTRA more words
#	for the class-w file (local domains).
#
#	bs runs "sendmail -bs" (SMTP on stdin/stdout) with the same
#	configuration, for swaks --pipe. start must have run once.
#
#	stop stops the daemon, its children and smtp-sink by PID and checks
#	that both ports are closed.
#
# DIAGNOSTICS
#	Exit 1 with a message on stderr. Sendmail has no syslog here:
#	DIR/traffic.log (sendmail -X) records the SMTP and mailer traffic.
set -euo pipefail

. "$(cd "$(dirname "$0")" && pwd)/mta.sh"
LG_NAME=sendmail.sh

LOCAL_USERS=${LOCAL_USERS:-"postmaster alice bob carol"}
FQDN=mx.example.com

# write_mc - the .mc; the milter line only when MILTER_SOCK is set
write_mc() {
	local milter=""
	if [ -n "$MILTER_SOCK" ]; then
		milter="INPUT_MAIL_FILTER(\`loopguard', \`S=unix:$MILTER_SOCK, F=T, T=S:10s;R:10s;E:1m')dnl"
	fi
	cat >"$DIR/etc/sendmail.mc" <<EOF
divert(-1)
# Private test instance written by t/lib/sendmail.sh; do not edit.
divert(0)dnl
OSTYPE(\`linux')dnl
define(\`confDONT_BLAME_SENDMAIL', \`TrustStickyBit')dnl
define(\`QUEUE_DIR', \`$DIR/queue')dnl
define(\`ALIAS_FILE', \`$DIR/etc/aliases')dnl
define(\`confSERVICE_SWITCH_FILE', \`$DIR/etc/service.switch')dnl
define(\`confPID_FILE', \`$DIR/sendmail.pid')dnl
define(\`confCW_FILE', \`$DIR/etc/local-host-names')dnl
define(\`STATUS_FILE', \`$DIR/etc/statistics')dnl
define(\`HELP_FILE', \`$DIR/etc/helpfile')dnl
define(\`confHOST_STATUS_DIRECTORY', \`')dnl
define(\`confDOMAIN_NAME', \`$FQDN')dnl
define(\`confDONT_PROBE_INTERFACES', \`True')dnl
define(\`confTO_IDENT', \`0')dnl
define(\`confTO_CONNECT', \`10s')dnl
dnl a shared test machine runs at load averages Sendmail would refuse at
dnl (RefuseLA defaults to 12 per CPU): the private instance never does
define(\`confREFUSE_LA', \`10000')dnl
define(\`confQUEUE_LA', \`10000')dnl
define(\`confDELIVERY_MODE', \`background')dnl
define(\`confLOG_LEVEL', \`9')dnl
define(\`confPRIVACY_FLAGS', \`authwarnings')dnl
define(\`SMART_HOST', \`relay:[127.0.0.1]')dnl
define(\`RELAY_MAILER_ARGS', \`TCP \$h $SINK_PORT')dnl
define(\`ESMTP_MAILER_ARGS', \`TCP \$h $SINK_PORT')dnl
define(\`LOCAL_MAILER_PATH', \`$DIR/deliver')dnl
define(\`LOCAL_MAILER_ARGS', \`deliver \$u')dnl
FEATURE(\`no_default_msa')dnl
FEATURE(\`use_cw_file')dnl
FEATURE(\`nocanonify')dnl
FEATURE(\`accept_unresolvable_domains')dnl
DAEMON_OPTIONS(\`Family=inet, Name=MTA-test, Addr=127.0.0.1, Port=$PORT')dnl
$milter
${SM_MC_EXTRA:-}
MODIFY_MAILER_FLAGS(\`LOCAL', \`-wm')dnl
MAILER(\`local')dnl
MAILER(\`smtp')dnl
EOF
}

# write_deliver - the local mailer: deliver [-f SENDER] USER (the f flag)
write_deliver() {
	cat >"$DIR/deliver" <<EOF
#!/bin/sh
# Local mailer of the test instance: append to $DIR/mail/USER (mbox).
sender=MAILER-DAEMON
if [ "\$1" = -f ]; then sender=\$2; shift 2; fi
user=\$1
case " $LOCAL_USERS " in
*" \$user "*) ;;
*) echo "\$user... unknown user" >&2; exit 67 ;;
esac
mbox="$DIR/mail/\$user"
{
	flock 9
	printf 'From %s %s\n' "\$sender" "\$(LC_ALL=C date)"
	sed 's/^From />From /'
	echo
} 9>>"\$mbox" >>"\$mbox"
EOF
	chmod 0755 "$DIR/deliver"
}

# write_tables - aliases, class w, service switch
write_tables() {
	printf 'mailer-daemon: postmaster\n' >"$DIR/etc/aliases"
	# shellcheck disable=SC2086
	printf '%s\n' example.com "$FQDN" localhost ${SM_CW_EXTRA:-} \
		>"$DIR/etc/local-host-names"
	printf 'hosts\tfiles\naliases\tfiles\n' >"$DIR/etc/service.switch"
	: >"$DIR/etc/helpfile"
}

# run_sendmail - run the unpacked sendmail with ARGS in a UTS namespace
run_sendmail() {
	exec unshare -u /bin/sh -c 'hostname "$1" && shift && exec "$@"' _ \
		"$FQDN" "$SENDMAIL" -C "$DIR/etc/sendmail.cf" "$@"
}

# start_sink - smtp-sink for every non-local domain
start_sink() {
	mkdir -p "$DIR/sink"
	chown postfix "$DIR/sink"
	smtp-sink -u postfix -d "$DIR/sink/%H%M%S." "127.0.0.1:$SINK_PORT" 100 \
		>"$DIR/sink.log" 2>&1 </dev/null &
	echo "$!" >"$DIR/sink.pid"
	if ! lg_wait_port "$SINK_PORT" 10; then
		cat "$DIR/sink.log" >&2 || true
		lg_die "smtp-sink did not listen on 127.0.0.1:$SINK_PORT"
	fi
}

# do_start - configure, then start smtp-sink and the daemon
do_start() {
	local pid
	: "${PORT:?set PORT to the daemon port}"
	: "${SINK_PORT:?set SINK_PORT to the smtp-sink port}"
	MILTER_SOCK=${MILTER_SOCK:-}
	lg_need_cmd m4 smtp-sink unshare flock ss
	[ "$(id -u)" -eq 0 ] || lg_die "must run as root"
	lg_port_listening "$PORT" && lg_die "port $PORT is already in use"
	lg_port_listening "$SINK_PORT" && lg_die "port $SINK_PORT is already in use"

	mkdir -p "$DIR/etc" "$DIR/queue" "$DIR/mail"
	chmod 0755 "$DIR" "$DIR/etc"
	chmod 0700 "$DIR/queue"
	chmod 1777 "$DIR/mail"
	write_mc
	write_deliver
	write_tables
	m4 -D_CF_DIR_="$CF/" "$CF/m4/cf.m4" "$DIR/etc/sendmail.mc" \
		>"$DIR/etc/sendmail.cf" 2>"$DIR/m4.log" ||
		{ cat "$DIR/m4.log" >&2; lg_die "m4 could not build sendmail.cf"; }
	[ -s "$DIR/m4.log" ] && { cat "$DIR/m4.log" >&2; lg_die "m4 complained"; }
	(run_sendmail -bi) >"$DIR/newaliases.log" 2>&1 ||
		{ cat "$DIR/newaliases.log" >&2; lg_die "sendmail -bi failed"; }
	printf 'PORT=%s\nSINK_PORT=%s\nMILTER_SOCK=%s\n' "$PORT" "$SINK_PORT" \
		"$MILTER_SOCK" >"$DIR/instance.env"

	start_sink
	rm -f "$DIR/sendmail.pid"
	(run_sendmail -bD -X "$DIR/traffic.log") \
		>"$DIR/sendmail.out" 2>&1 </dev/null &
	pid=$!
	echo "$pid" >"$DIR/daemon.pid"
	if ! lg_wait_port "$PORT" 15; then
		cat "$DIR/sendmail.out" >&2 || true
		do_stop || true
		lg_die "sendmail did not listen on 127.0.0.1:$PORT"
	fi
}

# do_bs - one SMTP session on stdin/stdout
do_bs() {
	[ -s "$DIR/etc/sendmail.cf" ] || lg_die "$DIR: run '$0 start $DIR' first"
	run_sendmail -bs
}

# child_pids - the PIDs of the children of PID
child_pids() { ps -o pid= --ppid "$1" 2>/dev/null | tr -d ' ' || true; }

# do_stop - stop the daemon, its children and smtp-sink; check the ports
do_stop() {
	local pid="" port sink_port kids k rc=0
	[ -f "$DIR/instance.env" ] || { lg_log "$DIR: no instance here"; return 0; }
	port=$(sed -n 's/^PORT=//p' "$DIR/instance.env")
	sink_port=$(sed -n 's/^SINK_PORT=//p' "$DIR/instance.env")
	[ -s "$DIR/daemon.pid" ] && pid=$(head -n 1 "$DIR/daemon.pid")
	if [ -n "$pid" ] && lg_alive "$pid"; then
		kids=$(child_pids "$pid")
		lg_kill_pid "$pid"
		# Session and delivery children normally go with the daemon.
		for k in $kids; do lg_kill_pid "$k"; done
	fi
	rm -f "$DIR/daemon.pid"
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

[ $# -eq 2 ] || lg_die "usage: $0 start|bs|stop DIR"
case $2 in
/*) DIR=$2 ;;
*) DIR=$(pwd)/$2 ;;
esac
SMROOT=$(lg_sendmail_root) || lg_die "no unpacked sendmail: run scripts/deps.sh test"
SENDMAIL=$SMROOT/usr/libexec/sendmail/sendmail
CF=$SMROOT/usr/share/sendmail/cf
case $1 in
start) mkdir -p "$DIR"; do_start ;;
bs) do_bs ;;
stop) do_stop ;;
*) lg_die "usage: $0 start|bs|stop DIR" ;;
esac
