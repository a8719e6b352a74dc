# t/lib/sentinel.sh - a private Redis Sentinel setup for tests (sourced)
#
# SYNOPSIS
#	. t/lib/sentinel.sh
#	sn_start DIR || exit 1	# master, replica, 3 sentinels, all in DIR
#	sn_sentinels		# "127.0.0.1:P1", ... one a line
#	sn_master_port		# the port the sentinels name now
#	sn_wait_synced 10	# the replica has what the master had
#	sn_kill_master		# SIGKILL the master by its PID: SN_KILLED
#	sn_wait_failover $SN_KILLED 30	# until they name another port
#	sn_stop			# stop everything started, by PID
#
# DESCRIPTION
#	Starts a redis-server master and one replica, and three
#	redis-sentinel processes monitoring the master as "$SN_NAME"
#	(default lgmaster) with a quorum of 2, all on 127.0.0.1 TCP ports
#	(Sentinel names masters by address, so no unix sockets here),
#	persistence off, logs and configs in DIR. Ports are drawn at random
#	from 20000-32000, skipping ones that something listens on; a
#	server that still cannot bind says so and sn_start fails.
#	Failover is fast: down-after-milliseconds 1000, failover-timeout
#	5000. sn_start returns when every sentinel sees the master, the
#	replica and the two other sentinels (SENTINEL CKQUORUM).
#
#	Sets SN_DIR, SN_NAME, SN_MASTER_PORT (the first master),
#	SN_REPLICA_PORT, SN_SENTINEL_PORTS (an array), SN_PIDS (port ->
#	PID, an associative array). Needs redis-server, redis-sentinel
#	(or redis-server --sentinel), redis-cli and ss.
# DIAGNOSTICS
#	"sentinel.sh: ..." on stderr, with the tail of the log concerned.

SN_NAME=${SN_NAME:-lgmaster}
SN_DIR=
SN_MASTER_PORT= SN_REPLICA_PORT=
SN_SENTINEL_PORTS=()
declare -A SN_PIDS=()
SN_TAKEN=" "

# sn_say - a diagnostic on stderr
sn_say() { echo "sentinel.sh: $*" >&2; }

# sn_missing - why the setup cannot run here, or nothing
sn_missing() {
	local c
	for c in redis-server redis-cli ss; do
		command -v "$c" >/dev/null || { echo "$c is not installed"; return; }
	done
	return 0
}

# sn_port VAR - a port in 20000-32000 nothing listens on, not given before
sn_port() {
	local p i
	for ((i = 0; i < 200; i++)); do
		p=$((20000 + (RANDOM * 32768 + RANDOM) % 12001))
		case $SN_TAKEN in *" $p "*) continue ;; esac
		[ -n "$(ss -Hltn "sport = :$p" 2>/dev/null)" ] && continue
		SN_TAKEN="$SN_TAKEN$p "
		printf -v "$1" '%s' "$p"
		return 0
	done
	sn_say "no free port in 20000-32000"
	return 1
}

# sn_cli PORT ARGS... - redis-cli to 127.0.0.1:PORT, 2 s at most
sn_cli() {
	local port=$1
	shift
	timeout 2 redis-cli -h 127.0.0.1 -p "$port" "$@" 2>/dev/null
}

# sn_wait_up PORT LOG - until PORT answers PING (10 s), else say why
sn_wait_up() {
	local i
	for ((i = 0; i < 200; i++)); do
		[ "$(sn_cli "$1" ping)" = PONG ] && return 0
		kill -0 "${SN_PIDS[$1]}" 2>/dev/null || break
		sleep 0.05
	done
	if grep -q "Address already in use" "$2" 2>/dev/null; then
		sn_say "port $1 is busy (taken after it was chosen); try again"
	else
		sn_say "nothing answers on port $1; the end of $2:"
		tail -n 5 "$2" >&2
	fi
	return 1
}

# sn_redis PORT NAME [ARGS...] - a redis-server on 127.0.0.1:PORT
sn_redis() {
	local port=$1 name=$2
	shift 2
	redis-server --port "$port" --bind 127.0.0.1 --save '' \
		--appendonly no --dir "$SN_DIR" --daemonize no \
		--logfile "$SN_DIR/$name.log" "$@" &
	SN_PIDS[$port]=$!
	sn_wait_up "$port" "$SN_DIR/$name.log"
}

# sn_sentinel PORT N - a sentinel on 127.0.0.1:PORT watching the master
sn_sentinel() {
	local port=$1 conf=$SN_DIR/sentinel$2.conf
	cat > "$conf" <<EOF
port $port
bind 127.0.0.1
daemonize no
dir $SN_DIR
logfile $SN_DIR/sentinel$2.log
sentinel monitor $SN_NAME 127.0.0.1 $SN_MASTER_PORT 2
sentinel down-after-milliseconds $SN_NAME 1000
sentinel failover-timeout $SN_NAME 5000
sentinel parallel-syncs $SN_NAME 1
EOF
	if command -v redis-sentinel >/dev/null; then
		redis-sentinel "$conf" &
	else
		redis-server "$conf" --sentinel &
	fi
	SN_PIDS[$port]=$!
	sn_wait_up "$port" "$SN_DIR/sentinel$2.log"
}

# sn_ready - every sentinel sees the replica and reaches its quorum
sn_ready() {
	local p
	for p in "${SN_SENTINEL_PORTS[@]}"; do
		sn_cli "$p" sentinel ckquorum "$SN_NAME" | grep -q '^OK 3 ' ||
			return 1
		sn_cli "$p" sentinel replicas "$SN_NAME" |
			grep -qx "$SN_REPLICA_PORT" || return 1
	done
}

# sn_start DIR - the whole setup; 0 when ready (60 s at most)
sn_start() {
	local i
	SN_DIR=$1
	sn_port SN_MASTER_PORT && sn_port SN_REPLICA_PORT || return 1
	sn_redis "$SN_MASTER_PORT" master || return 1
	sn_redis "$SN_REPLICA_PORT" replica \
		--replicaof 127.0.0.1 "$SN_MASTER_PORT" || return 1
	for i in 1 2 3; do
		sn_port "SN_SENTINEL_PORTS[$((i - 1))]" || return 1
		sn_sentinel "${SN_SENTINEL_PORTS[$((i - 1))]}" "$i" || return 1
	done
	for ((i = 0; i < 600; i++)); do
		sn_ready && return 0
		sleep 0.1
	done
	sn_say "the sentinels did not see master $SN_MASTER_PORT, replica" \
		"$SN_REPLICA_PORT and each other within 60 s:"
	tail -n 5 "$SN_DIR"/sentinel*.log >&2
	return 1
}

# sn_sentinels - the sentinels' addresses, one a line
sn_sentinels() {
	local p
	for p in "${SN_SENTINEL_PORTS[@]}"; do echo "127.0.0.1:$p"; done
}

# sn_master_port - the master's port as the first sentinel that answers
# names it (empty if none answers)
sn_master_port() {
	local p out
	for p in "${SN_SENTINEL_PORTS[@]}"; do
		out=$(sn_cli "$p" sentinel get-master-addr-by-name "$SN_NAME" |
			sed -n 2p)
		[ -n "$out" ] && { echo "$out"; return 0; }
	done
	return 1
}

# sn_offset PORT FIELD - a number from INFO replication
sn_offset() {
	sn_cli "$1" info replication | tr -d '\r' | sed -n "s/^$2://p"
}

# sn_wait_synced SECS - until the replica holds what the master held when
# asked (its offset reached the master's); 1 on time out
sn_wait_synced() {
	local i m r secs=${1:-10} master replica
	master=$(sn_master_port) || return 1
	replica=$SN_REPLICA_PORT
	[ "$master" = "$SN_REPLICA_PORT" ] && replica=$SN_MASTER_PORT
	for ((i = 0; i < secs * 10; i++)); do
		m=$(sn_offset "$master" master_repl_offset)
		r=$(sn_offset "$replica" slave_repl_offset)
		[ -n "$m" ] && [ -n "$r" ] && [ "$r" -ge "$m" ] && return 0
		sleep 0.1
	done
	sn_say "replica $replica did not reach master $master's offset" \
		"($r < $m) in $secs s"
	return 1
}

# sn_kill_master - SIGKILL the process of the port the sentinels name;
# sets SN_KILLED to that port (not in a subshell: it reaps the PID)
sn_kill_master() {
	local port
	port=$(sn_master_port) || { sn_say "no sentinel names a master"; return 1; }
	[ -n "${SN_PIDS[$port]:-}" ] || { sn_say "no PID for port $port"; return 1; }
	kill -KILL "${SN_PIDS[$port]}"
	wait "${SN_PIDS[$port]}" 2>/dev/null
	unset "SN_PIDS[$port]"
	SN_KILLED=$port
}

# sn_wait_failover OLD SECS - until every sentinel names a master other
# than port OLD; 1 on time out
sn_wait_failover() {
	local old=$1 secs=${2:-30} i p out all
	for ((i = 0; i < secs * 10; i++)); do
		all=1
		for p in "${SN_SENTINEL_PORTS[@]}"; do
			out=$(sn_cli "$p" sentinel get-master-addr-by-name \
				"$SN_NAME" | sed -n 2p)
			[ -n "$out" ] && [ "$out" != "$old" ] || all=0
		done
		[ "$all" = 1 ] && return 0
		sleep 0.1
	done
	sn_say "no failover away from port $old within $secs s"
	return 1
}

# sn_stop - SIGTERM everything started, SIGKILL what is left after 5 s
sn_stop() {
	local p i left
	for p in "${SN_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	for ((i = 0; i < 100; i++)); do
		left=0
		for p in "${SN_PIDS[@]}"; do kill -0 "$p" 2>/dev/null && left=1; done
		[ "$left" = 0 ] && break
		sleep 0.05
	done
	for p in "${SN_PIDS[@]}"; do
		kill -KILL "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	SN_PIDS=()
	return 0
}
