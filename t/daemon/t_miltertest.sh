#!/bin/bash
# t_miltertest.sh - the real daemon on a unix socket, driven by
# miltertest: the test plugin's redirect, then the catchall plugin.
set -u
. "$(dirname "$0")/../lib/lib.sh"

command -v miltertest >/dev/null || skip "miltertest is not installed"
lg_workdir mt
passed=0 failed=0

# start_daemon PLUGIN-SETTINGS DIR - loopguard in the foreground
start_daemon() {
	cat > "$tmp/lg.conf" <<CONF
socket = "unix:$tmp/lg.sock";
plugin_dir = "$2";
local_domains = [ "example.com" ];
recipients = [ "rcpts" ];
plugins = ( $1 );
CONF
	"$LOOPGUARD" -f -c "$tmp/lg.conf" 2>>"$tmp/lg.log" &
	pid=$!
	wait_file "$tmp/lg.sock" 10 || { cat "$tmp/lg.log"; return 1; }
}

stop_daemon() {
	kill "$pid" && wait "$pid"
	pid=
}

run_script() {
	if SOCKET="unix:$tmp/lg.sock" miltertest -s "$srcdir/miltertest/$1"; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1)); cat "$tmp/lg.log"
	fi
}

start_daemon '{ name = "testplug"; redirect = "postmaster@example.com"; header = "X-Test"; }' "$TEST_PLUGIN_DIR"
run_script redirect.lua
stop_daemon

start_daemon '{ name = "catchall"; reject = [ "leaked@example.com" ]; }' "$PLUGIN_DIR"
run_script catchall.lua
stop_daemon
[ ! -e "$tmp/lg.sock" ] || { echo "socket left behind"; failed=$((failed + 1)); }

echo "miltertest: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
