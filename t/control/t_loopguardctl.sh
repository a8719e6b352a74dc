#!/bin/bash
# t_loopguardctl.sh - loopguardctl against the real daemon: the daemon
# starts on a store snapshot written by t/control/ctl_seed, then list (table,
# filters, hidden entries, JSON, sorting and paging passed through),
# stats, remove, reload, the errors a
# postmaster sees (daemon not running, bad usage, ERR from the daemon),
# junk on the control socket, a second daemon on the same control
# socket, and the socket's removal at stop.
set -u
. "$(dirname "$0")/../lib/lib.sh"

SEED=$top_builddir/t/control/ctl_seed
[ -x "$LOOPGUARD" ] || skip "$LOOPGUARD is not built"
[ -x "$LOOPGUARDCTL" ] || skip "$LOOPGUARDCTL is not built"
[ -x "$SEED" ] || skip "$SEED is not built"

lg_workdir ctl

# ctl ARGS - run loopguardctl on our socket; sets out, err, rc
ctl() {
	out=$("$LOOPGUARDCTL" -s "unix:$tmp/ctl.sock" "$@" 2>"$tmp/err"); rc=$?
	err=$(cat "$tmp/err")
}

# rows - data lines of a list table (header left out)
rows() { tail -n +2 <<<"$out" | grep -c .; }

# json PYTHON-EXPR - evaluate with the JSON output as "d"; skipped
# (true) without python3
json() {
	command -v python3 >/dev/null || return 0
	python3 -c "import json,sys; d=json.loads(sys.stdin.read()); sys.exit(0 if ($1) else 1)" <<<"$out"
}

# raw BYTES - send bytes to the control socket, print the reply
raw() {
	python3 - "$tmp/ctl.sock" "$1" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(sys.argv[2].encode('latin-1').decode('unicode_escape').encode('latin-1'))
s.shutdown(socket.SHUT_WR)
data = b''
while True:
    try:
        chunk = s.recv(65536)
    except ConnectionResetError:
        break
    if not chunk:
        break
    data += chunk
sys.stdout.write(data.decode('latin-1'))
PY
}

printf 'alice@example.com\npostmaster@example.com\n' > "$tmp/rcpts"
cat > "$tmp/lg.conf" <<CONF
socket = "unix:$tmp/lg.sock";
control = "unix:$tmp/ctl.sock";
plugin_dir = "$PLUGIN_DIR";
local_domains = [ "example.com" ];
recipients = [ "rcpts" ];
state = { backend = "memory"; snapshot = "$tmp/state"; };
plugins = ( { name = "catchall"; } );
CONF

# --- before the daemon runs
ctl stats
check "not running: exit 1" [ "$rc" = 1 ]
check "not running: says where and what to check" [ "$err" = \
	"loopguardctl: cannot connect to $tmp/ctl.sock: No such file or directory (is loopguard running with control = \"unix:$tmp/ctl.sock\"?)" ]
python3 -c "import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])" "$tmp/ctl.sock" 2>/dev/null
if [ -S "$tmp/ctl.sock" ]; then
	ctl list
	check "dead socket: Connection refused, exit 1" eval '[ "$rc" = 1 ] && [ "$err" = "loopguardctl: cannot connect to $tmp/ctl.sock: Connection refused (is loopguard running with control = \"unix:$tmp/ctl.sock\"?)" ]'
fi

for args in "" "bogus" "list --bogus" "list extra" "list --plugin" "remove" \
	    "remove --all abc" "remove --all --match x" "stats extra" \
	    "reload now" "list --match a\ b"; do
	eval "ctl $args"
	check "usage: \"$args\" exits 64 with usage" \
		eval '[ "$rc" = 64 ] && grep -q "^usage: loopguardctl" <<<"$err" && [ -z "$out" ]'
done
out=$("$LOOPGUARDCTL" -s inet:8890@127.0.0.1 stats 2>&1); rc=$?
check "an inet socket is bad usage" eval '[ "$rc" = 64 ] && grep -q "not a unix socket" <<<"$out"'
out=$("$LOOPGUARDCTL" --help); rc=$?
check "--help exits 0 with usage on stdout" eval '[ "$rc" = 0 ] && grep -q "^usage:" <<<"$out"'

# --- the daemon, started on a seeded snapshot
"$SEED" "$tmp/state" 2>/dev/null
check "the seed snapshot is written" [ -s "$tmp/state" ]
"$LOOPGUARD" -f -c "$tmp/lg.conf" 2>"$tmp/log" &
pid=$!
wait_file "$tmp/ctl.sock" 10 || { cat "$tmp/log"; exit 1; }
wait_file "$tmp/lg.sock" 10
check "the control socket is mode 0660 by default" [ "$(stat -c %a "$tmp/ctl.sock")" = 660 ]

ctl list
check "list exits 0" [ "$rc" = 0 ]
check "list has the mail-queue header" grep -qE '^ID +Created +Next Try +Count +Size +From +To +Status$' <<<"$out"
check "list shows 4 entries, not the bookkeeping one" [ "$(rows)" = 4 ]
check "hidden entry is not listed" eval '! grep -q carol@example.com <<<"$out"'
check "times are YYYY-MM-DD HH:MM:SS" grep -qE '^[0-9a-f]{10}  [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}  [0-9]{4}-' <<<"$out"
check "sizes are human-readable" eval 'grep -q " 5.1K  alice@example.org " <<<"$out" && grep -q " 2.3M  bob@example.com " <<<"$out"'
check "odd bytes are shown escaped, a backslash apart from an escape" \
	grep -qF 'we"ird\\x\t@example.net' <<<"$out"
check "ESC, a C1 control and a byte that is not UTF-8 are shown escaped" \
	grep -qF 'a\x1b[2J\xc2\x9b\xff@example.com' <<<"$out"
check "no raw control byte reaches the terminal" \
	eval '! LC_ALL=C grep -q "[[:cntrl:]]" <<<"$(tr -d "\n" <<<"$out")"'
check "UTF-8 is shown as is" grep -qF "müller@example.com" <<<"$out"
check "an empty field shows as -" grep -qE ' 12 +0  - +- +blocked$' <<<"$out"
id=$(grep alice@example.org <<<"$out" | cut -c1-10)

ctl list --all
check "list --all shows the bookkeeping entry too" eval '[ "$(rows)" = 5 ] && grep -q carol@example.com <<<"$out"'
ctl list --plugin repeat
check "list --plugin" [ "$(rows)" = 2 ]
ctl list --match '*@EXAMPLE.org'
check "list --match (case-insensitive)" eval '[ "$(rows)" = 1 ] && grep -q alice <<<"$out"'
ctl list --match '192.0.2.*' --plugin harvest
check "list --match on the client, with --plugin" eval '[ "$(rows)" = 1 ] && grep -q blocked <<<"$out"'
ctl list --match nothing-matches
check "an empty list says no entries" eval '[ "$rc" = 0 ] && [ "$out" = "no entries" ]'

ctl --json list
check "--json list is an array of 4" json 'len(d) == 4'
check "--json list has every field" json 'set(d[0]) == {"id","created","expires","count","size","from","to","client","plugin","status","key"}'
check "--json list unescapes strings" json 'any(e["from"] == "we\"ird\\x\t@example.net" for e in d)'
check "--json list writes ESC and a C1 control as \\u escapes, nothing raw" \
	eval 'grep -qF "a\\u001b[2J\\u009b\\ufffd@example.com" <<<"$out" && ! LC_ALL=C grep -q "[[:cntrl:]]\|$(printf "\302[\200-\237]")" <<<"$out"'
check "--json list keeps numbers as numbers" json 'all(isinstance(e["size"], int) and e["expires"] > e["created"] for e in d)'
ctl list --json --match nothing-matches
check "--json empty list is []" [ "$out" = "[]" ]

# paging: the options pass through, the daemon's order is kept
ctl --json list --sort size --desc
check "list --sort size --desc: the daemon's order" \
	json '[e["size"] for e in d] == sorted((e["size"] for e in d), reverse=True)'
ctl --json list --sort from
check "list --sort from: ascending, case aside" \
	json '[e["from"].lower() for e in d] == sorted(e["from"].lower() for e in d)'
ctl list --sort=count --offset=1 --limit 2
check "list --offset 1 --limit 2: two rows" eval '[ "$rc" = 0 ] && [ "$(rows)" = 2 ]'
ctl list --sort size --offset 10
check "a page past the end is empty" eval '[ "$rc" = 0 ] && [ "$out" = "no entries" ]'
ctl list --sort bogus
check "a bad field is the daemon's ERR" eval '[ "$rc" = 1 ] && [ "${err%% (*}" = "loopguardctl: list: --sort: unknown field bogus" ]'
ctl list --limit 1001
check "a limit out of bounds is the daemon's ERR" eval '[ "$rc" = 1 ] && [ "$err" = "loopguardctl: list: --limit must be 1 to 1000" ]'
ctl list --limit
check "an option without its value is bad usage" [ "$rc" = 64 ]
ctl remove --sort size
check "remove takes no --sort" [ "$rc" = 64 ]
ctl queue --sort to --limit 5
check "queue passes paging on (no mailer here: the daemon's ERR)" \
	eval '[ "$rc" = 1 ] && grep -q "no outbox" <<<"$err"'
ctl queue remove --sort to x
check "queue remove takes no paging options" [ "$rc" = 64 ]

ctl stats
check "stats exits 0" [ "$rc" = 0 ]
check "stats: aligned name: value lines" eval 'grep -qE "^entries: +5$" <<<"$out" && grep -qE "^version: +[0-9]" <<<"$out" && grep -qE "^uptime: +([0-9]+[dhm] )*[0-9]+s$" <<<"$out"'
check "stats: counters" eval 'grep -qE "^messages: +0$" <<<"$out" && grep -qE "^errors: +0$" <<<"$out"'
ctl --json stats
check "--json stats" json 'd["entries"] == 5 and d["connections"] == 0 and isinstance(d["version"], str)'

ctl remove "$id"
check "remove ID" eval '[ "$rc" = 0 ] && [ "$out" = "1 removed" ]'
ctl list
check "the removed entry is gone" eval '[ "$(rows)" = 3 ] && ! grep -q alice <<<"$out"'
ctl remove "$id"
check "remove of a gone id: exit 1 and the daemon's message" eval \
	'[ "$rc" = 1 ] && [ "$err" = "loopguardctl: remove: no entry with id $id (0 removed)" ]'
ctl remove xyz
check "remove of a malformed id: exit 1" eval '[ "$rc" = 1 ] && grep -q "bad id xyz" <<<"$err"'
ctl --json remove --match '*.net'
check "remove --match, JSON" eval '[ "$rc" = 0 ] && [ "$out" = "{\"ok\": true, \"message\": \"1 removed\", \"removed\": 1}" ]'
check "removals are logged with the client" grep -q "control: uid [0-9]* pid [0-9]* removed 1 entries" "$tmp/log"

ctl reload
check "reload waits and says reloaded" eval '[ "$rc" = 0 ] && [ "$out" = reloaded ]'
check "the reload happened before the answer" grep -q "config $tmp/lg.conf reloaded" "$tmp/log"
cp "$tmp/lg.conf" "$tmp/lg.conf.good"
echo 'bogus = 1;' >> "$tmp/lg.conf"
ctl reload
check "reload of a bad config: exit 1, FILE:LINE on stderr" eval \
	'[ "$rc" = 1 ] && [ -z "$out" ] && [ "$err" = "loopguardctl: reload refused, old config kept: $tmp/lg.conf:8: unknown setting \"bogus\"" ]'
ctl --json reload
check "reload of a bad config, JSON: exit 1 too" eval '[ "$rc" = 1 ] && grep -q "reload refused" <<<"$err"'
cp "$tmp/lg.conf.good" "$tmp/lg.conf"
ctl --json reload
check "reload, JSON" eval '[ "$rc" = 0 ] && [ "$out" = "{\"ok\": true, \"message\": \"reloaded\"}" ]'

# --- junk on the socket
if command -v python3 >/dev/null; then
	check "binary junk gets ERR" grep -q "^ERR request has a control byte" <<<"$(raw '\x00\x01\xfe\xff\n')"
	check "a line too long gets ERR" grep -qx "ERR line too long (at most 4096 bytes)" <<<"$(raw "$(head -c 9000 /dev/zero | tr '\0' a)")"
	check "an unknown command gets ERR" grep -q "^ERR unknown command frobnicate" <<<"$(raw 'frobnicate\n')"
	check "an empty line gets ERR" grep -q "^ERR empty request" <<<"$(raw '\n')"
	check "the daemon survives junk" kill -0 "$pid"
fi

# --- a second daemon may not take the control socket over
sed "s|$tmp/lg.sock|$tmp/lg2.sock|" "$tmp/lg.conf" > "$tmp/lg2.conf"
out=$("$LOOPGUARD" -f -c "$tmp/lg2.conf" 2>&1); rc=$?
check "a second daemon refuses the live control socket" eval \
	'[ "$rc" = 71 ] && grep -qF "control unix:$tmp/ctl.sock: another process is listening there" <<<"$out"'
ctl stats
check "the first daemon still answers" [ "$rc" = 0 ]

ctl remove --all
check "remove --all" eval '[ "$rc" = 0 ] && [ "$out" = "2 removed" ]'
ctl list --all
check "remove --all keeps bookkeeping" eval '[ "$(rows)" = 1 ] && grep -q carol <<<"$out"'

kill "$pid"; wait "$pid"; rc=$?; pid=
check "the daemon stops cleanly" [ "$rc" = 0 ]
check "the control socket is removed at stop" [ ! -e "$tmp/ctl.sock" ]

echo "# $passed passed, $failed failed"
[ "$failed" = 0 ]
