#!/bin/bash
# t_batv_reload.sh - as root: the BATV secret_file is read again at
# each reload, by then as the daemon's user. A key only root can read
# loads at start, and each reload is refused with an error that says
# why; the same key given to the user's group (0640) reloads.
set -u
. "$(dirname "$0")/../lib/lib.sh"

[ "$(id -u)" = 0 ] || skip "needs root (the daemon drops to a user)"
user=nobody
group=$(id -gn "$user" 2>/dev/null) || skip "no user $user"
lg_workdir batv-reload
[ -f "$PLUGIN_DIR/bounce.so" ] || skip "$PLUGIN_DIR/bounce.so is not built"

head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$tmp/batv.key"
chmod 600 "$tmp/batv.key"
cat > "$tmp/lg.conf" <<CONF
socket = "unix:$tmp/lg.sock";
plugin_dir = "$PLUGIN_DIR";
local_domains = [ "example.com" ];
recipients = [ "$tmp/rcpts" ];
user = "$user";
plugins = ( { name = "bounce";
	      batv = { keys = ( { id = 0; secret_file = "$tmp/batv.key"; } ); }; } );
CONF
"$LOOPGUARD" -f -c "$tmp/lg.conf" 2>"$tmp/lg.log" &
pid=$!
wait_in "$tmp/lg.log" "listening on" || exit 1
check "a key only root can read loads at start" \
	grep -q "with 1 plugins" "$tmp/lg.log"

kill -HUP "$pid"
wait_in "$tmp/lg.log" "reload refused" || true
check "... and a reload is refused, saying the user must read the file" \
	grep -q "batv.key: Permission denied (it is read again at reload, as the daemon's user" "$tmp/lg.log"

chgrp "$group" "$tmp/batv.key"
chmod 640 "$tmp/batv.key"
kill -HUP "$pid"
wait_in "$tmp/lg.log" "reloaded" || true
check "the key in the user's group, mode 0640, reloads" \
	grep -q "config $tmp/lg.conf reloaded" "$tmp/lg.log"
[ "$failed" = 0 ] || sed 's/^/  /' "$tmp/lg.log"

kill "$pid" && wait "$pid"
pid=
echo "batv-reload: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
