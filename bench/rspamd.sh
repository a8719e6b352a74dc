# bench/rspamd.sh - a private rspamd in milter mode for bench/run (sourced)
# shellcheck shell=bash
#
# SYNOPSIS
#	. bench/rspamd.sh	(after t/lib/mta.sh, for lg_* helpers)
#	rspamd_dns_start			-> sets RSPAMD_DNS
#	rspamd_start DIR VARIANT PORT [REDIS]	-> sets RSPAMD_PID
#	rspamd_wait DIR PORT PID
#	rspamd_pids PID		the main process and its workers
#	rspamd_stop PID
#
# DESCRIPTION
#	Debian's rspamd, run with its own configuration folder DIR (local.d,
#	database, run and log folders all under DIR), as _rspamd, in the
#	foreground of a background job. Only one worker: the proxy, in
#	milter mode on 127.0.0.1:PORT, scanning messages itself
#	(self_scan), with as many processes as the machine has CPUs. Its
#	resolver is RSPAMD_DNS, on loopback, so no lookup leaves the
#	machine: rspamd_dns_start runs bench/dns_nx.py on a free port
#	(every query answered NXDOMAIN at once, as a blocklist answers for
#	an address it does not list); with BENCH_RSPAMD_DNS=silent it is
#	127.0.0.1:53 when nothing listens there (else a free port), where
#	nothing answers and every lookup waits out rspamd's timeout (1 s,
#	one retry).
#
#	VARIANT "ratelimit": no rules and only two modules, redis and
#	ratelimit, on the redis-server REDIS (host:port), with two buckets
#	(per recipient and per recipient/client/sender) too large to ever
#	limit: every message is counted in Redis. VARIANT "default":
#	the package's common.conf, every module and rule as shipped
#	(Redis is not configured there, so the modules that need it stay
#	off).
#
#	Everything is recorded in RSPAMD_STARTED and stopped by PID.
#
# DIAGNOSTICS
#	rspamd_wait returns 1 with the log on stderr when the proxy does
#	not listen within 300 s.

RSPAMD_STARTED=()

# rspamd_dns - a resolver address on loopback where nothing answers
rspamd_dns() {
	local sport
	if ! ss -Hlnu 2>/dev/null | awk '{print $4}' |
		grep -qE '^(127\.0\.0\.1|0\.0\.0\.0|\*|\[::\]):53$'; then
		echo "127.0.0.1:53"
		return 0
	fi
	lg_pick_port sport
	echo "127.0.0.1:$sport"
}

# rspamd_dns_start - the resolver for rspamd: dns_nx.py, or nothing
#	(BENCH_RSPAMD_DNS=silent); its PID goes to RSPAMD_STARTED
rspamd_dns_start() {
	local dnsport i
	if [ "${BENCH_RSPAMD_DNS:-nx}" = silent ]; then
		RSPAMD_DNS=$(rspamd_dns)
		RSPAMD_DNS_MODE="nothing answers there"
		return 0
	fi
	for ((i = 0; i < 50; i++)); do
		lg_pick_port dnsport
		ss -Hlnu "sport = :$dnsport" 2>/dev/null | grep -q . || break
	done
	python3 "$top/bench/dns_nx.py" "$dnsport" </dev/null >"$work/dns_nx.log" 2>&1 &
	RSPAMD_STARTED+=("$!")
	for ((i = 0; i < 100; i++)); do
		ss -Hlnu "sport = :$dnsport" 2>/dev/null | grep -q . && break
		sleep 0.05
	done
	RSPAMD_DNS=127.0.0.1:$dnsport
	RSPAMD_DNS_MODE="bench/dns_nx.py answers every query NXDOMAIN at once"
}

# rspamd_start - configure and start one private rspamd (not waiting:
#	rspamd_wait)
rspamd_start() {
	local dir=$1 variant=$2 port=$3 redis=${4:-} dns=$RSPAMD_DNS
	mkdir -p "$dir/local.d" "$dir/db" "$dir/run" "$dir/log"
	cat >"$dir/local.d/options.inc" <<EOC
dns {
  nameserver = [ "$dns" ];
  timeout = 1s;
  retransmits = 1;
}
EOC
	{
		echo "# written by bench/rspamd.sh: variant $variant"
		if [ "$variant" = default ]; then
			echo '.include "$CONFDIR/common.conf"'
		else
			cat <<'EOC'
modules {
  path = "${PLUGINSDIR}";
  fallback_path = "${SHAREDIR}/lua";
}
.include "$CONFDIR/modules.d/redis.conf"
.include "$CONFDIR/modules.d/ratelimit.conf"
EOC
			printf 'servers = "%s";\n' "$redis" >"$dir/local.d/redis.conf"
			cat >"$dir/local.d/ratelimit.conf" <<'EOC'
rates {
  to = { bucket = { burst = 1000000000; rate = "1000000 / 1s"; } }
  to_ip_from = { bucket = { burst = 1000000000; rate = "1000000 / 1s"; } }
}
EOC
		fi
		cat <<EOC
options {
  pidfile = "\$RUNDIR/rspamd.pid";
  .include "\$CONFDIR/options.inc"
  .include(priority=1,duplicate=merge) "\$LOCAL_CONFDIR/local.d/options.inc"
}
logging {
  type = "file";
  filename = "\$LOGDIR/rspamd.log";
  level = "warning";
}
worker "rspamd_proxy" {
  bind_socket = "127.0.0.1:$port";
  milter = yes;
  timeout = 120s;
  count = $(nproc);
  upstream "local" {
    default = yes;
    self_scan = yes;
  }
}
EOC
	} >"$dir/rspamd.conf"
	chown -R _rspamd:_rspamd "$dir"
	rspamd -f -u _rspamd -g _rspamd -c "$dir/rspamd.conf" \
		--var="LOCAL_CONFDIR=$dir" --var="DBDIR=$dir/db" \
		--var="RUNDIR=$dir/run" --var="LOGDIR=$dir/log" \
		</dev/null >"$dir/rspamd.out" 2>&1 &
	RSPAMD_PID=$!
	RSPAMD_STARTED+=("$RSPAMD_PID")
}

# rspamd_wait DIR PORT PID - wait (at most 300 s) until rspamd PID
#	listens on PORT; 1 with its log on stderr when it does not
rspamd_wait() {
	local dir=$1 port=$2 pid=$3 i
	for ((i = 0; i < 3000; i++)); do
		lg_port_listening "$port" && return 0
		lg_alive "$pid" || break
		sleep 0.1
	done
	cat "$dir/rspamd.out" >&2
	tail -n 20 "$dir/log/rspamd.log" >&2 2>/dev/null
	return 1
}

# rspamd_pids - PID and the PIDs of its children
rspamd_pids() {
	echo "$1"
	ps -o pid= --ppid "$1" 2>/dev/null | tr -d ' '
}

# rspamd_stop - the main process (it stops its workers), then any
#	worker left
rspamd_stop() {
	local pid=$1 kids k i
	kids=$(ps -o pid= --ppid "$pid" 2>/dev/null | tr -d ' ' || true)
	lg_kill_pid "$pid"
	# the workers are rspamd's children, not ours: no wait for them
	for k in $kids; do
		lg_alive "$k" || continue
		kill -TERM "$k" 2>/dev/null || true
		for ((i = 0; i < 50; i++)); do lg_alive "$k" || break; sleep 0.1; done
		lg_alive "$k" && kill -KILL "$k" 2>/dev/null
	done
	return 0
}

# rspamd_stop_all - every rspamd started here
rspamd_stop_all() {
	local p
	for p in "${RSPAMD_STARTED[@]}"; do rspamd_stop "$p"; done
	RSPAMD_STARTED=()
}

# rspamd_settle PID - wait (at most 120 s) until rspamd's processes have
#	used no CPU for 2 s: its start compiles rules in the background
rspamd_settle() {
	local pid=$1 last=-1 now still=0 i
	for ((i = 0; i < 120; i++)); do
		now=$(for p in $(rspamd_pids "$pid"); do cat "/proc/$p/stat" 2>/dev/null; done |
			awk '{s += $14 + $15} END {print s + 0}')
		if [ "$now" -eq "$last" ]; then
			still=$((still + 1))
			[ "$still" -ge 2 ] && return 0
		else
			still=0
		fi
		last=$now
		sleep 1
	done
}
