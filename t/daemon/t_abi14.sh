#!/bin/bash
# t_abi14.sh - the plugin ABI 1.4 members through the real daemon, with
# catchall and the test plugin tagspy: a recipient tagged on an address
# that exists is kept and not redirected (miltertest/abi14.lua); the
# sender change reaches the MTA as SMFIR_CHGFROM when the MTA offers
# SMFIF_CHGFROM, and not, logged once, when it does not, also in an
# SMTP session after SMFIC_QUIT_NC (milter_eom.py, which sends like an
# MTA and shows what came back at end of message); loopguardctl stats shows the plugin's counters, as
# text and as JSON; an ABI 1.2 plugin still loads beside them.
set -u
. "$(dirname "$0")/../lib/lib.sh"

command -v miltertest >/dev/null || skip "miltertest is not installed"
command -v python3 >/dev/null || skip "python3 is not installed"
lg_workdir abi14

check "loopguard -V names plugin ABI 1.4" \
	grep -qF "(plugin ABI 1.4)" <<<"$("$LOOPGUARD" -V)"

# one plugin folder with the real catchall and the test plugins
mkdir "$tmp/plugins"
for so in "$PLUGIN_DIR/catchall.so" "$TEST_PLUGIN_DIR/tagspy.so" \
	  "$TEST_PLUGIN_DIR/stepold.so"; do
	[ -f "$so" ] || skip "$so is not built"
	ln -s "$so" "$tmp/plugins/"
done

cat > "$tmp/lg.conf" <<CONF
socket = "unix:$tmp/lg.sock";
control = "unix:$tmp/ctl.sock";
plugin_dir = "$tmp/plugins";
local_domains = [ "example.com" ];
recipients = [ "rcpts" ];
plugins = (
	{ name = "stepold"; },
	{ name = "catchall"; },
	{ name = "tagspy"; chgfrom_from = "old@example.org";
	  chgfrom_to = [ "new@example.com" ]; count_names = [ "dsn.5.1.1" ]; }
);
CONF
"$LOOPGUARD" -f -c "$tmp/lg.conf" 2>"$tmp/lg.log" &
pid=$!
wait_in "$tmp/lg.log" "listening on" || exit 1

out=$(SOCKET="unix:$tmp/lg.sock" miltertest -s "$srcdir/miltertest/abi14.lua" 2>&1)
check "a tagged recipient whose base exists is local: catchall keeps it" \
	[ "$out" = "abi14.lua: ok" ]
[ "$out" = "abi14.lua: ok" ] || echo "$out" | sed 's/^/  /'

# eom SENDER RCPT ACTIONS - what the daemon answered at end of message
eom() {
	timeout 30 python3 "$srcdir/milter_eom.py" "$tmp/lg.sock" "$3" "$1" "$2" 2>&1
}

out=$(eom "<old@example.org>" "<alice@example.com>" all)
check "the milter asks for SMFIF_CHGFROM (0x40)" \
	eval '[ $(( $(sed -n "s/^actions //p" <<<"$out") & 0x40 )) = 64 ]'
check "the sender change reaches the MTA as SMFIR_CHGFROM" \
	[ "$(sed 1d <<<"$out")" = "chgfrom new@example.com"$'\n'"eom c" ]
[ "$(sed 1d <<<"$out")" = "chgfrom new@example.com"$'\n'"eom c" ] || echo "$out" | sed 's/^/  /'

out=$(eom "<other@example.org>" "<alice@example.com>" all)
check "mail from another sender keeps its sender" \
	[ "$(sed 1d <<<"$out")" = "eom c" ]

# an MTA that does not offer SMFIF_CHGFROM (every other action)
for i in 1 2; do
	out=$(eom "<old@example.org>" "<alice@example.com>" 1bf)
done
check "without SMFIF_CHGFROM on offer, nothing is changed" \
	[ "$out" = "actions 0x3d"$'\n'"eom c" ]
check "... and that is logged once" \
	[ "$(grep -c "does not offer it to milters (SMFIF_CHGFROM)" "$tmp/lg.log")" = 1 ]
check "... and the plugin heard -1 each time" \
	[ "$(grep -c "change_sender(new@example.com) = -1" "$tmp/lg.log")" = 2 ]

# after SMFIC_QUIT_NC the next SMTP session has no negotiation of its
# own: the MTA's last offer stands, so a change is neither lost where
# it was offered nor tried (and failed, on_error) where it was not
out=$(timeout 30 python3 "$srcdir/milter_eom.py" --twice "$tmp/lg.sock" all \
	"<old@example.org>" "<alice@example.com>" 2>&1)
check "after SMFIC_QUIT_NC, the sender is changed again" \
	[ "$(sed -n '/^again$/,$p' <<<"$out")" = "again"$'\n'"chgfrom new@example.com"$'\n'"eom c" ]
out=$(timeout 30 python3 "$srcdir/milter_eom.py" --twice "$tmp/lg.sock" 1bf \
	"<old@example.org>" "<alice@example.com>" 2>&1)
check "after SMFIC_QUIT_NC without SMFIF_CHGFROM, the message passes unchanged" \
	[ "$(sed -n '/^again$/,$p' <<<"$out")" = "again"$'\n'"eom c" ]

stats=$("$LOOPGUARDCTL" -s "unix:$tmp/ctl.sock" stats 2>&1)
check "stats shows the plugin's counters as counter lines" \
	grep -qx "counter	tagspy	dsn.5.1.1	10" <<<"$stats"
check "stats counts the tagged recipients" \
	grep -qx "counter	tagspy	untagged	2" <<<"$stats"
json=$("$LOOPGUARDCTL" -s "unix:$tmp/ctl.sock" --json stats 2>&1)
check "stats --json has them in \"counters\"" \
	grep -qF '"counters": [{"plugin": "tagspy", "name": "rcpt", "count": 10}, {"plugin": "tagspy", "name": "untagged", "count": 2}, {"plugin": "tagspy", "name": "dsn.5.1.1", "count": 10}]' <<<"$json"
check "stats --json is one JSON object" \
	python3 -c 'import json, sys; json.loads(sys.stdin.read())' <<<"$json"
[ "$failed" = 0 ] || { echo "$stats"; echo "$json"; }
check "the ABI 1.2 plugin loaded beside them" \
	grep -q "with 3 plugins" "$tmp/lg.log"

kill "$pid" && wait "$pid"
pid=
echo "abi14: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
