# t/console/lib/console.sh - the console tests' shared fixture (sourced
# after t/lib/lib.sh and lg_workdir): a real daemon with a control
# socket, a real loopguard-console in the foreground on a free loopback
# port, users with known passwords, and curl helpers.
#
# Settings (set before lgc_start; all optional):
#   LGC_MAILER=1	the daemon gets a mailer (method sendmail, a script
#			that keeps what it is given in $tmp/sent/) and an outbox
#   LGC_SEED=1		the daemon starts on t/control/ctl_seed's snapshot
#			(5 entries, one hidden, odd bytes in some)
#   LGC_DAEMON_CONF	more lines for loopguard.conf
#   LGC_CONSOLE_CONF	more lines for the console group (e.g. "timeout = 2;")
#   LGC_NO_DAEMON=1	start no daemon (the console sees it down)
# Users (in $tmp/console.users): viewer (read) and admin (operator),
# passwords $LGC_VIEWER_PASS and $LGC_ADMIN_PASS.
#
# Functions:
#   lgc_start [tls]	daemon (once) and console; 1 with the log shown
#			when the console does not listen within 10 s
#   lgc_stop		the console: SIGTERM, wait; 0 when it exited 0
#   lgc_daemon_start, lgc_daemon_stop	the daemon alone
#   lgc_url		the base URL (http://127.0.0.1:PORT or https://...)
#   lgc_curl PATH [ARG...]	curl -sS on the base URL, with the CA under
#			TLS and the cookie jar of lgc_login when there is one
#   lgc_login USER PASS	a session: cookie jar $LGC_JAR, token $LGC_CSRF;
#			1 when the login failed
#   lgc_logout		forget the session (jar and token)
#   lgc_log		the console's log file (stderr, log = "stderr")
#   lgc_probe CLIENT SENDER RCPT...	one miltertest transaction to the
#			daemon that gives only recipients, as a harvester
#			does (lib/probe.lua); output in $tmp/probe.log
#   lgc_status PATH [ARG...]	only the HTTP status of lgc_curl
#   lgc_certs DIR	a CA and a server certificate for 127.0.0.1 and
#			localhost signed by it: DIR/ca.pem, DIR/server.pem,
#			DIR/server.key
# Variables: LGC_CONSOLE (the binary), LGC_PORT, lgc_pid, dpid (the
# daemon), LGC_CONF (the console's config file), LGC_CA (under TLS).
# Everything is stopped by PID at exit (lg_cleanup): the fixture
# defines lg_cleanup_hook to wait for the console and the daemon; a
# test with a hook of its own calls lgc_cleanup in it.

LGC_CONSOLE=$top_builddir/loopguard-console
LGC_VIEWER_PASS='viewer-pass-1'
LGC_ADMIN_PASS='admin-pass-1'
LGC_JAR=
LGC_CSRF=
LGC_CA=
LGC_TLS=
LGC_PORT=
LGC_CONF=
lgc_pid=
dpid=

[ -x "$LGC_CONSOLE" ] || skip "$LGC_CONSOLE is not built"
[ -x "$LOOPGUARD" ] || skip "$LOOPGUARD is not built"
command -v curl >/dev/null || skip "curl is not installed"

# lgc_run_user - who the console runs as when the tests run as root:
# nobody, with the files it reads given to its group
lgc_run_user() {
	if [ "$(id -u)" = 0 ]; then echo nobody; fi
}

# lgc_free_port - a TCP port nothing listens on now
lgc_free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# lgc_certs DIR - a throwaway CA and a server certificate it signed
lgc_certs() {
	local d=$1
	mkdir -p "$d"
	openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=loopguard test CA" \
		-keyout "$d/ca.key" -out "$d/ca.pem" 2>/dev/null || return 1
	openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" \
		-keyout "$d/server.key" -out "$d/server.csr" 2>/dev/null || return 1
	printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' > "$d/ext"
	openssl x509 -req -in "$d/server.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" \
		-CAcreateserial -days 30 -extfile "$d/ext" -out "$d/server.pem" 2>/dev/null || return 1
	chmod 600 "$d/server.key" "$d/ca.key"
}

# lgc_write_daemon_conf - loopguard.conf for the daemon
lgc_write_daemon_conf() {
	local u
	u=$(lgc_run_user)
	{
		echo "socket = \"unix:$tmp/lg.sock\";"
		echo "control = \"unix:$tmp/ctl.sock\";"
		[ -n "$u" ] && echo "control_group = \"$(id -gn "$u")\";"
		echo "plugin_dir = \"$PLUGIN_DIR\";"
		echo "local_domains = [ \"example.com\" ];"
		echo "recipients = [ \"rcpts\" ];"
		echo "state = { backend = \"memory\"; snapshot = \"$tmp/state\"; };"
		if [ "${LGC_MAILER:-}" = 1 ]; then
			mkdir -p "$tmp/outbox" "$tmp/sent"
			cat > "$tmp/mailer" <<'SH'
#!/bin/sh
# keeps each message it is given
d=$(dirname "$0")/sent
cat > "$d/msg.$$.$(date +%s%N)"
SH
			chmod 755 "$tmp/mailer"
			echo "mailer = { method = \"sendmail\"; path = \"$tmp/mailer\"; outbox = \"$tmp/outbox\"; };"
		fi
		if [ "${LGC_MAILER:-}" = 1 ]; then
			echo "plugins = ( { name = \"catchall\"; }, { name = \"repeat\"; }, { name = \"harvest\"; }, { name = \"autoreply\"; template = \"$tmp/autoreply.txt\"; } );"
		else
			echo "plugins = ( { name = \"catchall\"; }, { name = \"repeat\"; }, { name = \"harvest\"; } );"
		fi
		echo "${LGC_DAEMON_CONF:-}"
	} > "$tmp/lg.conf"
	printf 'From: postmaster@example.com\nSubject: away\n\nAway.\n' > "$tmp/autoreply.txt"
}

# lgc_daemon_start - the daemon, on its control socket
lgc_daemon_start() {
	local seed=$top_builddir/t/control/ctl_seed
	[ -f "$tmp/lg.conf" ] || lgc_write_daemon_conf
	if [ "${LGC_SEED:-}" = 1 ] && [ ! -e "$tmp/state" ]; then
		[ -x "$seed" ] || skip "$seed is not built"
		"$seed" "$tmp/state" 2>/dev/null || return 1
	fi
	rm -f "$tmp/ctl.sock"
	"$LOOPGUARD" -f -c "$tmp/lg.conf" 2>>"$tmp/daemon.log" &
	dpid=$!
	lg_pids+=("$dpid")
	wait_file "$tmp/ctl.sock" 10 || { sed 's/^/  daemon: /' "$tmp/daemon.log"; return 1; }
}

# lgc_daemon_stop - the daemon, by its PID
lgc_daemon_stop() {
	[ -n "$dpid" ] || return 0
	kill "$dpid" 2>/dev/null
	wait "$dpid" 2>/dev/null
	dpid=
}

# lgc_write_users - viewer (read) and admin (operator)
lgc_write_users() {
	local u
	: > "$tmp/console.users"
	chmod 640 "$tmp/console.users"
	u=$(lgc_run_user)
	[ -n "$u" ] && chgrp "$(id -gn "$u")" "$tmp/console.users"
	printf '%s\n' "$LGC_VIEWER_PASS" | "$LGC_CONSOLE" -c "$LGC_CONF" user add viewer --role read >/dev/null &&
	printf '%s\n' "$LGC_ADMIN_PASS" | "$LGC_CONSOLE" -c "$LGC_CONF" user add admin --role operator >/dev/null
}

# lgc_write_conf [tls] - the console's own config file
lgc_write_conf() {
	local u
	u=$(lgc_run_user)
	mkdir -p "$tmp/console"
	[ -n "$u" ] && chown "$u" "$tmp/console"
	LGC_CONF=$tmp/console.conf
	{
		echo "control = \"unix:$tmp/ctl.sock\";"
		echo "console = {"
		echo "  listen = \"127.0.0.1:$LGC_PORT\";"
		echo "  users_file = \"$tmp/console.users\";"
		echo "  state_file = \"$tmp/console/chart\";"
		echo "  log = \"stderr\";"
		[ -n "$u" ] && echo "  user = \"$u\";"
		if [ "${1:-}" = tls ]; then
			echo "  tls_cert = \"$tmp/certs/server.pem\";"
			echo "  tls_key = \"$tmp/certs/server.key\";"
		fi
		echo "  ${LGC_CONSOLE_CONF:-}"
		echo "};"
	} > "$LGC_CONF"
}

# lgc_start [tls] - the daemon (unless running or LGC_NO_DAEMON) and the console
lgc_start() {
	local i lines
	LGC_TLS=${1:-}
	if [ -z "$dpid" ] && [ "${LGC_NO_DAEMON:-}" != 1 ]; then
		lgc_daemon_start || return 1
	fi
	if [ "$LGC_TLS" = tls ] && [ ! -f "$tmp/certs/server.pem" ]; then
		lgc_certs "$tmp/certs" || { echo "openssl failed" >&2; return 1; }
	fi
	[ "$LGC_TLS" = tls ] && LGC_CA=$tmp/certs/ca.pem
	[ -n "$LGC_PORT" ] || LGC_PORT=$(lgc_free_port)
	lgc_write_conf "$LGC_TLS"
	[ -f "$tmp/console.users" ] || lgc_write_users || return 1
	touch "$tmp/console.log"
	lines=$(wc -l < "$tmp/console.log")
	"$LGC_CONSOLE" -f -c "$LGC_CONF" 2>>"$tmp/console.log" &
	lgc_pid=$!
	lg_pids+=("$lgc_pid")
	for ((i = 0; i < 200; i++)); do
		tail -n +$((lines + 1)) "$tmp/console.log" |
			grep -q "listening on 127.0.0.1:$LGC_PORT" && return 0
		kill -0 "$lgc_pid" 2>/dev/null || break
		sleep 0.05
	done
	echo "loopguard-console did not start:" >&2
	sed 's/^/  console: /' "$tmp/console.log" >&2
	return 1
}

# lgc_stop - the console: SIGTERM and its exit status
lgc_stop() {
	local rc=0
	[ -n "$lgc_pid" ] || return 0
	kill "$lgc_pid" 2>/dev/null
	wait "$lgc_pid" 2>/dev/null || rc=$?
	lgc_pid=
	return $rc
}

# lgc_url - the base URL
lgc_url() {
	if [ "$LGC_TLS" = tls ]; then
		echo "https://127.0.0.1:$LGC_PORT"
	else
		echo "http://127.0.0.1:$LGC_PORT"
	fi
}

# lgc_curl PATH [ARG...] - curl -sS on PATH of the console
lgc_curl() {
	local path=$1 opts=()
	shift
	[ -n "$LGC_CA" ] && [ "$LGC_TLS" = tls ] && opts+=(--cacert "$LGC_CA")
	[ -n "$LGC_JAR" ] && opts+=(-b "$LGC_JAR" -c "$LGC_JAR")
	curl -sS --max-time 20 "${opts[@]}" "$@" "$(lgc_url)$path"
}

# lgc_status PATH [ARG...] - only the status code
lgc_status() {
	local path=$1
	shift
	lgc_curl "$path" -o /dev/null -w '%{http_code}' "$@"
}

# lgc_login USER PASS - a session in $LGC_JAR, its token in $LGC_CSRF
lgc_login() {
	local code
	LGC_JAR=$tmp/jar.$1
	rm -f "$LGC_JAR"
	code=$(lgc_curl /login -o /dev/null -w '%{http_code}' \
		--data-urlencode "user=$1" --data-urlencode "password=$2" -d next=/)
	LGC_CSRF=
	if [ "$code" != 303 ]; then
		LGC_JAR=
		return 1
	fi
	LGC_CSRF=$(lgc_curl /api/session | python3 -c 'import json,sys; print(json.load(sys.stdin)["csrf"])')
	[ -n "$LGC_CSRF" ]
}

# lgc_logout - forget the session
lgc_logout() {
	LGC_JAR=
	LGC_CSRF=
}

# lgc_log - the console's log file
lgc_log() {
	echo "$tmp/console.log"
}

# lgc_probe CLIENT SENDER RCPT... - recipients only, as a harvester
lgc_probe() {
	local client=$1 sender=$2
	shift 2
	SOCKET="unix:$tmp/lg.sock" CLIENT=$client SENDER=$sender RCPTS="$*" \
		miltertest -s "$top_srcdir/t/console/lib/probe.lua" \
		>>"$tmp/probe.log" 2>&1
}

# lgc_cleanup - stop and reap the console and the daemon (at exit)
lgc_cleanup() {
	lgc_stop
	lgc_daemon_stop
}
lg_cleanup_hook() { lgc_cleanup; }
