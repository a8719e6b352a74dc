#!/usr/bin/env bash
# bench/stall.sh - does an unanswered milter step stall Postfix over TCP?
#
# SYNOPSIS
#	bench/stall.sh [-r ROUNDS] [-n MESSAGES]
#
# DESCRIPTION
#	One SMTP session at a time, nothing else on the MTA: the delayed-ACK
#	stall that an unanswered step can cause on a Nagle socket shows as
#	about 40 ms per message, which a loaded run of bench/run hides.
#	Starts one private Postfix (bench/mta.sh) per variant, each with its
#	own loopguard built from conf/loopguard.conf with every plugin
#	bench/run adds:
#	  tcp        TCP, no_reply "auto": every step answered
#	  tcp-nr     TCP, no_reply "always": the steps nobody answers unanswered
#	  unix       unix socket, no_reply "auto": the same steps unanswered
#	  none       no milter
#	and in ROUNDS (3) interleaved rounds sends MESSAGES (200) messages
#	of 5 KB, one after the other on one session (bench/latency_probe.py),
#	timing each from MAIL to the 250 after DATA. Prints per variant the
#	median over the rounds of p50 and p99 (ms), and the share of
#	messages that took 40 ms or more. Needs a built tree and root.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
ROUNDS=3 N=200
while getopts r:n: o; do
	case $o in
	r) ROUNDS=$OPTARG ;;
	n) N=$OPTARG ;;
	*) sed -n 3,4p "$0" >&2; exit 2 ;;
	esac
done
LG_NAME=stall
. "$top/t/lib/mta.sh"
. "$top/bench/mta.sh"
lg_need_root
lg_need_cmd postfix smtp-sink
LOOPGUARD=${LOOPGUARD:-$top/loopguard}
PLUGIN_DIR=$(cd "${PLUGIN_DIR:-$top/plugins/.libs}" && pwd)
[ -x "$LOOPGUARD" ] || lg_die "build the tree first (make)"
bench_scratch stall

# conf SOCKET NO_REPLY FILE - conf/loopguard.conf on SOCKET, all plugins
conf() {
	local d
	d=$(dirname "$3")
	mkdir -p "$d/outbox"
	cp "$top/conf/recipients" "$d/"
	sed -E -e '/^(socket_mode|plugin_dir|pidfile|user|group|control|control_mode)[[:space:]]*=/d' \
		-e "s|^([[:space:]]*)snapshot[[:space:]]*=.*|\\1snapshot = \"$d/state.snap\";|" \
		-e "s|^([[:space:]]*)outbox[[:space:]]*=.*|\\1outbox = \"$d/outbox\";|" \
		-e "s|^socket[[:space:]]*=.*|socket = \"$1\";\\nsocket_mode = \"0666\";\\nplugin_dir = \"$PLUGIN_DIR\";\\nno_reply = \"$2\";|" \
		"$top/conf/loopguard.conf" >"$3"
	"$LOOPGUARD" -n -c "$3" >/dev/null
}

declare -A PORT
for v in tcp tcp-nr unix none; do
	lg_pick_port "PORT[$v]"
	lg_pick_port sp
	lg_pick_port mp
	case $v in
	tcp) conf "inet:$mp@127.0.0.1" auto "$work/$v/lg.conf"; m="inet:127.0.0.1:$mp" ;;
	tcp-nr) conf "inet:$mp@127.0.0.1" always "$work/$v/lg.conf"; m="inet:127.0.0.1:$mp" ;;
	unix) conf "unix:$work/$v.sock" auto "$work/$v/lg.conf"; m="unix:$work/$v.sock" ;;
	none) m= ;;
	esac
	if [ -n "$m" ]; then
		"$LOOPGUARD" -f -c "$work/$v/lg.conf" 2>"$work/$v.log" &
		PIDS+=("$!")
		for _ in $(seq 100); do grep -q "listening on" "$work/$v.log" && break; sleep 0.1; done
	fi
	bench_sink_start "$work/$v-sink" "$sp"
	bench_postfix_start "$work/pf-$v" "${PORT[$v]}" "$sp" "$m" ||
		lg_die "Postfix ($v) did not start"
done

declare -A P50 P99 SLOW
for ((r = 1; r <= ROUNDS; r++)); do
	for v in tcp tcp-nr unix none; do
		: >"$work/stop"
		python3 "$top/bench/latency_probe.py" "${PORT[$v]}" "$work/stop" \
			"$work/$v.times" --min "$N" --max "$N" >"$work/$v.out"
		P50[$v]="${P50[$v]:-} $(sed -n 's/.* p50=\([0-9.]*\).*/\1/p' "$work/$v.out")"
		P99[$v]="${P99[$v]:-} $(sed -n 's/.* p99=\([0-9.]*\).*/\1/p' "$work/$v.out")"
		SLOW[$v]="${SLOW[$v]:-} $(awk '$1 + 0 >= 40 { s++ } END { printf "%.1f", 100 * s / NR }' "$work/$v.times")"
		echo "stall: round $r $v: $(cat "$work/$v.out")" >&2
	done
done
med() { tr ' ' '\n' <<<"$*" | grep . | sort -g | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
echo "one SMTP session, $N messages of 5 KB each, $ROUNDS rounds; load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-44s %8s %8s %12s\n' variant "p50 ms" "p99 ms" ">= 40 ms"
for v in none tcp tcp-nr unix; do
	case $v in
	none) d="no milter" ;;
	tcp) d="loopguard, TCP, every step answered" ;;
	tcp-nr) d="loopguard, TCP, no_reply \"always\"" ;;
	unix) d="loopguard, unix socket, no_reply \"auto\"" ;;
	esac
	printf '%-44s %8s %8s %11s%%\n' "$d" "$(med ${P50[$v]})" "$(med ${P99[$v]})" "$(med ${SLOW[$v]})"
done
