#!/bin/bash
# t_reject_extension.sh - the catchall plugin's reject list cannot be
# passed by adding an address extension: the real daemon with
# recipient_delimiter = "+", driven by miltertest/reject_extension.lua,
# refuses leaked@ and leaked+anything@ alike, also when the extension
# makes the address too long for loopguard's parser (520 bytes) or the
# local part is quoted (with an "@" in it), and the log names the
# refusals. Needs miltertest; exits 77 without.
set -u
. "$(dirname "$0")/../lib/lib.sh"

command -v miltertest >/dev/null || skip "miltertest is not installed"
lg_workdir rext
cat >"$tmp/lg.conf" <<CONF
socket = "unix:$tmp/lg.sock";
plugin_dir = "$PLUGIN_DIR";
local_domains = [ "example.com" ];
recipients = [ "rcpts" ];
recipient_delimiter = "+";
plugins = ( { name = "catchall"; reject = [ "leaked@example.com" ]; } );
CONF
"$LOOPGUARD" -f -c "$tmp/lg.conf" 2>"$tmp/log" &
pid=$!
wait_file "$tmp/lg.sock" 10 ||
	{ cat "$tmp/log"; echo "Bail out! the daemon did not start"; exit 1; }

SOCKET="unix:$tmp/lg.sock" miltertest -s "$srcdir/miltertest/reject_extension.lua" \
	>"$tmp/mt.out" 2>&1
mt_rc=$?
while IFS= read -r line; do
	case $line in
	"ok - "*) ok "milter: ${line#ok - }" ;;
	"not ok - "*) not_ok "milter: ${line#not ok - }" ;;
	esac
done <"$tmp/mt.out"
check "miltertest script ran to its end (exit $mt_rc)" \
	grep -q '^reject_extension.lua: ok$' "$tmp/mt.out"
[ "$mt_rc" -eq 0 ] || cat "$tmp/mt.out"
check "the log names the refusal of leaked+anything@example.com" \
	grep -q 'plugin=catchall action=reject .*to=<leaked+anything@example.com>' "$tmp/log"
kill "$pid" && wait "$pid"
pid=
[ "$failed" -eq 0 ] || cat "$tmp/log"
echo "reject extension: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
