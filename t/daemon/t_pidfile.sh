#!/bin/bash
# t_pidfile.sh - the pid file's folder belongs to the daemon's user, who
# may plant links in it: a start as root must never write, truncate or
# hang on what the user left there. Root only (the attacker is the
# user nobody, the target a scratch file of root's); skipped otherwise.
#   1. LOOPGUARD.pid.tmp -> target, planted by the user: the target is
#      untouched, the start works and says what it removed;
#   2. the pid file itself a link to the target: not followed, taken
#      over, the target untouched;
#   3. the pid file a FIFO: the start neither hangs nor fails;
#   4. a pid file folder others may write in (mode 1777, or another
#      user's for a daemon that stays root) is refused at start and by
#      -n (exit 78), with the folder, its owner and mode, before root
#      reads or removes anything there (a stale pid file stays);
#   5. a missing pid file folder inside a folder of the user's: the
#      user swaps the new folder for a link to a folder of root's right
#      after root's mkdir (a small mkdir() wrapper, LD_PRELOAD, plays
#      the racing user; skipped without a C compiler): root's folder
#      keeps its owner and mode, the start is refused, saying why.
set -u
. "$(dirname "$0")/../lib/lib.sh"

[ -x "$LOOPGUARD" ] || skip "$LOOPGUARD is not built"
[ "$(id -u)" = 0 ] || skip "needs root (a start as root, an attacker as nobody)"
id nobody >/dev/null 2>&1 || skip "no user nobody"
command -v setpriv >/dev/null || skip "setpriv is not installed"

lg_workdir pidfile

# as_nobody CMD... - run CMD as the user nobody, without root's groups
as_nobody() {
	setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups -- "$@"
}

# write_conf DIR PIDFILE EXTRA - a config in DIR/lg.conf
write_conf() {
	mkdir -p "$1"
	chmod 755 "$1"
	cat > "$1/lg.conf" <<CONF
socket = "unix:$1/lg.sock";
pidfile = "$2";
plugin_dir = "$PLUGIN_DIR";
local_domains = [ "example.com" ];
recipients = [ "$tmp/rcpts" ];
$3
plugins = ( { name = "catchall"; } );
CONF
}

# start DIR - loopguard -f in the background, its stderr in DIR/log;
# waits for the socket (10 s)
start() {
	: >"$1/log"
	"$LOOPGUARD" -f -c "$1/lg.conf" 2>>"$1/log" &
	pid=$!
	wait_file "$1/lg.sock" 10
}

# stop - the daemon started last; SIGKILL after 2 s (a daemon hung in
# open() at start still has its signals blocked)
stop() {
	local i
	[ -n "$pid" ] || return 0
	kill "$pid" 2>/dev/null
	for ((i = 0; i < 40; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	pid=
}

# pid_file_written FILE - FILE becomes a regular file within 5 s (the pid
# file is written after the socket is bound and privileges are dropped,
# so it may lag the socket on a slow or sanitized build)
pid_file_written() {
	local i
	for ((i = 0; i < 100; i++)); do
		[ -f "$1" ] && [ ! -L "$1" ] && [ ! -p "$1" ] && return 0
		sleep 0.05
	done
	return 1
}

target=$tmp/target
printf 'precious: root only\n' >"$target"
chmod 644 "$target"
before=$(sha256sum <"$target")

# --- 1. a planted LOOPGUARD.pid.tmp -> target
d=$tmp/tmp-link
mkdir -p "$d/run"
chown nobody "$d/run"
write_conf "$d" "$d/run/lg.pid" 'user = "nobody";'
as_nobody ln -s "$target" "$d/run/lg.pid.tmp"
check "the user nobody planted lg.pid.tmp -> target" test -L "$d/run/lg.pid.tmp"
if start "$d"; then
	ok "the start works with the planted link"
else
	not_ok "the start works with the planted link" "$(cat "$d/log")"
fi
pid_file_written "$d/run/lg.pid" || true
check "the target is untouched (content)" test "$(sha256sum <"$target")" = "$before"
check "the target is untouched (owner, mode)" test "$(stat -c '%U %a' "$target")" = "root 644"
check "the pid file holds the daemon's pid" \
	test "$(cat "$d/run/lg.pid" 2>/dev/null)" = "$pid"
check "the pid file is a regular file of the user's" \
	eval '[ -f "$d/run/lg.pid" ] && [ ! -L "$d/run/lg.pid" ] && [ "$(stat -c %U "$d/run/lg.pid")" = nobody ]'
check "the link is gone" test ! -e "$d/run/lg.pid.tmp" -a ! -L "$d/run/lg.pid.tmp"
check "the start says it removed the link without following it" grep -qF \
	"warning: pidfile $d/run/lg.pid: removed $d/run/lg.pid.tmp, which was a symbolic link, without following it" "$d/log"
stop
echo "  target after the start: $(cat "$target")"

# --- 2. the pid file itself a link to the target
d=$tmp/pid-link
mkdir -p "$d/run"
chown nobody "$d/run"
write_conf "$d" "$d/run/lg.pid" 'user = "nobody";'
as_nobody ln -s "$target" "$d/run/lg.pid"
if start "$d"; then
	ok "the start works over a pid file that is a link"
else
	not_ok "the start works over a pid file that is a link" "$(cat "$d/log")"
fi
check "a linked pid file is taken over, not followed" grep -qF \
	"pidfile $d/run/lg.pid: stale (it is not a regular file; not followed); taken over" "$d/log"
check "the target is still untouched" test "$(sha256sum <"$target")" = "$before"
check "the new pid file is a regular file" pid_file_written "$d/run/lg.pid"
stop

# --- 3. the pid file a FIFO: reading it must not hang the start
d=$tmp/pid-fifo
mkdir -p "$d/run"
chown nobody "$d/run"
write_conf "$d" "$d/run/lg.pid" 'user = "nobody";'
as_nobody mkfifo "$d/run/lg.pid"
if start "$d"; then
	ok "a FIFO as the pid file does not hang the start"
else
	not_ok "a FIFO as the pid file does not hang the start" "$(cat "$d/log")"
fi
check "the FIFO is replaced by the pid file" pid_file_written "$d/run/lg.pid"
stop

# --- 4. folders others may write in are refused, -n and start
for case in sticky other-owner; do
	d=$tmp/$case
	mkdir -p "$d/run"
	if [ "$case" = sticky ]; then
		chmod 1777 "$d/run"
		write_conf "$d" "$d/run/lg.pid" 'user = "nobody";'
		want="pid file folder $d/run: writable by others than root and user nobody (owner root:root, mode 1777)"
	else
		# a daemon that stays root, in a folder of nobody's
		chown nobody "$d/run"
		chmod 755 "$d/run"
		write_conf "$d" "$d/run/lg.pid" ''
		want="pid file folder $d/run: writable by others than root (owner nobody:root, mode 0755); the pid file is written there as root"
	fi
	as_nobody ln -s "$target" "$d/run/lg.pid.tmp"
	# a stale pid file of nobody's: root must not even remove it there
	as_nobody sh -c "echo 2147483646 >'$d/run/lg.pid'"
	out=$("$LOOPGUARD" -n -c "$d/lg.conf" 2>&1); rc=$?
	check "$case: -n refuses the pid file folder (exit 78)" eval \
		'[ "$rc" = 78 ] && grep -qF "$want" <<<"$out" || { echo "  $out"; false; }'
	out=$("$LOOPGUARD" -c "$d/lg.conf" 2>&1); rc=$?
	[ -s "$d/run/lg.pid" ] && [ "$(cat "$d/run/lg.pid")" != 2147483646 ] &&
		lg_pids+=("$(cat "$d/run/lg.pid")")
	check "$case: the start is refused (exit 78) with the folder, owner and mode" eval \
		'[ "$rc" = 78 ] && grep -qF "loopguard: $want" <<<"$out" || { echo "  $out"; false; }'
	check "$case: nothing is written or removed there, the target untouched" eval \
		'[ "$(cat "$d/run/lg.pid" 2>/dev/null)" = 2147483646 ] && [ "$(stat -c %U "$d/run/lg.pid")" = nobody ] && [ "$(sha256sum <"$target")" = "$before" ]'
done

# --- 5. the new pid file folder swapped for a link after the mkdir
swap_test() {
	local cc=${CC:-cc} d=$tmp/swap out
	cat >"$tmp/swap.c" <<'C'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* mkdir - the real one, then SWAP_PATH becomes a link to SWAP_TARGET */
int mkdir(const char *path, mode_t mode)
{
	int (*real)(const char *, mode_t) =
		(int (*)(const char *, mode_t)) dlsym(RTLD_NEXT, "mkdir");
	const char *swap = getenv("SWAP_PATH"), *to = getenv("SWAP_TARGET");
	int rc = real(path, mode);

	if (rc == 0 && swap && to && strcmp(path, swap) == 0 &&
	    rmdir(path) == 0)
		(void) !symlink(to, path);
	return rc;
}
C
	if ! "$cc" -shared -fPIC -o "$tmp/swap.so" "$tmp/swap.c" -ldl \
		>"$tmp/cc.out" 2>&1; then
		echo "# SKIP folder swap: $cc cannot build the mkdir() wrapper"
		return 0
	fi
	mkdir -p "$d/nobodys" "$tmp/roots"
	chmod 755 "$d/nobodys"
	chown nobody "$d/nobodys"
	chmod 700 "$tmp/roots"
	write_conf "$d" "$d/nobodys/run/lg.pid" 'user = "nobody";'
	out=$(SWAP_PATH=$d/nobodys/run SWAP_TARGET=$tmp/roots \
		with_preload "$tmp/swap.so" timeout 20 "$LOOPGUARD" -f \
		-c "$d/lg.conf" 2>&1)
	echo "  root's folder after the start: $(stat -c '%U %a' "$tmp/roots")"
	check "a link swapped in for the new pid file folder: root's folder keeps owner and mode" \
		test "$(stat -c '%U %a' "$tmp/roots")" = "root 700"
	check "... and the start is refused, saying why: $out" grep -qF \
		"pid file folder $d/nobodys/run: created, but replaced at once (not a folder now)" <<<"$out"
}
swap_test

echo "pidfile: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
