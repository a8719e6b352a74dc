#!/bin/bash
# t_bounce_hostile.sh - the bounce plugin through the real daemon
# against what a peer or an MTA can make of it (milter_eom.py sends
# like an MTA): signed envelope senders (BATV) where the MTA offers no
# sender change (SMFIF_CHGFROM) leave mail unsigned and do not hold it
# back; a null-sender message whose body is 256 KiB of lone CRs (sent
# raw, as Sendmail passes it, and base64-encoded, which any MTA passes)
# is answered within seconds.
set -u
. "$(dirname "$0")/../lib/lib.sh"

command -v python3 >/dev/null || skip "python3 is not installed"
lg_workdir bounce-hostile
[ -f "$PLUGIN_DIR/bounce.so" ] || skip "$PLUGIN_DIR/bounce.so is not built"

cat > "$tmp/lg.conf" <<CONF
socket = "unix:$tmp/lg.sock";
plugin_dir = "$PLUGIN_DIR";
local_domains = [ "example.com" ];
recipients = [ "$tmp/rcpts" ];
trusted_networks = [ "192.0.2.0/24" ];
plugins = ( { name = "bounce";
	      batv = { keys = ( { id = 0; secret = "a test secret, 16+ bytes"; } ); }; } );
CONF
"$LOOPGUARD" -f -c "$tmp/lg.conf" 2>"$tmp/lg.log" &
pid=$!
wait_in "$tmp/lg.log" "listening on" || exit 1

# eom ACTIONS SENDER RCPT - what the daemon answered at end of message
eom() {
	timeout 60 python3 "$srcdir/milter_eom.py" "$tmp/lg.sock" "$@" 2>&1
}

out=$(eom all "<alice@example.com>" "<bob@external.test>")
check "with SMFIF_CHGFROM on offer, the trusted sender is signed" \
	grep -qE "^chgfrom prvs=0[0-9]{3}[0-9a-f]{6}=alice@example.com$" <<<"$out"
out=$(eom 1bf "<alice@example.com>" "<bob@external.test>")
check "without SMFIF_CHGFROM, the message passes unsigned" \
	[ "$out" = "actions 0x3d"$'\n'"eom c" ]
[ "$out" = "actions 0x3d"$'\n'"eom c" ] || echo "$out" | sed 's/^/  /'
check "... and that is logged" \
	grep -q "<alice@example.com> not signed: the sender change was refused" "$tmp/lg.log"

# hostile bodies: within 3 s each (a linear walk takes milliseconds;
# 192 KiB of CRs took 6 s, 256 KiB over 20, when each CR was scanned
# anew)
{ printf 'Subject: x\n\n'; head -c 262144 /dev/zero | tr '\0' '\r'; } \
	> "$tmp/cr.eml"
{ printf 'Subject: x\nContent-Transfer-Encoding: base64\n\n'
  head -c 196608 /dev/zero | tr '\0' '\r' | base64 -w 76; } > "$tmp/cr64.eml"
for f in cr cr64; do
	start=$(date +%s)
	out=$(MILTER_MESSAGE="$tmp/$f.eml" eom all "<>" "<alice@example.com>")
	took=$(( $(date +%s) - start ))
	check "a bounce of 256 KiB of lone CRs ($f) is judged in $took s" \
		eval '[ "$took" -le 3 ] && grep -q "^eom y" <<<"$out"'
	[ "$took" -le 3 ] || echo "$out" | sed 's/^/  /'
done

kill "$pid" && wait "$pid"
pid=
echo "bounce-hostile: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
