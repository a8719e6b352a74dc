#!/bin/bash
# t_dkim_dns.sh - many DKIM signatures cannot hold a milter thread.
#
# The real daemon (autoreply asking for DKIM proof, bounce verifying
# returned originals) runs in a private network and mount namespace
# whose only DNS server (silent_dns.py on 127.0.0.1:53, started and
# stopped here by PID; /etc/resolv.conf is bind-mounted over inside the
# namespace only) receives every query and never answers. Messages
# carry real DKIM-Signature fields (signed here with libopendkim,
# t/dkim/dkim_sign) whose keys can therefore never be fetched (but
# one, good._domainkey.example.com, which it answers):
#   0. a good signature of the sender's domain behind 6 foreign ones
#      passes, its key fetched by loopguard's own lookups;
#   1. a forged local sender to an unknown recipient, 6 signatures of
#      foreign domains: no key is asked for, the message is not held;
#   2. the same plus 4 signatures of the sender's own domain: at most
#      3 keys are asked for, all within the 10 s deadline per message;
#   3. a bounce whose returned original has 4 signatures of the local
#      domain and 2 foreign ones: verified once, within the deadline;
#   4. 200 foreign signatures, each with its own l=, and one of the
#      sender's domain over a 4 MB body: little CPU (the library never
#      sees a signature field that is not looked at); no descriptor
#      is left open after messages whose lookups time out;
#   5. a good signature whose key comes only in replies to refuse
#      (spoofed, truncated, oversized) and junk: no proof, on time.
# Each message must end within the deadline (plus 3 s of slack), and
# the daemon must still run. Root only: exits 77 without root,
# unshare, ip, python3 or miltertest. LG_DKIM_SHOWLOG=1 prints the
# daemon's log (debug level) at the end; LG_DKIM_WRAP runs the daemon
# under a command (e.g. strace).
set -u
. "$(dirname "$0")/../lib/lib.sh"

DEADLINE=10		# LG_DKIM_DEADLINE in milter/dkim/dkim_impl.h
SLACK=3
SIGNER=$top_builddir/t/dkim/dkim_sign

[ "$(id -u)" -eq 0 ] || skip "needs root for a private network namespace"
for c in unshare ip python3 miltertest openssl mount; do
	command -v "$c" >/dev/null || skip "$c is not installed"
done
[ -x "$SIGNER" ] || skip "$SIGNER is not built (make check builds it)"
if [ "${LG_DKIM_NETNS:-}" != 1 ]; then
	unshare --net --mount true 2>/dev/null ||
		skip "unshare --net --mount does not work here"
	LG_DKIM_NETNS=1 exec unshare --net --mount -- "$0" "$@"
fi

# --- inside the namespaces from here on
ip link set lo up || { echo "Bail out! cannot bring up lo"; exit 1; }
[ -f /etc/resolv.conf ] || skip "no /etc/resolv.conf to bind-mount over"
lg_workdir dkimdns
mounted=
lg_cleanup_hook() {
	[ -n "$mounted" ] && umount /etc/resolv.conf
}
printf 'nameserver 127.0.0.1\n' >"$tmp/resolv.conf"
mount --bind "$tmp/resolv.conf" /etc/resolv.conf ||
	{ echo "Bail out! cannot bind-mount resolv.conf"; exit 1; }
mounted=1
openssl genrsa -out "$tmp/key.pem" 1024 2>/dev/null ||
	{ echo "Bail out! openssl genrsa"; exit 1; }
# the one name the DNS server answers: the key of good._domainkey
printf 'good._domainkey.example.com v=DKIM1; k=rsa; p=%s\n' \
	"$(openssl rsa -in "$tmp/key.pem" -pubout -outform DER 2>/dev/null |
		base64 -w0)" >"$tmp/answers"
# and spoof._domainkey, whose key comes only in replies to refuse
sed 's/^good/spoof/' "$tmp/answers" >>"$tmp/answers"
python3 "$srcdir/silent_dns.py" "$tmp/queries" "$tmp/dns.ready" \
	"$tmp/answers" &
lg_pids+=($!)
wait_file "$tmp/dns.ready" 10 || { echo "Bail out! no DNS server"; exit 1; }

cat >"$tmp/lg.conf" <<CONF
socket = "unix:$tmp/lg.sock";
plugin_dir = "$PLUGIN_DIR";
local_domains = [ "example.com" ];
recipients = [ "rcpts" ];
log_level = "debug";
plugins = (
  { name = "autoreply"; trust = [ "dkim" ]; },
  { name = "bounce"; }
);
CONF
${LG_DKIM_WRAP:-} "$LOOPGUARD" -f -c "$tmp/lg.conf" 2>"$tmp/log" &
pid=$!
wait_file "$tmp/lg.sock" 10 || { cat "$tmp/log"; echo "Bail out! no daemon"; exit 1; }

# original FILE - the message that gets signed
original() {
	cat >"$1" <<'MSG'
From: Alice <alice@example.com>
To: nosuch@example.com
Subject: many signatures
Date: Tue, 14 Nov 2023 22:13:20 +0000
Message-ID: <dkim-dns.1@example.com>

Hello,
this message carries many signatures.
MSG
}

# signatures FILE DOMAIN:SELECTOR... - "DKIM-Signature:" lines of FILE
signatures() {
	local file=$1 ds
	shift
	for ds in "$@"; do
		printf 'DKIM-Signature: %s\n' \
			"$("$SIGNER" "$tmp/key.pem" "${ds%%:*}" "${ds#*:}" <"$file")" ||
			return 1
	done
}

# send NAME FROM RCPT MESSAGE - one message; sets took (seconds, 0.1)
send() {
	local start end
	: >"$tmp/queries"
	start=$EPOCHREALTIME
	SOCKET="unix:$tmp/lg.sock" FROM=$2 RCPT=$3 MESSAGE=$4 TIMEOUT=900 \
		miltertest -s "$srcdir/message.lua" >"$tmp/mt.out" 2>&1
	mt_rc=$?
	end=$EPOCHREALTIME
	took=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
	echo "# $1: $(cat "$tmp/mt.out"), ${took} s," \
		"$(wc -l <"$tmp/queries") queries ($(sort -u "$tmp/queries" | wc -l) names)"
}

# within SECONDS - took is at most SECONDS
within() {
	awk -v t="$took" -v m="$1" 'BEGIN { exit !(t <= m) }'
}

foreign=()
for i in 1 2 3 4 5 6; do foreign+=("attack$i.example.net:sel"); done
local4=(example.com:k1 example.com:k2 example.com:k3 example.com:k4)

# 0. a good signature of the sender's domain behind 6 foreign ones:
# its key comes through loopguard's own lookups, the sender is proven
original "$tmp/orig"
{ signatures "$tmp/orig" "${foreign[@]}" example.com:good &&
	cat "$tmp/orig"; } >"$tmp/m0" || { echo "Bail out! cannot sign"; exit 1; }
send "a good signature behind 6 foreign ones" "<alice@example.com>" \
	"<nosuch@example.com>" "$tmp/m0"
check "good signature: answered (exit $mt_rc)" [ "$mt_rc" -eq 0 ]
check "good signature: its key was asked for, and only it" \
	[ "$(sort -u "$tmp/queries")" = good._domainkey.example.com ]
# proven: autoreply composes its reply (no mailer here to take it)
check "good signature: the sender is proven (autoreply replies)" \
	grep -q 'plugin=autoreply could not queue the reply to <alice@example.com>' "$tmp/log"
check "good signature: not held (${took} s <= 2 s)" within 2

# 1. forged local sender, unknown recipient, 6 foreign signatures
{ signatures "$tmp/orig" "${foreign[@]}" && cat "$tmp/orig"; } >"$tmp/m1" ||
	{ echo "Bail out! cannot sign"; exit 1; }
send "6 foreign signatures" "<alice@example.com>" "<nosuch@example.com>" "$tmp/m1"
check "6 foreign signatures: answered (exit $mt_rc)" [ "$mt_rc" -eq 0 ]
check "6 foreign signatures: not held (${took} s <= 2 s)" within 2
check "6 foreign signatures: no key asked for" [ ! -s "$tmp/queries" ]

# 2. the same plus 4 signatures of the sender's domain
{ signatures "$tmp/orig" "${foreign[@]}" "${local4[@]}" && cat "$tmp/orig"; } \
	>"$tmp/m2" || { echo "Bail out! cannot sign"; exit 1; }
send "6 foreign + 4 own signatures" "<alice@example.com>" "<nosuch@example.com>" "$tmp/m2"
check "6 foreign + 4 own: answered (exit $mt_rc)" [ "$mt_rc" -eq 0 ]
check "6 foreign + 4 own: within the deadline (${took} s <= $((DEADLINE + SLACK)) s)" \
	within $((DEADLINE + SLACK))
check "6 foreign + 4 own: the own domain's keys were asked for" \
	grep -q '_domainkey.example.com$' "$tmp/queries"
check "6 foreign + 4 own: no foreign key asked for" \
	bash -c "! grep -q example.net '$tmp/queries'"
check "6 foreign + 4 own: at most 3 keys asked for" \
	[ "$(sort -u "$tmp/queries" | wc -l)" -le 3 ]
check "6 foreign + 4 own: no autoreply (no proof)" \
	bash -c "! grep -q 'action=autoreply' '$tmp/log'"

# 3. a bounce returning an original with 4 local and 2 foreign signatures
{ signatures "$tmp/orig" example.com:b1 example.com:b2 example.com:b3 \
	example.com:b4 attack1.example.net:sel attack2.example.net:sel &&
	cat "$tmp/orig"; } >"$tmp/returned" || { echo "Bail out! cannot sign"; exit 1; }
{
	cat <<'MSG'
From: MAILER-DAEMON@mx.example.net
To: postmaster@example.com
Subject: Undelivered Mail Returned to Sender
Message-ID: <bounce.1@mx.example.net>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="BB"

--BB
Content-Type: text/plain

Your message could not be delivered.

--BB
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.net
Final-Recipient: rfc822; bob@example.net
Action: failed
Status: 5.1.1

--BB
Content-Type: message/rfc822

MSG
	cat "$tmp/returned"
	printf '\n--BB--\n'
} >"$tmp/m3"
send "bounce with 4 local + 2 foreign signatures" "<>" "<postmaster@example.com>" "$tmp/m3"
check "bounce: answered (exit $mt_rc)" [ "$mt_rc" -eq 0 ]
check "bounce: within the deadline (${took} s <= $((DEADLINE + SLACK)) s)" \
	within $((DEADLINE + SLACK))
check "bounce: the local domain's keys were asked for" \
	grep -q '_domainkey.example.com$' "$tmp/queries"
check "bounce: no foreign key asked for" \
	bash -c "! grep -q example.net '$tmp/queries'"
check "bounce: at most 3 keys asked for" \
	[ "$(sort -u "$tmp/queries" | wc -l)" -le 3 ]

# 4. many signature fields cost no hashing: 200 foreign signatures,
# each with its own l= (the library would hash the body once for each
# it is given, looked at or not) and one of the sender's domain, over
# a 4 MB body; the daemon's CPU time for the message stays small
cpu_ticks() {
	awk '{ print $14 + $15 }' "/proc/$pid/stat"
}
{
	printf 'DKIM-Signature: v=1; a=rsa-sha256; c=simple/simple; d=example.com; s=good; h=from; bh=AAAA; b=AAAA\n'
	for i in $(seq 1 200); do
		printf 'DKIM-Signature: v=1; a=rsa-sha256; c=simple/simple; d=attack%d.example.net; s=sel; l=%d; h=from; bh=AAAA; b=AAAA\n' \
			"$i" $((4000000 + i))
	done
	sed '/^$/q' "$tmp/orig"
	awk 'BEGIN { l = sprintf("%76s", ""); gsub(/ /, "x", l);
		for (i = 0; i < 52000; i++) print l }'
} >"$tmp/m4"
sleep 1		# the last session's descriptors closed
fds_before=$(ls "/proc/$pid/fd" | wc -l)
ticks_before=$(cpu_ticks)
send "200 foreign signatures with l= over 4 MB" "<alice@example.com>" \
	"<nosuch@example.com>" "$tmp/m4"
cpu=$(awk -v a="$ticks_before" -v b="$(cpu_ticks)" -v hz="$(getconf CLK_TCK)" \
	'BEGIN { printf "%.2f", (b - a) / hz }')
echo "# 200 foreign signatures with l=: the daemon used ${cpu} s of CPU"
check "many l= signatures: answered (exit $mt_rc)" [ "$mt_rc" -eq 0 ]
check "many l= signatures: at most 1.5 s of CPU (${cpu} s)" \
	awk -v c="$cpu" 'BEGIN { exit !(c <= 1.5) }'
check "many l= signatures: no foreign key asked for" \
	bash -c "! grep -q example.net '$tmp/queries'"
# every query's socket is closed when its lookup ends
for i in 1 2; do
	send "again, for the descriptors ($i)" "<alice@example.com>" \
		"<nosuch@example.com>" "$tmp/m2"
done
sleep 1
fds_after=$(ls "/proc/$pid/fd" | wc -l)
check "no descriptor left open by the lookups ($fds_before before, $fds_after after)" \
	[ "$fds_after" -le "$fds_before" ]

# 5. a good signature whose key comes only in replies a resolver must
# refuse (wrong id, no response bit, another question, no question,
# TC, from another port, longer than the buffer) and 150 junk
# datagrams: the sender is not proven, the lookup ends on time
{ signatures "$tmp/orig" example.com:spoof && cat "$tmp/orig"; } >"$tmp/m5" ||
	{ echo "Bail out! cannot sign"; exit 1; }
proven_before=$(grep -c 'could not queue the reply' "$tmp/log")
ticks_before=$(cpu_ticks)
send "spoofed replies and junk" "<carol@example.com>" "<nosuch@example.com>" "$tmp/m5"
cpu=$(awk -v a="$ticks_before" -v b="$(cpu_ticks)" -v hz="$(getconf CLK_TCK)" \
	'BEGIN { printf "%.2f", (b - a) / hz }')
check "spoofed replies: answered (exit $mt_rc)" [ "$mt_rc" -eq 0 ]
check "spoofed replies: the key was asked for" \
	grep -q '^spoof._domainkey.example.com$' "$tmp/queries"
check "spoofed replies: none taken, the sender is not proven" \
	[ "$(grep -c 'could not queue the reply' "$tmp/log")" -eq "$proven_before" ]
# only the last reply (TC) is taken, a key failure: the lookup ends
# long before its 5 s, the junk before it read and dropped
check "spoofed replies: ended by the last, truncated reply (${took} s <= 2 s)" \
	within 2
check "spoofed replies: the key failed" \
	grep -q 'd=example.com s=spoof does not pass: key DNS query failed' "$tmp/log"
check "spoofed replies: at most 1.5 s of CPU (${cpu} s)" \
	awk -v c="$cpu" 'BEGIN { exit !(c <= 1.5) }'

check "the daemon still runs" kill -0 "$pid"
grep -q 'ERROR: AddressSanitizer\|runtime error' "$tmp/log" &&
	not_ok "sanitizer report in the log"
echo "dkim-dns: $passed passed, $failed failed"
[ "$failed" -eq 0 ] || { echo "--- daemon log"; tail -40 "$tmp/log"; exit 1; }
[ -z "${LG_DKIM_SHOWLOG:-}" ] || cat "$tmp/log"
