#!/bin/bash
# t_valgrind.sh - the daemon under valgrind memcheck, under load: every
# plugin active, a mailer and an outbox, a snapshot, thousands of
# messages from bench/miltergen (known, unknown and external
# recipients, a harvest block and its notice), loopguardctl commands and
# a reload in the middle, then SIGTERM. Passes when valgrind reports 0
# errors and 0 bytes definitely, indirectly or possibly lost at exit.
# Only in a build without sanitizers (valgrind cannot run ASan code);
# exits 77 without valgrind. VALGRIND_MSGS: messages per connection
# (default 1000; 4 connections, then 2).
set -u
. "$(dirname "$0")/../lib/lib.sh"

command -v valgrind >/dev/null || skip "valgrind is not installed"
GEN=$top_builddir/bench/miltergen
if [ ! -x "$GEN" ]; then
	make -C "$top_builddir" bench/miltergen >/dev/null 2>&1 ||
		skip "bench/miltergen could not be built"
fi

tmp=$(mktemp -d /tmp/lg-valgrind-XXXXXX)
chmod 755 "$tmp"
pid=
cleanup() {
	[ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
[ -n "${LG_KEEP:-}" ] && trap - EXIT

msgs=${VALGRIND_MSGS:-1000}
printf 'alice@example.com\nbob@example.com\ncarol@example.com\npostmaster@example.com\n' \
	>"$tmp/rcpts"
printf '#!/bin/sh\ncat >>"%s/sent"\n' "$tmp" >"$tmp/mailer"
chmod 755 "$tmp/mailer"
printf 'Hello %%{sender},\n%%{recipients} does not exist.\n' >"$tmp/autoreply.txt"
mkdir "$tmp/outbox"
cat >"$tmp/lg.conf" <<CONF
socket = "unix:$tmp/lg.sock";
control = "unix:$tmp/ctl.sock";
plugin_dir = "$PLUGIN_DIR";
local_domains = [ "example.com" ];
recipients = [ "rcpts" ];
trusted_networks = [ "127.0.0.0/8" ];
state = { backend = "memory"; snapshot = "$tmp/state.snap";
          snapshot_interval = "1s"; };
mailer = { method = "sendmail"; path = "$tmp/mailer";
           outbox = "$tmp/outbox"; };
plugins = (
  { name = "harvest"; threshold = 20; },
  { name = "repeat"; },
  { name = "catchall"; },
  { name = "autoreply"; template = "$tmp/autoreply.txt"; },
  { name = "bounce"; }
);
CONF
"$LOOPGUARD" -n -c "$tmp/lg.conf" >/dev/null 2>&1 ||
	{ "$LOOPGUARD" -n -c "$tmp/lg.conf"; echo "Bail out! config"; exit 1; }

valgrind --tool=memcheck --leak-check=full \
	--show-leak-kinds=definite,indirect,possible \
	--errors-for-leak-kinds=definite,indirect,possible \
	--error-exitcode=99 --num-callers=30 \
	--suppressions="$t_lib/valgrind.supp" \
	--log-file="$tmp/valgrind.log" \
	"$LOOPGUARD" -f -c "$tmp/lg.conf" 2>"$tmp/log" &
pid=$!
wait_file "$tmp/lg.sock" 60 || { cat "$tmp/log" "$tmp/valgrind.log"; exit 1; }
wait_file "$tmp/ctl.sock" 30

start=$(date +%s)
# first the null sender (bounce's checks; 8 unknown names stay under
# harvest's threshold), then four connections with known, unknown (100
# names: harvest blocks each client network) and external recipients,
# with a reload and control commands in the middle
"$GEN" -s "unix:$tmp/lg.sock" -c 2 -m "$msgs" -z 1024 -r 1,1,0 -f '' \
	-t 120 >"$tmp/gen2.out" 2>&1
gen2_rc=$?
"$GEN" -s "unix:$tmp/lg.sock" -c 4 -m "$msgs" -z 2048 -r 1,1/2,1/4 -u 100 \
	-t 120 >"$tmp/gen1.out" 2>&1 &
gen=$!
sleep 1
kill -USR1 "$pid"
"$LOOPGUARDCTL" -s "unix:$tmp/ctl.sock" stats >"$tmp/ctl.out" 2>&1
"$LOOPGUARDCTL" -s "unix:$tmp/ctl.sock" list >>"$tmp/ctl.out" 2>&1
"$LOOPGUARDCTL" -s "unix:$tmp/ctl.sock" --json list >>"$tmp/ctl.out" 2>&1
"$LOOPGUARDCTL" -s "unix:$tmp/ctl.sock" queue >>"$tmp/ctl.out" 2>&1
wait "$gen"
gen_rc=$?
elapsed=$(($(date +%s) - start))
cat "$tmp/gen2.out" "$tmp/gen1.out"
# bounce's 550s and harvest's 450s are answers (miltergen exits 2 on
# them); only protocol failures count here
check "miltergen load completed (rc $gen2_rc, $gen_rc)" \
	[ "$gen_rc" -le 2 -a "$gen2_rc" -le 2 ]
check "no protocol failures" \
	[ "$(grep -c 'failures: 0 protocol' "$tmp/gen1.out" "$tmp/gen2.out" |
		awk -F: '{n += $2} END {print n}')" -eq 2 ]
check "the daemon reloaded under load" grep -q "reloaded" "$tmp/log"
check "loopguardctl answered" grep -q "entries" "$tmp/ctl.out"
check "bounce checked the null sender" grep -q "plugin=bounce" "$tmp/log"
check "harvest blocked a network" grep -q "plugin=harvest" "$tmp/log"
"$LOOPGUARDCTL" -s "unix:$tmp/ctl.sock" queue retry --all >/dev/null 2>&1 || true
sleep 2

kill -TERM "$pid"
wait "$pid"
rc=$?
pid=
echo "# $((6 * msgs)) messages in ${elapsed}s under valgrind; exit $rc"
grep -E "ERROR SUMMARY|definitely lost|indirectly lost|possibly lost|still reachable|All heap" \
	"$tmp/valgrind.log" | sed 's/^==[0-9]*== */# /'
check "daemon exited 0 under valgrind (99: errors or leaks)" [ "$rc" -eq 0 ]
check "0 errors" grep -q "ERROR SUMMARY: 0 errors" "$tmp/valgrind.log"
check "no leaks" awk '/(definitely|indirectly|possibly) lost:/ && $4 != "0" {bad = 1}
	END {exit bad}' "$tmp/valgrind.log"
if [ "$failed" -gt 0 ]; then
	echo "--- valgrind.log"
	cat "$tmp/valgrind.log"
	echo "--- daemon log (tail)"
	tail -n 30 "$tmp/log"
fi
echo "# $passed passed, $failed failed"
[ "$failed" -eq 0 ]
