#!/bin/bash
# t_socket_access.sh - whoever reaches the milter socket speaks for the
# MTA and so controls loopguard's state. Root only; skipped otherwise.
#   1. the milter socket of the installed config (what make install puts
#      in SYSCONFDIR: its socket, socket_mode and socket_group, the path
#      moved under this test's folder, whose folders are all 0755 so
#      that only the socket's own mode and group keep anyone out): a
#      local user (nobody) cannot connect (EACCES), and a session it
#      forges (miltertest/forge.lua: a partner's MX as the client,
#      unknown recipients until harvest blocks it) never reaches
#      loopguard, which holds no entry for that network afterwards;
#      the MTA (a member of socket_group; root when there is none) can
#      connect; no warning about the socket;
#   2. a TCP milter socket: the start warns, in one line an operator can
#      grep ("forge MTA sessions"), and shows why: nobody's forged
#      session gets the partner's network blocked;
#   3. the milter socket's folder belongs to the daemon's user (as the
#      installed one does), who swaps the socket for a link to a file
#      of root's right after the bind, as a racing user could (a small
#      listen() wrapper, LD_PRELOAD, plays that user; skipped without
#      a C compiler): the file keeps its mode and owner, and the start
#      is refused with a clear error;
#   4. a milter socket folder every local user may write in (1777, as
#      /tmp): nobody could put a socket of their own there for the MTA
#      while loopguard is not listening; -n and a start refuse it;
#   5. socket_mode "0666": any local user connects (nobody's forged
#      session blocks the partner), and -n and the start warn so.
set -u
. "$(dirname "$0")/../lib/lib.sh"

[ -x "$LOOPGUARD" ] || skip "$LOOPGUARD is not built"
[ "$(id -u)" = 0 ] || skip "needs root (the daemon drops to a user, the attacker is nobody)"
id nobody >/dev/null 2>&1 || skip "no user nobody"
id daemon >/dev/null 2>&1 || skip "no user daemon (the daemon's stand-in user)"
command -v miltertest >/dev/null || skip "miltertest is not installed"
command -v setpriv >/dev/null || skip "setpriv is not installed"
[ -x /usr/bin/perl ] || skip "no /usr/bin/perl"

lg_workdir sockaccess
partner=198.51.100.25

# as USER CMD... - run CMD as USER with USER's own groups only
as() {
	local u=$1
	shift
	setpriv --reuid="$u" --regid="$(id -g "$u")" --init-groups -- "$@"
}

# try_connect USER SPEC - as USER, connect once to unix:/path or
# inet:PORT@HOST; prints "connected", or "ERRNO reason" and fails
try_connect() {
	as "$1" /usr/bin/perl "$tmp/connect.pl" "$2"
}
cat >"$tmp/connect.pl" <<'PERL'
use Socket;
my ($spec) = @ARGV;
my ($s, $addr);
if ($spec =~ m{^unix:(.*)$}) {
	my $path = $1;
	socket($s, PF_UNIX, SOCK_STREAM, 0) or die "socket: $!\n";
	$addr = pack_sockaddr_un($path);
} elsif ($spec =~ m{^inet:(\d+)\@(.*)$}) {
	my ($port, $host) = ($1, $2);
	socket($s, PF_INET, SOCK_STREAM, 0) or die "socket: $!\n";
	$addr = pack_sockaddr_in($port, inet_aton($host));
} else {
	die "bad socket $spec\n";
}
if (connect($s, $addr)) { print "connected\n"; exit 0 }
printf "%d %s\n", $! + 0, $!;
exit 1;
PERL
chmod 644 "$tmp/connect.pl"

# forge SPEC - forge.lua as nobody against SPEC; its output in
# $tmp/forge.out, its status returned
forge() {
	(cd / && as nobody env SOCKET="$1" CLIENT=$partner RCPTS=8 \
		miltertest -s "$tmp/forge.lua") >"$tmp/forge.out" 2>&1
}

# entries - loopguardctl's list of what loopguard holds
entries() {
	"$LOOPGUARDCTL" -s "unix:$tmp/run/ctl.sock" list 2>&1
}

# start SPEC MODE-AND-GROUP - the daemon as root dropping to "daemon",
# harvest (threshold 3) then catchall; its stderr in $tmp/log
start() {
	cat >"$tmp/lg.conf" <<CONF
socket = "$1";
$2
user = "daemon";
control = "unix:$tmp/run/ctl.sock";
plugin_dir = "$PLUGIN_DIR";
local_domains = [ "example.com" ];
recipients = [ "$tmp/rcpts" ];
plugins = ( { name = "harvest"; threshold = 3; notify = false; },
            { name = "catchall"; } );
CONF
	: >"$tmp/log"
	"$LOOPGUARD" -f -c "$tmp/lg.conf" 2>>"$tmp/log" &
	pid=$!
	wait_file "$tmp/run/ctl.sock" 10 || { cat "$tmp/log"; return 1; }
}

# stop - the daemon
stop() {
	kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	pid=
}

# the control socket's folder is the daemon user's, who removes it
mkdir -p "$tmp/run"
chown daemon "$tmp/run"
# miltertest runs as nobody: its script must be readable by nobody
cp "$srcdir/miltertest/forge.lua" "$tmp/forge.lua"
chmod 644 "$tmp/forge.lua"

# --- the installed config's milter socket
if ! make -s -C "$top_builddir" conf/loopguard.conf.installed >"$tmp/make.out" 2>&1; then
	not_ok "make conf/loopguard.conf.installed" "$(cat "$tmp/make.out")"
	exit 1
fi
installed=$top_builddir/conf/loopguard.conf.installed
spec=$(sed -n 's/^socket = "\([^"]*\)";.*/\1/p' "$installed")
perms=$(grep -E '^socket_(mode|group) = ' "$installed" | sed 's/;.*/;/')
group=$(sed -n 's/^socket_group = "\([^"]*\)";.*/\1/p' "$installed")
echo "  installed: socket = \"$spec\"; $(tr '\n' ' ' <<<"$perms")"
check "the installed milter socket is a unix socket" eval '[[ $spec == unix:/* ]]'
check "the installed socket_mode is 0660" grep -qE '^socket_mode = "0660";' "$installed"
case $spec in
unix:*)
	mkdir -p "$tmp/spool/loopguard"
	chmod 755 "$tmp/spool" "$tmp/spool/loopguard"
	spec=unix:$tmp/spool/loopguard/$(basename "${spec#unix:}")
	;;
inet:*)
	port=$((20000 + RANDOM % 20000))
	spec=inet:$port@${spec#*@}
	;;
esac
# the MTA: a user whose group is socket_group, or root (Sendmail)
mta=root
if [ -n "$group" ]; then
	gid=$(getent group "$group" | cut -d: -f3)
	[ -n "$gid" ] || skip "no group $group (the installed socket_group) here"
	mta=$(getent passwd | awk -F: -v g="$gid" '$4 == g { print $1; exit }')
	[ -n "$mta" ] || skip "no user in group $group to stand for the MTA"
fi

if start "$spec" "$perms"; then
	ok "the daemon starts with the installed milter socket ($spec)"
	[[ $spec == unix:* ]] && echo "  $(stat -c '%A %U:%G' "${spec#unix:}")"
	out=$(try_connect nobody "$spec")
	echo "  nobody connects: $out"
	check "nobody cannot connect: EACCES" test "$out" = "13 Permission denied"
	forge "$spec"; rc=$?
	sed 's/^/  /' "$tmp/forge.out"
	check "nobody's forged session is refused at the socket" eval \
		'[ "$rc" != 0 ] && grep -q "^forged: no connection" "$tmp/forge.out"'
	list=$(entries)
	check "loopguard holds no entry for the forged sender" \
		eval '! grep -qF "someone@partner.test" <<<"$list"'
	check "loopguard logged nothing for the claimed client" \
		eval '! grep -qF "client=$partner" "$tmp/log"'
	out=$(try_connect "$mta" "$spec")
	check "the MTA ($mta) can connect" test "$out" = connected
	check "no warning about the unix socket" \
		eval '! grep -qF "forge MTA sessions" "$tmp/log"'
	stop
else
	not_ok "the daemon starts with the installed milter socket ($spec)"
fi

# --- a TCP socket: the warning, and why
port=$((20000 + RANDOM % 20000))
spec=inet:$port@127.0.0.1
if start "$spec" ""; then
	ok "the daemon starts on $spec"
	check "the start warns that any local user can forge MTA sessions" grep -qxF \
		"loopguard: warning: socket $spec: any local user can connect to a TCP milter socket and forge MTA sessions, which change loopguard's counters, blocks and ledger; use a unix socket only the MTA's group may open (socket_mode = \"0660\", socket_group)" \
		"$tmp/log" || sed 's/^/  log: /' "$tmp/log"
	forge "$spec"; rc=$?
	sed 's/^/  /' "$tmp/forge.out"
	check "over TCP nobody's forged session gets through" eval \
		'[ "$rc" = 0 ] && grep -q "^forged: [1-9][0-9]* of 8 recipients refused" "$tmp/forge.out"'
	check "... and blocks the claimed network" grep -qF \
		"client=$partner reason=\"network $partner/32 blocked for 1h" "$tmp/log"
	list=$(entries)
	check "... which loopguard now holds" \
		grep -qE "someone@partner\.test .* blocked\$" <<<"$list"
	grep -F "someone@partner.test" <<<"$list" | sed 's/^/  /'
	stop
else
	not_ok "the daemon starts on $spec"
fi
out=$("$LOOPGUARD" -n -c "$tmp/lg.conf" 2>&1)
check "-n warns about the TCP socket too" grep -qF \
	"loopguard: warning: socket $spec: any local user can connect to a TCP milter socket and forge MTA sessions" <<<"$out"

# --- a link swapped in at the socket path between bind and chmod/chown
swap_test() {
	local cc=${CC:-cc} sock=$tmp/own/lg.sock out
	cat >"$tmp/swap.c" <<'C'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* listen - the real one, then SWAP_PATH becomes a link to SWAP_TARGET */
int listen(int fd, int backlog)
{
	int (*real)(int, int) = (int (*)(int, int)) dlsym(RTLD_NEXT, "listen");
	const char *path = getenv("SWAP_PATH"), *to = getenv("SWAP_TARGET");
	struct sockaddr_un sun;
	socklen_t len = sizeof(sun);
	int rc = real(fd, backlog);

	if (rc == 0 && path && to &&
	    getsockname(fd, (struct sockaddr *) &sun, &len) == 0 &&
	    sun.sun_family == AF_UNIX && strcmp(sun.sun_path, path) == 0 &&
	    unlink(path) == 0)
		(void) !symlink(to, path);
	return rc;
}
C
	if ! "$cc" -shared -fPIC -o "$tmp/swap.so" "$tmp/swap.c" -ldl \
		>"$tmp/cc.out" 2>&1; then
		echo "# SKIP link swap: $cc cannot build the listen() wrapper"
		return 0
	fi
	mkdir -p "$tmp/own"
	chown daemon "$tmp/own"
	chmod 755 "$tmp/own"
	printf 'root only\n' >"$tmp/precious"
	chmod 600 "$tmp/precious"
	cat >"$tmp/swap.conf" <<CONF
socket = "unix:$sock";
socket_mode = "0666";
user = "daemon";
plugin_dir = "$PLUGIN_DIR";
local_domains = [ "example.com" ];
recipients = [ "$tmp/rcpts" ];
plugins = ( { name = "catchall"; } );
CONF
	out=$(SWAP_PATH=$sock SWAP_TARGET=$tmp/precious \
		with_preload "$tmp/swap.so" timeout 20 "$LOOPGUARD" -f \
		-c "$tmp/swap.conf" 2>&1)
	echo "  precious: $(stat -c '%a %U:%G' "$tmp/precious")"
	check "a link swapped in for the socket: root's file keeps mode 0600" \
		test "$(stat -c %a "$tmp/precious")" = 600
	check "... and its owner root" \
		test "$(stat -c %U "$tmp/precious")" = root
	check "... and the start is refused, saying why: $out" grep -qF \
		"socket $sock: not the socket loopguard made (a symbolic link is there now; not followed)" <<<"$out"
}
swap_test

# --- a milter socket folder every local user may write in
mkdir -p "$tmp/pub"
chmod 1777 "$tmp/pub"
cat >"$tmp/pub.conf" <<CONF
socket = "unix:$tmp/pub/lg.sock";
user = "daemon";
plugin_dir = "$PLUGIN_DIR";
local_domains = [ "example.com" ];
recipients = [ "$tmp/rcpts" ];
plugins = ( { name = "catchall"; } );
CONF
want="milter socket folder $tmp/pub: writable by every local user (owner root:root, mode 1777), who could put a socket of their own there for the MTA to talk to: use a folder only root or user daemon may write in"
out=$("$LOOPGUARD" -n -c "$tmp/pub.conf" 2>&1); rc=$?
check "a milter socket folder of mode 1777: -n refuses it (exit 78): $out" \
	eval '[ "$rc" = 78 ] && grep -qF "$want" <<<"$out"'
out=$(timeout 20 "$LOOPGUARD" -f -c "$tmp/pub.conf" 2>&1); rc=$?
check "... and so does a start (exit 78), binding nothing: $out" \
	eval '[ "$rc" = 78 ] && grep -qF "$want" <<<"$out" && [ ! -e "$tmp/pub/lg.sock" ]'

# --- socket_mode 0666: as open as TCP, and said so
mkdir -p "$tmp/wide"
chmod 755 "$tmp/wide"
spec=unix:$tmp/wide/lg.sock
want="warning: socket $spec: socket_mode 0666 lets any local user connect and forge MTA sessions"
if start "$spec" 'socket_mode = "0666";'; then
	check "socket_mode 0666: the start warns: $(grep -F socket_mode "$tmp/log")" \
		grep -qF "$want" "$tmp/log"
	forge "$spec"; rc=$?
	sed 's/^/  /' "$tmp/forge.out"
	check "... and nobody's forged session gets through" eval \
		'[ "$rc" = 0 ] && grep -q "^forged: [1-9][0-9]* of 8 recipients refused" "$tmp/forge.out"'
	stop
	out=$("$LOOPGUARD" -n -c "$tmp/lg.conf" 2>&1)
	check "... -n warns too" grep -qF "$want" <<<"$out"
else
	not_ok "the daemon starts on $spec"
fi

echo "socket access: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
