#!/bin/bash
# t_console_users.sh - "loopguard-console user add|del|list" and the
# users file at start: the password from stdin (a line) or a terminal
# (asked twice, no echo), never as an argument; yescrypt hashes; a new
# file 0640, a rewritten one keeping its mode; bad names, empty
# passwords, unknown users; a users file others may read stops the
# start; as root, the running console is no longer root.
set -u
. "$(dirname "$0")/../lib/lib.sh"
lg_workdir lgc-users
. "$(dirname "$0")/lib/console.sh"
command -v python3 >/dev/null || skip "python3 is not installed"

LGC_PORT=$(lgc_free_port)
lgc_write_conf
users=$tmp/console.users

# lgc_user ARGS... - the user command on our config; sets out, rc
lgc_user() {
	out=$("$LGC_CONSOLE" -c "$LGC_CONF" user "$@" 2>&1); rc=$?
}

out=$(printf 'first-pass-1\n' | "$LGC_CONSOLE" -c "$LGC_CONF" user add alice 2>&1); rc=$?
check "add from stdin: exit 0" [ "$rc" = 0 ]
check "... says so" grep -qF "user alice (read) added in $users" <<<"$out"
check "a new file is 0640" [ "$(stat -c %a "$users")" = 640 ]
check "the line is name:role:yescrypt" grep -qE '^alice:read:\$y\$[^:]+$' "$users"
check "the password is not in the file" eval '! grep -q first-pass "$users"'
printf 'second-pass-2\n' | "$LGC_CONSOLE" -c "$LGC_CONF" user add bob --role operator >/dev/null
lgc_user list
check "list: names and roles" [ "$out" = "$(printf 'alice\tread\nbob\toperator')" ]
chmod 600 "$users"
out=$(printf 'third-pass-3\n' | "$LGC_CONSOLE" -c "$LGC_CONF" user add alice --role operator 2>&1); rc=$?
check "add of an existing user changes it" eval '[ "$rc" = 0 ] && grep -qF "user alice (operator) changed" <<<"$out"'
check "... one line for alice, now operator" eval '[ "$(grep -c "^alice:" "$users")" = 1 ] && grep -q "^alice:operator:" "$users"'
check "a rewritten file keeps its mode (0600)" [ "$(stat -c %a "$users")" = 600 ]
check "no temporary file is left" eval '[ -z "$(ls "$tmp" | grep "console.users.tmp")" ]'

out=$(printf 'x\n' | "$LGC_CONSOLE" -c "$LGC_CONF" user add carol secret-on-the-command-line 2>&1); rc=$?
check "a password as an argument is refused (exit 64)" \
	eval '[ "$rc" = 64 ] && grep -qF "the password comes from stdin" <<<"$out"'
check "... and nothing was added" eval '! grep -q "^carol:" "$users"'
out=$(printf '\n' | "$LGC_CONSOLE" -c "$LGC_CONF" user add carol 2>&1); rc=$?
check "an empty password: exit 1" eval '[ "$rc" = 1 ] && grep -qF "the password is empty" <<<"$out"'
out=$("$LGC_CONSOLE" -c "$LGC_CONF" user add carol </dev/null 2>&1); rc=$?
check "no password at all: exit 1" [ "$rc" = 1 ]
out=$(printf 'pw-pw-pw-1\n' | "$LGC_CONSOLE" -c "$LGC_CONF" user add 'bad name' 2>&1); rc=$?
check "a bad name: exit 64" [ "$rc" = 64 ]
out=$(printf 'pw-pw-pw-1\n' | "$LGC_CONSOLE" -c "$LGC_CONF" user add 'x:operator:$y$' 2>&1); rc=$?
check "a name with colons: exit 64" [ "$rc" = 64 ]
out=$(printf 'pw-pw-pw-1\n' | "$LGC_CONSOLE" -c "$LGC_CONF" user add carol --role admin 2>&1); rc=$?
check "a bad role: exit 64" [ "$rc" = 64 ]
out=$(printf 'short\n' | "$LGC_CONSOLE" -c "$LGC_CONF" user add dave 2>&1); rc=$?
check "a short password: added with a warning" \
	eval '[ "$rc" = 0 ] && grep -qF "warning: a password of fewer than 8 characters" <<<"$out"'
lgc_user del dave
check "del: exit 0" eval '[ "$rc" = 0 ] && ! grep -q "^dave:" "$users"'
lgc_user del dave
check "del of an unknown user: exit 1" eval '[ "$rc" = 1 ] && grep -qF "dave: no such user" <<<"$out"'
lgc_user frobnicate x
check "an unknown subcommand: exit 64" [ "$rc" = 64 ]

# on a terminal: asked twice, without echo
tty_add() {
	timeout 30 python3 - "$LGC_CONSOLE" "$LGC_CONF" "$1" "$2" "$3" <<'PY'
import os, pty, sys, time
console, conf, name, first, second = sys.argv[1:]
pid, fd = pty.fork()
if pid == 0:
    os.execv(console, [console, "-c", conf, "user", "add", name])
out = b""
def read_until(word):
    global out
    while word not in out:
        try:
            data = os.read(fd, 1024)
        except OSError:
            return
        if not data:
            return
        out += data
read_until(b"Password: ")
os.write(fd, first.encode() + b"\n")
read_until(b"Again: ")
os.write(fd, second.encode() + b"\n")
read_until(b"\x00never")
_, status = os.waitpid(pid, 0)
sys.stdout.write(out.decode(errors="replace").replace("\r", ""))
sys.exit(os.WEXITSTATUS(status))
PY
}
out=$(tty_add erin tty-pass-one tty-pass-two); rc=$?
check "on a terminal, two different passwords: exit 1" \
	eval '[ "$rc" = 1 ] && grep -qF "the two passwords differ" <<<"$out"'
check "... the password was not echoed" eval '! grep -q tty-pass <<<"$out"'
out=$(tty_add erin tty-pass-one tty-pass-one); rc=$?
check "on a terminal, asked twice: added" \
	eval '[ "$rc" = 0 ] && grep -q "^erin:read:" "$users"'

# the users file at start
chmod 644 "$users"
out=$("$LGC_CONSOLE" -t -c "$LGC_CONF" 2>&1); rc=$?
check "-t: a users file others may read is refused" \
	eval '[ "$rc" = 1 ] && grep -qF "$users: others may read or change it (mode 0644)" <<<"$out"'
out=$(timeout 10 "$LGC_CONSOLE" -f -c "$LGC_CONF" 2>&1); rc=$?
check "... and stops the start" eval '[ "$rc" = 1 ] && grep -qF "others may read" <<<"$out"'
chmod 640 "$users"
[ -n "$(lgc_run_user)" ] && chgrp "$(id -gn "$(lgc_run_user)")" "$users"
printf 'broken line\n' >> "$users"
out=$("$LGC_CONSOLE" -t -c "$LGC_CONF" 2>&1); rc=$?
check "-t: a bad line is named by its number" \
	eval '[ "$rc" = 1 ] && grep -qF "$users:$(wc -l < "$users"): not a line" <<<"$out"' || echo "  $out"
sed -i '/^broken line$/d' "$users"

if [ "$(id -u)" = 0 ]; then
	LGC_NO_DAEMON=1
	lgc_start || exit 1
	check "as root, the console runs as $(lgc_run_user)" \
		[ "$(ps -o user= -p "$lgc_pid" | tr -d ' ')" = "$(lgc_run_user)" ]
	check "... with no root group left" \
		eval '! grep -qE "^Groups:.*\\b0\\b" /proc/$lgc_pid/status && grep -qE "^Gid:\\s+[1-9]" /proc/$lgc_pid/status'
	check "... and still reads the users file (alice logs in)" \
		[ "$(lgc_status /api/session -u alice:third-pass-3)" = 200 ]
	lgc_stop
fi

echo "console users: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
