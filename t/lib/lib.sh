# t/lib/lib.sh - shared by the shell tests in t/ (sourced, not run)
# Sets: srcdir (the folder of the test that sources it), t_lib (this
# folder), top_builddir, LOOPGUARD, LOOPGUARDCTL, PLUGIN_DIR,
# TEST_PLUGIN_DIR, LG_MTLIB (the miltertest scripts' shared Lua).
# Defines skip, wait_file, lg_workdir (a test's folder, cleaned up at
# exit with the daemons it started), lg_redis_start and lg_redis_stop (a
# private redis-server), and ok, not_ok and check with their counters
# passed and failed.

t_lib=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
srcdir=$(cd "$(dirname "$0")" && pwd)
: "${top_srcdir:=$(cd "$t_lib/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
: "${PLUGIN_DIR:=$top_builddir/plugins/.libs}"
: "${TEST_PLUGIN_DIR:=$top_builddir/t/lib/plugins/.libs}"
LOOPGUARD=$top_builddir/loopguard
LOOPGUARDCTL=$top_builddir/loopguardctl
export top_srcdir top_builddir PLUGIN_DIR TEST_PLUGIN_DIR
export LG_MTLIB=$t_lib/miltertest.lua

# skip REASON - automake's "skipped" exit status
skip() {
	echo "SKIP: $*"
	exit 77
}

# wait_file PATH SECONDS - until PATH exists
wait_file() {
	local i
	for ((i = 0; i < $2 * 20; i++)); do
		[ -e "$1" ] && return 0
		sleep 0.05
	done
	echo "timed out waiting for $1" >&2
	return 1
}

# wait_in FILE TEXT - until FILE holds TEXT (5 s); else shows FILE.
# The daemon binds its sockets before it opens the store, so a line
# logged at start is only certain once "listening on" is in the log.
wait_in() {
	local i
	for ((i = 0; i < 100; i++)); do
		grep -qF -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	echo "  $1 has no \"$2\":"; sed 's/^/    /' "$1" 2>/dev/null
	return 1
}

# ok NAME, not_ok NAME [DETAIL], check NAME COMMAND... - TAP-like result
# lines, counted in passed and failed
passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ok - $1"; }
not_ok() { failed=$((failed + 1)); echo "not ok - $1"; [ -n "${2:-}" ] && echo "  $2"; }
check() { local name=$1; shift; if "$@"; then ok "$name"; else not_ok "$name"; fi; }

# with_preload LIB CMD... - CMD with LIB preloaded (a test's wrapper of a
# libc call). A sanitizer build wants its runtime first in the list;
# the wrapper only passes calls on, so that check is turned off.
with_preload() {
	local lib=$1
	shift
	LD_PRELOAD=$lib \
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 \
		"$@"
}

# lg_workdir NAME - tmp: a new folder /tmp/lg-NAME-XXXXXX (mode 0755)
# holding rcpts (alice@ and postmaster@example.com). At exit the daemon
# whose PID is in pid and every PID in lg_pids are stopped,
# lg_cleanup_hook runs when the test defines one, and tmp is removed.
pid=
lg_pids=()
lg_workdir() {
	tmp=$(mktemp -d "/tmp/lg-$1-XXXXXX") || exit 99
	chmod 755 "$tmp"
	printf 'alice@example.com\npostmaster@example.com\n' > "$tmp/rcpts"
	trap lg_cleanup EXIT
}

# lg_cleanup - the EXIT trap of lg_workdir
lg_cleanup() {
	local p
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	for p in "${lg_pids[@]}"; do
		kill "$p" 2>/dev/null
	done
	lg_redis_stop
	if declare -F lg_cleanup_hook >/dev/null; then lg_cleanup_hook; fi
	rm -rf "$tmp"
}

# lg_redis_start SOCK [ARG...] - a private redis-server on the unix
# socket SOCK only, persistence off, its log redis.log in SOCK's folder;
# ARGs go to redis-server after these. Sets redis_pid (lg_cleanup stops
# it). 1, with the log on stderr, when it does not answer PING in 5 s.
redis_pid=
lg_redis_start() {
	local sock=$1 dir i
	shift
	dir=$(dirname "$sock")
	redis-server --port 0 --unixsocket "$sock" --unixsocketperm 700 \
		--save '' --appendonly no --dir "$dir" \
		--logfile "$dir/redis.log" --daemonize no "$@" </dev/null &
	redis_pid=$!
	for ((i = 0; i < 100; i++)); do
		[ "$(redis-cli -s "$sock" ping 2>/dev/null)" = PONG ] && return 0
		sleep 0.05
	done
	echo "redis-server did not start on $sock:" >&2
	cat "$dir/redis.log" >&2
	return 1
}

# lg_redis_stop [SIGNAL] - stop (TERM by default) and reap the server
# lg_redis_start started, if it runs
lg_redis_stop() {
	if [ -n "$redis_pid" ]; then
		kill -"${1:-TERM}" "$redis_pid" 2>/dev/null
		wait "$redis_pid" 2>/dev/null
	fi
	redis_pid=
	return 0
}
