# bench/e2e.sh - parts 3 and 4 of bench/run: end to end through Postfix and Sendmail (sourced)
# shellcheck shell=bash
#
# SYNOPSIS
#	e2e KEY PORT SINK N PIDS [PROBE]
#	postfix_part
#	sendmail_part
#
# DESCRIPTION
#	Uses bench/run's settings, milters and helpers (record, note,
#	cpu_ticks, bench/mta.sh). e2e is one run of N messages through
#	the MTA on PORT into the sink SINK, with the CPU time of the
#	milter's processes PIDS (empty: no milter) per delivered message;
#	with PROBE set, bench/latency_probe.py runs beside it on one more
#	SMTP session and its p50 and p99 (ms per transaction) are
#	recorded with the rate. postfix_part starts one private Postfix
#	per variant (each with its own sink) and runs them interleaved,
#	BENCH_RUNS rounds; sendmail_part does the same with Sendmail.

# e2e KEY PORT SINK N PIDS [PROBE] - one end-to-end run
e2e() {
	local key=$1 port=$2 sink=$3 n=$4 pid=$5 probe=${6:-} c0=0 c1=0 res rate got cpu
	local ppid p50=0 p99=0 pout
	# shellcheck disable=SC2086
	[ -n "$pid" ] && c0=$(cpu_ticks $pid)
	if [ -n "$probe" ]; then
		rm -f "$sink.probe-stop"
		python3 "$top/bench/latency_probe.py" "$port" "$sink.probe-stop" \
			"$sink.probe.times" >"$sink.probe.out" 2>&1 &
		ppid=$!
	fi
	res=$(bench_e2e_run "$port" "$sink" "$n")
	if [ -n "$probe" ]; then
		: >"$sink.probe-stop"
		wait "$ppid" || true
		pout=$(cat "$sink.probe.out")
		p50=$(sed -n 's/.* p50=\([0-9.]*\).*/\1/p' <<<"$pout")
		p99=$(sed -n 's/.* p99=\([0-9.]*\).*/\1/p' <<<"$pout")
		[ -n "$p99" ] || { note "$key: latency probe: $pout"; p50=0 p99=0; }
		PROBE_N[$key]="${PROBE_N[$key]:-} $(sed -n 's/^sent=\([0-9]*\).*/\1/p' <<<"$pout")"
		grep -q '^fail' "$sink.probe.times" &&
			PROBE_FAIL[$key]=$(( ${PROBE_FAIL[$key]:-0} + $(grep -c '^fail' "$sink.probe.times") ))
	fi
	# shellcheck disable=SC2086
	[ -n "$pid" ] && c1=$(cpu_ticks $pid)
	read -r rate _ got <<<"$res"
	cpu=$(awk -v d=$((c1 - c0)) -v hz="$HZ" -v n="$got" 'BEGIN {printf "%.3f", n ? d * 1000 / hz / n : 0}')
	[ -n "$pid" ] || cpu=-
	record "$key" "$rate" "$p50" "$p99" $((n - got)) "$cpu"
	note "$key: $got/$n delivered, $rate msg/s${probe:+, probe p50 $p50 ms p99 $p99 ms}"
	[ "$got" -eq "$n" ] || {
		# rspamd's own verdicts (reject, tempfail) are its business
		case $key in *-rsp*) ;; *) LOST=1 ;; esac
		note "$key: LOST $((n - got)) messages (logs in $sink*)"
	}
}
declare -A PROBE_N PROBE_FAIL

# perf_e2e - system-wide CPU per message and process name during one
#	Postfix run per variant (no milter, null milter, loopguard)
perf_e2e() {
	local v pid
	note "perf: system-wide profile of one Postfix run per variant"
	for v in none null lg; do
		perf record -a -F 499 -o "$work/pf-$v.perf" >"$work/perf.log" 2>&1 &
		pid=$!
		sleep 0.5
		bench_e2e_run "${PPORT[$v]}" "$work/pf-$v-sink" "$E2E_MSGS" >/dev/null
		kill -INT "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		perf report -i "$work/pf-$v.perf" --stdio --sort comm -n 2>/dev/null |
			awk -v n="$E2E_MSGS" '/%/ {printf "%s %.3f\n", $3, $2 / 499 * 1000 / n}' \
			>"$work/pf-$v.comm"
	done
	{
		echo
		echo "# Postfix end to end, $E2E_MSGS messages: CPU ms per message by process"
		echo "# (perf record -a -F 499; other jobs on the machine are left out)"
		printf '%-16s %8s %8s %10s\n' process none null loopguard
		for v in smtp-source smtpd cleanup qmgr trivial-rewrite smtp \
			smtp-sink master postlogd nullmilter loopguard; do
			printf '%-16s %8s %8s %10s\n' "$v" \
				"$(awk -v p="$v" '$1 == p {print $2}' "$work/pf-none.comm")" \
				"$(awk -v p="$v" '$1 == p {print $2}' "$work/pf-null.comm")" \
				"$(awk -v p="$v" '$1 == p {print $2}' "$work/pf-lg.comm")"
		done
	} >>"$top/bench/perf-latest.txt"
}


# pf_milter VARIANT - the Postfix milter address of a variant, and the
#	PIDs of its processes in PF_PIDS (empty for none)
pf_milter() {
	PF_PIDS=
	case $1 in
	none) PF_M= ;;
	null) PF_M=inet:127.0.0.1:$NULL_PORT PF_PIDS=$NULL_INET_PID ;;
	nullu) PF_M=unix:$work/null.sock PF_PIDS=$NULL_UNIX_PID ;;
	nullE) PF_M=unix:$work/nullE.sock PF_PIDS=$NULL_E_PID ;;
	nullN) PF_M=unix:$work/nullN.sock PF_PIDS=$NULL_N_PID ;;
	lg) PF_M=inet:127.0.0.1:$LG_PORT PF_PIDS=$LG_INET_PID ;;
	lgu) PF_M=unix:$work/lg.sock PF_PIDS=$LG_UNIX_PID ;;
	lgall) PF_M=inet:127.0.0.1:$LGA_PORT PF_PIDS=$LG_ALL_PID ;;
	lgnr) PF_M=inet:127.0.0.1:$LGN_PORT PF_PIDS=$LG_NR_PID ;;
	rsprl) PF_M=inet:127.0.0.1:${RSP_PORT[rl]} PF_PIDS=${RSP_PIDS[rl]} ;;
	rspdef) PF_M=inet:127.0.0.1:${RSP_PORT[def]} PF_PIDS=${RSP_PIDS[def]} ;;
	esac
}

# postfix_part - part 3: every variant through its own Postfix, the
#	variants interleaved in each round, a latency probe beside each run
postfix_part() {
	local v sp r
	PF_VERSION=$(postconf -d -h mail_version 2>/dev/null || echo '?')
	declare -gA PPORT
	PF_VARIANTS="none null nullu nullE lg lgu lgall"
	[ -z "${LG_NR_PID:-}" ] || PF_VARIANTS="$PF_VARIANTS lgnr"
	[ "$DO_RSPAMD" -eq 0 ] || PF_VARIANTS="$PF_VARIANTS rsprl rspdef"
	if [ "$DO_RT" -eq 1 ]; then
		PF_VARIANTS="$PF_VARIANTS nullN"
		start_milter "unix:$work/nullN.sock" "$work/null-N.log" "$NULLM" -N -p "unix:$work/nullN.sock"
		NULL_N_PID=${MILTER_PIDS[-1]}
	fi
	for v in $PF_VARIANTS; do
		lg_pick_port "PPORT[$v]"
		lg_pick_port sp
		bench_sink_start "$work/pf-$v-sink" "$sp"
		pf_milter "$v"
		bench_postfix_start "$work/pf-$v" "${PPORT[$v]}" "$sp" "$PF_M" ||
			lg_die "Postfix ($v) did not start"
	done
	note "postfix: $E2E_MSGS messages per run, $RUNS runs: $PF_VARIANTS"
	for v in $PF_VARIANTS; do	# warm-up: every Postfix and milter once
		bench_e2e_run "${PPORT[$v]}" "$work/pf-$v-sink" 20 >/dev/null
	done
	for ((r = 1; r <= RUNS; r++)); do
		for v in $PF_VARIANTS; do
			pf_milter "$v"
			e2e "pf-$v" "${PPORT[$v]}" "$work/pf-$v-sink" "$E2E_MSGS" "$PF_PIDS" probe
		done
	done
	PF_NULL_HDR=$(grep -l '^X-Null-Milter: yes' "$work"/pf-null-sink/* 2>/dev/null | wc -l)
	[ "$DO_PERF" -eq 0 ] || perf_e2e
	bench_stop_all
}

# sendmail_part - part 4: the same through Sendmail, milters on unix sockets
sendmail_part() {
	local v sp r m pids
	declare -gA SPORT
	SM_VARIANTS="none null lg lgall"
	for v in $SM_VARIANTS; do
		lg_pick_port "SPORT[$v]"
		lg_pick_port sp
		bench_sink_start "$work/sm-$v-sink" "$sp"
		case $v in
		none) m= ;;
		null) m=$work/null.sock ;;
		lg) m=$work/lg.sock ;;
		lgall) m=$work/lga.sock ;;
		esac
		bench_sendmail_start "$work/sm-$v" "${SPORT[$v]}" "$sp" "$m" ||
			lg_die "Sendmail ($v) did not start"
	done
	SM_VERSION=$(bench_sendmail_exec "$work/sm-none" -d0.1 -bt </dev/null 2>/dev/null |
		sed -n 's/^Version //p' | head -n 1)
	note "sendmail: $SM_MSGS messages per run, $RUNS runs: $SM_VARIANTS"
	for v in $SM_VARIANTS; do
		bench_e2e_run "${SPORT[$v]}" "$work/sm-$v-sink" 20 >/dev/null	# warm-up
	done
	for ((r = 1; r <= RUNS; r++)); do
		for v in $SM_VARIANTS; do
			case $v in
			none) pids= ;;
			null) pids=$NULL_UNIX_PID ;;
			lg) pids=$LG_UNIX_PID ;;
			lgall) pids=$LG_ALLU_PID ;;
			esac
			e2e "sm-$v" "${SPORT[$v]}" "$work/sm-$v-sink" "$SM_MSGS" "$pids"
		done
	done
	bench_stop_all
}
