#!/bin/bash
# t_install.sh - make install gives a system that starts: install into a
# DESTDIR, then look at what landed there with the paths configure chose
# (make lg-paths): the config at the compiled-in default path (never
# overwritten by a second install), the systemd unit, sysusers.d and
# tmpfiles.d files, the init script; the installed milter socket is a
# unix socket, mode 0660, of the MTA's group (never TCP: any local user
# could forge MTA sessions); "loopguard -n" accepts the
# installed example; the installed daemon starts from it (moved under
# DESTDIR, the tmpfiles.d folders made there), reloads on SIGUSR1 and
# stops; the init script starts, reloads and stops it; make uninstall
# keeps an edited config. The web console: its binary, unit, sysusers.d
# and tmpfiles.d files, and the example's console group, which the
# daemon accepts once uncommented.
set -u
. "$(dirname "$0")/../lib/lib.sh"

lg_workdir install
lg_cleanup_hook() {
	if [ -n "${initpid:-}" ]; then kill "$initpid" 2>/dev/null; fi
}

# finish - the summary line, and the exit status
finish() {
	echo "install: $passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit
}

# not COMMAND... - COMMAND fails
not() { ! "$@"; }

# has FILE LINE - FILE has LINE exactly
has() {
	grep -qxF -- "$2" "$1" && return 0
	echo "  $1 has no line: $2"
	return 1
}

# --- the configured paths
if ! make -s --no-print-directory -C "$top_builddir" lg-paths \
	>"$tmp/out" 2>"$tmp/err" ||
	! grep '^[a-z]*=' "$tmp/out" >"$tmp/paths" ||
	! grep -q '^pkgsysconfdir=' "$tmp/paths"; then
	not_ok "make lg-paths lists the configured folders" "$(cat "$tmp/err")"
	finish
fi
ok "make lg-paths lists the configured folders"
. "$tmp/paths"
conf=$pkgsysconfdir/loopguard.conf

dest=$tmp/dest
if make -s -C "$top_builddir" install DESTDIR="$dest" >"$tmp/install.log" 2>&1; then
	ok "make install DESTDIR"
else
	not_ok "make install DESTDIR" "$(tail -n 20 "$tmp/install.log")"
	finish
fi
daemon=$dest$sbindir/loopguard

# --- the config, at the path the binary uses by default
check "config installed at $conf" test -f "$dest$conf"
check "loopguard.conf.example installed" test -f "$dest$conf.example"
check "recipients beside the config" test -f "$dest$pkgsysconfdir/recipients"
check "autoreply.txt beside the config" test -f "$dest$pkgsysconfdir/autoreply.txt"
out=$("$daemon" -h 2>&1)
check "loopguard -h names $conf as the default" \
	grep -qF "(default $conf)" <<<"$out"
check "the outbox default is compiled in" \
	grep -qaF "$pkgspooldir/outbox" "$daemon"
check "loopguardctl's default socket is the config's control" \
	grep -qaF "unix:$pkgrundir/control.sock" "$dest$bindir/loopguardctl"
check "config: pidfile" has "$dest$conf" \
	"pidfile = \"$pkgrundir/loopguard.pid\";  # none unless set"
check "config: control" has "$dest$conf" \
	"control = \"unix:$pkgrundir/control.sock\";  # none unless set"
check "config: snapshot" has "$dest$conf" \
	"  snapshot = \"$pkgstatedir/state.snap\";  # none unless set"
check "config: the default outbox" has "$dest$conf" \
	"  outbox = \"$pkgspooldir/outbox\";"
check "config: the default plugin_dir" has "$dest$conf" \
	"# plugin_dir = \"$pkglibdir\";"
# the milter socket: unix, 0660, of the MTA's group (Postfix's chroot),
# or, without Postfix, in the runtime folder for Sendmail (root)
if [ "$postfixspooldir" != no ]; then
	check "config: the milter socket in Postfix's chroot" has "$dest$conf" \
		"socket = \"unix:$postfixspooldir/loopguard/loopguard.sock\";"
	check "config: the milter socket's group is postfix" grep -qx \
		'socket_group = "postfix";.*' "$dest$conf"
else
	check "config: the milter socket in the runtime folder" has "$dest$conf" \
		"socket = \"unix:$pkgrundir/loopguard.sock\";"
fi
check "config: socket_mode 0660" grep -qx 'socket_mode = "0660";.*' "$dest$conf"
if [ "$postfixspooldir" != no ]; then
	check "config: who exists is asked of Postfix" \
		grep -qx 'recipients = \[ "postfix" \];' "$dest$conf"
else
	check "config: who exists is the recipients file" \
		grep -qx 'recipients = \[ "recipients" \];' "$dest$conf"
fi
check "config: no TCP milter socket" not grep -q '^socket = "inet' "$dest$conf"
# every absolute path in it is one of the configured folders (or the
# MTA's own)
bad=$(grep -o '= "\(unix:\)\?/[^"]*"' "$dest$conf" | sed 's/^= "\(unix:\)\?//; s/"$//' |
	while read -r p; do
		case $p in
		"$pkgsysconfdir"/* | "$pkgstatedir"/* | "$pkgspooldir"/* | \
		"$pkgrundir"/* | "$pkglibdir" | /usr/sbin/sendmail | \
		"$consolestatedir"/* | "$consolerundir"/* | \
		/var/spool/postfix/* | "$postfixspooldir"/*) ;;
		*) echo "$p" ;;
		esac
	done)
check "config: no path outside the configured folders" test -z "$bad"
[ -z "$bad" ] || echo "  $bad"

# --- systemd, sysusers.d, tmpfiles.d, init script
unit=$dest$systemdsystemunitdir/loopguard.service
if [ "$systemdsystemunitdir" != no ]; then
	check "unit: ExecStart runs the installed binary in the foreground" \
		has "$unit" "ExecStart=$sbindir/loopguard -f -c $conf"
	check "unit: ExecStartPre checks the config" \
		has "$unit" "ExecStartPre=$sbindir/loopguard -n -c $conf"
	check "unit: ExecReload sends SIGUSR1" \
		has "$unit" 'ExecReload=/bin/kill -USR1 $MAINPID'
	check "unit: the folders are writable in the sandbox" has "$unit" \
		"ReadWritePaths=-$pkgstatedir -$pkgspooldir -$pkgrundir"
	# the sendmail mailer runs Postfix's set-gid postdrop
	check "unit: set-gid helpers may run (no NoNewPrivileges)" \
		eval '! grep -q "^NoNewPrivileges=yes" "$unit"'
	if [ "$postfixspooldir" != no ]; then
		check "unit: postdrop may write Postfix's maildrop" has "$unit" \
			"ReadWritePaths=-$postfixspooldir/loopguard -$postfixspooldir/maildrop"
		check "unit: makes the milter socket's folder, group postfix" has "$unit" \
			"ExecStartPre=-+/usr/bin/install -d -o loopguard -g postfix -m 0750 $postfixspooldir/loopguard"
	else
		check "unit: nothing of Postfix's without Postfix" \
			not grep -q "postfix/loopguard" "$unit"
	fi
	if command -v systemd-analyze >/dev/null 2>&1; then
		# the binary is under DESTDIR, not yet at $sbindir
		out=$(systemd-analyze verify --man=no "$unit" 2>&1 |
			grep -F "loopguard.service:" |
			grep -vF "Command $sbindir/loopguard is not executable")
		check "unit: systemd-analyze verify finds nothing in it" test -z "$out"
		[ -z "$out" ] || echo "  $out"
	fi
fi
sysusers=$dest$sysusersdir/loopguard.conf
if [ "$sysusersdir" != no ]; then
	check "sysusers.d: user and group loopguard" has "$sysusers" \
		"u loopguard - \"loopguard milter\" $pkgstatedir /usr/sbin/nologin"
fi
tmpfiles=$dest$tmpfilesdir/loopguard.conf
if [ "$tmpfilesdir" != no ]; then
	check "tmpfiles.d: runtime folder" has "$tmpfiles" \
		"d $pkgrundir 0755 loopguard loopguard -"
	check "tmpfiles.d: state folder" has "$tmpfiles" \
		"d $pkgstatedir 0750 loopguard loopguard -"
	check "tmpfiles.d: the outbox's parent is root's" has "$tmpfiles" \
		"d $pkgspooldir 0750 root loopguard -"
	check "tmpfiles.d: outbox" has "$tmpfiles" \
		"d $pkgspooldir/outbox 0750 loopguard loopguard -"
	if [ "$postfixspooldir" != no ]; then
		check "tmpfiles.d: socket folder in Postfix's chroot" has "$tmpfiles" \
			"d $postfixspooldir/loopguard 0750 loopguard postfix -"
	else
		check "tmpfiles.d: no Postfix folder without Postfix" \
			not grep -q postfix "$tmpfiles"
	fi
fi
init=$dest$initdir/loopguard
if [ "$initdir" != no ]; then
	check "init script is executable" test -x "$init"
	check "init script: LSB header" grep -qx '### BEGIN INIT INFO' "$init"
	check "init script: its paths" grep -qx "PIDFILE=$pkgrundir/loopguard.pid" "$init"
	check "init script: shell syntax" sh -n "$init"
	if [ "$postfixspooldir" != no ]; then
		check "init script: the milter socket's folder" \
			grep -qx "PFSOCKDIR=$postfixspooldir/loopguard" "$init"
	else
		check "init script: no Postfix folder without Postfix" \
			not grep -q "^PFSOCKDIR=" "$init"
	fi
fi
# --- the web console: binary, unit, its own user and folders, and the
# installed config's commented console group, which the daemon
# accepts once uncommented (below)
check "loopguard-console installed" test -x "$dest$sbindir/loopguard-console"
cunit=$dest$systemdsystemunitdir/loopguard-console.service
if [ "$systemdsystemunitdir" != no ]; then
	check "console unit: checks its config, then runs in the foreground" \
		has "$cunit" "ExecStart=$sbindir/loopguard-console -f -c $conf"
	check "console unit: ExecStartPre -t" \
		has "$cunit" "ExecStartPre=$sbindir/loopguard-console -t -c $conf"
	check "console unit: no new privileges" grep -qx 'NoNewPrivileges=yes' "$cunit"
fi
if [ "$sysusersdir" != no ]; then
	check "sysusers.d: user loopguard-console" \
		grep -q '^u loopguard-console ' "$dest$sysusersdir/loopguard-console.conf"
fi
if [ "$tmpfilesdir" != no ]; then
	check "tmpfiles.d: the console's state folder" \
		grep -q "^d $consolestatedir 0750 loopguard-console " \
		"$dest$tmpfilesdir/loopguard-console.conf"
fi
check "the installed config has a commented console group" \
	grep -q '^# console = {' "$dest$conf"

# systemd's own tools read the two files (as root: tmpfiles.d chowns)
if [ "$(id -u)" = 0 ] && [ -f "$sysusers" ] && [ -f "$tmpfiles" ] &&
	command -v systemd-sysusers >/dev/null &&
	command -v systemd-tmpfiles >/dev/null; then
	mkdir -p "$dest/etc"
	cp /etc/passwd /etc/group "$dest/etc/"
	: >"$dest/etc/shadow"; : >"$dest/etc/gshadow"
	check "systemd-sysusers makes the user" \
		systemd-sysusers --root="$dest" "$sysusers"
	user=$(grep '^loopguard:' "$dest/etc/passwd")
	check "user loopguard: home, no login" test \
		"${user#*:*:*:*:*:}" = "$pkgstatedir:/usr/sbin/nologin"
	check "systemd-tmpfiles makes the folders" \
		systemd-tmpfiles --root="$dest" --create "$tmpfiles"
	uid=$(cut -d: -f3 <<<"$user")
	check "state folder: loopguard, 0750" \
		test "$(stat -c %u:%a "$dest$pkgstatedir")" = "$uid:750"
	check "runtime folder: loopguard, 0755" \
		test "$(stat -c %u:%a "$dest$pkgrundir")" = "$uid:755"
	check "outbox: loopguard, 0750" \
		test "$(stat -c %u:%a "$dest$pkgspooldir/outbox")" = "$uid:750"
	check "the outbox's parent: root, group loopguard, 0750" \
		test "$(stat -c %u:%g:%a "$dest$pkgspooldir")" = "0:$(cut -d: -f4 <<<"$user"):750"
fi
gen=$(grep -l '@[a-z]*dir@\|@VERSION@' "$unit" "$sysusers" "$tmpfiles" \
	"$init" "$dest$conf" 2>/dev/null)
check "no @name@ left in the generated files" test -z "$gen"
[ -z "$gen" ] || echo "  $gen"

# --- the installed example works: moved under DESTDIR, the tmpfiles.d
# folders made there, its unix socket moved to this test's folder (with
# its mode and, as root, its group)
if [ -f "$tmpfiles" ]; then
	awk '$1 == "d" { print $2 }' "$tmpfiles"
else
	printf '%s\n' "$pkgrundir" "$pkgstatedir" "$pkgspooldir/outbox"
fi | grep -v "^$postfixspooldir/" | while read -r d; do
	mkdir -p "$dest$d"
done
here=$dest$pkgsysconfdir/here.conf
check "the installed config has the mailer group" has "$dest$conf" "mailer = {"
check "the installed config drops root to the user loopguard" \
	grep -qx 'user = "loopguard";.*' "$dest$conf"
# the user exists only under DESTDIR: this copy stays root, so the pid
# file's folder (systemd-tmpfiles gave it to that user above) must be
# root's, as loopguard refuses one another user may write in; as
# another user, it cannot give the socket to the group postfix
nogroup=
if [ "$(id -u)" = 0 ]; then
	chown 0:0 "$dest$pkgrundir"
else
	nogroup='/^socket_group = /d'
fi
# the local domains and who exists: example.com and the installed
# recipients file here, not this host's Postfix (which may have no
# main.cf at all)
sed -e "s|\"/|\"$dest/|g" -e "s|\"unix:/|\"unix:$dest/|g" -e '/^user = /d' \
	-e 's|^recipients = \[ "postfix" \];|recipients = [ "recipients" ];|' \
	-e 's|^local_domains = "postfix";|local_domains = [ "example.com" ];|' \
	-e "s|^socket = .*|socket = \"unix:$tmp/lg.sock\";|" -e "${nogroup:-s/^//}" \
	"$dest$conf" >"$here"
export LOOPGUARD_PLUGIN_DIR=$dest$pkglibdir
out=$("$daemon" -n -c "$here" 2>&1)
check "loopguard -n accepts it moved under DESTDIR" grep -qF "$here: OK" <<<"$out"
# the console group uncommented as the README says: the daemon still
# accepts the file, and loopguard-console -t reads the same group
withconsole=$dest$pkgsysconfdir/with-console.conf
sed -e '/^# console = {/,/^# };/s/^# \{0,1\}//' "$here" >"$withconsole"
check "the console group uncommented" grep -q '^console = {' "$withconsole"
out=$("$daemon" -n -c "$withconsole" 2>&1)
check "loopguard -n accepts the console group" \
	grep -qF "$withconsole: OK" <<<"$out"
[ -n "${out##*: OK*}" ] && echo "  $out"
: >"$tmp/log"
"$daemon" -f -c "$here" 2>>"$tmp/log" &
pid=$!
if wait_file "$tmp/lg.sock" 10 && wait_file "$dest$pkgrundir/control.sock" 5; then
	ok "the installed daemon starts from it"
	check "its pid file" test "$(cat "$dest$pkgrundir/loopguard.pid")" = "$pid"
	want=660
	if [ "$(id -u)" = 0 ] && [ "$postfixspooldir" != no ]; then
		want="660 postfix"
		check "its milter socket: mode 0660, group postfix" \
			test "$(stat -c '%a %G' "$tmp/lg.sock")" = "$want"
	else
		check "its milter socket: mode 0660" \
			test "$(stat -c '%a' "$tmp/lg.sock")" = "$want"
	fi
	check "no warning about its milter socket" \
		not grep -qF "forge MTA sessions" "$tmp/log"
	check "loopguardctl stats" "$dest$bindir/loopguardctl" \
		-s "unix:$dest$pkgrundir/control.sock" stats
	kill -USR1 "$pid"
	for ((i = 0; i < 100; i++)); do
		grep -q reloaded "$tmp/log" && break
		sleep 0.05
	done
	check "SIGUSR1 (ExecReload) reloads it" grep -q reloaded "$tmp/log"
	kill "$pid"
	wait "$pid"
	check "SIGTERM stops it (exit 0)" test $? -eq 0
else
	not_ok "the installed daemon starts from it" "$(cat "$tmp/log")"
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
fi
pid=

# --- the init script, moved under DESTDIR like the config
if [ "$initdir" != no ] && command -v start-stop-daemon >/dev/null; then
	myinit=$tmp/init
	sed -e "s#^\(DAEMON\|PIDFILE\|STATEDIR\|SPOOLDIR\|RUNDIR\|PFSOCKDIR\)=/#\1=$dest/#" \
		-e "s#^CONF=.*#CONF=$here#" "$init" >"$myinit"
	chmod +x "$myinit"
	check "init script start" "$myinit" start
	wait_file "$dest$pkgrundir/loopguard.pid" 5
	initpid=$(cat "$dest$pkgrundir/loopguard.pid" 2>/dev/null)
	check "init script status" "$myinit" status
	check "init script reload" "$myinit" reload
	check "init script stop" "$myinit" stop
	check "init script status after stop" not "$myinit" status
	initpid=
	# a refused config: start fails with FILE:LINE on stderr
	printf 'socket = ;\n' >"$tmp/bad.conf"
	sed "s#^CONF=.*#CONF=$tmp/bad.conf#" "$myinit" >"$tmp/init-bad"
	chmod +x "$tmp/init-bad"
	"$tmp/init-bad" start >/dev/null 2>"$tmp/init-bad.err"
	check "init script: a refused config fails" test $? -ne 0
	check "init script: the reason on stderr" \
		grep -q "^loopguard: $tmp/bad.conf:1: " "$tmp/init-bad.err"
fi

# --- a second install keeps an edited config, refreshes the example
echo "# edited here" >>"$dest$conf"
echo "dave@example.com" >>"$dest$pkgsysconfdir/recipients"
make -s -C "$top_builddir" install DESTDIR="$dest" >"$tmp/install2.log" 2>&1
check "second make install" test $? -eq 0
check "an edited config is not overwritten" grep -qx "# edited here" "$dest$conf"
check "an edited recipients file is not overwritten" \
	grep -qx "dave@example.com" "$dest$pkgsysconfdir/recipients"
check "the example is still the pristine one" \
	not grep -q "edited here" "$dest$conf.example"

# --- uninstall keeps what was edited
make -s -C "$top_builddir" uninstall DESTDIR="$dest" >"$tmp/uninstall.log" 2>&1
check "make uninstall" test $? -eq 0
check "uninstall keeps the edited config" test -f "$dest$conf"
check "uninstall removes the unedited template" \
	test ! -e "$dest$pkgsysconfdir/autoreply.txt"
check "uninstall removes the binary" test ! -e "$daemon"
finish
