#!/bin/bash
# t_control_socket.sh - who may use the control socket: it is 0660 and
# belongs to the configured group (control_mode overrides the mode), a
# member of that group can run loopguardctl, anyone else is refused
# with a clear error, and a group that does not exist stops the daemon
# at start with a clear error. Needs root (a test group and setpriv);
# exits 77 otherwise. A link put at the socket's name right after the bind
# is never followed when the mode and group are set.
set -u
. "$(dirname "$0")/../lib/lib.sh"

[ "$(id -u)" -eq 0 ] || skip "needs root"
command -v setpriv >/dev/null || skip "setpriv is not installed"
command -v groupadd >/dev/null || skip "groupadd is not installed"

lg_workdir ctlsock
group=lgctl$$
lg_cleanup_hook() {
	getent group "$group" >/dev/null && groupdel "$group"
}

groupadd "$group" || { echo "Bail out! groupadd $group"; exit 1; }
printf 'alice@example.com\n' >"$tmp/rcpts"

# write_conf GROUP [EXTRA] - the daemon drops to nobody and GROUP
write_conf() {
	cat >"$tmp/lg.conf" <<CONF
socket = "unix:$tmp/lg.sock";
control = "unix:$tmp/ctl.sock";
user = "nobody";
group = "$1";
plugin_dir = "$PLUGIN_DIR";
local_domains = [ "example.com" ];
recipients = [ "rcpts" ];
${2:-}
plugins = ( { name = "catchall"; } );
CONF
}

# start - the daemon; the sockets of the last run are still there (as
# nobody it cannot unlink them in this root-owned folder), so they go
# first, and the wait is for the new ones
start() {
	rm -f "$tmp/lg.sock" "$tmp/ctl.sock"
	: >"$tmp/log"
	"$LOOPGUARD" -f -c "$tmp/lg.conf" 2>>"$tmp/log" &
	pid=$!
	wait_file "$tmp/ctl.sock" 10
}

stop() {
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	pid=
}

# as UID GID CMD... - run CMD with only that uid and gid
as() {
	local uid=$1 gid=$2
	shift 2
	setpriv --reuid="$uid" --regid="$gid" --clear-groups "$@"
}

write_conf "$group"
start
check "control socket is 0660" [ "$(stat -c %a "$tmp/ctl.sock")" = 660 ]
check "control socket belongs to group $group" \
	[ "$(stat -c %G "$tmp/ctl.sock")" = "$group" ]
out=$(as nobody "$group" "$LOOPGUARDCTL" -s "unix:$tmp/ctl.sock" stats 2>&1)
check "a member of $group can use loopguardctl" grep -q "messages" <<<"$out"
err=$(as nobody nogroup "$LOOPGUARDCTL" -s "unix:$tmp/ctl.sock" stats 2>&1 >/dev/null)
rc=$?
check "anyone else is refused (exit $rc)" [ "$rc" -ne 0 ]
check "with a clear error naming the socket: $err" \
	grep -q "ctl.sock.*[Pp]ermission denied" <<<"$err"
stop

write_conf "$group" 'control_mode = "0600";'
start
check "control_mode 0600 overrides the mode" \
	[ "$(stat -c %a "$tmp/ctl.sock")" = 600 ]
err=$(as nobody "$group" "$LOOPGUARDCTL" -s "unix:$tmp/ctl.sock" stats 2>&1 >/dev/null)
check "with 0600 the group is refused too" grep -qi "permission denied" <<<"$err"
stop

write_conf "nosuchgroup$$"
rm -f "$tmp/lg.sock" "$tmp/ctl.sock"
"$LOOPGUARD" -f -c "$tmp/lg.conf" >"$tmp/out" 2>&1
rc=$?
check "a group that does not exist stops the start (exit $rc)" [ "$rc" -ne 0 ]
check "with a clear error: $(head -n 1 "$tmp/out")" \
	grep -q ":[0-9]*: group \"nosuchgroup$$\": no such group" "$tmp/out"
check "and no control socket is left behind" [ ! -e "$tmp/ctl.sock" ]

# --- a link swapped in at the control socket's name right after the
# bind, as a user who owned the folder could: root must not change the
# link's target. A bind() wrapper, LD_PRELOAD, plays that user.
swap_test() {
	local cc=${CC:-cc} out
	cat >"$tmp/swap.c" <<'C'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* bind - the real one, then SWAP_PATH becomes a link to SWAP_TARGET */
int bind(int fd, const struct sockaddr *sa, socklen_t len)
{
	int (*real)(int, const struct sockaddr *, socklen_t) =
		(int (*)(int, const struct sockaddr *, socklen_t))
		dlsym(RTLD_NEXT, "bind");
	const char *path = getenv("SWAP_PATH"), *to = getenv("SWAP_TARGET");
	const struct sockaddr_un *sun = (const struct sockaddr_un *) sa;
	int rc = real(fd, sa, len);

	if (rc == 0 && path && to && sa->sa_family == AF_UNIX &&
	    strcmp(sun->sun_path, path) == 0 && unlink(path) == 0)
		(void) !symlink(to, path);
	return rc;
}
C
	if ! "$cc" -shared -fPIC -o "$tmp/swap.so" "$tmp/swap.c" -ldl \
		>"$tmp/cc.out" 2>&1; then
		echo "# SKIP link swap: $cc cannot build the bind() wrapper"
		return 0
	fi
	printf 'root only\n' >"$tmp/precious"
	chmod 600 "$tmp/precious"
	write_conf "$group"
	rm -f "$tmp/lg.sock" "$tmp/ctl.sock"
	out=$(SWAP_PATH=$tmp/ctl.sock SWAP_TARGET=$tmp/precious \
		with_preload "$tmp/swap.so" timeout 20 "$LOOPGUARD" -f \
		-c "$tmp/lg.conf" 2>&1)
	check "a link swapped in for the control socket: root's file keeps mode 0600 ($(stat -c '%a %U:%G' "$tmp/precious"))" \
		test "$(stat -c %a "$tmp/precious")" = 600
	check "... and its group root" \
		test "$(stat -c %G "$tmp/precious")" = root
	check "... and the start is refused, saying why: $out" grep -qF \
		"socket $tmp/ctl.sock: not the socket loopguard made (a symbolic link is there now; not followed)" <<<"$out"
}
swap_test

echo "# $passed passed, $failed failed"
[ "$failed" -eq 0 ]
