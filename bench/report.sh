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
#	lines bench/failover.sh printed. Parts 3 and 4 add the latency the
#	milter adds (p99 of the probe's transactions minus no milter's,
#	run by run), part 5 rspamd, then the RSS, and last the targets
#	table: each target, its median, its per-run range, PASS or MISS.

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

# verdict_le VALUE LIMIT - PASS when VALUE <= LIMIT, MISS otherwise
verdict_le() {
	awk -v r="$1" -v t="$2" 'BEGIN {print (r + 0 <= t + 0) ? "PASS" : "MISS"}'
}

# diffs A B - the per-run differences of the p99s, A - B (ms)
diffs() {
	awk -v a="${P9[$1]}" -v b="${P9[$2]}" 'BEGIN {
		n = split(a, x, " "); split(b, y, " ")
		for (i = 1; i <= n; i++) printf "%.2f ", x[i] - y[i] }'
}

# range LIST - "min-max" of numbers, 2 decimals
range() {
	tr ' ' '\n' <<<"$*" | grep . | sort -g |
		awk 'NR == 1 {a = $1} {b = $1} END {printf "%.2f-%.2f", a, b}'
}

# mib KIB - KiB as MiB, one decimal
mib() { awk -v k="$1" 'BEGIN {printf "%.1f", k / 1024}'; }

# target LABEL VALUE RANGE VERDICT - one line of the targets table
target() {
	printf '   %-56s %8s  %-15s %s\n' "$1" "$2" "$3" "$4"
}

# row_direct LABEL KEY
row_direct() {
	[ -n "${R[$2]:-}" ] || return 0
	printf '   %-28s %7.0f  %-13s %7.2f %7.2f %10s %9s\n' "$1" \
		"$(med ${R[$2]})" "($(minmax ${R[$2]}))" "$(med ${P5[$2]})" \
		"$(med ${P9[$2]})" "$(med ${C[$2]})" "${F[$2]}"
}

# row_e2e LABEL KEY - with the probe's p50, p99 and the p99 added to
#	no milter's (median of the per-run differences), when probed
row_e2e() {
	local p5=- p9=- add=- none=${2%%-*}-none
	[ -n "${R[$2]:-}" ] || return 0
	if [ -n "${PROBE_N[$2]:-}" ]; then
		p5=$(printf '%.1f' "$(med ${P5[$2]})")
		p9=$(printf '%.1f' "$(med ${P9[$2]})")
		[ "$2" = "$none" ] || add=$(printf '%+.1f' "$(med $(diffs "$2" "$none"))")
	fi
	printf '   %-34s %6.0f  %-11s %6s %7s %7s %10s %6s\n' "$1" \
		"$(med ${R[$2]})" "($(minmax ${R[$2]}))" "$p5" "$p9" "$add" \
		"$(med ${C[$2]})" "${F[$2]}"
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
	printf '   %-28s %7s  %-13s %7s %7s %10s %9s\n' milter msg/s '(min-max)' \
		'p50 ms' 'p99 ms' 'CPU ms/msg' failures
	row_direct "null milter, TCP" null-inet
	row_direct "loopguard, TCP" lg-inet
	row_direct "loopguard all plugins, TCP" lg-all
	r=$(ratio lg-inet null-inet)
	echo "   loopguard/null = $r, per run $(ratio_range lg-inet null-inet) (target >= 0.90): $(verdict "$r" 0.90)"
	echo "   loopguard with all five plugins and DKIM/null = $(ratio lg-all null-inet), per run $(ratio_range lg-all null-inet)"
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
		[ "$t" = sm ] || {
			echo "   Beside each run, bench/latency_probe.py sends 5 KB messages one after the other"
			echo "   on one more SMTP session and times each from MAIL to the 250 after DATA: p50 and"
			echo "   p99 ms (median over the runs), +p99: the p99 minus no milter's, run by run"
		}
		printf '   %-34s %6s  %-11s %6s %7s %7s %10s %6s\n' milter msg/s '(min-max)' \
			'p50' 'p99' '+p99' 'CPU ms/msg' lost
		row_e2e none "$t-none"
		if [ "$t" = sm ]; then
			row_e2e "null milter" sm-null
			row_e2e "loopguard" sm-lg
			row_e2e "loopguard all plugins + DKIM" sm-lgall
			echo "   null/none = $(ratio sm-null sm-none), loopguard/none = $(ratio sm-lg sm-none) per run $(ratio_range sm-lg sm-none), loopguard/null = $(ratio sm-lg sm-null)"
			echo "   loopguard with all plugins and DKIM/none = $(ratio sm-lgall sm-none) per run $(ratio_range sm-lgall sm-none)"
			continue
		fi
		row_e2e "null milter, TCP" "$t-null"
		row_e2e "null milter, unix" "$t-nullu"
		row_e2e "null -E (end of message only), unix" "$t-nullE"
		row_e2e "null -N (no replies before EOM), unix" "$t-nullN"
		row_e2e "loopguard, TCP" "$t-lg"
		row_e2e "loopguard, unix" "$t-lgu"
		row_e2e "loopguard all plugins + DKIM, TCP" "$t-lgall"
		[ "$t" = sm ] || [ -z "${NR_NOTE:-}" ] ||
			printf '   %-34s %s\n' 'loopguard, TCP, no_reply "always"' "$NR_NOTE"
		row_e2e 'loopguard, TCP, no_reply "always"' "$t-lgnr"
		row_e2e "rspamd ratelimit only, TCP" "$t-rsprl"
		row_e2e "rspamd default modules, TCP" "$t-rspdef"
		echo "   null/none = $(ratio "$t-null" "$t-none"), loopguard/none = $(ratio "$t-lg" "$t-none") per run $(ratio_range "$t-lg" "$t-none"), loopguard/null = $(ratio "$t-lg" "$t-null")"
		[ -z "${R[$t-lgu]:-}" ] ||
			echo "   on unix sockets: null/none = $(ratio "$t-nullu" "$t-none"), loopguard/none = $(ratio "$t-lgu" "$t-none") per run $(ratio_range "$t-lgu" "$t-none"), loopguard/null = $(ratio "$t-lgu" "$t-nullu")"
		[ -z "${R[$t-lgall]:-}" ] ||
			echo "   loopguard with all plugins and DKIM/none = $(ratio "$t-lgall" "$t-none") per run $(ratio_range "$t-lgall" "$t-none")"
		[ -z "${R[$t-nullE]:-}" ] ||
			echo "   null -E/none = $(ratio "$t-nullE" "$t-none") (only end of message: what the round trips before it cost)"
		[ -z "${R[$t-nullN]:-}" ] ||
			echo "   null -N/none = $(ratio "$t-nullN" "$t-none") (no replies before end of message)"
		[ -z "${R[$t-lgnr]:-}" ] ||
			echo "   loopguard TCP no_reply \"always\"/none = $(ratio "$t-lgnr" "$t-none"), its p99 added $(med $(diffs "$t-lgnr" "$t-none")) ms (delayed-ACK stall: >= 40)"
		[ -z "${R[$t-rsprl]:-}" ] ||
			echo "   rspamd ratelimit only/none = $(ratio "$t-rsprl" "$t-none"), rspamd default modules/none = $(ratio "$t-rspdef" "$t-none"); lost here: rspamd's own verdicts"
		for r in "${!PROBE_FAIL[@]}"; do
			case $r in "$t"-*) echo "   latency probe of $r: ${PROBE_FAIL[$r]} transactions not answered 250" ;; esac
		done
		if [ "$t" = pf ] && [ -s "$work/stall.out" ]; then
			echo
			echo "3b. The delayed-ACK stall, alone: bench/stall.sh, one SMTP session through Postfix"
			echo "   per variant and nothing else on the MTA (what the load of part 3 hides)"
			sed 's/^/   /' "$work/stall.out"
		fi
	done
	report_rspamd
	report_rss
	report_targets
	if [ -n "${PF_NULL_HDR:-}" ] && [ "$PF_NULL_HDR" -lt "$E2E_MSGS" ]; then
		echo
		echo "warning: only $PF_NULL_HDR of the last Postfix null-milter run's messages carry X-Null-Milter"
	fi
	return 0
}

# report_rspamd - part 5: rspamd direct, against loopguard
report_rspamd() {
	[ -n "${R[rsp-rl]:-}" ] || return 0
	echo
	echo "5. rspamd ${RSPAMD_VERSION:-?} (Debian's package), privately in milter mode: one proxy worker"
	echo "   scanning itself (self_scan, $(nproc) processes) on 127.0.0.1; its resolver $RSPAMD_DNS:"
	echo "   $RSPAMD_DNS_MODE; no lookup leaves the machine."
	echo "   \"ratelimit only\": no rules, the ratelimit module on a private redis-server (two"
	echo "   buckets per message, never full);"
	echo "   \"default modules\": the package's configuration as shipped (no Redis configured)."
	echo "   Direct: miltergen -c 16 -m $RSPAMD_MSGS (the load of part 1, fewer messages), in part 1's rounds"
	printf '   %-28s %7s  %-13s %7s %7s %10s %9s\n' milter msg/s '(min-max)' \
		'p50 ms' 'p99 ms' 'CPU ms/msg' failures
	row_direct "rspamd ratelimit only" rsp-rl
	row_direct "rspamd default modules" rsp-def
	row_direct "loopguard all plugins" lg-all
	echo "   loopguard all plugins/rspamd ratelimit only = $(ratio lg-all rsp-rl), per run $(ratio_range lg-all rsp-rl)"
	echo "   loopguard all plugins/rspamd default modules = $(ratio lg-all rsp-def), per run $(ratio_range lg-all rsp-def)"
	echo "   (failures: rspamd's tempfail and reject verdicts included)"
}

# report_rss - VmRSS of loopguard and rspamd, idle and after the load
report_rss() {
	local k
	echo
	echo "6. Memory: VmRSS in MiB, idle (after start, before any load) and after the load"
	echo "   (rspamd: all its processes summed)"
	for k in lg-inet lg-unix lg-all rsp-rl rsp-def; do
		[ -n "${RSS_IDLE[$k]:-}" ] || continue
		printf '   %-34s idle %7s   after load %7s\n' "$(rss_label "$k")" \
			"$(mib "${RSS_IDLE[$k]}")" "$(mib "${RSS_LOAD[$k]:-0}")"
	done
}

# rss_label KEY - a row name for the RSS block
rss_label() {
	case $1 in
	lg-inet) echo "loopguard, TCP" ;;
	lg-unix) echo "loopguard, unix" ;;
	lg-all) echo "loopguard all plugins, TCP" ;;
	rsp-rl) echo "rspamd ratelimit only" ;;
	rsp-def) echo "rspamd default modules" ;;
	esac
}

# report_targets - every target of the milter, PASS or MISS with its range
report_targets() {
	local r v k lg_idle=0 lg_load=0 rsp=0
	echo
	echo "Targets (the median of the per-run ratios; range: per-run min-max)"
	printf '   %-56s %8s  %-15s %s\n' target value range verdict
	if [ -n "${R[pf-lgu]:-}" ]; then
		r=$(ratio pf-lgu pf-none)
		target "Postfix, unix socket: loopguard/none >= 0.85" "$r" "$(ratio_range pf-lgu pf-none)" "$(verdict "$r" 0.85)"
		r=$(ratio pf-lgu pf-nullu)
		target "Postfix, unix socket: loopguard/null >= 1.15" "$r" "$(ratio_range pf-lgu pf-nullu)" "$(verdict "$r" 1.15)"
	fi
	if [ -n "${R[pf-lg]:-}" ]; then
		r=$(ratio pf-lg pf-none)
		target "Postfix, TCP: loopguard/none >= 0.80" "$r" "$(ratio_range pf-lg pf-none)" "$(verdict "$r" 0.80)"
		v=$(printf '%.1f' "$(med $(diffs pf-lg pf-none))")
		target "Postfix, TCP: p99 added per message < 40 ms" "$v" "$(range $(diffs pf-lg pf-none))" \
			"$(awk -v v="$v" 'BEGIN {print (v + 0 < 40) ? "PASS" : "MISS"}')"
	fi
	if [ -s "$work/stall.out" ]; then
		v=$(awk '/^no milter/ { n = $(NF - 1) } /^loopguard, TCP, every step answered/ { t = $(NF - 1) }
			END { printf "%.1f", t - n }' "$work/stall.out")
		target "Postfix, TCP, one session: p99 added < 40 ms (no stall)" "$v" "-" \
			"$(awk -v v="$v" 'BEGIN {print (v + 0 < 40) ? "PASS" : "MISS"}')"
	fi
	if [ -n "${R[sm-lg]:-}" ]; then
		r=$(ratio sm-lg sm-none)
		target "Sendmail: loopguard/none >= 0.90" "$r" "$(ratio_range sm-lg sm-none)" "$(verdict "$r" 0.90)"
	fi
	r=$(ratio lg-all null-inet)
	target "Direct: loopguard (all five plugins, DKIM)/null >= 1.0" "$r" "$(ratio_range lg-all null-inet)" "$(verdict "$r" 1.0)"
	for k in pf-lg pf-lgu; do
		[ -n "${C[$k]:-}" ] || continue
		v=$(med ${C[$k]})
		target "Postfix: CPU ms per message <= 0.4 ($([ "$k" = pf-lg ] && echo "loopguard, TCP" || echo "loopguard, unix"))" \
			"$v" "$(range ${C[$k]})" "$(verdict_le "$v" 0.4)"
	done
	for k in lg-inet lg-unix lg-all; do
		[ "${RSS_IDLE[$k]:-0}" -gt "$lg_idle" ] && lg_idle=${RSS_IDLE[$k]}
		[ "${RSS_LOAD[$k]:-0}" -gt "$lg_load" ] && lg_load=${RSS_LOAD[$k]}
	done
	target "Idle RSS <= 20 MiB (the largest loopguard)" "$(mib "$lg_idle")" "-" "$(verdict_le "$(mib "$lg_idle")" 20)"
	if [ -n "${R[rsp-rl]:-}" ]; then
		r=$(ratio lg-all rsp-rl)
		target "Direct: loopguard/rspamd ratelimit only >= 2.5" "$r" "$(ratio_range lg-all rsp-rl)" "$(verdict "$r" 2.5)"
		r=$(ratio lg-all rsp-def)
		target "Direct: loopguard/rspamd default modules >= 8" "$r" "$(ratio_range lg-all rsp-def)" "$(verdict "$r" 8)"
		rsp=${RSS_LOAD[rsp-rl]:-0}
		[ "${RSS_LOAD[rsp-def]:-0}" -lt "$rsp" ] && rsp=${RSS_LOAD[rsp-def]}
		v=$(awk -v a="$lg_load" -v b="$rsp" 'BEGIN {printf "%.3f", b ? a / b : 0}')
		target "RSS after load: loopguard/rspamd (the smaller) <= 0.10" "$v" \
			"$(mib "$lg_load")/$(mib "$rsp") MiB" "$(verdict_le "$v" 0.10)"
	else
		echo "   (rspamd targets not measured: part 5 was left out)"
	fi
}
