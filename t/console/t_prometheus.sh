#!/bin/bash
# t_prometheus.sh - a real Prometheus (Debian's prometheus package)
# scrapes a real loopguard-console in front of a real daemon (the
# fixture t/console/lib/console.sh), every second, in two jobs: one
# with the bearer token of metrics_token_file, one with the viewer's
# Basic auth. Its rules are the example alerts of
# loopguard-console-metrics(7), taken from the man page, their "for"
# cut to 1s.
#   1. both targets are up and loopguard_up is 1;
#   2. messages sent through the daemon with miltertest
#      (t/console/metrics_mail.lua) show in Prometheus's query API with
#      the values the test produced, in both jobs;
#      a refused reload and a harvest wave (its notice held in the
#      outbox) fire the man page's LoopguardReloadFailed and
#      LoopguardHarvestWave;
#   3. the daemon stopped: the targets stay up (the console answers),
#      loopguard_up goes to 0, the man page's LoopguardDaemonDown fires;
#      started again: loopguard_up 1, counters from 0.
# Every wait is bounded; a failure says what the query gave and what
# Prometheus said of the target. Prometheus listens on a free loopback
# port, keeps its data in the test's folder, and is stopped by its PID.
# Skipped only when /usr/bin/prometheus (PROMETHEUS) is not installed.
set -u
. "$(dirname "$0")/../lib/lib.sh"

PROMETHEUS=${PROMETHEUS:-/usr/bin/prometheus}
[ -x "$PROMETHEUS" ] || skip "$PROMETHEUS is not installed (Debian's prometheus package)"
command -v miltertest >/dev/null || skip "miltertest is not installed"
command -v python3 >/dev/null || skip "python3 is not installed"
[ -e "$PLUGIN_DIR/catchall.so" ] || skip "$PLUGIN_DIR/catchall.so is not built"
MAN=$top_srcdir/man/loopguard-console-metrics.7
WAIT=${WAIT:-40}	# seconds a value may take to show in Prometheus
lg_workdir prom
. "$srcdir/lib/console.sh"

TOKEN=$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')
(umask 077; echo "$TOKEN" > "$tmp/metrics.token")
LGC_CONSOLE_CONF="metrics_token_file = \"$tmp/metrics.token\";"
LGC_MAILER=1
lgc_start || exit 1

# --- Prometheus, its config, and the man page's alerts as its rules
P=$tmp/prom
mkdir -p "$P/data"
echo "$TOKEN" > "$P/token"
echo "$LGC_VIEWER_PASS" > "$P/password"
# man_block SECTION - the first example (.EX to .EE) of a man page section
man_block() {
	awk -v sec="$1" '$0 == ".SH \"" sec "\"" { f = 1 } f && /^\.EX/ { g = 1; next }
		g && /^\.EE/ { exit } g' "$MAN" | sed 's/\\(dq/"/g; s/\\-/-/g; s/\\e/\\/g'
}
man_block "EXAMPLE ALERTS" | sed 's/^\( *\)for: .*/\1for: 1s/' > "$P/rules.yml"
check "the man page's alerts were found" grep -q "alert: LoopguardDaemonDown" "$P/rules.yml"
if command -v promtool >/dev/null; then
	check "promtool accepts the man page's alerts" eval 'promtool check rules "$P/rules.yml" >"$P/check.out" 2>&1 || { cat "$P/check.out"; false; }'
	man_block "PROMETHEUS CONFIGURATION" |
		sed "s|/etc/prometheus/loopguard.token|$P/token|" > "$P/man.yml"
	check "promtool accepts the man page's scrape config" eval 'promtool check config "$P/man.yml" >"$P/check.out" 2>&1 || { cat "$P/check.out"; false; }'
fi
PPORT=$(lgc_free_port)
cat > "$P/prometheus.yml" <<YML
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files: [ "$P/rules.yml" ]
scrape_configs:
  - job_name: lg-token
    authorization:
      type: Bearer
      credentials_file: $P/token
    static_configs:
      - targets: [ "127.0.0.1:$LGC_PORT" ]
  - job_name: lg-basic
    basic_auth:
      username: viewer
      password_file: $P/password
    static_configs:
      - targets: [ "127.0.0.1:$LGC_PORT" ]
YML
"$PROMETHEUS" --config.file="$P/prometheus.yml" --storage.tsdb.path="$P/data" \
	--web.listen-address="127.0.0.1:$PPORT" --log.level=warn \
	>"$P/log" 2>&1 &
ppid=$!
lg_pids+=("$ppid")
PURL=http://127.0.0.1:$PPORT
for ((i = 0; i < 300; i++)); do
	[ "$(curl -s -o /dev/null -w '%{http_code}' "$PURL/-/ready")" = 200 ] && break
	kill -0 "$ppid" 2>/dev/null || break
	sleep 0.1
done
if [ "$(curl -s -o /dev/null -w '%{http_code}' "$PURL/-/ready")" != 200 ]; then
	not_ok "Prometheus is ready within 30 s" "$(sed 's/^/  prometheus: /' "$P/log")"
	exit 1
fi
ok "Prometheus $("$PROMETHEUS" --version 2>&1 | awk 'NR == 1 { print $3 }') is ready on 127.0.0.1:$PPORT"

# query EXPR - the one value Prometheus gives for EXPR now: a number,
# "none" (no series) or "N series"
query() {
	curl -sS -G --max-time 5 "$PURL/api/v1/query" --data-urlencode "query=$1" |
		python3 -c '
import json, sys
try:
    r = json.load(sys.stdin)["data"]["result"]
except Exception as e:
    print("bad answer: %s" % e); sys.exit()
print(r[0]["value"][1] if len(r) == 1 else "none" if not r else "%d series" % len(r))'
}

# targets - what Prometheus says of its targets
targets() {
	curl -sS --max-time 5 "$PURL/api/v1/targets" | python3 -c '
import json, sys
for t in json.load(sys.stdin)["data"]["activeTargets"]:
    print("  target %s: health %s, last error \"%s\"" % (t["labels"]["job"], t["health"], t["lastError"]))'
}

# expect EXPR WANT - poll Prometheus until EXPR gives WANT (at most
# WAIT seconds); a result line either way
expect() {
	local got i
	for ((i = 0; i < WAIT * 2; i++)); do
		got=$(query "$1")
		[ "$got" = "$2" ] && { ok "Prometheus: $1 = $2 (in ~$((i / 2)) s)"; return 0; }
		sleep 0.5
	done
	not_ok "Prometheus: $1 = $2" "it gave \"$got\" for $WAIT s"$'\n'"$(targets)"
	return 1
}

# send COUNT CLIENT - COUNT messages through the daemon
send() {
	SOCKET=unix:$tmp/lg.sock COUNT=$1 CLIENT=$2 \
		miltertest -s "$srcdir/metrics_mail.lua" >"$tmp/mt.out" 2>&1 ||
		{ cat "$tmp/mt.out"; return 1; }
}

# --- 1. both jobs scrape
for job in lg-token lg-basic; do
	expect "up{job=\"$job\"}" 1
	expect "loopguard_up{job=\"$job\"}" 1
done
expect 'loopguard_messages_total{job="lg-token"}' 0

# --- 2. known counts
send 7 192.0.2.41 && send 4 192.0.2.42
check "11 messages on 2 connections went through the daemon" [ $? = 0 ]
for job in lg-token lg-basic; do
	expect "loopguard_messages_total{job=\"$job\"}" 11
	expect "loopguard_recipients_total{job=\"$job\"}" 22
	expect "loopguard_unknown_recipients_total{job=\"$job\"}" 11
	expect "loopguard_connections_total{job=\"$job\"}" 2
	expect "loopguard_actions_total{job=\"$job\",plugin=\"catchall\",action=\"redirect\"}" 11
done
expect 'loopguard_store_up{job="lg-token"}' 1
expect 'loopguard_store_backend_info{job="lg-token"}' 1
expect 'loopguard_build_info{job="lg-token"}' 1
expect 'sum(loopguard_console_stats_lines_skipped)' 0
expect 'count(loopguard_actions_total{job="lg-token"})' 1

# a refused reload, and a harvest wave whose notice cannot be sent:
# the man page's LoopguardReloadFailed and LoopguardHarvestWave fire
cp "$tmp/lg.conf" "$tmp/lg.conf.good"
echo 'bogus = 1;' >> "$tmp/lg.conf"
"$LOOPGUARDCTL" -s "unix:$tmp/ctl.sock" reload >/dev/null 2>&1
check "loopguardctl reload refuses a bad config" [ $? = 1 ]
cp "$tmp/lg.conf.good" "$tmp/lg.conf"
expect 'loopguard_config_reloads_total{job="lg-token",result="failure"}' 1
expect 'ALERTS{alertname="LoopguardReloadFailed",job="lg-token",alertstate="firing"}' 1
printf '#!/bin/sh\ncat >/dev/null\nexit 75\n' > "$tmp/mailer.fail"
chmod 755 "$tmp/mailer.fail"
mv "$tmp/mailer.fail" "$tmp/mailer"
rcpts=$(for ((i = 1; i <= 25; i++)); do printf 'probe%d@example.com ' "$i"; done)
out=$(SOCKET=unix:$tmp/lg.sock CLIENT=198.51.100.7 RCPTS="$rcpts" LABEL=probe \
	miltertest -s "$top_srcdir/t/daemon/miltertest/harvest_rcpts.lua" 2>&1)
refused=$(sed -n 's/^probe: [0-9]* ok, \([0-9]*\) refused$/\1/p' <<<"$out")
check "25 unknown recipients from one client: some refused ($out)" [ "${refused:-0}" -gt 0 ]
expect "loopguard_actions_total{job=\"lg-basic\",plugin=\"harvest\",action=\"tempfail\"}" "$refused"
expect 'loopguard_outbox_messages{job="lg-token"}' 1
# the wave: rate() over the alert's 5 minutes wants over 300 unknown
# recipients in them
rcpts=$(for ((i = 1; i <= 400; i++)); do printf 'wave%d@example.com ' "$i"; done)
out=$(SOCKET=unix:$tmp/lg.sock CLIENT=198.51.100.8 RCPTS="$rcpts" LABEL=wave \
	miltertest -s "$top_srcdir/t/daemon/miltertest/harvest_rcpts.lua" 2>&1)
check "a wave of 400 unknown recipients: 380 refused ($out)" [ "$out" = "wave: 20 ok, 380 refused" ]
expect "loopguard_unknown_recipients_total{job=\"lg-token\"}" 436
expect 'count(ALERTS{alertname="LoopguardHarvestWave",alertstate="firing"})' 1

# --- 3. the daemon stopped, then back
lgc_daemon_stop
expect 'loopguard_up{job="lg-token"}' 0
expect 'up{job="lg-token"}' 1
expect 'count(loopguard_messages_total{job="lg-token"})' none
expect 'ALERTS{alertname="LoopguardDaemonDown",job="lg-token",alertstate="firing"}' 1
check "the console logged the daemon down" grep -q "metrics: the daemon does not answer" "$(lgc_log)"
lgc_daemon_start
expect 'loopguard_up{job="lg-token"}' 1
expect 'loopguard_messages_total{job="lg-token"}' 0
send 2 192.0.2.43
expect 'loopguard_messages_total{job="lg-basic"}' 2

kill "$ppid" && wait "$ppid"
check "Prometheus stops by its PID" [ $? = 0 ]
grep -i "level=error" "$P/log" | head -5 | sed 's/^/# prometheus: /'
lgc_stop
echo "# $passed passed, $failed failed"
[ "$failed" = 0 ]
