# bench/mta.sh - private Postfix and Sendmail instances for bench/run (sourced)
# shellcheck shell=bash
#
# SYNOPSIS
#	. bench/mta.sh		(after t/lib/mta.sh, for lg_* helpers)
#	bench_sink_start DIR PORT
#	bench_postfix_start DIR PORT SINK_PORT MILTER
#	bench_sendmail_start DIR PORT SINK_PORT MILTER_SOCK
#	bench_e2e_run PORT SINK_DIR MESSAGES	-> "RATE SECONDS DELIVERED"
#	bench_stop_all
#	bench_scratch NAME	-> work, PIDS; cleans up at exit
#
# DESCRIPTION
#	Unlike the test harness (t/lib/postfix.sh), nothing is delivered
#	locally: example.com is a relay domain and every message, whatever
#	its recipient, goes to one smtp-sink, where it is counted. Each
#	instance listens on 127.0.0.1 only and has its own folder, ports
#	and sink, so the variants (no milter, null milter, loopguard) run
#	side by side and their runs can be interleaved.
#
#	Postfix: own main.cf/master.cf under DIR/etc (always an absolute
#	-c), queue and data folders, maillog_file, every service
#	non-chrooted, smtpd on 127.0.0.1:PORT, no local recipient checks,
#	relayhost = the sink. MILTER is a Postfix milter address
#	(inet:127.0.0.1:PORT or unix:/path; empty: none). Mail for
#	discard.test (the latency probe's) passes the milter and the
#	queue like the rest, then goes to Postfix's discard transport,
#	not to the sink, so it never counts as delivered.
#
#	Sendmail: unpacked from the Debian packages (t/lib/mta.sh finds
#	it), run as "sendmail -bD" in its own UTS namespace with an FQDN,
#	load-average limits off, background delivery, SMART_HOST = the
#	sink, the milter on a unix socket (F=T: tempfail when it is down).
#
#	Everything started is recorded in BENCH_PIDS / BENCH_POSTFIX and
#	stopped by PID in bench_stop_all.
#
# DIAGNOSTICS
#	Functions return 1 with a message on stderr; logs stay in DIR.

BENCH_PIDS=()		# smtp-sink and sendmail daemons
BENCH_POSTFIX=()	# Postfix config folders
BENCH_SENDMAIL=()	# Sendmail daemon PIDs (their children go too)

# bench_sink_start - smtp-sink on 127.0.0.1:PORT dumping into DIR
bench_sink_start() {
	local dir=$1 port=$2
	mkdir -p "$dir"
	chown postfix "$dir"
	smtp-sink -u postfix -d "$dir/%H%M%S." "127.0.0.1:$port" 256 \
		>"$dir.log" 2>&1 </dev/null &
	BENCH_PIDS+=("$!")
	lg_wait_port "$port" 10 || { cat "$dir.log" >&2; return 1; }
}

# bench_postfix_start - configure and start one private Postfix
bench_postfix_start() {
	local dir=$1 port=$2 sink=$3 milter=$4
	mkdir -p "$dir/etc" "$dir/queue" "$dir/data"
	chmod 0755 "$dir" "$dir/etc" "$dir/queue"
	chown postfix "$dir/data"
	cat >"$dir/etc/main.cf" <<EOF
# Benchmark instance written by bench/mta.sh
compatibility_level = 3.6
queue_directory = $dir/queue
data_directory = $dir/data
mail_owner = postfix
setgid_group = postdrop
maillog_file = $dir/maillog
maillog_file_prefixes = $dir
syslog_name = postfix-bench
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
myhostname = mx.bench.test
mydomain = bench.test
myorigin = \$myhostname
mydestination =
local_recipient_maps =
relay_domains = example.com, discard.test
relay_recipient_maps =
transport_maps = inline:{discard.test=discard:}
relayhost = [127.0.0.1]:$sink
smtp_dns_support_level = disabled
smtp_host_lookup = native
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
smtpd_peername_lookup = no
smtpd_error_sleep_time = 0
in_flow_delay = 0
alias_maps =
alias_database =
biff = no
append_dot_mydomain = no
delay_warning_time = 0
smtpd_milters = $milter
non_smtpd_milters =
milter_default_action = tempfail
milter_connect_timeout = 5s
milter_command_timeout = 15s
milter_content_timeout = 30s
EOF
	cat >"$dir/etc/master.cf" <<EOF
127.0.0.1:$port inet n - n - - smtpd
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
anvil     unix  - - n - 1 anvil
scache    unix  - - n - 1 scache
postlog   unix-dgram n - n - 1 postlogd
EOF
	BENCH_POSTFIX+=("$dir")
	postfix -c "$dir/etc" start >"$dir/start.log" 2>&1 ||
		{ cat "$dir/start.log" >&2; return 1; }
	lg_wait_port "$port" 15 ||
		{ tail -n 20 "$dir/maillog" >&2; return 1; }
}

# bench_postfix_stop - "postfix stop", then wait for the master by PID
bench_postfix_stop() {
	local dir=$1 pid=""
	[ -s "$dir/queue/pid/master.pid" ] &&
		pid=$(head -n 1 "$dir/queue/pid/master.pid" | tr -d ' ')
	postfix -c "$dir/etc" stop >>"$dir/start.log" 2>&1 || true
	[ -n "$pid" ] && lg_kill_pid "$pid"
	return 0
}

# bench_sendmail_start - configure and start one private Sendmail
bench_sendmail_start() {
	local dir=$1 port=$2 sink=$3 sock=$4 root cf milter="" pid
	root=$(lg_sendmail_root) ||
		{ echo "no unpacked sendmail: run scripts/deps.sh test" >&2; return 1; }
	cf=$root/usr/share/sendmail/cf
	BENCH_SM_BIN=$root/usr/libexec/sendmail/sendmail
	mkdir -p "$dir/etc" "$dir/queue"
	chmod 0755 "$dir" "$dir/etc"
	chmod 0700 "$dir/queue"
	[ -n "$sock" ] && milter="INPUT_MAIL_FILTER(\`bench', \`S=unix:$sock, F=T, T=S:10s;R:10s;E:1m')dnl"
	cat >"$dir/etc/sendmail.mc" <<EOF
divert(-1)
# Benchmark instance written by bench/mta.sh
divert(0)dnl
OSTYPE(\`linux')dnl
define(\`confDONT_BLAME_SENDMAIL', \`TrustStickyBit')dnl
define(\`QUEUE_DIR', \`$dir/queue')dnl
define(\`ALIAS_FILE', \`$dir/etc/aliases')dnl
define(\`confSERVICE_SWITCH_FILE', \`$dir/etc/service.switch')dnl
define(\`confPID_FILE', \`$dir/sendmail.pid')dnl
define(\`confCW_FILE', \`$dir/etc/local-host-names')dnl
define(\`STATUS_FILE', \`$dir/etc/statistics')dnl
define(\`HELP_FILE', \`$dir/etc/helpfile')dnl
define(\`confHOST_STATUS_DIRECTORY', \`')dnl
define(\`confDOMAIN_NAME', \`mx.bench.test')dnl
define(\`confDONT_PROBE_INTERFACES', \`True')dnl
define(\`confTO_IDENT', \`0')dnl
define(\`confDELIVERY_MODE', \`background')dnl
define(\`confQUEUE_LA', \`1000')dnl
define(\`confREFUSE_LA', \`1000')dnl
define(\`confDELAY_LA', \`0')dnl
define(\`confMAX_DAEMON_CHILDREN', \`0')dnl
define(\`confCONNECTION_RATE_THROTTLE', \`0')dnl
define(\`confLOG_LEVEL', \`0')dnl
define(\`SMART_HOST', \`relay:[127.0.0.1]')dnl
define(\`RELAY_MAILER_ARGS', \`TCP \$h $sink')dnl
define(\`ESMTP_MAILER_ARGS', \`TCP \$h $sink')dnl
FEATURE(\`no_default_msa')dnl
FEATURE(\`use_cw_file')dnl
FEATURE(\`nocanonify')dnl
FEATURE(\`accept_unresolvable_domains')dnl
DAEMON_OPTIONS(\`Family=inet, Name=MTA-bench, Addr=127.0.0.1, Port=$port')dnl
$milter
MAILER(\`local')dnl
MAILER(\`smtp')dnl
EOF
	printf 'postmaster: root\n' >"$dir/etc/aliases"
	printf '%s\n' mx.bench.test localhost >"$dir/etc/local-host-names"
	printf 'hosts\tfiles\naliases\tfiles\n' >"$dir/etc/service.switch"
	: >"$dir/etc/helpfile"
	m4 -D_CF_DIR_="$cf/" "$cf/m4/cf.m4" "$dir/etc/sendmail.mc" \
		>"$dir/etc/sendmail.cf" 2>"$dir/m4.log" && [ ! -s "$dir/m4.log" ] ||
		{ cat "$dir/m4.log" >&2; return 1; }
	bench_sendmail_exec "$dir" -bi >"$dir/newaliases.log" 2>&1 ||
		{ cat "$dir/newaliases.log" >&2; return 1; }
	bench_sendmail_exec "$dir" -bD >"$dir/sendmail.out" 2>&1 </dev/null &
	pid=$!
	BENCH_SENDMAIL+=("$pid")
	lg_wait_port "$port" 15 || { cat "$dir/sendmail.out" >&2; return 1; }
}

# bench_sendmail_exec - run the unpacked sendmail with DIR's config in a
#	UTS namespace named mx.bench.test (no 60 s wait for an FQDN)
bench_sendmail_exec() {
	local dir=$1
	shift
	unshare -u /bin/sh -c 'hostname mx.bench.test && exec "$@"' _ \
		"$BENCH_SM_BIN" -C "$dir/etc/sendmail.cf" "$@"
}

# bench_sendmail_stop - the daemon, then any children it left
bench_sendmail_stop() {
	local pid=$1 kids k
	kids=$(ps -o pid= --ppid "$pid" 2>/dev/null | tr -d ' ' || true)
	lg_kill_pid "$pid"
	for k in $kids; do lg_kill_pid "$k"; done
}

# bench_stop_all - stop every MTA and sink started here, by PID
bench_stop_all() {
	local d p
	for d in "${BENCH_POSTFIX[@]}"; do bench_postfix_stop "$d"; done
	for p in "${BENCH_SENDMAIL[@]}"; do bench_sendmail_stop "$p"; done
	for p in "${BENCH_PIDS[@]}"; do lg_kill_pid "$p"; done
	BENCH_POSTFIX=()
	BENCH_SENDMAIL=()
	BENCH_PIDS=()
}

# bench_count - messages dumped in a sink folder
bench_count() {
	find "$1" -maxdepth 1 -type f -name '[0-9]*.*' 2>/dev/null | wc -l
}

# bench_e2e_run - MESSAGES of 5 KB through the MTA on PORT in 20 SMTP
#	sessions: half to a valid local address, a quarter to an unknown
#	one, a quarter to an external domain (three smtp-source processes,
#	one message per session as an MX sees). Waits until the sink holds
#	them all (or nothing arrived for BENCH_E2E_STALL seconds) and prints
#	"RATE SECONDS DELIVERED": messages per second from the first
#	connection to the last file at the sink.
bench_e2e_run() {
	local port=$1 sink=$2 n=$3 t0 t1 got last=-1 still=0 rc=0 p
	local -a pids=()
	local q=$((n / 4))
	find "$sink" -maxdepth 1 -type f -delete
	t0=$EPOCHREALTIME
	smtp-source -l 5120 -m $((n - 2 * q)) -s 10 -f sender@example.org \
		-t alice@example.com "127.0.0.1:$port" >>"$sink.source.log" 2>&1 &
	pids+=("$!")
	smtp-source -l 5120 -m "$q" -s 5 -f sender@example.org \
		-t nosuch@example.com "127.0.0.1:$port" >>"$sink.source.log" 2>&1 &
	pids+=("$!")
	smtp-source -l 5120 -m "$q" -s 5 -f sender@example.org \
		-t someone@external.test "127.0.0.1:$port" >>"$sink.source.log" 2>&1 &
	pids+=("$!")
	for p in "${pids[@]}"; do wait "$p" || rc=1; done
	[ "$rc" -eq 0 ] || echo "smtp-source failed; see $sink.source.log" >&2
	while :; do
		got=$(bench_count "$sink")
		[ "$got" -ge "$n" ] && break
		if [ "$got" -eq "$last" ]; then
			still=$((still + 1))
			[ "$still" -ge $((${BENCH_E2E_STALL:-15} * 10)) ] && break
		else
			still=0
			last=$got
		fi
		sleep 0.1
	done
	t1=$(find "$sink" -maxdepth 1 -type f -printf '%T@\n' | sort -n | tail -n 1)
	awk -v n="$got" -v t0="$t0" -v t1="${t1:-$t0}" 'BEGIN {
		d = t1 - t0; if (d <= 0) d = 1e-9
		printf "%.1f %.3f %d\n", n / d, d, n }'
}

# bench_scratch NAME - work: a new scratch folder, PIDS: the caller's
#	daemons. At exit everything started (bench_stop_all, PIDS) is
#	stopped by PID, and the folder removed unless the script failed or
#	BENCH_KEEP is set.
bench_scratch() {
	BENCH_SCRATCH_NAME=$1
	work=$(mktemp -d "${BENCH_TMPDIR:-/var/tmp}/lg$1.XXXXXX")
	chmod 0755 "$work"
	PIDS=()
	trap bench_scratch_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

bench_scratch_cleanup() {
	local rc=$? p
	trap - EXIT
	bench_stop_all
	for p in "${PIDS[@]}"; do lg_kill_pid "$p"; done
	if [ "$rc" -eq 0 ] && [ -z "${BENCH_KEEP:-}" ]; then
		rm -rf "$work"
	else
		echo "$BENCH_SCRATCH_NAME: scratch folder kept: $work" >&2
	fi
	exit "$rc"
}
