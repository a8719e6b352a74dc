#!/bin/bash
# t_lifecycle.sh - start, stop and reload as a postmaster meets them:
# -h/--help; a start that fails (missing or unwritable folder, unknown
# user) exits non-zero with the path and leaves nothing behind; -n
# checks the same and changes nothing; folders created as root with the
# user's ownership; a stale pid file taken over, a live daemon refused;
# an idle stop well under a second and a restart right after; SIGHUP
# reloads; loopguardctl reload reports a refused config.
set -u
. "$(dirname "$0")/../lib/lib.sh"

[ -x "$LOOPGUARD" ] || skip "$LOOPGUARD is not built"

lg_workdir life
root=0
[ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1 && root=1

# write_conf DIR EXTRA - a config in DIR/lg.conf, everything under DIR
write_conf() {
	mkdir -p "$1"
	chmod 755 "$1"
	cat > "$1/lg.conf" <<CONF
socket = "unix:$1/lg.sock";
control = "unix:$1/ctl.sock";
pidfile = "$1/lg.pid";
plugin_dir = "$PLUGIN_DIR";
local_domains = [ "example.com" ];
recipients = [ "$tmp/rcpts" ];
$2
plugins = ( { name = "catchall"; } );
CONF
}

# daemon DIR - start in the background as a postmaster would; sets out
# and rc, and remembers the pid for the cleanup
daemon() {
	out=$("$LOOPGUARD" -c "$1/lg.conf" 2>&1); rc=$?
	[ -s "$1/lg.pid" ] && lg_pids+=("$(cat "$1/lg.pid")")
	return 0
}

# nothing_left DIR - no pid file and no socket files after a failure
nothing_left() {
	[ ! -e "$1/lg.pid" ] && [ ! -e "$1/lg.sock" ] && [ ! -e "$1/ctl.sock" ]
}

# gone PID MS - wait up to MS milliseconds (wall clock) for PID to end
# (a zombie waiting for init to reap it counts as ended)
gone() {
	local end state rest
	end=$(($(date +%s%N) / 1000000 + $2))
	while (($(date +%s%N) / 1000000 < end)); do
		read -r _ _ state rest < "/proc/$1/stat" 2>/dev/null || return 0
		[ "$state" = Z ] && return 0
		sleep 0.005
	done
	return 1
}

# wait_log FILE TEXT - until FILE has TEXT (5 s)
wait_log() {
	local i
	for ((i = 0; i < 100; i++)); do
		grep -qF -- "$2" "$1" && return 0
		sleep 0.05
	done
	echo "  $1 has no \"$2\":"; sed 's/^/    /' "$1"
	return 1
}

# --- -h and --help
for opt in -h --help; do
	out=$("$LOOPGUARD" $opt 2>"$tmp/err"); rc=$?
	check "$opt exits 0 with usage on stdout" eval \
		'[ "$rc" = 0 ] && grep -q "^usage: loopguard" <<<"$out" && [ ! -s "$tmp/err" ]'
	check "$opt shows the default config path" \
		grep -qE "default /.*/loopguard\.conf\)" <<<"$out"
done
out=$("$LOOPGUARD" -c 2>&1 >/dev/null); rc=$?
check "bad usage still exits 64 with usage on stderr" eval \
	'[ "$rc" = 64 ] && grep -q "^usage: loopguard" <<<"$out"'

# --- a missing folder: -n and the start say which, nothing is left
d=$tmp/missing
write_conf "$d" "mailer = { outbox = \"$d/spool/outbox\"; };"
out=$("$LOOPGUARD" -n -c "$d/lg.conf" 2>&1); rc=$?
check "-n: outbox with a missing parent exits 78 with the path" eval \
	'[ "$rc" = 78 ] && grep -qF "outbox $d/spool/outbox: does not exist, nor does $d/spool" <<<"$out"'
daemon "$d"
check "start: missing outbox folder exits 78 with the path" eval \
	'[ "$rc" = 78 ] && grep -qF "outbox $d/spool/outbox: does not exist" <<<"$out"'
check "start: nothing is left behind (pid file, sockets)" nothing_left "$d"

# --- a daemon that dies before it is ready, without a word: its state
# snapshot is a FIFO, so it hangs opening the store until it is killed
d=$tmp/silent
write_conf "$d" "state = { snapshot = \"$d/snap\"; };"
mkfifo "$d/snap"
"$LOOPGUARD" -c "$d/lg.conf" >"$d/out" 2>&1 &
parent=$!
if wait_file "$d/lg.pid" 10; then
	kill -KILL "$(cat "$d/lg.pid")"
	wait "$parent"; rc=$?
	check "a daemon killed before it was ready: the start exits 71" [ "$rc" = 71 ]
	check "... and says how the daemon ended" \
		grep -qE "^loopguard: the daemon \(pid [0-9]+\) was killed by signal 9 .*before it was ready" "$d/out"
	check "... and leaves nothing behind" nothing_left "$d"
else
	not_ok "the daemon writes its pid file before it opens the store"
	kill "$parent"
fi

# the same hang with a short deadline: the start says so and returns
d=$tmp/slow
write_conf "$d" "state = { snapshot = \"$d/snap\"; };"
mkfifo "$d/snap"
t0=$(date +%s)
out=$(LOOPGUARD_READY_WAIT=2 "$LOOPGUARD" -c "$d/lg.conf" 2>&1); rc=$?
# blocked in open() with its signals still masked: only KILL ends it
[ -s "$d/lg.pid" ] && kill -KILL "$(cat "$d/lg.pid")"
check "a start that hangs is given up after the deadline: exit 75" \
	eval '[ "$rc" = 75 ] && [ $(($(date +%s) - t0)) -le 6 ]'
check "... saying that the daemon goes on starting" \
	grep -qE "^loopguard: the daemon \(pid [0-9]+\) is not ready after 2 s and goes on starting" <<<"$out"

# --- an unknown user fails -n and the start
d=$tmp/user
write_conf "$d" 'user = "loopgaurd-no-such";'
out=$("$LOOPGUARD" -n -c "$d/lg.conf" 2>&1); rc=$?
check "-n: unknown user exits 78 and names it" eval \
	'[ "$rc" = 78 ] && grep -qF "$d/lg.conf:7: user \"loopgaurd-no-such\": no such user" <<<"$out"'
daemon "$d"
check "start: unknown user exits 78 and names it" eval \
	'[ "$rc" = 78 ] && grep -qF "$d/lg.conf:7: user \"loopgaurd-no-such\": no such user" <<<"$out"'
check "start: unknown user leaves nothing behind" nothing_left "$d"

# --- -n changes nothing; a missing last level is fine
d=$tmp/nocreate
write_conf "$d" "state = { snapshot = \"$d/state/snap\"; };"
out=$("$LOOPGUARD" -n -c "$d/lg.conf" 2>&1); rc=$?
check "-n: a missing state folder whose parent exists is OK" eval \
	'[ "$rc" = 0 ] && grep -qF "state folder $d/state: does not exist yet; a start creates it" <<<"$out"'
check "-n creates nothing" [ ! -e "$d/state" ]

if [ "$root" = 1 ]; then
	# --- as root: folders created for the user
	d=$tmp/create
	write_conf "$d" "user = \"nobody\";
state = { snapshot = \"$d/state/snap\"; };
mailer = { outbox = \"$d/outbox\"; };"
	sed -i "s|^pidfile = .*|pidfile = \"$d/run/lg.pid\";|" "$d/lg.conf"
	out=$("$LOOPGUARD" -n -c "$d/lg.conf" 2>&1); rc=$?
	check "-n as root: missing folders are fine" [ "$rc" = 0 ]
	out=$("$LOOPGUARD" -c "$d/lg.conf" 2>&1); rc=$?
	[ -s "$d/run/lg.pid" ] && lg_pids+=("$(cat "$d/run/lg.pid")")
	check "start as root with missing folders exits 0" eval '[ "$rc" = 0 ] || { echo "$out"; false; }'
	check "the pid file is there when the start returns" [ -s "$d/run/lg.pid" ]
	check "the state folder is nobody's, 0750" \
		[ "$(stat -c '%U %a' "$d/state" 2>/dev/null)" = "nobody 750" ]
	check "the outbox is nobody's, 0750" \
		[ "$(stat -c '%U %a' "$d/outbox" 2>/dev/null)" = "nobody 750" ]
	check "the pid file folder is nobody's, 0755" \
		[ "$(stat -c '%U %a' "$d/run" 2>/dev/null)" = "nobody 755" ]
	check "an existing folder is not changed" \
		[ "$(stat -c '%U %a' "$d")" = "root 755" ]
	[ -s "$d/run/lg.pid" ] && kill "$(cat "$d/run/lg.pid")"

	# --- as root: an outbox inside the state folder, both missing
	d=$tmp/nested
	write_conf "$d" "user = \"nobody\";
state = { snapshot = \"$d/lib/state.snap\"; };
mailer = { outbox = \"$d/lib/outbox\"; };"
	sed -i "s|^pidfile = .*|pidfile = \"$d/lib/lg.pid\";|" "$d/lg.conf"
	out=$("$LOOPGUARD" -n -c "$d/lg.conf" 2>&1); rc=$?
	check "-n: an outbox inside a missing state folder is fine" eval '[ "$rc" = 0 ] || { echo "$out"; false; }'
	out=$("$LOOPGUARD" -c "$d/lg.conf" 2>&1); rc=$?
	[ -s "$d/lib/lg.pid" ] && lg_pids+=("$(cat "$d/lib/lg.pid")")
	check "start: the state folder, then the outbox in it, are created" eval \
		'[ "$rc" = 0 ] && [ "$(stat -c %U "$d/lib/outbox" 2>/dev/null)" = nobody ] || { echo "$out"; false; }'
	[ -s "$d/lib/lg.pid" ] && kill "$(cat "$d/lib/lg.pid")"

	# --- as root: a folder the user cannot write
	for what in state outbox; do
		d=$tmp/unwritable-$what
		if [ "$what" = state ]; then
			write_conf "$d" "user = \"nobody\"; state = { snapshot = \"$d/sub/snap\"; };"
		else
			write_conf "$d" "user = \"nobody\"; mailer = { outbox = \"$d/sub\"; };"
		fi
		sed -i "s|^pidfile = .*|pidfile = \"$d/run/lg.pid\";|" "$d/lg.conf"
		mkdir -p "$d/sub" "$d/run"
		chmod 755 "$d/sub"
		chown nobody "$d/run"
		label="state folder"
		[ "$what" = outbox ] && label=outbox
		out=$("$LOOPGUARD" -n -c "$d/lg.conf" 2>&1); rc=$?
		check "-n: $label owned by root is refused for nobody" eval \
			'[ "$rc" = 78 ] && grep -qF "$label $d/sub: not writable by user nobody (owner root:root, mode 0755)" <<<"$out"'
		out=$("$LOOPGUARD" -c "$d/lg.conf" 2>&1); rc=$?
		[ -s "$d/run/lg.pid" ] && lg_pids+=("$(cat "$d/run/lg.pid")")
		check "start: $label owned by root exits 78 with the path" eval \
			'[ "$rc" = 78 ] && grep -qF "$label $d/sub: not writable by user nobody" <<<"$out"'
		check "start: unwritable $label leaves nothing behind" eval \
			'[ ! -e "$d/run/lg.pid" ] && [ ! -e "$d/lg.sock" ] && [ ! -e "$d/ctl.sock" ]'
	done
fi

# --- pid files: a dead daemon's is taken over, a live one is refused
d=$tmp/pid
write_conf "$d" ""
sh -c 'exit 0' & dead=$!
wait "$dead"
echo "$dead" > "$d/lg.pid"
"$LOOPGUARD" -f -c "$d/lg.conf" 2>"$d/log" &
pid=$!
lg_pids+=("$pid")
if wait_file "$d/lg.sock" 10; then
	check "a stale pid file is taken over, with an info line" \
		wait_log "$d/log" "pidfile $d/lg.pid: stale (pid $dead is no longer running); taken over"
	check "the pid file holds the new daemon" [ "$(cat "$d/lg.pid")" = "$pid" ]
	write_conf "$d/second" ""
	sed -i "s|^pidfile = .*|pidfile = \"$d/lg.pid\";|" "$d/second/lg.conf"
	out=$("$LOOPGUARD" -c "$d/second/lg.conf" 2>&1); rc=$?
	check "a live daemon's pid file is refused" eval \
		'[ "$rc" = 71 ] && grep -qF "pidfile $d/lg.pid: loopguard is already running, pid $pid" <<<"$out"'
	check "the refused start binds nothing" eval '[ ! -e "$d/second/lg.sock" ] && [ ! -e "$d/second/ctl.sock" ]'
	check "the running daemon keeps its pid file" [ "$(cat "$d/lg.pid")" = "$pid" ]

	# --- SIGHUP reloads, and the daemon stays
	sed -i 's|^plugins = .*|log_level = "debug";\n&|' "$d/lg.conf"
	kill -HUP "$pid"
	check "SIGHUP reloads the config" wait_log "$d/log" "config $d/lg.conf reloaded (1 plugins)"
	sleep 0.2
	check "the daemon is still running after SIGHUP" kill -0 "$pid"
	echo 'bogus = 1;' >> "$d/lg.conf"
	kill -HUP "$pid"
	check "SIGHUP with a bad config is refused and logged" \
		wait_log "$d/log" "reload refused, old config kept: $d/lg.conf:"

	# --- loopguardctl reload waits for the outcome
	if [ -x "$LOOPGUARDCTL" ]; then
		out=$("$LOOPGUARDCTL" -s "$d/ctl.sock" reload 2>&1); rc=$?
		check "loopguardctl reload of a bad config exits 1 with FILE:LINE" eval \
			'[ "$rc" = 1 ] && grep -qF "loopguardctl: reload refused, old config kept: $d/lg.conf:10: unknown setting \"bogus\"" <<<"$out"'
		sed -i '/^bogus/d' "$d/lg.conf"
		out=$("$LOOPGUARDCTL" -s "$d/ctl.sock" reload 2>&1); rc=$?
		check "loopguardctl reload of a good config: exit 0, \"reloaded\"" \
			eval '[ "$rc" = 0 ] && [ "$out" = reloaded ]'
	fi

	# --- an idle stop is quick
	t0=$(date +%s%N)
	kill -TERM "$pid"
	wait "$pid"; rc=$?
	ms=$((($(date +%s%N) - t0) / 1000000))
	check "SIGTERM exits 0" [ "$rc" = 0 ]
	check "an idle stop takes well under a second (${ms} ms)" [ "$ms" -lt 800 ]
else
	not_ok "starts over a stale pid file" "$(cat "$d/log")"
fi

# --- stop, then start again at once, in the background as init does
d=$tmp/restart
write_conf "$d" ""
daemon "$d"
check "a background start exits 0" eval '[ "$rc" = 0 ] || { echo "$out"; false; }'
check "the sockets are there when the start returns" eval '[ -S "$d/lg.sock" ] && [ -S "$d/ctl.sock" ]'
# a second; three for a sanitizer build, whose exit (leak check
# included) is several times slower on a busy machine
stop_ms=1000
grep -qa __asan_init "$LOOPGUARD" && stop_ms=3000
for round in 1 2; do
	pid=$(cat "$d/lg.pid" 2>/dev/null)
	[ -n "$pid" ] || break
	sleep 0.5	# idle: libmilter's listener is in its 5 s poll
	kill -TERM "$pid"
	check "stop $round: the daemon is gone within $stop_ms ms" gone "$pid" "$stop_ms"
	daemon "$d"
	check "restart $round right after the stop exits 0" eval '[ "$rc" = 0 ] || { echo "$out"; false; }'
done
[ -s "$d/lg.pid" ] && kill "$(cat "$d/lg.pid")"

echo "lifecycle: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
