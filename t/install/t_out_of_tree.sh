#!/bin/bash
# t_out_of_tree.sh - a plugin built against the installed tree only:
# make install into a DESTDIR, compile t/install/oot/hello.c with the
# installed loopguard.pc and <loopguard/plugin.h>, check the config with the
# installed daemon's -n, then run it under miltertest and look for the
# header the plugin adds at end of message.
set -u
. "$(dirname "$0")/../lib/lib.sh"

command -v pkg-config >/dev/null || skip "pkg-config is not installed"
command -v miltertest >/dev/null || skip "miltertest is not installed"
CC=${CC:-cc}
command -v "$CC" >/dev/null || skip "no C compiler ($CC)"

tmp=$(mktemp -d /tmp/lg-oot-XXXXXX)
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

passed=0 failed=0
# check NAME COMMAND... - one numbered step
check() {
	local name=$1
	shift
	if "$@" >>"$tmp/steps.log" 2>&1; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		echo "FAIL: $name"
		tail -n 20 "$tmp/steps.log"
	fi
}

# finish - the summary line, and the exit status
finish() {
	echo "out-of-tree: $passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit
}

dest=$tmp/dest
check "make install DESTDIR" \
	make -s -C "$top_builddir" install DESTDIR="$dest"
pcfile=$(find "$dest" -name loopguard.pc -path '*/pkgconfig/*' | head -n 1)
daemon=$(find "$dest" -name loopguard -type f -path '*/sbin/*' | head -n 1)
if [ -z "$pcfile" ] || [ -z "$daemon" ]; then
	failed=$((failed + 1))
	echo "FAIL: loopguard.pc or sbin/loopguard not installed under $dest"
	finish
fi

# The .pc holds the configured prefix; the sysroot puts DESTDIR in front.
pc() {
	PKG_CONFIG_PATH=$(dirname "$pcfile") PKG_CONFIG_LIBDIR= \
		PKG_CONFIG_SYSROOT_DIR=$dest pkg-config "$@" loopguard
}
cflags=$(pc --cflags) || cflags=
incdir=$(pc --cflags-only-I | awk '{ sub(/^-I/, "", $1); print $1 }')
check "pkg-config finds the installed header" \
	test -f "$incdir/loopguard/plugin.h"
check "pkg-config has plugindir" test -n "$(pc --variable=plugindir)"
check "pkg-config version is the package's" \
	test "$(pc --modversion)" = "$("$daemon" -V | awk '{ print $2 }')"

mkdir "$tmp/plugins"
# shellcheck disable=SC2086 # cflags is a list of words
check "compile hello.so" \
	"$CC" -shared -fPIC -Wall -Wextra -Werror $cflags \
	-o "$tmp/plugins/hello.so" "$srcdir/oot/hello.c"

printf 'alice@example.com\npostmaster@example.com\n' > "$tmp/rcpts"
cat > "$tmp/lg.conf" <<CONF
socket = "unix:$tmp/lg.sock";
plugin_dir = "$tmp/plugins";
local_domains = [ "example.com" ];
recipients = [ "rcpts" ];
plugins = ( { name = "hello"; greeting = "out of tree"; } );
CONF
check "installed loopguard -n loads hello" "$daemon" -n -c "$tmp/lg.conf"

cat > "$tmp/hello.lua" <<'LUA'
-- the installed daemon with hello.so: X-Hello arrives at end of message
local function run()
	local sock = os.getenv("SOCKET")
	local conn = mt.connect(sock, 40, 0.25)
	assert(conn, "cannot connect to " .. tostring(sock))
	assert(mt.conninfo(conn, "client.test", "192.0.2.1") == nil)
	assert(mt.getreply(conn) == SMFIR_CONTINUE, "connect not continued")
	mt.macro(conn, SMFIC_MAIL, "i", "4OOT1")
	assert(mt.mailfrom(conn, "<sender@external.test>") == nil)
	assert(mt.getreply(conn) == SMFIR_CONTINUE, "MAIL not continued")
	assert(mt.rcptto(conn, "<alice@example.com>") == nil)
	assert(mt.getreply(conn) == SMFIR_CONTINUE, "RCPT not continued")
	assert(mt.header(conn, "Subject", "test") == nil)
	assert(mt.eoh(conn) == nil)
	assert(mt.bodystring(conn, "hello\r\n") == nil)
	assert(mt.eom(conn) == nil)
	assert(mt.getreply(conn) == SMFIR_CONTINUE, "EOM not continued")
	assert(mt.eom_check(conn, MT_HDRADD, "X-Hello", "out of tree"),
	       "no X-Hello header")
	mt.disconnect(conn)
end
local ok, err = pcall(run)
if not ok then
	print("hello.lua: " .. tostring(err))
	os.exit(1)
end
print("hello.lua: ok")
LUA

"$daemon" -f -c "$tmp/lg.conf" 2>>"$tmp/lg.log" &
pid=$!
if wait_file "$tmp/lg.sock" 10; then
	check "miltertest sees X-Hello" \
		env SOCKET="unix:$tmp/lg.sock" miltertest -s "$tmp/hello.lua"
	check "the daemon stops on SIGTERM" kill "$pid"
	wait "$pid" 2>/dev/null
	pid=
else
	failed=$((failed + 1))
	echo "FAIL: the installed daemon did not start"
fi
[ "$failed" -eq 0 ] || cat "$tmp/lg.log"
finish
