#!/bin/bash
# t_logging.sh - where the daemon logs, and who may use its sockets:
# log = "file:..." with a logrotate-style rename and SIGUSR2, and a
# reload; the warning when no syslog daemon listens; socket_group and
# control_group give the two sockets different groups while the daemon
# keeps its user's own group (as root); bad groups are refused by -n.
set -u
. "$(dirname "$0")/../lib/lib.sh"

lg_workdir logging
# the daemons started in the background leave their PID in lg.pid
lg_cleanup_hook() {
	[ -s "$tmp/lg.pid" ] && kill "$(cat "$tmp/lg.pid")" 2>/dev/null
}

# write_conf EXTRA - a config with the catchall plugin
write_conf() {
	cat > "$tmp/lg.conf" <<CONF
socket = "unix:$tmp/run/lg.sock";
pidfile = "$tmp/run/lg.pid";
plugin_dir = "$PLUGIN_DIR";
local_domains = [ "example.com" ];
recipients = [ "rcpts" ];
$1
plugins = ( { name = "catchall"; } );
CONF
}
# the pid file's folder: writable by no one but root and the daemon's
# user (loopguard refuses any other); the part as nobody gives it to
# nobody
mkdir -m 0755 "$tmp/run"

# start - the daemon in the foreground, stderr to $tmp/stderr
start() {
	"$LOOPGUARD" -f -c "$tmp/lg.conf" 2>"$tmp/stderr" &
	pid=$!
	wait_file "$tmp/run/lg.sock" 10
}

stop() {
	kill "$pid" 2>/dev/null
	wait "$pid"
	pid=
}

# --- -n refuses groups that do not exist, with FILE:LINE
write_conf 'socket_group = "no-such-group-here";'
out=$("$LOOPGUARD" -n -c "$tmp/lg.conf" 2>&1); rc=$?
check "-n refuses an unknown socket_group (exit 78, FILE:LINE)" \
	eval '[ "$rc" = 78 ] && grep -qxF "loopguard: $tmp/lg.conf:6: socket_group \"no-such-group-here\": no such group" <<<"$out"'
write_conf 'control_group = "no-such-group-here";'
out=$("$LOOPGUARD" -n -c "$tmp/lg.conf" 2>&1); rc=$?
check "-n refuses an unknown control_group (exit 78, FILE:LINE)" \
	eval '[ "$rc" = 78 ] && grep -qxF "loopguard: $tmp/lg.conf:6: control_group \"no-such-group-here\": no such group" <<<"$out"'
write_conf 'group = "mail";'
out=$("$LOOPGUARD" -n -c "$tmp/lg.conf" 2>&1); rc=$?
check "-n warns when group is the MTA's group" \
	eval '[ "$rc" = 0 ] && grep -qF "loopguard: warning: $tmp/lg.conf:6: group \"mail\" is the MTA'"'"'s group" <<<"$out"'
write_conf ''
chmod 666 "$tmp/rcpts"
out=$("$LOOPGUARD" -n -c "$tmp/lg.conf" 2>&1)
check "-n warns about a recipients file anyone may write" \
	grep -qF "recipients $tmp/rcpts is writable by everyone (mode 0666)" <<<"$out"
chmod 644 "$tmp/rcpts"

# --- a log file that cannot be opened stops the start, with the reason
write_conf "log = \"file:$tmp/run\";"
out=$(timeout 20 "$LOOPGUARD" -f -c "$tmp/lg.conf" 2>&1); rc=$?
check "a log file that cannot be opened is a clear error (exit 71)" \
	eval '[ "$rc" = 71 ] && grep -qF "log file:$tmp/run: Is a directory" <<<"$out"'
write_conf "log = \"file:$tmp/nowhere/mail.log\";"
out=$("$LOOPGUARD" -n -c "$tmp/lg.conf" 2>&1); rc=$?
check "-n refuses a log file in a folder that does not exist" \
	eval '[ "$rc" = 78 ] && grep -qxF "loopguard: $tmp/lg.conf:6: log file:$tmp/nowhere/mail.log: folder $tmp/nowhere: No such file or directory" <<<"$out"'

# --- log = "file:...": lines in the file, rename + SIGUSR2, reload
write_conf "log = \"file:$tmp/mail.log\"; log_level = \"info\";"
if start; then
	ok "starts with log = file"
	check "the start is logged to the file, syslog-stamped" \
		eval 'wait_in "$tmp/mail.log" "listening on unix:$tmp/run/lg.sock" &&
		grep -qE "^[A-Z][a-z]{2} [ 1-3][0-9] [0-9:]{8} [^ ]+ loopguard\[$pid\]: loopguard .* listening on" "$tmp/mail.log"'
	check "and not to stderr" eval '! grep -q listening "$tmp/stderr"'
	check "the log file is mode 0640" [ "$(stat -c %a "$tmp/mail.log")" = 640 ]
	mv "$tmp/mail.log" "$tmp/mail.log.1"
	kill -USR2 "$pid"
	check "SIGUSR2 reopens: a new file gets the lines" \
		wait_in "$tmp/mail.log" "log file:$tmp/mail.log reopened"
	check "the daemon survives SIGUSR2" kill -0 "$pid"
	mv "$tmp/mail.log" "$tmp/mail.log.2"
	kill -USR1 "$pid"
	check "a reload reopens too" \
		wait_in "$tmp/mail.log" "config $tmp/lg.conf reloaded"
	check "the rotated files keep only their own lines" \
		eval '! grep -q "reloaded\|reopened" "$tmp/mail.log.1"'
	stop
else
	not_ok "starts with log = file" "$(cat "$tmp/stderr")"
fi

# --- in the background, a syslog nobody listens to is told on stderr
if python3 -c 'import socket,sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.connect("/dev/log")' 2>/dev/null; then
	ok "# skip: a syslog daemon listens on /dev/log here"
else
	write_conf ''
	out=$(timeout 20 "$LOOPGUARD" -c "$tmp/lg.conf" 2>&1 >/dev/null); rc=$?
	check "the daemon starts in the background" [ "$rc" = 0 ]
	check "it warns on stderr that no syslog daemon listens" \
		grep -qxF 'loopguard: warning: no syslog daemon listens on /dev/log; set log = "file:/var/log/loopguard.log" or install rsyslog (see journalctl -t loopguard under systemd)' <<<"$out"
	wait_file "$tmp/run/lg.pid" 5 && kill "$(cat "$tmp/run/lg.pid")"
	for ((i = 0; i < 200; i++)); do
		[ -e "$tmp/run/lg.sock" ] || break
		sleep 0.05
	done
fi

# --- least privilege: two socket groups, the daemon in its own group
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1 &&
	getent group mail >/dev/null && getent group adm >/dev/null; then
	mkdir -m 0755 "$tmp/logs"
	chown nobody "$tmp/run"
	write_conf "user = \"nobody\"; socket_mode = \"0660\";
socket_group = \"mail\"; control_group = \"adm\";
control = \"unix:$tmp/run/control.sock\"; control_mode = \"0660\";
log = \"file:$tmp/logs/lg.log\";"
	if start; then
		ok "starts with socket_group and control_group"
		check "the milter socket's group is socket_group (mail)" \
			[ "$(stat -c %G "$tmp/run/lg.sock")" = mail ]
		wait_file "$tmp/run/control.sock" 5
		check "the control socket's group is control_group (adm)" \
			[ "$(stat -c %G "$tmp/run/control.sock")" = adm ]
		gid=$(awk '/^Gid:/ {print $2, $3, $4, $5}' "/proc/$pid/status")
		own=$(id -g nobody)
		check "the daemon runs in its user's own group (real, effective, saved, fs gid)" \
			[ "$gid" = "$own $own $own $own" ]
		check "the log file, made as root, belongs to the user" \
			[ "$(stat -c %U:%a "$tmp/logs/lg.log")" = nobody:640 ]
		# a folder the user cannot write: the reopen fails, the old
		# file stays in use
		mv "$tmp/logs/lg.log" "$tmp/logs/lg.log.1"
		kill -USR2 "$pid"
		check "a failed reopen is logged in the old file" \
			wait_in "$tmp/logs/lg.log.1" "cannot reopen (Permission denied); still writing to the file that was open"
		# logrotate's "create" makes the new file: the reopen works
		install -m 0640 -o nobody /dev/null "$tmp/logs/lg.log"
		kill -USR2 "$pid"
		check "after logrotate made the file, the reopen works" \
			wait_in "$tmp/logs/lg.log" "reopened"
		stop
	else
		not_ok "starts with socket_group and control_group" "$(cat "$tmp/stderr")"
	fi
else
	ok "# skip: the group tests need root, nobody, and the groups mail and adm"
fi

echo "t_logging: $passed passed, $failed failed"
[ "$failed" = 0 ]
