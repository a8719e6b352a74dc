#!/usr/bin/env bash
# bench/perf-session.sh - the milter's CPU per message on short sessions
#
# SYNOPSIS
#	bench/perf-session.sh [-r ROUNDS] [-n MSGS] [-c CONNS] [-m PER_CONN]
#		[-x RCPTS] [--postfix] [--strace] [--perf]
#		NAME=LOOPGUARD[:PLUGIN_DIR] ...
#
# DESCRIPTION
#	Starts each loopguard given (a daemon binary and, after a colon,
#	its plugin folder; default the build tree's plugins/.libs) on a
#	unix socket of its own, with a copy of conf/loopguard.conf and
#	every plugin of its folder enabled, as bench/run does. A binary
#	named nullmilter* is started as bench/nullmilter instead, the
#	baseline that shows what is libmilter's and the kernel's. Then, in
#	ROUNDS rounds (default 7), each variant in turn (the order turns
#	each round) gets MSGS messages (default 2000) from miltergen in
#	sessions of PER_CONN messages (default 1, what Postfix does with
#	one SMTP session per message), CONNS sessions at a time (default
#	20, the Postfix runs' parallel sessions). Recipients: -x, as
#	miltergen's -r (default 1,1,1: a valid, an unknown and an
#	external recipient each, so that the catch-all redirects and logs
#	in every message even on one-message sessions).
#
#	--postfix sends the messages through a private Postfix per variant
#	instead (bench/mta.sh: smtp-source, 20 SMTP sessions of one 5 KB
#	message each, half to a valid, a quarter to an unknown and a
#	quarter to an external recipient, delivered to smtp-sink); -c,
#	-m and -x do not apply then. Needs root.
#
#	Prints, per variant, the median of the rounds with min-max: the
#	milter's CPU ms per message (user+system of the whole process,
#	from /proc/PID/stat), and messages per second.
#
#	--strace adds one more round per variant under "strace -c -f" and
#	prints the system calls per message; --perf one more under "perf
#	record -g" and prints the top symbols (self time) and objects.
#
# ENVIRONMENT
#	BENCH_TMPDIR scratch folder base (/var/tmp); BENCH_KEEP=1 keeps it.
#	PERF_RECORD: perf record's options for --perf (-g -F 1999); for
#	instance "-e page-faults -c 1 --call-graph dwarf" shows what
#	faults pages in.
#
# DIAGNOSTICS
#	Exit 0; 1 on a setup error or failed messages; 64 for bad usage.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/t/lib/mta.sh"
. "$top/bench/mta.sh"
export LG_NAME=perf-session

ROUNDS=7 MSGS=2000 CONNS=20 PER_CONN=1 MIX=1,1,1 DO_STRACE=0 DO_PERF=0
DO_POSTFIX=0
usage() {
	echo "usage: bench/perf-session.sh [-r ROUNDS] [-n MSGS] [-c CONNS] [-m PER_CONN] [-x RCPTS] [--postfix] [--strace] [--perf] NAME=LOOPGUARD[:PLUGIN_DIR] ..." >&2
	exit 64
}
VARIANTS=()
while [ $# -gt 0 ]; do
	case $1 in
	-r) ROUNDS=$2; shift ;;
	-n) MSGS=$2; shift ;;
	-c) CONNS=$2; shift ;;
	-m) PER_CONN=$2; shift ;;
	-x) MIX=$2; shift ;;
	--postfix) DO_POSTFIX=1 ;;
	--strace) DO_STRACE=1 ;;
	--perf) DO_PERF=1 ;;
	*=*) VARIANTS+=("$1") ;;
	*) usage ;;
	esac
	shift
done
[ ${#VARIANTS[@]} -gt 0 ] || usage
[ $((MSGS % (CONNS * PER_CONN))) -eq 0 ] ||
	lg_die "-n $MSGS is not a multiple of -c $CONNS times -m $PER_CONN"
[ "$DO_STRACE" -eq 0 ] || lg_need_cmd strace
if [ "$DO_POSTFIX" -eq 1 ]; then
	lg_need_root
	lg_need_cmd postfix smtp-source smtp-sink
fi
[ "$DO_PERF" -eq 0 ] || lg_need_cmd perf

GEN=$top/bench/miltergen
[ -x "$GEN" ] || lg_die "no $GEN: make bench"
bench_scratch perf-session

# conf NAME BIN PLUGIN_DIR - a config for one variant, every plugin on
conf() {
	local dir=$work/$1 bin=$2 pdir=$3 n
	mkdir -p "$dir/outbox"
	cp "$top"/conf/recipients "$top"/conf/*.txt "$dir/" 2>/dev/null || true
	sed -E \
		-e '/^(socket_mode|plugin_dir|pidfile|user|group|control|control_mode)[[:space:]]*=/d' \
		-e "s|^([[:space:]]*)snapshot[[:space:]]*=.*|\\1snapshot = \"$dir/state.snap\";|" \
		-e "s|^([[:space:]]*)outbox[[:space:]]*=.*|\\1outbox = \"$dir/outbox\";|" \
		-e "s|^socket[[:space:]]*=.*|socket = \"unix:$dir/lg.sock\";\\nsocket_mode = \"0666\";\\nplugin_dir = \"$pdir\";|" \
		"$top/conf/loopguard.conf" >"$dir/loopguard.conf"
	for n in "$pdir"/*.so; do
		n=$(basename "$n" .so)
		sed 's/#.*//' "$dir/loopguard.conf" | grep -q "name[[:space:]]*=[[:space:]]*\"$n\"" && continue
		awk -v n="$n" '
			/^[[:space:]]*plugins[[:space:]]*=/ { inp = 1 }
			inp && /^[[:space:]]*\);/ { print "  ,{ name = \"" n "\"; }"; inp = 0 }
			{ print }' "$dir/loopguard.conf" >"$dir/try.conf"
		if "$bin" -n -c "$dir/try.conf" >/dev/null 2>&1; then
			mv "$dir/try.conf" "$dir/loopguard.conf"
		fi
	done
	"$bin" -n -c "$dir/loopguard.conf" >&2 ||
		lg_die "$dir/loopguard.conf does not pass loopguard -n"
}

declare -A PID SOCK CPU RATE PPORT
for v in "${VARIANTS[@]}"; do
	name=${v%%=*} spec=${v#*=}
	bin=${spec%%:*} pdir=$top/plugins/.libs
	[ "$bin" = "$spec" ] || pdir=${spec#*:}
	bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
	if [[ $(basename "$bin") == nullmilter* ]]; then
		mkdir -p "$work/$name"
		"$bin" -p "unix:$work/$name/lg.sock" </dev/null \
			>"$work/$name/log" 2>&1 &
	else
		pdir=$(cd "$pdir" && pwd)
		conf "$name" "$bin" "$pdir"
		"$bin" -f -c "$work/$name/loopguard.conf" </dev/null \
			>"$work/$name/log" 2>&1 &
	fi
	PIDS+=("$!")
	PID[$name]=$!
	SOCK[$name]=$work/$name/lg.sock
	for ((i = 0; i < 200; i++)); do
		[ -S "${SOCK[$name]}" ] && break
		lg_alive "${PID[$name]}" || break
		sleep 0.05
	done
	[ -S "${SOCK[$name]}" ] || { cat "$work/$name/log" >&2; lg_die "$name did not start"; }
	chmod 0755 "$work/$name"
	if [ "$DO_POSTFIX" -eq 1 ]; then
		lg_pick_port "PPORT[$name]"
		lg_pick_port sp
		bench_sink_start "$work/$name/sink" "$sp" ||
			lg_die "smtp-sink ($name) did not start"
		bench_postfix_start "$work/$name/pf" "${PPORT[$name]}" "$sp" \
			"unix:${SOCK[$name]}" || lg_die "Postfix ($name) did not start"
	fi
done

HZ=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
now_ns() { date +%s%N; }

# load NAME - MSGS messages to NAME's socket in sessions of PER_CONN,
#	or through NAME's Postfix
load() {
	local i out
	if [ "$DO_POSTFIX" -eq 1 ]; then
		out=$(bench_e2e_run "${PPORT[$1]}" "$work/$1/sink" "$MSGS")
		[ "$(awk '{print $3}' <<<"$out")" -eq "$MSGS" ] ||
			lg_die "$1: lost messages: $out"
		return 0
	fi
	for ((i = 0; i < MSGS / (CONNS * PER_CONN); i++)); do
		out=$("$GEN" -s "unix:${SOCK[$1]}" -c "$CONNS" -m "$PER_CONN" \
			-r "$MIX" 2>&1) || lg_die "$1: miltergen failed: $out"
	done
}

# round NAME - one timed load; records CPU ms/msg and msg/s
round() {
	local c0 c1 t0 t1
	c0=$(cpu_ticks "${PID[$1]}") t0=$(now_ns)
	load "$1"
	c1=$(cpu_ticks "${PID[$1]}") t1=$(now_ns)
	CPU[$1]="${CPU[$1]:-} $(awk -v d=$((c1 - c0)) -v hz="$HZ" -v n="$MSGS" \
		'BEGIN {printf "%.3f", d * 1000 / hz / n}')"
	RATE[$1]="${RATE[$1]:-} $(awk -v ns=$((t1 - t0)) -v n="$MSGS" \
		'BEGIN {printf "%.0f", n * 1e9 / ns}')"
}

med() { tr ' ' '\n' <<<"$*" | grep . | sort -g | awk '{v[NR]=$1} END {
	if (NR % 2) print v[(NR+1)/2]; else print (v[NR/2] + v[NR/2+1]) / 2 }'; }
minmax() { tr ' ' '\n' <<<"$*" | grep . | sort -g | awk 'NR==1{a=$1} {b=$1}
	END {print a "-" b}'; }

names=()
for v in "${VARIANTS[@]}"; do names+=("${v%%=*}"); done
for n in "${names[@]}"; do load "$n"; done	# warm up
for ((r = 0; r < ROUNDS; r++)); do
	k=${#names[@]}
	for ((j = 0; j < k; j++)); do
		n=${names[$(((j + r) % k))]}
		round "$n"
	done
	echo "perf-session: round $((r + 1))/$ROUNDS done" >&2
done

if [ "$DO_POSTFIX" -eq 1 ]; then
	echo "through Postfix: $MSGS messages per round, one per SMTP session, 20 sessions at a time; $ROUNDS rounds interleaved"
else
	echo "direct (miltergen): $MSGS messages per round, $PER_CONN per session, $CONNS sessions at a time, recipients $MIX; $ROUNDS rounds interleaved"
fi
printf '%-14s %12s %14s %8s %12s\n' variant "CPU ms/msg" "(min-max)" "msg/s" "(min-max)"
for n in "${names[@]}"; do
	# shellcheck disable=SC2086	# the lists split into their numbers
	printf '%-14s %12s %14s %8s %12s\n' "$n" "$(med ${CPU[$n]})" \
		"($(minmax ${CPU[$n]}))" "$(med ${RATE[$n]})" "($(minmax ${RATE[$n]}))"
done

if [ "$DO_STRACE" -eq 1 ]; then
	for n in "${names[@]}"; do
		strace -c -f -p "${PID[$n]}" -o "$work/$n.strace" 2>/dev/null &
		sp=$!
		sleep 1
		load "$n"
		sleep 0.5
		kill -INT "$sp"; wait "$sp" || true
		echo "# $n: strace -c -f, system calls per message"
		awk -v n="$MSGS" '$1 ~ /^[0-9.]+$/ && NF >= 5 && $NF != "total" {
			printf "  %-16s %8.2f\n", $NF, $4 / n }' \
			"$work/$n.strace" | sort -k2 -rn | sed 20q
	done
fi

if [ "$DO_PERF" -eq 1 ]; then
	for n in "${names[@]}"; do
		# shellcheck disable=SC2086
		perf record -q ${PERF_RECORD:--g -F 1999} -p "${PID[$n]}" -o "$work/$n.perf" \
			>/dev/null 2>&1 &
		pp=$!
		sleep 0.5
		load "$n"
		kill -INT "$pp"; wait "$pp" || true
		echo "# $n: perf record ${PERF_RECORD:--g -F 1999}, by object"
		perf report -i "$work/$n.perf" --no-children --sort dso -g none \
			>"$work/$n.dso" 2>/dev/null || true
		grep -E '^# (Samples|Event count)' "$work/$n.dso" | sed 2q
		grep '%' "$work/$n.dso" | sed 8q
		echo "# $n: top symbols (self)"
		perf report -i "$work/$n.perf" --no-children --sort dso,sym -g none \
			>"$work/$n.sym" 2>/dev/null || true
		grep '%' "$work/$n.sym" | sed 25q
	done
fi
