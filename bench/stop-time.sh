#!/usr/bin/env bash
# bench/stop-time.sh - how long an idle loopguard takes to stop
#
# SYNOPSIS
#	bench/stop-time.sh [-n ROUNDS] BINARY[=PLUGIN_DIR] ...
#
# DESCRIPTION
#	For each round and each BINARY in turn (interleaved, so a noisy
#	machine hurts them alike), starts "BINARY -f" with a unix socket,
#	a control socket, a pid file and a snapshot in a temporary folder,
#	waits until the socket exists and one second more, sends SIGTERM
#	and measures the time until the process has exited. Prints each
#	binary's times, sorted, and their median in milliseconds.
#	PLUGIN_DIR defaults to the plugins/.libs folder beside BINARY.
#	Default: 10 rounds.
#
# EXAMPLE
#	bench/stop-time.sh ./loopguard /tmp/old/loopguard
set -euo pipefail

rounds=10
if [ "${1:-}" = -n ]; then rounds=$2; shift 2; fi
[ $# -ge 1 ] || { echo "usage: $0 [-n ROUNDS] BINARY[=PLUGIN_DIR] ..." >&2; exit 64; }

work=$(mktemp -d /tmp/lg-stoptime-XXXXXX)
chmod 755 "$work"
trap 'rm -rf "$work"' EXIT
printf 'a@example.com\n' >"$work/rcpts"

# conf N PLUGIN_DIR - a config whose files are all in $work/N
conf() {
	mkdir -p "$work/$1"
	cat >"$work/$1/lg.conf" <<CONF
socket = "unix:$work/$1/lg.sock";
control = "unix:$work/$1/ctl.sock";
pidfile = "$work/$1/lg.pid";
plugin_dir = "$2";
local_domains = [ "example.com" ];
recipients = [ "$work/rcpts" ];
state = { snapshot = "$work/$1/snap"; };
plugins = ( { name = "catchall"; } );
CONF
}

# once N BINARY - one start, one idle second, one timed stop; prints ms
once() {
	local dir=$work/$1 pid t0 i
	"$2" -f -c "$dir/lg.conf" 2>>"$dir/log" &
	pid=$!
	for ((i = 0; i < 500; i++)); do
		[ -S "$dir/lg.sock" ] && break
		sleep 0.01
	done
	[ -S "$dir/lg.sock" ] || { echo "stop-time: $2 did not start (see below)" >&2; cat "$dir/log" >&2; exit 1; }
	sleep 1
	t0=$(date +%s%N)
	kill -TERM "$pid"
	wait "$pid" || true
	echo $((($(date +%s%N) - t0) / 1000000))
}

bins=() n=0
for arg in "$@"; do
	bin=${arg%%=*}
	plugins=$(cd "$(dirname "$bin")" && pwd)/plugins/.libs
	[ "$arg" != "$bin" ] && plugins=${arg#*=}
	conf "$n" "$plugins"
	bins+=("$bin")
	n=$((n + 1))
done
for ((r = 0; r < rounds; r++)); do
	for ((i = 0; i < n; i++)); do
		once "$i" "${bins[$i]}" >>"$work/$i/times"
	done
done
for ((i = 0; i < n; i++)); do
	sort -n "$work/$i/times" >"$work/$i/sorted"
	printf '%s: ms %s; median %s\n' "${bins[$i]}" \
		"$(tr '\n' ' ' <"$work/$i/sorted")" \
		"$(awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}' "$work/$i/sorted")"
done
