# bench/report.sh - the result table of bench/run (sourced by it)
# shellcheck shell=bash
#
# SYNOPSIS
#	report		(uses bench/run's R, P5, P9, F, C arrays and settings)
#
# DESCRIPTION
#	Prints the machine, then one block per part: per variant the median
#	of the runs with min-max, latency (direct runs), failures or lost
#	messages, and the milter's own CPU time per message (user+system
#	of its process over the run, divided by the messages); then each
#	ratio (the median of the per-run ratios: a run's variants ran back
#	to back) against its target with PASS or MISS. Part 2c adds the
#	pair of instances sharing one Redis, its sharing check, and 2d the
#	lines bench/failover.sh printed.

# ratios A B - the per-run ratios A/B (runs pair up by index: each
#	run's variants ran back to back, so they shared the machine's load)
ratios() {
	awk -v a="${R[$1]}" -v b="${R[$2]}" 'BEGIN {
		n = split(a, x, " "); split(b, y, " ")
		for (i = 1; i <= n; i++) if (y[i] > 0) printf "%.3f ", x[i] / y[i] }'
}

# ratio A B - median of the per-run ratios A/B, 2 decimals
ratio() {
	awk -v m="$(med $(ratios "$1" "$2"))" 'BEGIN {printf "%.2f", m}'
}

# ratio_range A B - "min-max" of the per-run ratios, 2 decimals
ratio_range() {
	tr ' ' '\n' <<<"$(ratios "$1" "$2")" | grep . | sort -g |
		awk 'NR == 1 {a = $1} {b = $1} END {printf "%.2f-%.2f", a, b}'
}

# verdict RATIO TARGET - PASS or MISS
verdict() {
	awk -v r="$1" -v t="$2" 'BEGIN {print (r + 0 >= t + 0) ? "PASS" : "MISS"}'
}

# row_direct LABEL KEY
row_direct() {
	[ -n "${R[$2]:-}" ] || return 0
	printf '   %-22s %7.0f  %-13s %7.2f %7.2f %10s %9s\n' "$1" \
		"$(med ${R[$2]})" "($(minmax ${R[$2]}))" "$(med ${P5[$2]})" \
		"$(med ${P9[$2]})" "$(med ${C[$2]})" "${F[$2]}"
}

# row_e2e LABEL KEY
row_e2e() {
	[ -n "${R[$2]:-}" ] || return 0
	printf '   %-22s %7.0f  %-13s %10s %9s\n' "$1" \
		"$(med ${R[$2]})" "($(minmax ${R[$2]}))" "$(med ${C[$2]})" "${F[$2]}"
}

# machine - one paragraph about where this ran
machine() {
	local cpu mem rev dirty=""
	cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
	mem=$(awk '/^MemTotal:/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)
	rev=$(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo '?')
	git -C "$top" diff --quiet HEAD -- 2>/dev/null || dirty=" + uncommitted changes"
	printf 'loopguard benchmarks: bench/run, %s, tree %s%s\n' \
		"$(date -u '+%Y-%m-%d %H:%M UTC')" "$rev" "$dirty"
	printf 'machine: %s CPUs (%s), %s RAM, Linux %s\n' "$(nproc)" "$cpu" \
		"$mem" "$(uname -r)"
	printf 'load average: %s at start, %s at end\n' "$load0" \
		"$(cut -d' ' -f1-3 /proc/loadavg)"
	printf 'loopguard plugins: %s; Postfix %s; Sendmail %s\n' "${PLUGINS% }" \
		"${PF_VERSION:-not run}" "${SM_VERSION:-not run}"
	printf 'each figure: median of %s direct or %s end-to-end runs (min-max), the\n' \
		"$DIRECT_RUNS" "$RUNS"
	printf 'variants interleaved; CPU ms/msg: CPU time of the milter process per\n'
	printf 'message; failures and lost messages: summed over the runs\n'
}

report() {
	local r t
	machine
	echo
	echo "1. Direct milter protocol: miltergen -c 16 -m $DIRECT_MSGS -z 5120 -r 1,1/4,1/4"
	echo "   ($((16 * DIRECT_MSGS)) messages per run; 1 valid recipient each, every 4th also an unknown and an external)"
	printf '   %-22s %7s  %-13s %7s %7s %10s %9s\n' milter msg/s '(min-max)' \
		'p50 ms' 'p99 ms' 'CPU ms/msg' failures
	row_direct "null milter, TCP" null-inet
	row_direct "loopguard, TCP" lg-inet
	r=$(ratio lg-inet null-inet)
	echo "   loopguard/null = $r, per run $(ratio_range lg-inet null-inet) (target >= 0.90): $(verdict "$r" 0.90)"
	echo
	echo "2. loopguard over TCP against over a unix socket (same load)"
	row_direct "loopguard, unix" lg-unix
	row_direct "null milter, unix" null-unix
	r=$(ratio lg-inet lg-unix)
	echo "   loopguard TCP/unix = $r, per run $(ratio_range lg-inet lg-unix) (target >= 0.95): $(verdict "$r" 0.95)"
	echo "   null milter TCP/unix = $(ratio null-inet null-unix) (the transport's own cost)"
	if [ -n "${R[lg-redis]:-}" ]; then
		echo
		echo "2b. loopguard with the Redis backend against the memory backend, both on unix"
		echo "   sockets (a private redis-server on a unix socket, persistence off)"
		row_direct "loopguard, Redis" lg-redis
		r=$(ratio lg-redis lg-unix)
		echo "   Redis/memory = $r, per run $(ratio_range lg-redis lg-unix) (target >= 0.70): $(verdict "$r" 0.70)"
		echo "   Redis commands per message: $(med $REDIS_CMDS) (the steps inside loopguard's Lua scripts included);"
		echo "   redis-server's own CPU: $(med $REDIS_CPU) ms per message"
		[ -z "${REDIS_FELL_BACK:-}" ] ||
			echo "   warning: loopguard lost Redis during the runs and fell back to memory (see its log)"
	fi
	if [ -n "${R[pair-redis]:-}" ]; then
		echo
		echo "2c. Two loopguard instances driven at the same time, each on its own unix socket"
		echo "   with its own miltergen (the load of part 1 each): both on one shared private"
		echo "   redis-server, and both on the memory backend; msg/s: both instances' messages"
		echo "   over the longer of the two runs; latency: the higher instance's"
		row_direct "2 x memory" pair-mem
		row_direct "2 x shared Redis" pair-redis
		r=$(ratio pair-redis pair-mem)
		echo "   shared Redis pair/memory pair = $r, per run $(ratio_range pair-redis pair-mem) (target >= 0.70): $(verdict "$r" 0.70)"
		echo "   each instance alone in the pair: Redis $(printf '%.0f' "$(med ${R[pair-redis.1]})") and $(printf '%.0f' "$(med ${R[pair-redis.2]})") msg/s, memory $(printf '%.0f' "$(med ${R[pair-mem.1]})") and $(printf '%.0f' "$(med ${R[pair-mem.2]})")"
		echo "   shared Redis pair/one memory instance (part 2) = $(ratio pair-redis lg-unix), memory pair/one memory instance = $(ratio pair-mem lg-unix)"
		echo "   Redis commands per message: $(med $SHARED_CMDS); redis-server's own CPU: $(med $SHARED_CPU) ms per message"
		echo "   sharing: harvest count of client 198.18.0.1 after 14 unknown recipients to the"
		echo "   first instance and 7 to the second (some the same): memory ${SHARE[lgm1]} and"
		echo "   ${SHARE[lgm2]}, shared Redis ${SHARE[lgs1]} and ${SHARE[lgs2]}; the Redis instances list $SHARE_KEYS1 and $SHARE_KEYS2"
		echo "   entries, the same keys: $SHARE_SAME; $( [ "${SHARE_OK:-0}" -eq 1 ] && echo "shared: PASS" || echo "NOT shared: FAIL")"
		[ -z "${SHARED_FELL_BACK:-}" ] ||
			echo "   warning: a shared instance lost Redis during the runs and fell back to memory (see its log)"
	fi
	if [ -n "${FAILOVER_RC:-}" ]; then
		echo
		echo "2d. A Redis failover under load (bench/failover.sh)"
		sed 's/^/   /' "$work/failover.out"
		case $FAILOVER_RC in
		0) ;;
		77) echo "   (skipped by bench/failover.sh)" ;;
		*) echo "   bench/failover.sh FAILED: exit $FAILOVER_RC" ;;
		esac
	fi
	for t in pf sm; do
		[ -n "${R[$t-none]:-}" ] || continue
		echo
		if [ "$t" = pf ]; then
			echo "3. End to end through Postfix: smtp-source -> Postfix -> smtp-sink, milters over TCP unless noted"
			echo "   ($E2E_MSGS messages of 5 KB per run"
		else
			echo "4. End to end through Sendmail: smtp-source -> Sendmail -> smtp-sink, milters on unix sockets"
			echo "   ($SM_MSGS messages of 5 KB per run"
		fi
		echo "   in 20 parallel SMTP sessions of one message each: 1/2 to a valid, 1/4 to an"
		echo "   unknown, 1/4 to an external recipient; delivered messages/s at the sink)"
		printf '   %-22s %7s  %-13s %10s %9s\n' milter msg/s '(min-max)' \
			'CPU ms/msg' lost
		row_e2e none "$t-none"
		row_e2e "null milter" "$t-null"
		row_e2e loopguard "$t-lg"
		row_e2e "loopguard, unix socket" "$t-lgu"
		row_e2e "null milter, unix" "$t-nullu"
		row_e2e "null -N, unix" "$t-nullN"
		row_e2e "null -E, unix" "$t-nullE"
		r=$(ratio "$t-lg" "$t-none")
		echo "   null/none = $(ratio "$t-null" "$t-none"), loopguard/null = $(ratio "$t-lg" "$t-null")"
		echo "   loopguard/none = $r, per run $(ratio_range "$t-lg" "$t-none") (target >= 0.80): $(verdict "$r" 0.80)"
		[ -z "${R[$t-lgu]:-}" ] ||
			echo "   loopguard on a unix socket/none = $(ratio "$t-lgu" "$t-none")"
		[ -z "${R[$t-nullE]:-}" ] || {
			echo "   on unix sockets, null/none = $(ratio "$t-nullu" "$t-none"), null -N/none = $(ratio "$t-nullN" "$t-none"),"
			echo "   null -E/none = $(ratio "$t-nullE" "$t-none") (-N: no replies before end of message; -E: only"
			echo "   end of message: the milter round trips cost the difference)"
		}
	done
	if [ -n "${PF_NULL_HDR:-}" ] && [ "$PF_NULL_HDR" -lt "$E2E_MSGS" ]; then
		echo
		echo "warning: only $PF_NULL_HDR of the last Postfix null-milter run's messages carry X-Null-Milter"
	fi
	return 0
}
