#!/usr/bin/env bash
# bench/console-load.sh - the milter's direct throughput with and without
#	loopguard-console being hammered
#
# SYNOPSIS
#	bench/console-load.sh
#
# DESCRIPTION
#	Needs a built tree (./autogen.sh && ./configure && make): the
#	daemon, loopguard-console and the plugins; chromium, chromedriver
#	and python3-selenium for the browser, curl for the scraper.
#
#	One loopguard (a copy of conf/loopguard.conf with a control socket
#	and a mailer, as bench/run's part 1 uses it) and one
#	loopguard-console on a loopback port. Each round measures the
#	direct milter throughput as bench/run's part 1 does (miltergen, 16
#	connections, 5 KB bodies, recipients 1,1/4,1/4) twice, side by
#	side in alternating order:
#	- quiet: nobody uses the console (its watch of the daemon and its
#	  chart sampler run, as they always do; the browser waits on a
#	  blank page);
#	- loaded: meanwhile headless chromium (t/console/browser.py
#	  hammer, started once for the whole run) reloads the entries
#	  page as fast as it loads (each load also opens the page's event
#	  stream and renders 100 of the tens of thousands of entries the
#	  load makes), one curl scraper fetches /metrics with the bearer
#	  token and one /api/entries?limit=100 with a session, each 4
#	  requests at a time over kept-alive connections from its own
#	  loopback address, without pause.
#	It prints each run with the daemon's CPU per message, the medians,
#	the ratio loaded/quiet of the medians and the per-round ratios,
#	the target (>= 0.95) with PASS or MISS, and how hard the console was hammered (page loads and HTTP
#	requests per second, non-200 answers, the console's CPU).
#
#	By default the milter and miltergen run on CPU 0 and the console,
#	chromium and curl on CPU 1 (taskset), in both variants, so that
#	the figure shows what the console costs the milter through the
#	daemon (control requests, the watch stream, the store's locks),
#	not the load generators' own CPU on a shared machine.
#	BENCH_CONSOLE_PIN=0 lets everything share every CPU instead.
#
#	Not part of make check. Everything listens on 127.0.0.1 or in
#	the scratch folder and is stopped by PID.
#
# ENVIRONMENT
#	BENCH_CONSOLE_LOAD: which load in the loaded runs, any of
#	"browser metrics api" (all three by default).
#	BENCH_CONSOLE_ROUNDS (5), BENCH_DIRECT_MSGS messages per
#	connection (1000), BENCH_CONSOLE_PIN (1), BENCH_SOCKET (inet, as
#	part 1, or unix), BENCH_TMPDIR (/var/tmp), BENCH_KEEP=1 keeps the
#	scratch folder.
#
# DIAGNOSTICS
#	Exit 0 when every run completed (a missed target is reported, not
#	fatal), 1 on a setup error or a failed run, 77 when chromium,
#	chromedriver, selenium or curl is missing.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/t/lib/mta.sh"
LG_NAME=console-load

ROUNDS=${BENCH_CONSOLE_ROUNDS:-5}
MSGS=${BENCH_DIRECT_MSGS:-1000}
PIN=${BENCH_CONSOLE_PIN:-1}
LOAD=" ${BENCH_CONSOLE_LOAD:-browser metrics api} "
SOCKKIND=${BENCH_SOCKET:-inet}
LOOPGUARD=${LOOPGUARD:-$top/loopguard}
CONSOLE=${LOOPGUARD_CONSOLE:-$top/loopguard-console}
PLUGIN_DIR=${PLUGIN_DIR:-$top/plugins/.libs}
PY=/usr/bin/python3
BROWSER="$PY $top/t/console/browser.py"
PASS_ADMIN=bench-admin-pw
PASS_VIEW=bench-viewer-pw

[ -x "$LOOPGUARD" ] || lg_die "$LOOPGUARD is not built (make)"
[ -x "$CONSOLE" ] || lg_die "$CONSOLE is not built (make)"
command -v curl >/dev/null || lg_skip "curl is not installed"
[ -x /usr/bin/chromium ] || lg_skip "chromium is not installed"
[ -x /usr/bin/chromedriver ] || lg_skip "chromedriver is not installed (chromium-driver)"
"$PY" -c 'import selenium' 2>/dev/null || lg_skip "python3-selenium is not installed"
if [ "$PIN" = 1 ] && [ "$(nproc)" -lt 2 ]; then
	lg_log "one CPU only: not pinning"
	PIN=0
fi

work=$(mktemp -d "${BENCH_TMPDIR:-/var/tmp}/lgconsole.XXXXXX")
chmod 0755 "$work"
PIDS=()
HAMMER=()

# cleanup - stop everything we started, by PID; keep the folder on failure
cleanup() {
	local rc=$? p
	trap - EXIT
	for p in "${HAMMER[@]}" "${PIDS[@]}"; do lg_kill_pid "$p"; done
	rm -f "$work/hammer.on" "$work/browser.on"
	if [ "$rc" -eq 0 ] && [ -z "${BENCH_KEEP:-}" ]; then
		rm -rf "$work"
	else
		echo "console-load: scratch folder kept: $work" >&2
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

note() { printf 'console-load: %s\n' "$*" >&2; }

# ON0, ON1 - the prefix that runs a command on the milter's CPU (0) or
#	the console's (1); taskset execs the command, so $! of "$ON0 CMD &"
#	is the command's own PID
ON0=() ON1=()
if [ "$PIN" = 1 ]; then
	ON0=(taskset -c 0) ON1=(taskset -c 1)
fi

# miltergen - bench/miltergen when make built it and it is newer than
#	its sources, else one built here with gcc
GEN=$top/bench/miltergen
for f in miltergen.c mg_wire.c mg_session.c mg.h; do
	[ -x "$GEN" ] && [ "$GEN" -nt "$top/bench/$f" ] || GEN=
done
if [ -z "$GEN" ]; then
	GEN=$work/miltergen
	(cd "$top/bench" && gcc -O2 -g -Wall -Wextra -pthread -o "$GEN" \
		miltergen.c mg_wire.c mg_session.c) || lg_die "cannot build miltergen"
fi

# --- the daemon: the example config, a control socket, a mailer whose
# target is down (a notice waits in the outbox, as on a real box)
lg_pick_port LG_PORT
lg_pick_port HTTP_PORT
lg_pick_port DEAD_PORT
case $SOCKKIND in
inet) MSOCK="inet:$LG_PORT@127.0.0.1" ;;
unix) MSOCK="unix:$work/lg.sock" ;;
*) lg_die "BENCH_SOCKET: inet or unix, not $SOCKKIND" ;;
esac
cp "$top/conf/recipients" "$work/"
sed -E \
	-e '/^(socket_mode|plugin_dir|pidfile|user|group|control|control_mode)[[:space:]]*=/d' \
	-e "s|^([[:space:]]*)snapshot[[:space:]]*=.*|\\1snapshot = \"$work/state.snap\";|" \
	-e "s|^socket[[:space:]]*=.*|socket = \"$MSOCK\";\\nsocket_mode = \"0666\";\\nplugin_dir = \"$PLUGIN_DIR\";\\ncontrol = \"unix:$work/ctl.sock\";|" \
	"$top/conf/loopguard.conf" >"$work/loopguard.conf"
cat >>"$work/loopguard.conf" <<CONF
mailer = { method = "smtp"; host = "127.0.0.1"; port = $DEAD_PORT;
           outbox = "$work/outbox"; retry_interval = "30s"; timeout = "5s"; };
CONF

# --- the console: its own file, two users; as root it runs as nobody,
# with the users file given to nobody's group
CN_USER=
[ "$(id -u)" = 0 ] && CN_USER=nobody
mkdir -p "$work/console"
CN_USER_LINE=
if [ -n "$CN_USER" ]; then
	chown "$CN_USER" "$work/console"
	CN_USER_LINE="user = \"$CN_USER\";"
	echo "control_group = \"$(id -gn "$CN_USER")\";" >>"$work/loopguard.conf"
fi
cat >"$work/console.conf" <<CONF
console = {
  listen = "127.0.0.1:$HTTP_PORT";
  users_file = "$work/console.users";
  state_file = "$work/console/chart";
  control = "unix:$work/ctl.sock";
  log = "stderr";
  metrics_token_file = "$work/metrics.token";
  $CN_USER_LINE
};
CONF
: >"$work/console.users"
head -c 24 /dev/urandom | base64 | tr -d '/+=' >"$work/metrics.token"
chmod 0640 "$work/console.users" "$work/metrics.token"
[ -n "$CN_USER" ] && chgrp "$(id -gn "$CN_USER")" "$work/console.users" "$work/metrics.token"
printf '%s\n' "$PASS_ADMIN" | "$CONSOLE" user add admin --role operator -c "$work/console.conf" >&2 ||
	lg_die "loopguard-console user add admin failed"
printf '%s\n' "$PASS_VIEW" | "$CONSOLE" user add viewer --role read -c "$work/console.conf" >&2 ||
	lg_die "loopguard-console user add viewer failed"
"$LOOPGUARD" -n -c "$work/loopguard.conf" >&2 || lg_die "the daemon's config does not pass loopguard -n"
"$CONSOLE" -t -c "$work/console.conf" >&2 || lg_die "the console's config does not pass loopguard-console -t"

"${ON0[@]}" "$LOOPGUARD" -f -c "$work/loopguard.conf" </dev/null >"$work/loopguard.log" 2>&1 &
PIDS+=("$!")
LG_PID=$!
lg_wait_file "$work/ctl.sock" 15 || { cat "$work/loopguard.log" >&2; lg_die "the daemon did not start"; }
"${ON1[@]}" "$CONSOLE" -f -c "$work/console.conf" </dev/null >"$work/console.log" 2>&1 &
PIDS+=("$!")
CN_PID=$!
lg_wait_port "$HTTP_PORT" 15 || { cat "$work/console.log" >&2; lg_die "the console did not listen"; }
URL=http://127.0.0.1:$HTTP_PORT

# the scrapers: one fetches /metrics with the bearer token, the other
# /api/entries?limit=100 with a session (a login once: Basic auth would
# check the password's yescrypt hash on every request)
curl -s -o /dev/null -c "$work/jar" --data-urlencode "user=viewer" \
	--data-urlencode "password=$PASS_VIEW" -d next=/ "$URL/login" ||
	lg_die "the scraper's login failed"
grep -q lg_session "$work/jar" || lg_die "the scraper's login gave no session"
scrape_cfg() {
	local i
	printf '%s\n' "$1"
	for ((i = 0; i < 100; i++)); do
		printf 'url = "%s%s"\noutput = "/dev/null"\n' "$URL" "$2"
	done
}
scrape_cfg "header = \"Authorization: Bearer $(cat "$work/metrics.token")\"" /metrics >"$work/scrape.11.cfg"
scrape_cfg "cookie = \"$work/jar\"" "/api/entries?limit=100" >"$work/scrape.12.cfg"

# scrape N - one scraper from 127.0.0.N, 4 requests at a time, while
#	hammer.on exists; the status of every answer goes to scrape.N.codes
scrape() {
	while [ -e "$work/hammer.on" ]; do
		curl -s --no-progress-meter --interface "127.0.0.$1" --parallel \
			--parallel-max 4 -K "$work/scrape.$1.cfg" -w '%{http_code}\n' \
			2>>"$work/scrape.err" || true
	done >>"$work/scrape.$1.codes"
}

# browser_start - headless chromium, logged in, waiting on a blank page
#	until hammer.on exists (one browser for the whole run: its start
#	on a busy machine takes long)
browser_start() {
	local i
	"${ON1[@]}" $BROWSER hammer --url "$URL" --user "admin:$PASS_ADMIN" \
		--during "$work/browser.on" >"$work/browser.out" 2>"$work/browser.err" &
	BROWSER_PID=$!
	PIDS+=("$BROWSER_PID")
	for ((i = 0; i < 1800; i++)); do
		grep -q '^ready' "$work/browser.out" && return 0
		lg_alive "$BROWSER_PID" || break
		sleep 0.1
	done
	lg_die "the browser did not log in: $(cat "$work/browser.out"; tail -n 5 "$work/browser.err")"
}

# hammer_start - the browser reloads, the scrapers scrape
hammer_start() {
	: >"$work/hammer.on"
	HAMMER=()
	case $LOAD in *" browser "*) : >"$work/browser.on" ;; esac
	case $LOAD in *" metrics "*)
		"${ON1[@]}" bash -c "$(declare -f scrape); work=$work; scrape 11" &
		HAMMER+=("$!") ;;
	esac
	case $LOAD in *" api "*)
		"${ON1[@]}" bash -c "$(declare -f scrape); work=$work; scrape 12" &
		HAMMER+=("$!") ;;
	esac
	sleep 1
}

# hammer_stop - the browser goes back to its blank page, the scrapers
#	end; adds to REQS and NON200
hammer_stop() {
	local p
	rm -f "$work/hammer.on" "$work/browser.on"
	for p in "${HAMMER[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	HAMMER=()
	REQS=$((REQS + $(cat "$work"/scrape.*.codes 2>/dev/null | grep -c . || true)))
	NON200=$((NON200 + $(cat "$work"/scrape.*.codes 2>/dev/null | grep -vc '^200$' || true)))
	rm -f "$work"/scrape.*.codes
	sleep 1
}

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
HZ=$(getconf CLK_TCK)

# run KIND - one miltergen run; appends the rate to RATE[KIND] and the
#	daemon's CPU per message (ms) to CPU[KIND]
declare -A RATE CPU
LOADED_S=0
run() {
	local kind=$1 out j rate t0 t1 c0 c1 n cpu
	t0=$(date +%s.%N)
	c0=$(cpu_ticks "$LG_PID")
	out=$("${ON0[@]}" "$GEN" -s "$MSOCK" -c 16 -m "$MSGS" -z 5120 -r 1,1/4,1/4 -j \
		2>>"$work/miltergen.err") || lg_die "miltergen failed ($kind): $(tail -n 3 "$work/miltergen.err")"
	c1=$(cpu_ticks "$LG_PID")
	t1=$(date +%s.%N)
	j=$(grep '^{' <<<"$out") || lg_die "miltergen gave no result: $(cat "$work/miltergen.err")"
	rate=$(sed -E 's/.*"msgs_per_s":([0-9.]+).*/\1/' <<<"$j")
	n=$(sed -E 's/.*"messages":([0-9]+).*/\1/' <<<"$j")
	cpu=$(awk -v d=$((c1 - c0)) -v hz="$HZ" -v n="$n" 'BEGIN {printf "%.3f", n ? d * 1000 / hz / n : 0}')
	RATE[$kind]="${RATE[$kind]:-} $rate"
	CPU[$kind]="${CPU[$kind]:-} $cpu"
	if [ "$kind" = loaded ]; then
		LOADED_S=$(awk -v a="$LOADED_S" -v b="$t0" -v c="$t1" 'BEGIN {print a + c - b}')
	fi
	printf '  %-7s %s; daemon CPU %s ms/msg\n' "$kind" "$(head -n 1 <<<"$out")" "$cpu"
}

med() { tr ' ' '\n' <<<"$*" | grep . | sort -g | awk '{v[NR]=$1} END {
	if (NR % 2) print v[(NR+1)/2]; else print (v[NR/2] + v[NR/2+1]) / 2 }'; }

LOADS=0 BADLOADS=0 REQS=0 NON200=0
note "starting the browser"
browser_start
note "warming up (one run, not counted)"
"${ON0[@]}" "$GEN" -s "$MSOCK" -c 16 -m "$MSGS" -z 5120 -r 1,1/4,1/4 >/dev/null 2>>"$work/miltergen.err" ||
	lg_die "the warm-up run failed: $(tail -n 3 "$work/miltergen.err")"

load0=$(cut -d' ' -f1-3 /proc/loadavg)
cn0=$(cpu_ticks "$CN_PID")
echo "loopguard-console under load: $(uname -n), $(nproc) CPUs, $(date -u '+%Y-%m-%d %H:%M UTC'), load average $load0"
echo "console load:$LOAD"
echo "milter: $MSOCK, miltergen -c 16 -m $MSGS -z 5120 -r 1,1/4,1/4; pinned: $([ "$PIN" = 1 ] && echo "milter+miltergen CPU 0, console+chromium+curl CPU 1" || echo no)"
for ((r = 1; r <= ROUNDS; r++)); do
	echo "round $r"
	if ((r % 2)); then
		run quiet
		hammer_start; run loaded; hammer_stop
	else
		hammer_start; run loaded; hammer_stop
		run quiet
	fi
done
cn1=$(cpu_ticks "$CN_PID")
load1=$(cut -d' ' -f1-3 /proc/loadavg)
lg_kill_pid "$BROWSER_PID"
n=$(sed -n 's/^loads //p' "$work/browser.out" | tail -n 1)
[ -n "$n" ] || lg_die "the browser gave no count: $(tail -n 5 "$work/browser.err")"
LOADS=${n% *} BADLOADS=${n#* }

q=$(med ${RATE[quiet]}) l=$(med ${RATE[loaded]})
ratios=$(paste <(tr ' ' '\n' <<<"${RATE[quiet]}" | grep .) \
	<(tr ' ' '\n' <<<"${RATE[loaded]}" | grep .) | awk '{printf "%.3f ", $2 / $1}')
ratio=$(awk -v q="$q" -v l="$l" 'BEGIN {printf "%.3f", l / q}')
range=$(tr ' ' '\n' <<<"$ratios" | grep . | sort -g | awk 'NR==1{a=$1} {b=$1} END {print a "-" b}')
verdict=$(awk -v r="$ratio" 'BEGIN {print (r >= 0.95) ? "PASS" : "MISS"}')
echo
echo "quiet  msg/s: ${RATE[quiet]# } (median $q)"
echo "loaded msg/s: ${RATE[loaded]# } (median $l)"
echo "per-round loaded/quiet: $ratios"
echo "daemon CPU per message, ms: quiet ${CPU[quiet]# } (median $(med ${CPU[quiet]})), loaded ${CPU[loaded]# } (median $(med ${CPU[loaded]}))"
echo "target: loaded/quiet >= 0.95: $ratio (range $range) $verdict"
awk -v n="$LOADS" -v b="$BADLOADS" -v q="$REQS" -v e="$NON200" -v s="$LOADED_S" \
	-v c=$((cn1 - cn0)) -v hz="$HZ" 'BEGIN {
	printf "the console under load: %d entries pages loaded (%.1f/s; %d of them without the table), %d scraper requests (%.0f/s; %d not 200), over %.1f s of loaded runs; the console used %.1f s of CPU in all\n",
		n, s ? n / s : 0, b, q, s ? q / s : 0, e, s, c / hz }'
echo "load average: $load0 at the start, $load1 at the end"
