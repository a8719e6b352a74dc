#!/bin/bash
# t_log_forgery.sh - SMTP peer text cannot forge or corrupt log lines:
# the real daemon, logging to stderr and then to a log file, is driven
# by miltertest/log_forgery.lua (a sender, a recipient and a HELO name
# holding ESC sequences, BEL, DEL, CR, LF followed by a fake
# "FORGED: plugin=... action=..." line, and bytes that are not UTF-8).
# Each log must then hold no control byte but the newline that ends a
# line, be valid UTF-8, have no line that starts with the forged text,
# and show the sender escaped (\x1b, \r\n, \xff). A sender of 1000 ESC
# bytes (4000 bytes escaped) is cut to 400 in its decision line, marked
# "...", and the line keeps its recipient, client address and reason. Needs miltertest and
# python3; exits 77 without.
set -u
. "$(dirname "$0")/../lib/lib.sh"

command -v miltertest >/dev/null || skip "miltertest is not installed"
command -v python3 >/dev/null || skip "python3 is not installed"
lg_workdir forge

# log_clean LOG - no raw control byte, valid UTF-8, no forged line
log_clean() {
	python3 - "$1" <<'PY'
import re, sys
data = open(sys.argv[1], "rb").read()
bad = sorted({b for b in data if (b < 0x20 and b != 0x0a) or b == 0x7f})
if bad:
    sys.exit("raw control bytes in the log: %s" % ", ".join("0x%02x" % b for b in bad))
try:
    text = data.decode("utf-8")
except UnicodeDecodeError as e:
    sys.exit("the log is not UTF-8: %s" % e)
for line in text.split("\n"):
    if re.match(r"^(\S+ +\d+ [\d:]+ \S+ )?(loopguard(\[\d+\])?: )?(warning: )?FORGED", line):
        sys.exit("forged line: %r" % line)
PY
}

# run_once NAME LOG-SETTING LOG - start, drive, stop, check LOG
run_once() {
	local name=$1 setting=$2 log=$3
	cat >"$tmp/lg.conf" <<CONF
socket = "unix:$tmp/lg.sock";
plugin_dir = "$PLUGIN_DIR";
local_domains = [ "example.com" ];
recipients = [ "rcpts" ];
log = "$setting";
plugins = ( { name = "catchall"; } );
CONF
	"$LOOPGUARD" -f -c "$tmp/lg.conf" 2>"$tmp/stderr" &
	pid=$!
	wait_file "$tmp/lg.sock" 10 ||
		{ cat "$tmp/stderr"; echo "Bail out! the daemon did not start"; exit 1; }
	SOCKET="unix:$tmp/lg.sock" miltertest -s "$srcdir/miltertest/log_forgery.lua" \
		>"$tmp/mt.out" 2>&1
	check "$name: miltertest script ran to its end" \
		grep -q '^log_forgery.lua: ok$' "$tmp/mt.out"
	kill "$pid" && wait "$pid"
	pid=
	check "$name: no raw control byte, valid UTF-8, no forged line" \
		log_clean "$log"
	check "$name: the unparsable sender is logged escaped" \
		grep -qF 'unparsable sender "<\x1b[2J\x1b]0;owned\x07\x7f\xff\xc0\xaf\r\nFORGED: plugin=catchall' "$log"
	check "$name: the decision line quotes the sender escaped" \
		grep -qF 'plugin=catchall action=redirect from=<<\x1b[2J' "$log"
	check "$name: the unparsable recipient is logged escaped" \
		grep -qF 'unparsable recipient "<\x1b[2J\x1b]0;owned\x07' "$log"
	check "$name: a sender of 1000 ESC bytes leaves the decision line its end" \
		grep -qE '4LONG: plugin=catchall action=redirect from=<<(\\x1b){399}\.\.\.> to=<nosuch2@example.com> client=192\.0\.2\.9 reason="unknown recipient' "$log"
	[ "$failed" -eq 0 ] || { cat "$tmp/mt.out"; cat -v "$log"; }
	rm -f "$tmp/lg.sock"
}

run_once stderr stderr "$tmp/stderr"
run_once file "file:$tmp/mail.log" "$tmp/mail.log"
echo "log forgery: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
