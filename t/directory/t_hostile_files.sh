#!/bin/bash
# t_hostile_files.sh - a table replaced by something that is not a
# regular file never hangs or floods the daemon, through the real daemon:
#   1. loopguard -n with a file or aliases source that is a FIFO, or a
#      symlink to /dev/zero, says "not a regular file" at once (it used
#      to block in open() on the FIFO, and read /dev/zero until memory
#      ran out);
#   2. a file source replaced by a FIFO while the daemon runs: the
#      entries loaded before stay in use, and once a regular file is
#      back its new entries are seen without a reload (a FIFO used to
#      block the one refresh thread for good, so no source was ever
#      reloaded again);
#   3. an aliases source replaced by a FIFO: the same.
# Needs miltertest.
set -u
. "$(dirname "$0")/../lib/lib.sh"

command -v miltertest >/dev/null || skip "miltertest is not installed"
[ -x "$LOOPGUARD" ] && [ -x "$LOOPGUARDCTL" ] || skip "not built"
[ -e "$PLUGIN_DIR/catchall.so" ] || skip "$PLUGIN_DIR/catchall.so is not built"

lg_workdir hostile
# a daemon stuck in open() on a FIFO may not stop on SIGTERM
lg_cleanup_hook() { [ -n "${pid:-}" ] && kill -9 "$pid" 2>/dev/null; }
for i in $(seq -w 1 12); do echo "user$i@example.com"; done > "$tmp/users"
printf 'postmaster: root\nstaff: alice\n' > "$tmp/aliases"

cat > "$tmp/lg.conf" <<CONF
socket = "unix:$tmp/lg.sock";
control = "unix:$tmp/ctl.sock";
plugin_dir = "$PLUGIN_DIR";
local_domains = [ "example.com" ];
recipients = [ "aliases:$tmp/aliases", "$tmp/users" ];
plugins = ( { name = "catchall"; } );
CONF

# check_n WHAT - loopguard -n ends within 10 s with "not a regular file"
# (a memory cap, so reading /dev/zero cannot take the machine; not
# under AddressSanitizer, which reserves terabytes of address space)
vcap=2000000
grep -qa __asan_init "$LOOPGUARD" && vcap=unlimited
check_n() {
	out=$( (ulimit -v "$vcap"; timeout 10 "$LOOPGUARD" -n -c "$tmp/lg.conf") 2>&1)
	rc=$?
	[ "$rc" != 0 ] && [ "$rc" != 124 ] &&
		grep -qF "not a regular file" <<<"$out" ||
		{ echo "  $1: rc=$rc: $(head -c 300 <<<"$out")"; return 1; }
}

# --- 1. -n
mv "$tmp/users" "$tmp/users.good"
mkfifo "$tmp/users"
check "1: -n with a FIFO as the file source ends with an error" check_n fifo
rm "$tmp/users"
ln -s /dev/zero "$tmp/users"
check "1: -n with /dev/zero as the file source ends with an error" check_n zero
rm "$tmp/users"
cp "$tmp/users.good" "$tmp/users"
mv "$tmp/aliases" "$tmp/aliases.good"
mkfifo "$tmp/aliases"
check "1: -n with a FIFO as the aliases source ends with an error" check_n afifo
rm "$tmp/aliases"
cp "$tmp/aliases.good" "$tmp/aliases"

# --- 2. live
: > "$tmp/lg.log"
"$LOOPGUARD" -f -c "$tmp/lg.conf" 2>>"$tmp/lg.log" &
pid=$!
wait_file "$tmp/ctl.sock" 10 && wait_in "$tmp/lg.log" "listening on" || exit 1

ctl() { out=$(timeout 10 "$LOOPGUARDCTL" -s "unix:$tmp/ctl.sock" "$@" 2>&1); rc=$?; }
# wait_lookup ADDR TEXT - until "lookup ADDR" says TEXT (8 s)
wait_lookup() {
	local i
	for ((i = 0; i < 80; i++)); do
		ctl lookup "$1"
		grep -qF -- "$2" <<<"$out" && return 0
		sleep 0.1
	done
	echo "  lookup $1: $out"
	return 1
}
msg() {
	SOCKET=unix:$tmp/lg.sock RCPT=$1 EXPECT=$2 \
		timeout 20 miltertest -s "$srcdir/directory_msg.lua" >"$tmp/mt.out" 2>&1 ||
		{ sed 's/^/  /' "$tmp/mt.out"; return 1; }
}

check "2: a user of the file exists" \
	wait_lookup user05@example.com "exists ($tmp/users)"
rm "$tmp/users"
mkfifo "$tmp/users"
check "2: the FIFO is refused, and logged" \
	wait_in "$tmp/lg.log" "reload failed, the entries loaded before stay in use: $tmp/users: not a regular file"
check "2: the users loaded before still exist" \
	wait_lookup user05@example.com "exists ($tmp/users)"
check "2: and their mail is kept" msg "<user05@example.com>" keep
# the failed load is retried after 30 s; the aliases source must still
# be followed meanwhile
echo 'sales: alice' >> "$tmp/aliases"
check "2: another source is still followed live" \
	wait_lookup sales@example.com "exists (aliases:$tmp/aliases)"

# --- 3. the aliases source replaced by a FIFO
rm "$tmp/aliases"
mkfifo "$tmp/aliases"
check "3: the aliases FIFO is refused, and logged" \
	wait_in "$tmp/lg.log" "reload failed, the entries loaded before stay in use: $tmp/aliases: not a regular file"
check "3: the aliases loaded before still exist" \
	wait_lookup sales@example.com "exists (aliases:$tmp/aliases)"
check "3: the daemon still answers a message" msg "<staff@example.com>" keep
kill "$pid"
for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
check "3: the daemon stops on SIGTERM" eval '! kill -0 "$pid" 2>/dev/null'
wait "$pid" 2>/dev/null
pid=

echo "hostile-files: $passed passed, $failed failed"
[ "$failed" = 0 ]
