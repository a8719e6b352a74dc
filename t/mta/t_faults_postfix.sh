#!/usr/bin/env bash
# t/mta/t_faults_postfix.sh - faults injected under load, through a real Postfix
#
# DESCRIPTION
#	A private Postfix (bench/mta.sh: example.com relayed to smtp-sink,
#	milter_default_action = tempfail) with loopguard on a unix socket,
#	every plugin but bounce active. smtp_load.py sends numbered messages
#	(8 sessions, retrying 4xx as a real client does); each case counts
#	the distinct numbers that reached the sink:
#	1. SIGKILL: the milter is killed mid-run and started again; every
#	   message arrives (the ones in flight were tempfailed and resent);
#	2. reload storm: SIGUSR1 every 100 ms during the whole run; every
#	   message arrives and not one transaction got a 4xx or 5xx;
#	3. mailer down: autoreplies wait in the outbox ("loopguardctl
#	   queue" lists them) while the mailer's SMTP server is away, and
#	   are all delivered, once each, when it is back;
#	4. full disk: snapshot and outbox on a full 64 KB tmpfs: the errors
#	   are logged and all mail still flows; then a corrupt snapshot at
#	   start: logged, moved aside, and mail flows;
#	   Then one message with a 70 KB header: it arrives.
#	5. Redis (with redis-server installed): the backend's server is
#	   killed mid-run and started again; all mail arrives, the daemon
#	   warns once and says when Redis is back.
#	Needs root; LG_FAULT_MSGS messages per case (default 2000).
#
# EXIT STATUS
#	0 all passed, 1 a check failed, 77 skipped (not root).
set -euo pipefail

mta_dir=$(cd "$(dirname "$0")" && pwd)
. "$mta_dir/../lib/mta.sh"
. "$mta_dir/../../bench/mta.sh"
LG_NAME=faults-postfix
N=${LG_FAULT_MSGS:-2000}

lg_need_root
lg_need_cmd postfix smtp-sink python3
lg_milter_setup
CTL=${LOOPGUARDCTL:-${top_builddir:-$mta_dir/../..}/loopguardctl}
work=$(lg_workdir faults-postfix)
lg_install_trap
lg_at_exit '[ "${LG_EXIT_RC:-1}" -eq 0 ] && [ -z "${LG_KEEP:-}" ] && rm -rf "$work" || lg_log "work folder kept: $work"'
lg_at_exit bench_stop_all

sock=$(lg_milter_sockpath "$work")
ctl_sock=$work/ctl.sock
log=$work/loopguard.log
: >"$log"
printf 'alice@example.com\nbob@example.com\npostmaster@example.com\n' >"$work/rcpts"
printf 'Hello,\n%%{recipients} does not exist here.\n' >"$work/autoreply.txt"
lg_pick_port MAILER_PORT

# conf STATE_DIR [STATE] - the daemon's config, outbox (and snapshot) in
#	STATE_DIR; STATE replaces the memory backend's settings
conf() {
	local d=$1
	local state=${2:-"backend = \"memory\"; snapshot = \"$d/state.snap\"; snapshot_interval = \"1s\";"}
	mkdir -p "$d/outbox"
	cat >"$work/lg.conf" <<EOF
socket = "unix:$sock";
socket_mode = "0666";
control = "unix:$ctl_sock";
plugin_dir = "$LG_PLUGIN_DIR";
local_domains = [ "example.com" ];
recipients = [ "$work/rcpts" ];
trusted_networks = [ "127.0.0.0/8" ];
state = { $state };
mailer = { method = "smtp"; host = "127.0.0.1"; port = $MAILER_PORT;
           outbox = "$d/outbox"; timeout = "5s"; };
plugins = (
  { name = "harvest"; }, { name = "repeat"; }, { name = "catchall"; },
  { name = "autoreply"; template = "$work/autoreply.txt"; }
);
EOF
	lg_milter_check "$work/lg.conf"
}

# delivered TAG - distinct numbered messages of TAG at the Postfix sink
delivered() {
	grep -h "^Subject: $1 " "$work/sink"/* 2>/dev/null | sort -u | wc -l
}

# wait_delivered TAG COUNT - until the sink has COUNT (60 s without progress)
wait_delivered() {
	local got last=-1 still=0
	while :; do
		got=$(delivered "$1")
		[ "$got" -ge "$2" ] && return 0
		if [ "$got" -eq "$last" ]; then
			still=$((still + 1))
			[ "$still" -ge 120 ] && return 1
		else
			still=0 last=$got
		fi
		sleep 0.5
	done
}

# load TAG COUNT [ARGS] - smtp_load.py; its summary line in WORK/TAG.load
load() {
	local tag=$1 n=$2
	shift 2
	python3 "$lg_mta_dir/smtp_load.py" "$PF_PORT" "$tag" "$n" \
		--to alice@example.com,nosuch@example.com,someone@external.test "$@" \
		2>&1 | tail -n 1 >"$work/$tag.load" || true
	lg_log "$tag: $(cat "$work/$tag.load")"
}

# field TAG NAME - a number from TAG's load summary
field() { sed -n "s/.*\\b$2=\\([0-9.]*\\).*/\\1/p" "$work/$1.load"; }

# all_arrived TAG - every number of TAG is at the sink
all_arrived() {
	local got
	wait_delivered "$1" "$N" || true
	got=$(delivered "$1")
	lg_log "$1: $got of $N at the sink"
	[ "$got" -eq "$N" ]
}

# --- the MTA, the daemon -------------------------------------------------
lg_pick_port PF_PORT
lg_pick_port SINK_PORT
bench_sink_start "$work/sink" "$SINK_PORT" || lg_die "smtp-sink did not start"
bench_postfix_start "$work/pf" "$PF_PORT" "$SINK_PORT" "unix:$sock" ||
	lg_die "Postfix did not start"
conf "$work/state"
lg_milter_start "$work/lg.conf" "$log" "$sock" || lg_die "loopguard did not start"

# --- 1. SIGKILL mid-run ---------------------------------------------------
load kill "$N" &
loader=$!
wait_delivered kill $((N / 3)) || true
kill -KILL "$LG_MILTER_PID"
wait "$LG_MILTER_PID" 2>/dev/null || true
lg_log "kill: loopguard killed with $(delivered kill) of $N delivered"
sleep 1
lg_milter_start "$work/lg.conf" "$log" "$sock" || lg_die "loopguard did not restart"
wait "$loader" || true
lg_check "SIGKILL mid-run: every message delivered" all_arrived kill
lg_check "SIGKILL mid-run: the client saw tempfails and resent ($(field kill retries) retries), none failed" \
	test "$(field kill retries)" -gt 0 -a "$(field kill failed)" -eq 0 -a "$(field kill rejected)" -eq 0

# --- 2. reload storm ------------------------------------------------------
before=$(grep -c 'reloaded' "$log" || true)
load storm "$N" &
loader=$!
while lg_alive "$loader"; do
	kill -USR1 "$LG_MILTER_PID"
	sleep 0.1
done
wait "$loader" || true
reloads=$(( $(grep -c 'reloaded' "$log") - before ))
lg_log "storm: $reloads reloads during the run"
lg_check "reload storm: every message delivered" all_arrived storm
lg_check "reload storm: no 4xx or 5xx at all" \
	test "$(field storm tempfails)" -eq 0 -a "$(field storm rejected)" -eq 0
lg_check "reload storm: reloads happened ($reloads)" test "$reloads" -ge 5
lg_check "reload storm: the daemon is the same process" lg_alive "$LG_MILTER_PID"

# --- 3. the mailer's server is down ---------------------------------------
for i in $(seq 1 10); do
	python3 "$lg_mta_dir/smtp_load.py" "$PF_PORT" "ar$i" 1 --sessions 1 \
		--from alice@example.com --to "nosuch-ar$i@example.com" >/dev/null
done
queued() { "$CTL" -s "unix:$ctl_sock" queue 2>/dev/null | grep -c 'alice@example.com' || true; }
wait_queued() {
	local i
	for ((i = 0; i < 100; i++)); do
		[ "$(queued)" -ge 10 ] && return 0
		sleep 0.2
	done
	return 1
}
lg_check "mailer down: 10 autoreplies wait in the outbox (loopguardctl queue)" wait_queued
lg_check "mailer down: the failed attempts are logged" \
	grep -q 'mailer\|outbox' "$log"
bench_sink_start "$work/replies" "$MAILER_PORT" || lg_die "reply sink did not start"
"$CTL" -s "unix:$ctl_sock" queue retry --all >/dev/null
replies() { grep -l '^Subject: Address not found' "$work/replies"/* 2>/dev/null | wc -l; }
wait_replies() {
	local i
	for ((i = 0; i < 200; i++)); do
		[ "$(replies)" -ge 10 ] && [ "$(queued)" -eq 0 ] && return 0
		sleep 0.2
	done
	return 1
}
lg_check "mailer back: the 10 autoreplies are delivered and the queue is empty" wait_replies
sleep 1
lg_check "mailer back: each autoreply was sent once ($(replies))" test "$(replies)" -eq 10

# --- 4. full disk, then a corrupt snapshot ---------------------------------
lg_milter_stop
full=$work/full
mkdir -p "$full"
if mount -t tmpfs -o size=64k tmpfs "$full" 2>/dev/null; then
	lg_at_exit "umount -l '$full'"
	conf "$full"
	dd if=/dev/zero of="$full/filler" bs=4k 2>/dev/null || true
	mark=$(wc -l <"$log")
	lg_milter_start "$work/lg.conf" "$log" "$sock" || lg_die "loopguard did not start on a full disk"
	load full "$N" --from bob@example.com
	# an autoreply into the full outbox
	python3 "$lg_mta_dir/smtp_load.py" "$PF_PORT" fullar 1 --sessions 1 \
		--from alice@example.com --to nosuch-full@example.com >/dev/null
	sleep 2
	lg_check "full disk: every message delivered" all_arrived full
	lg_check "full disk: the snapshot failure is logged" \
		sh -c "tail -n +$mark '$log' | grep -q 'cannot save snapshot.*No space left'"
	lg_check "full disk: the outbox failure is logged" \
		sh -c "tail -n +$mark '$log' | grep -q 'outbox.*No space left'"
	lg_milter_stop
	lg_check "full disk: the daemon stopped cleanly (status $LG_MILTER_STATUS)" \
		test "$LG_MILTER_STATUS" -eq 0
	conf "$work/state"
else
	lg_log "full disk: mount -t tmpfs refused here; that part is skipped"
fi
head -c 3000 /dev/urandom >"$work/state/state.snap"
mark=$(wc -l <"$log")
lg_milter_start "$work/lg.conf" "$log" "$sock" || lg_die "loopguard did not start with a corrupt snapshot"
load corrupt "$N"
lg_check "corrupt snapshot: every message delivered" all_arrived corrupt
lg_check "corrupt snapshot: logged and moved aside" \
	sh -c "tail -n +$mark '$log' | grep -q 'snapshot .* is unusable' && ls '$work/state'/state.snap.corrupt-* >/dev/null"

# --- a 64 KB header through Postfix (miltertest cannot send one) --------
big_header() {
	python3 - "$PF_PORT" <<'PY'
import smtplib, sys
value = " ".join(["word%05d" % i for i in range(7000)])	# ~70 KB, folded by Postfix
msg = ("From: <sender@example.org>\r\nTo: <nosuch@example.com>\r\n"
       "Subject: bigheader 1\r\nX-Huge: " + value + "\r\n\r\nbody\r\n")
s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=60)
s.sendmail("sender@example.org", ["nosuch@example.com"], msg)
s.quit()
PY
}
lg_check "a 64 KB header: accepted and redirected" big_header
lg_check "a 64 KB header: delivered" wait_delivered bigheader 1

# --- 5. Redis killed mid-run ----------------------------------------------
if command -v redis-server >/dev/null 2>&1; then
	lg_milter_stop
	rsock=$work/redis.sock
	redis_start() {
		redis-server --port 0 --unixsocket "$rsock" --unixsocketperm 700 \
			--save '' --appendonly no --daemonize no \
			--logfile "$work/redis.log" </dev/null &
		REDIS_PID=$!
		lg_at_exit "lg_kill_pid $REDIS_PID"
		lg_wait_file "$rsock" 10
	}
	redis_start
	conf "$work/state" "backend = \"redis\"; server = \"unix:$rsock\";"
	mark=$(wc -l <"$log")
	lg_milter_start "$work/lg.conf" "$log" "$sock" || lg_die "loopguard did not start with Redis"
	load redis "$N" &
	loader=$!
	wait_delivered redis $((N / 3)) || true
	lg_kill_pid "$REDIS_PID"
	lg_log "redis: killed with $(delivered redis) of $N delivered"
	sleep 3
	redis_start
	wait "$loader" || true
	lg_check "Redis killed: every message delivered" all_arrived redis
	lg_check "Redis killed: no message refused" \
		test "$(field redis rejected)" -eq 0 -a "$(field redis failed)" -eq 0
	lg_check "Redis killed: one warning that it is unreachable" \
		sh -c "tail -n +$mark '$log' | grep -q 'redis .* unreachable'"
	back() {
		local i
		python3 "$lg_mta_dir/smtp_load.py" "$PF_PORT" after 5 --sessions 1 >/dev/null
		for ((i = 0; i < 150; i++)); do
			tail -n +"$mark" "$log" | grep -q 'is back' && return 0
			sleep 0.2
		done
		return 1
	}
	lg_check "Redis back: the daemon reconnects" back
fi

lg_milter_stop
lg_check "the daemon stopped cleanly (status $LG_MILTER_STATUS)" test "$LG_MILTER_STATUS" -eq 0
lg_check "no sanitizer report in the daemon's log" lg_milter_log_clean
lg_summary "faults-postfix"
