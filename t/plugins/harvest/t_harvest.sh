#!/bin/bash
# t_harvest.sh - the harvest plugin in the real daemon, driven by
# miltertest (t/daemon/miltertest/harvest_rcpts.lua), on the memory
# store and, when redis-server is installed, on a private redis:
#   1. a client probing addresses of an external domain, refused by the
#      MTA ({rcpt_mailer} = error, as for "Relay access denied") or not,
#      is never counted: no entry, no refusal, no notice;
#   2. the same client probing unknown local addresses is blocked past
#      the threshold, and exactly one notice is queued, to the local
#      postmaster (never to a domain taken from a recipient);
#   3. K connections from one client at once, each sending unknown
#      local recipients past the threshold: one block, one notice
#      (ROUNDS times, each from another client);
#   4. on redis, two daemons sharing it, the K connections spread over
#      both: still one block, one notice;
#   5. local_domains empty: loopguard -n warns that harvest counts
#      nothing.
# Needs miltertest; exits 77 without it. Without redis-server the redis
# part is skipped (said so), the rest runs.
set -u
. "$(dirname "$0")/../../lib/lib.sh"

command -v miltertest >/dev/null || skip "miltertest is not installed"
[ -x "$LOOPGUARD" ] || skip "$LOOPGUARD is not built"
[ -e "$PLUGIN_DIR/harvest.so" ] || skip "$PLUGIN_DIR/harvest.so is not built"

K=${K:-8}		# parallel connections
PER=${PER:-6}		# unknown recipients each
ROUNDS=${ROUNDS:-3}
THRESHOLD=5
MT=$top_srcdir/t/daemon/miltertest/harvest_rcpts.lua
lg_workdir harvest

# The mailer: a sendmail that keeps each message and its recipient.
mkdir "$tmp/outbox" "$tmp/sent"
cat > "$tmp/sendmail" <<SH
#!/bin/sh
# $0 -f <> -oi -- RCPT
f=\$(mktemp "$tmp/sent/msg.XXXXXX") || exit 75
for a; do r=\$a; done
printf 'rcpt=%s\n' "\$r" > "\$f.rcpt"
cat > "\$f"
SH
chmod 755 "$tmp/sendmail"

# start_daemon NAME STATE-GROUP - loopguard in the foreground, log NAME.log
start_daemon() {
	log=$tmp/$1.log
	cat > "$tmp/$1.conf" <<CONF
socket = "unix:$tmp/$1.sock";
control = "unix:$tmp/$1-ctl.sock";
plugin_dir = "$PLUGIN_DIR";
local_domains = [ "example.com", "example.org" ];
recipients = [ "rcpts" ];
$2
mailer = { method = "sendmail"; path = "$tmp/sendmail";
           outbox = "$tmp/outbox"; };
plugins = ( { name = "harvest"; threshold = $THRESHOLD; } );
CONF
	"$LOOPGUARD" -f -c "$tmp/$1.conf" 2>>"$log" &
	pid=$!
	sock=unix:$tmp/$1.sock ctl=unix:$tmp/$1-ctl.sock
	wait_file "$tmp/$1.sock" 10 && wait_file "$tmp/$1-ctl.sock" 10 ||
		{ cat "$log"; return 1; }
}

stop_daemon() {
	kill "$pid" && wait "$pid"
	pid=
}

# notices - the notices the daemons queued so far (the core logs each),
# in $log and the logs in $more_logs
more_logs=
notices() { cat "$log" $more_logs | grep -c 'plugin=harvest generated mail '; }
# notices_to ADDR - those to ADDR
notices_to() { cat "$log" $more_logs | grep -c "plugin=harvest generated mail .* to=<$1>\$"; }

# rcpts CLIENT "RCPTS" [MAILER] - one transaction; out: its summary
rcpts() {
	out=$(SOCKET=$sock CLIENT=$1 RCPTS=$2 MAILER=${3:-} LABEL=$1 \
		miltertest -s "$MT" 2>&1)
}

# users PREFIX N DOMAIN - "PREFIX1@DOMAIN ... PREFIXN@DOMAIN"
users() { local i; for ((i = 1; i <= $2; i++)); do printf '%s%d@%s ' "$1" "$i" "$3"; done; }

# listed CLIENT - the store entries loopguardctl shows for the client
listed() {
	local o
	o=$("$LOOPGUARDCTL" -s "$ctl" --json list --plugin harvest 2>&1) ||
		{ echo "loopguardctl failed: $o"; return; }
	grep -o "\"client\": *\"$1/32\"" <<<"$o" | grep -c .
}

# shown CLIENT - "STATUS COUNT LIFETIME" of the client's entry as the
# status view shows it (LIFETIME: expires - created, in seconds)
shown() {
	"$LOOPGUARDCTL" -s "$ctl" --json list --plugin harvest 2>&1 |
		python3 -c '
import json, sys
for e in json.loads(sys.stdin.read()):
    if e.get("client") == sys.argv[1]:
        print(e["status"], e["count"], e["expires"] - e["created"])' "$1/32"
}

# probes NAME - scenarios 1 and 2 on the running daemon
probes() {
	local n0 c
	for c in "192.0.2.21 error" "192.0.2.22 -"; do
		set -- $c
		n0=$(notices)
		rcpts "$1" "$(users probe 8 external.test) $(users x 4 other.test)" \
			"${2#-}"
		check "$NAME: 12 external recipients (MTA ${2/-/accepted}) from $1 pass: $out" \
			[ "$out" = "$1: 12 ok, 0 refused" ]
		check "$NAME: ... and queue no notice ($(( $(notices) - n0 )))" \
			[ "$(notices)" = "$n0" ]
		check "$NAME: ... and are not counted ($(listed "$1") entries listed)" \
			[ "$(listed "$1")" = 0 ]
	done
	n0=$(notices)
	rcpts 192.0.2.23 "$(users user 8 example.com)" error
	# the MTA has refused these already: the milter's answer changes
	# nothing, but the count does
	check "$NAME: 8 unknown local recipients (MTA-rejected) from 192.0.2.23: $out" \
		[ "$out" = "192.0.2.23: 8 ok, 0 refused" ]
	check "$NAME: ... block the client and queue one notice ($(( $(notices) - n0 )))" \
		[ "$(( $(notices) - n0 ))" = 1 ]
	rcpts 192.0.2.23 "alice@example.com"
	check "$NAME: ... then even alice@example.com is refused: $out" \
		[ "$out" = "192.0.2.23: 0 ok, 1 refused" ]
	n0=$(notices)
	rcpts 192.0.2.24 "$(users user 8 example.org)"
	check "$NAME: 8 unknown local recipients from 192.0.2.24: $THRESHOLD pass, 3 refused: $out" \
		[ "$out" = "192.0.2.24: $THRESHOLD ok, 3 refused" ]
	check "$NAME: ... and one notice ($(( $(notices) - n0 )))" \
		[ "$(( $(notices) - n0 ))" = 1 ]
	check "$NAME: every notice went to postmaster@example.com" \
		[ "$(notices_to postmaster@example.com)" = "$(notices)" ]
}

# burst CLIENT - K transactions at once from CLIENT, PER distinct
# unknown recipients each, after alice@example.com (each connection
# reads the client's block then); figure: the notices queued
burst() {
	local n0 k i p=() bad=0
	n0=$(notices)
	rm -f "$tmp/go" "$tmp"/ready.*
	# start just after a second begins: a connection reads the block
	# again once its last read is from an earlier second, so the whole
	# burst should fit in one second for the reads to be a moment old
	for ((i = 0; i < 200; i++)); do
		[ "$(date +%N | cut -c1)" = 0 ] && break
		sleep 0.01
	done
	for ((k = 1; k <= K; k++)); do
		# every other connection to the second daemon, when there is one
		s=$sock
		[ -n "${sock2:-}" ] && [ $((k % 2)) = 0 ] && s=$sock2
		SOCKET=$s CLIENT=$1 RCPTS="$(users "c${k}u" "$PER" example.com)" \
			PRIME=alice@example.com READY=$tmp/ready.$k \
			BARRIER=$tmp/go LABEL="$1#$k" miltertest -s "$MT" \
			> "$tmp/burst.$k" 2>&1 &
		p+=($!)
	done
	for ((i = 0; i < 600; i++)); do
		[ "$(ls "$tmp" | grep -c '^ready\.')" -ge "$K" ] && break
		sleep 0.01
	done
	touch "$tmp/go"
	for k in "${p[@]}"; do wait "$k" || bad=1; done
	[ "$bad" = 0 ] || cat "$tmp"/burst.*
	figure=$(( $(notices) - n0 ))
	refused=$(cat "$tmp"/burst.* |
		awk '/ ok, [0-9]+ refused$/ { n += $(NF - 1) } END { print n + 0 }')
}

# parallel NAME BASE - ROUNDS bursts, from clients 192.0.2.BASE+i
parallel() {
	local i figures=
	for ((i = 1; i <= ROUNDS; i++)); do
		burst "192.0.2.$(( $2 + i ))"
		figures="$figures $figure"
		check "$1: $K connections at once from 192.0.2.$(( $2 + i )), $PER unknown each: $(( K * PER - THRESHOLD )) refused ($refused)" \
			[ "$refused" = $(( K * PER - THRESHOLD )) ]
		check "$1: ... one notice ($figure)" [ "$figure" = 1 ]
		if command -v python3 >/dev/null; then
			e=$(shown "192.0.2.$(( $2 + i ))")
			check "$1: ... its entry is blocked, its count past $THRESHOLD, its life the block (1h): $e" \
				awk -v t=$THRESHOLD '$1 == "blocked" && $2 > t && $3 >= 3600 && $3 <= 3601 { ok = 1 } END { exit !ok }' <<<"$e"
		fi
	done
	echo "# $1: notices per block with $K parallel connections:$figures"
}

# delivered - every notice reached the sendmail, to postmaster@example.com
delivered() {
	local i n
	for ((i = 0; i < 100; i++)); do
		n=$(ls "$tmp/sent" | grep -c '\.rcpt$')
		[ "$n" -ge "$total" ] && break
		sleep 0.1
	done
	[ "$n" = "$total" ] || { echo "  $n of $total notices delivered"; return 1; }
	! grep -hv '^rcpt=postmaster@example.com$' "$tmp"/sent/*.rcpt ||
		return 1
	grep -l '^Subject: loopguard: network 192.0.2.23/32 blocked' "$tmp"/sent/msg.* >/dev/null
}

total=0
NAME=memory
start_daemon memory 'state = { backend = "memory"; };' || exit 1
probes
parallel memory 30
total=$(( total + $(notices) ))
check "memory: every notice was handed to the mailer, for postmaster@example.com" delivered
stop_daemon

if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null; then
	echo "# SKIP redis: redis-server or redis-cli is not installed"
else
	REDIS_SOCK=$tmp/redis-server.sock
	lg_redis_start "$REDIS_SOCK" || exit 1
	NAME=redis
	start_daemon redis "state = { backend = \"redis\"; server = \"unix:$REDIS_SOCK\"; prefix = \"lgh:\"; timeout = \"2s\"; };" || exit 1
	probes
	parallel redis 40
	# a second daemon on the same redis: the connections alternate
	first_pid=$pid first_log=$log first_sock=$sock first_ctl=$ctl
	start_daemon redis2 "state = { backend = \"redis\"; server = \"unix:$REDIS_SOCK\"; prefix = \"lgh:\"; timeout = \"2s\"; };" || exit 1
	pid2=$pid sock2=$sock more_logs=$log
	pid=$first_pid log=$first_log sock=$first_sock ctl=$first_ctl
	parallel "redis, two daemons" 50
	total=$(( total + $(notices) ))
	check "redis: every notice was handed to the mailer, for postmaster@example.com" delivered
	stop_daemon
	pid=$pid2
	stop_daemon
	sock2=
fi

# local_domains empty: harvest can count nothing, and -n says so
sed 's/^local_domains = .*/local_domains = [ ];/' "$tmp/memory.conf" \
	>"$tmp/nolocal.conf"
out=$("$LOOPGUARD" -n -c "$tmp/nolocal.conf" 2>&1)
check "local_domains empty: -n warns that harvest counts nothing: $out" \
	grep -qF "warning: plugin harvest: local_domains is empty, so no recipient is an unknown local one: nothing is counted, blocked or told" <<<"$out"

if [ "$failed" -gt 0 ]; then
	for f in "$tmp"/*.log; do echo "--- $f"; tail -n 40 "$f"; done
fi
echo "harvest: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
