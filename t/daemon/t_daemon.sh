#!/bin/bash
# t_daemon.sh - the loopguard process as a postmaster meets it: -n, -V,
# exit codes and messages for bad configs, the socket (stale file,
# already in use, mode), the pid file, privileges, SIGUSR1 reload with a
# good and a bad file, SIGTERM.
set -u
. "$(dirname "$0")/../lib/lib.sh"

lg_workdir daemon

# write_conf EXTRA - a config with the catchall plugin
write_conf() {
	cat > "$tmp/lg.conf" <<CONF
socket = "unix:$tmp/lg.sock";
pidfile = "$tmp/lg.pid";
plugin_dir = "$PLUGIN_DIR";
local_domains = [ "example.com" ];
recipients = [ "rcpts" ];
$1
plugins = ( { name = "catchall"; } );
CONF
}

# start - run the daemon in the foreground, wait for its socket
start() {
	: > "$tmp/log"
	"$LOOPGUARD" -f -c "$tmp/lg.conf" 2>>"$tmp/log" &
	pid=$!
	wait_file "$tmp/lg.sock" 10
}

stop() {
	kill "$pid" 2>/dev/null
	wait "$pid"
	local rc=$?
	pid=
	return $rc
}

# wait_log TEXT - until the daemon's log has TEXT (5 s)
wait_log() {
	local i
	for ((i = 0; i < 100; i++)); do
		grep -qF -- "$1" "$tmp/log" && return 0
		sleep 0.05
	done
	echo "  log has no \"$1\":"; sed 's/^/    /' "$tmp/log"
	return 1
}

# --- command line and config errors
out=$("$LOOPGUARD" -V)
check "-V prints the version and ABI" grep -q "^loopguard .* (plugin ABI 1\.[0-9]*)" <<<"$out"

write_conf ""
out=$("$LOOPGUARD" -n -c "$tmp/lg.conf" 2>&1); rc=$?
check "-n on a good config exits 0" [ "$rc" = 0 ]
check "-n says OK" grep -qF "$tmp/lg.conf: OK (1 plugins)" <<<"$out"

out=$("$LOOPGUARD" -n -c "$tmp/missing.conf" 2>&1); rc=$?
check "missing config exits 78" [ "$rc" = 78 ]
check "missing config names path and reason" \
	grep -qxF "loopguard: $tmp/missing.conf: No such file or directory" <<<"$out"

write_conf 'bogus = 1;'
out=$("$LOOPGUARD" -n -c "$tmp/lg.conf" 2>&1); rc=$?
check "unknown key exits 78" [ "$rc" = 78 ]
check "unknown key is FILE:LINE" grep -qxF "loopguard: $tmp/lg.conf:6: unknown setting \"bogus\"" <<<"$out"

printf 'socket = \n' > "$tmp/bad.conf"
out=$("$LOOPGUARD" -n -c "$tmp/bad.conf" 2>&1); rc=$?
check "syntax error exits 78 with FILE:LINE" \
	eval '[ "$rc" = 78 ] && grep -q "^loopguard: $tmp/bad.conf:[0-9]*: syntax error" <<<"$out"'

out=$("$LOOPGUARD" -x 2>&1); rc=$?
check "bad option exits 64 with usage" eval '[ "$rc" = 64 ] && grep -q "^usage: loopguard" <<<"$out"'

# --- the socket, pid file and mode
write_conf 'socket_mode = "0666";'
python3 -c "import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])" "$tmp/lg.sock"
check "a stale socket file is there before start" [ -S "$tmp/lg.sock" ]
if start; then
	ok "starts over a stale socket file"
	check "the stale socket removal is logged" wait_log "removed stale socket file"
	check "pid file holds the daemon's pid" [ "$(cat "$tmp/lg.pid" 2>/dev/null)" = "$pid" ]
	check "socket_mode 0666 applied" [ "$(stat -c %a "$tmp/lg.sock")" = 666 ]

	out=$("$LOOPGUARD" -f -c "$tmp/lg.conf" 2>&1); rc=$?
	check "a second instance refuses the live pid file" \
		eval '[ "$rc" = 71 ] && grep -qF "pidfile $tmp/lg.pid: loopguard is already running, pid $pid" <<<"$out"'
	sed "s|$tmp/lg.pid|$tmp/lg2.pid|" "$tmp/lg.conf" > "$tmp/lg2.conf"
	out=$("$LOOPGUARD" -f -c "$tmp/lg2.conf" 2>&1); rc=$?
	check "a second instance refuses the live socket" \
		eval '[ "$rc" = 71 ] && grep -q "another process is listening there" <<<"$out"'
	check "the refused instance leaves no pid file" [ ! -e "$tmp/lg2.pid" ]
	check "the first instance still runs" kill -0 "$pid"

	# --- reload: bad file refused, good file taken
	echo 'bogus = 2;' >> "$tmp/lg.conf"
	kill -USR1 "$pid"
	check "a bad reload is refused and logged" \
		wait_log "reload refused, old config kept: $tmp/lg.conf:8: unknown setting \"bogus\""
	check "the daemon survives a bad reload" kill -0 "$pid"
	write_conf 'socket_mode = "0666"; log_level = "debug";'
	kill -USR1 "$pid"
	check "a good reload is logged" wait_log "config $tmp/lg.conf reloaded (1 plugins)"

	stop; rc=$?
	check "SIGTERM exits 0" [ "$rc" = 0 ]
	check "the socket file is removed at stop" [ ! -e "$tmp/lg.sock" ]
	check "the pid file is removed at stop" [ ! -e "$tmp/lg.pid" ]
else
	not_ok "starts over a stale socket file" "$(cat "$tmp/log")"
fi

# --- a TCP socket already taken by someone else
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
python3 -c "import socket,sys,time; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('127.0.0.1', int(sys.argv[1]))); s.listen(); time.sleep(10)" "$port" &
holder=$!
for ((i = 0; i < 100; i++)); do
	ss -ltn "sport = :$port" | grep -q LISTEN && break
	sleep 0.05
done
write_conf ''
sed -i "s|^socket = .*|socket = \"inet:$port@127.0.0.1\";|" "$tmp/lg.conf"
out=$(timeout 10 "$LOOPGUARD" -f -c "$tmp/lg.conf" 2>&1); rc=$?
kill "$holder" 2>/dev/null; wait "$holder" 2>/dev/null
check "a taken TCP port is a clear error" \
	eval '[ "$rc" = 71 ] && grep -q "socket inet:$port@127.0.0.1: Address already in use" <<<"$out"'

# --- privileges are dropped after the socket is open
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then
	write_conf 'user = "nobody"; socket_mode = "0660";'
	# the pid file's folder must be the user's: loopguard creates it
	sed -i "s|^pidfile = .*|pidfile = \"$tmp/run/lg.pid\";|" "$tmp/lg.conf"
	if start; then
		uid=$(awk '/^Uid:/ {print $2, $3, $4, $5}' "/proc/$pid/status")
		nobody=$(id -u nobody)
		check "runs as nobody (real, effective, saved, fs uid)" \
			[ "$uid" = "$nobody $nobody $nobody $nobody" ]
		check "the socket belongs to nobody" [ "$(stat -c %U "$tmp/lg.sock")" = nobody ]
		stop
	else
		not_ok "starts with user = nobody" "$(cat "$tmp/log")"
	fi
	write_conf 'user = "no-such-user-here";'
	out=$("$LOOPGUARD" -f -c "$tmp/lg.conf" 2>&1); rc=$?
	check "an unknown user is a clear error" \
		eval '[ "$rc" = 78 ] && grep -qF "$tmp/lg.conf:6: user \"no-such-user-here\": no such user" <<<"$out"'
fi

echo "daemon: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
