# t/lib/mta.sh - shared helpers for the real-MTA tests (sourced, bash)
# shellcheck shell=bash
#
# SYNOPSIS
#	. "$mta_dir/../lib/mta.sh"
#
# DESCRIPTION
#	Ports, waiting, sending with swaks, reading mailboxes and smtp-sink
#	dumps, a tiny SMTP client for multi-message sessions, a result
#	counter, and cleanup that stops what a test started by PID only.
#
#	Mailboxes are mbox files, one per user, DIR/mail/USER; a message
#	starts with a "From " line (bodies are ">From "-quoted).
#
# ENVIRONMENT
#	LG_TIMEOUT	seconds to wait for a delivery (default 10)
#	LG_SETTLE	grace before checking that something did NOT happen
#			(default 0.5)
#	LG_KEEP		keep the work folder even when every check passed

# lg_mta_dir: this folder (t/lib), with postfix.sh, sendmail.sh, smtp_load.py
lg_mta_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LG_TIMEOUT=${LG_TIMEOUT:-30}
LG_PASS=0
LG_FAIL=0
LG_FAILED_NAMES=()
LG_PICKED_PORTS=" "
LG_CLEANUP=()

# lg_log - print a progress line on stderr
lg_log() { printf '%s: %s\n' "${LG_NAME:-mta}" "$*" >&2; }

# lg_die - print an error and exit 1 (cleanup runs from the EXIT trap)
lg_die() { printf '%s: error: %s\n' "${LG_NAME:-mta}" "$*" >&2; exit 1; }

# lg_skip - exit 77, the automake code for a skipped test
lg_skip() { printf '%s: skipped: %s\n' "${LG_NAME:-mta}" "$*" >&2; exit 77; }

# lg_need_root - skip unless root (the MTAs need it)
lg_need_root() {
	[ "$(id -u)" -eq 0 ] || lg_skip "needs root to run private MTA instances"
}

# lg_need_cmd - fail when a command is missing
lg_need_cmd() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 ||
			lg_die "$c not found: run scripts/deps.sh test"
	done
}

# lg_sendmail_root - print the folder where scripts/deps.sh unpacked sendmail
lg_sendmail_root() {
	local d
	for d in "${LOOPGUARD_SENDMAIL_ROOT:-}" \
		"${LOOPGUARD_TEST_CACHE:+$LOOPGUARD_TEST_CACHE/sendmail-root}" \
		/var/cache/loopguard-test/sendmail-root \
		"$lg_mta_dir/../tmp/sendmail-root"; do
		if [ -n "$d" ] && [ -x "$d/usr/libexec/sendmail/sendmail" ]; then
			(cd "$d" && pwd)
			return 0
		fi
	done
	return 1
}

# lg_workdir - make a fresh work folder, print it. It lives in the build
#	tree's t/tmp when the MTAs' unprivileged users (postfix, nobody)
#	can reach it there, else in ${TMPDIR:-/tmp}.
lg_workdir() {
	local base=${top_builddir:-$lg_mta_dir/../..}/t/tmp d
	mkdir -p "$base"
	base=$(cd "$base" && pwd)
	if ! runuser -u nobody -- test -x "$base" 2>/dev/null; then
		base=${TMPDIR:-/tmp}
	fi
	d=$(mktemp -d "$base/$1.XXXXXX")
	# The MTAs' unprivileged users must reach sockets and mailboxes.
	chmod 0755 "$d"
	printf '%s\n' "$d"
}

# lg_at_exit - run a command when the script ends (last added runs first)
lg_at_exit() { LG_CLEANUP+=("$*"); }

# lg_run_cleanup - run the registered cleanup commands, newest first
lg_run_cleanup() {
	local i
	for ((i = ${#LG_CLEANUP[@]} - 1; i >= 0; i--)); do
		eval "${LG_CLEANUP[i]}" || true
	done
	LG_CLEANUP=()
}

# lg_install_trap - stop everything on exit, signals included; the exit
#	status is in LG_EXIT_RC while the cleanup runs
lg_install_trap() {
	trap 'LG_EXIT_RC=$?; lg_run_cleanup' EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

# lg_alive - true when PID runs (a zombie, not yet reaped, counts as gone)
lg_alive() {
	local st
	st=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
	case $st in '' | Z*) return 1 ;; esac
}

# lg_kill_pid - stop one process we started: TERM, wait, then KILL
lg_kill_pid() {
	local pid=$1 i
	[ -n "$pid" ] || return 0
	lg_alive "$pid" || { wait "$pid" 2>/dev/null || true; return 0; }
	kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < 100; i++)); do
		if ! lg_alive "$pid"; then
			# Reap it if it is our child.
			wait "$pid" 2>/dev/null || true
			return 0
		fi
		sleep 0.05
	done
	lg_log "pid $pid ignored SIGTERM for 5s; sending SIGKILL"
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

# lg_kill_pidfile - stop the process named in a pid file, if any
lg_kill_pidfile() {
	local pid
	[ -s "$1" ] || return 0
	pid=$(head -n 1 "$1")
	case $pid in '' | *[!0-9]*) return 0 ;; esac
	lg_kill_pid "$pid"
}

# lg_port_listening - true when something listens on 127.0.0.1:PORT (tcp)
lg_port_listening() {
	[ -n "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]
}

# lg_pick_port - set VAR to a free loopback port in [LO, HI] (default
#	20000-32000, below Linux's ephemeral range); never twice per script
lg_pick_port() {
	local var=$1 lo=${2:-20000} hi=${3:-32000} p i
	for ((i = 0; i < 200; i++)); do
		p=$((lo + (RANDOM * 32768 + RANDOM) % (hi - lo + 1)))
		case $LG_PICKED_PORTS in *" $p "*) continue ;; esac
		lg_port_listening "$p" && continue
		LG_PICKED_PORTS="$LG_PICKED_PORTS$p "
		printf -v "$var" '%s' "$p"
		return 0
	done
	lg_die "no free port in $lo-$hi"
}

# lg_wait_port - wait until 127.0.0.1:PORT listens (default 15 s)
lg_wait_port() {
	local port=$1 secs=${2:-15} i
	for ((i = 0; i < secs * 20; i++)); do
		lg_port_listening "$port" && return 0
		sleep 0.05
	done
	return 1
}

# lg_wait_port_closed - wait until nothing listens on PORT (default 10 s)
lg_wait_port_closed() {
	local port=$1 secs=${2:-10} i
	for ((i = 0; i < secs * 20; i++)); do
		lg_port_listening "$port" || return 0
		sleep 0.05
	done
	return 1
}

# lg_wait_file - wait until PATH exists (a socket, a pid file; default 15 s)
lg_wait_file() {
	local path=$1 secs=${2:-15} i
	for ((i = 0; i < secs * 20; i++)); do
		[ -e "$path" ] && return 0
		sleep 0.05
	done
	return 1
}

# lg_mbox_count - number of messages in an mbox file (0 when absent)
lg_mbox_count() {
	[ -f "$1" ] || { echo 0; return; }
	grep -c '^From ' "$1" || true
}

# lg_mbox_last - print the last message of an mbox file
lg_mbox_last() {
	[ -f "$1" ] || return 0
	awk '/^From /{n++; buf=""} {buf = buf $0 "\n"} END {printf "%s", buf}' "$1"
}

# lg_wait_count - wait until an mbox holds at least N messages
lg_wait_count() {
	local file=$1 want=$2 secs=${3:-$LG_TIMEOUT} i
	for ((i = 0; i < secs * 20; i++)); do
		[ "$(lg_mbox_count "$file")" -ge "$want" ] && return 0
		sleep 0.05
	done
	return 1
}

# lg_mbox_with - print the messages of an mbox that contain STRING
lg_mbox_with() {
	[ -f "$1" ] || return 0
	awk -v s="$2" '
		function flush() { if (buf != "" && index(buf, s)) printf "%s", buf }
		/^From / { flush(); buf = "" }
		{ buf = buf $0 "\n" }
		END { flush() }' "$1"
}

# lg_mbox_count_with - number of messages of an mbox that contain STRING
lg_mbox_count_with() {
	lg_mbox_with "$1" "$2" | grep -c '^From ' || true
}

# lg_wait_mbox_with - wait until N (default 1) messages contain STRING
lg_wait_mbox_with() {
	local file=$1 str=$2 want=${3:-1} secs=${4:-$LG_TIMEOUT} i
	for ((i = 0; i < secs * 20; i++)); do
		[ "$(lg_mbox_count_with "$file" "$str")" -ge "$want" ] && return 0
		sleep 0.05
	done
	return 1
}

# lg_sink_count - number of smtp-sink dumps in a folder
lg_sink_count() {
	find "$1" -type f 2>/dev/null | wc -l
}

# lg_sink_grep - list the sink dumps that contain a fixed string
lg_sink_grep() {
	find "$1" -type f -print0 2>/dev/null | xargs -0 -r grep -l -F -e "$2" --
}

# lg_wait_sink - wait until some sink dump contains STRING
lg_wait_sink() {
	local dir=$1 str=$2 secs=${3:-$LG_TIMEOUT} i
	for ((i = 0; i < secs * 20; i++)); do
		[ -n "$(lg_sink_grep "$dir" "$str")" ] && return 0
		sleep 0.05
	done
	return 1
}

# lg_settle - a short grace for checks that something did NOT happen
lg_settle() { sleep "${LG_SETTLE:-0.5}"; }

# lg_send - send one message with swaks; extra args are passed on.
#	PORT is a TCP port, or "pipe:COMMAND" for swaks --pipe.
#	The transcript goes to $LG_SWAKS_LOG (appended); the exit code is
#	swaks's (0 ok, 23 MAIL, 24 no RCPT accepted, 25/26 DATA).
lg_send() {
	local port=$1 rc=0
	shift
	local -a how
	case $port in
	pipe:*) how=(--pipe "${port#pipe:}") ;;
	*) how=(--server "127.0.0.1:$port") ;;
	esac
	{
		printf '=== swaks %s %s\n' "${how[*]}" "$*"
		timeout 60 swaks "${how[@]}" --helo client.external.test \
			--timeout 30 --hide-informational "$@" 2>&1 || rc=$?
		printf '=== exit %s\n' "$rc"
	} >>"${LG_SWAKS_LOG:-/dev/null}"
	return "$rc"
}

# lg_last_transcript - print the last swaks transcript from $LG_SWAKS_LOG
lg_last_transcript() {
	awk '/^=== swaks /{buf=""} {buf = buf $0 "\n"} END {printf "%s", buf}' \
		"${LG_SWAKS_LOG:-/dev/null}"
}

# lg_smtp_open - open a raw SMTP session on 127.0.0.1:PORT (fd in LG_SMTP_FD)
lg_smtp_open() {
	exec {LG_SMTP_FD}<>"/dev/tcp/127.0.0.1/$1" || return 1
	lg_smtp_reply
}

# lg_smtp_reply - read one (multi-line) reply; sets LG_SMTP_CODE, LG_SMTP_TEXT
lg_smtp_reply() {
	local line
	LG_SMTP_CODE=
	LG_SMTP_TEXT=
	while IFS= read -r -t 60 -u "$LG_SMTP_FD" line; do
		line=${line%$'\r'}
		LG_SMTP_TEXT="$LG_SMTP_TEXT$line"$'\n'
		printf 'S: %s\n' "$line" >>"${LG_SWAKS_LOG:-/dev/null}"
		if [ "${line:3:1}" != "-" ]; then
			LG_SMTP_CODE=${line:0:3}
			return 0
		fi
	done
	LG_SMTP_CODE=000
	return 1
}

# lg_smtp_cmd - send one command line and read the reply
lg_smtp_cmd() {
	printf 'C: %s\n' "$1" >>"${LG_SWAKS_LOG:-/dev/null}"
	printf '%s\r\n' "$1" >&"$LG_SMTP_FD" || { LG_SMTP_CODE=000; return 1; }
	lg_smtp_reply
}

# lg_smtp_expect - send a command; fail unless the reply code starts with X
lg_smtp_expect() {
	lg_smtp_cmd "$2" || true
	case $LG_SMTP_CODE in
	"$1"*) return 0 ;;
	*) lg_log "SMTP '$2' got '${LG_SMTP_TEXT%$'\n'}'"; return 1 ;;
	esac
}

# lg_smtp_message - one transaction: FROM, "RCPT...", then a small body.
#	Returns 0 when the message was accepted (250 after the dot).
lg_smtp_message() {
	local from=$1 subject=$2 r
	shift 2
	lg_smtp_expect 2 "MAIL FROM:<$from>" || return 1
	for r in "$@"; do
		lg_smtp_expect 2 "RCPT TO:<$r>" || return 1
	done
	lg_smtp_expect 3 "DATA" || return 1
	{
		printf 'From: <%s>\r\n' "$from"
		printf 'To: <%s>\r\n' "$1"
		printf 'Subject: %s\r\n' "$subject"
		printf 'Message-ID: <%s.%s@client.external.test>\r\n' "$RANDOM$RANDOM" "$$"
		printf '\r\n%s\r\n.\r\n' "test message: $subject"
	} >&"$LG_SMTP_FD"
	lg_smtp_reply || return 1
	case $LG_SMTP_CODE in 2*) return 0 ;; esac
	lg_log "end of data got '${LG_SMTP_TEXT%$'\n'}'"
	return 1
}

# lg_smtp_close - QUIT and close the session
lg_smtp_close() {
	[ -n "${LG_SMTP_FD:-}" ] || return 0
	lg_smtp_cmd QUIT >/dev/null 2>&1 || true
	exec {LG_SMTP_FD}>&-
	LG_SMTP_FD=
}

# lg_check - record one scenario result: lg_check NAME COMMAND...
lg_check() {
	local name=$1 t0 ms
	shift
	t0=${EPOCHREALTIME/./}
	if "$@"; then
		LG_PASS=$((LG_PASS + 1))
		ms=$(((${EPOCHREALTIME/./} - t0) / 1000))
		printf 'ok - %s (%d ms)\n' "$name" "$ms"
	else
		LG_FAIL=$((LG_FAIL + 1))
		LG_FAILED_NAMES+=("$name")
		ms=$(((${EPOCHREALTIME/./} - t0) / 1000))
		printf 'not ok - %s (%d ms)\n' "$name" "$ms"
	fi
}

# lg_summary - print "NAME: N passed, M failed"; return 1 on any failure
lg_summary() {
	local n
	for n in "${LG_FAILED_NAMES[@]}"; do
		printf '%s: FAILED: %s\n' "${LG_NAME:-mta}" "$n"
	done
	printf '%s: %d passed, %d failed\n' "${LG_NAME:-mta}" "$LG_PASS" "$LG_FAIL"
	[ "$LG_FAIL" -eq 0 ]
}

# lg_mta_start - start a private MTA: lg_mta_start KIND DIR [MILTER_SOCK]
#	KIND is postfix or sendmail; the milter is a unix socket path (empty:
#	none). Sets LG_MTA_KIND, LG_MTA_DIR, LG_MTA_PORT, LG_MTA_SINK_PORT,
#	LG_MTA_MAIL (mbox folder) and LG_MTA_SINK (dump folder); the MTA is
#	stopped at exit.
lg_mta_start() {
	local kind=$1 dir=$2 sock=${3:-}
	LG_MTA_KIND=$kind
	LG_MTA_DIR=$dir
	LG_MTA_MAIL=$dir/mail
	LG_MTA_SINK=$dir/sink
	lg_pick_port LG_MTA_PORT
	lg_pick_port LG_MTA_SINK_PORT
	mkdir -p "$dir"
	lg_at_exit "lg_mta_stop '$kind' '$dir'"
	case $kind in
	postfix)
		PORT=$LG_MTA_PORT SINK_PORT=$LG_MTA_SINK_PORT MILTER=${sock:+unix:$sock} \
			"$lg_mta_dir/postfix.sh" start "$dir"
		;;
	sendmail)
		PORT=$LG_MTA_PORT SINK_PORT=$LG_MTA_SINK_PORT MILTER_SOCK=$sock \
			"$lg_mta_dir/sendmail.sh" start "$dir"
		;;
	*) lg_die "unknown MTA kind '$kind'" ;;
	esac
}

# lg_mta_stop - stop an MTA started by lg_mta_start (idempotent)
lg_mta_stop() {
	"$lg_mta_dir/$1.sh" stop "$2"
}

# lg_milter_setup - find the daemon and the plugins of this build tree.
#	Sets LG_LOOPGUARD and LG_PLUGIN_DIR (from $PLUGIN_DIR when set).
lg_milter_setup() {
	local b=${top_builddir:-$lg_mta_dir/../..}
	LG_LOOPGUARD=${LOOPGUARD:-$b/loopguard}
	LG_PLUGIN_DIR=${PLUGIN_DIR:-$b/plugins/.libs}
	[ -x "$LG_LOOPGUARD" ] || lg_die "no daemon $LG_LOOPGUARD: build first (make)"
	LG_PLUGIN_DIR=$(cd "$LG_PLUGIN_DIR" 2>/dev/null && pwd) ||
		lg_die "no plugin folder ${PLUGIN_DIR:-$b/plugins/.libs}: build first (make)"
}

# lg_milter_sockpath - print a unix socket path for WORKDIR (short enough)
lg_milter_sockpath() {
	local sock=$1/milter.sock d
	if [ ${#sock} -gt 100 ]; then
		d=$(mktemp -d "${TMPDIR:-/tmp}/lgsock.XXXXXX")
		chmod 0755 "$d"
		lg_at_exit "rm -rf '$d'"
		sock=$d/milter.sock
	fi
	printf '%s\n' "$sock"
}

# lg_milter_check - "loopguard -n -c CONF"; its output goes to stderr
lg_milter_check() {
	LOOPGUARD_PLUGIN_DIR=$LG_PLUGIN_DIR "$LG_LOOPGUARD" -n -c "$1" >&2
}

# lg_milter_start - run "loopguard -f -c CONF" in the background, its
#	stderr appended to LOG; wait until SOCK exists. Sets LG_MILTER_PID.
lg_milter_start() {
	local conf=$1 log=$2 sock=$3 i
	LG_MILTER_CONF=$conf
	LG_MILTER_LOG=$log
	LG_MILTER_SOCK=$sock
	printf -- '--- %s: loopguard -f -c %s\n' "$(date +%T)" "$conf" >>"$log"
	LOOPGUARD_PLUGIN_DIR=$LG_PLUGIN_DIR "$LG_LOOPGUARD" -f -c "$conf" \
		</dev/null >>"$log" 2>&1 &
	LG_MILTER_PID=$!
	if [ -z "${LG_MILTER_TRAP:-}" ]; then
		lg_at_exit 'lg_milter_stop'
		LG_MILTER_TRAP=1
	fi
	for ((i = 0; i < 200; i++)); do
		[ -S "$sock" ] && return 0
		lg_alive "$LG_MILTER_PID" || break
		sleep 0.05
	done
	tail -n 20 "$log" >&2
	lg_log "loopguard did not create $sock"
	return 1
}

# lg_milter_stop - SIGTERM the daemon and wait; LG_MILTER_STATUS = its exit
lg_milter_stop() {
	local pid=${LG_MILTER_PID:-} i
	LG_MILTER_STATUS=
	[ -n "$pid" ] || return 0
	LG_MILTER_PID=
	kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < 200; i++)); do
		lg_alive "$pid" || break
		sleep 0.05
	done
	if [ "$i" -ge 200 ]; then
		lg_log "loopguard (pid $pid) ignored SIGTERM for 10s; killing it"
		kill -KILL "$pid" 2>/dev/null || true
	fi
	LG_MILTER_STATUS=0
	wait "$pid" 2>/dev/null || LG_MILTER_STATUS=$?
	return 0
}

# lg_milter_reload - SIGUSR1, then wait (up to 3 s) for a log line about it
lg_milter_reload() {
	local before i
	before=$(wc -l <"$LG_MILTER_LOG")
	kill -USR1 "$LG_MILTER_PID" || return 1
	for ((i = 0; i < 60; i++)); do
		tail -n +$((before + 1)) "$LG_MILTER_LOG" | grep -i 'reload' >/dev/null &&
			return 0
		sleep 0.05
	done
	lg_log "no log line about the reload; going on"
	return 0
}

# lg_milter_log_clean - true unless the daemon's log has sanitizer reports
lg_milter_log_clean() {
	! grep -E 'AddressSanitizer|LeakSanitizer|runtime error:' "$LG_MILTER_LOG" >&2
}
