#!/bin/bash
# t_ldap.sh - recipients = [ "ldap:FILE" ] against a private slapd
# (t/lib/slapd.sh), the real daemon driven by miltertest
# (ldap_rcpt.lua):
#   1. a user found; an unknown one goes to the catch-all; user+ext;
#      an "@domain" entry; filter injection ("*", "al*", "*)(mail=*")
#      never widens the search; bound as cn=reader, an entry only the
#      reader may see is found;
#   2. a wrong bind_pw: 451 at RCPT, never "unknown"; StartTLS with the
#      server's certificate trusted works, with it not trusted: 451;
#   3. loopguard -n: an unknown name, a bad value, no search_base: exit
#      78 with FILE:LINE;
#   4. slapd stopped (SIGTERM by PID): 451 at RCPT for what the cache
#      does not hold, the cached user still answered, nothing to the
#      postmaster, one log line for the outage, loopguardctl stats
#      shows the source down; slapd back: answers, one line at recovery;
#   5. slapd stopped with SIGSTOP: 451 within the timeout (1 s), not a
#      hang; SIGCONT: answers again.
# Needs slapd, slapadd, ldapsearch, openssl and miltertest; exits 77
# without.
set -u
. "$(dirname "$0")/../lib/lib.sh"
. "$t_lib/slapd.sh"

command -v miltertest >/dev/null || skip "miltertest is not installed"
lg_slapd_have || skip "slapd, slapadd or ldapsearch is not installed"
[ -x "$LOOPGUARD" ] || skip "$LOOPGUARD is not built"
[ -x "$LOOPGUARDCTL" ] || skip "$LOOPGUARDCTL is not built"
[ -e "$PLUGIN_DIR/catchall.so" ] || skip "catchall plugin is not built"

lg_workdir ldap
lg_cleanup_hook() { lg_slapd_stop; }
command -v openssl >/dev/null || skip "openssl is not installed"
LG_SLAPD_TLS=1 lg_slapd_start "$tmp/slapd" ||
	{ echo "Bail out! slapd did not start"; exit 1; }

# ldap_cf NAME [LINE...] - $tmp/NAME.cf: slapd (or cf_host), the
# reader's bind, a 1 s timeout, the test domains (lines 2 to 6), then
# each LINE from line 7
ldap_cf() {
	local f=$tmp/$1.cf
	shift
	{
		echo "# $f"
		echo "server_host = ${cf_host:-$slapd_uri}"
		echo "search_base = dc=example,dc=com"
		echo "bind_dn = cn=reader,dc=example,dc=com"
		echo "timeout = 1"
		echo "domain = example.com, catch.test"
		printf '%s\n' "$@"
	} >"$f"
	chmod 600 "$f"
}

# lg_conf NAME CF - $tmp/NAME.conf with the ldap source CF
lg_conf() {
	cat >"$tmp/$1.conf" <<CONF
socket = "unix:$tmp/$1.sock";
control = "unix:$tmp/$1-ctl.sock";
plugin_dir = "$PLUGIN_DIR";
local_domains = [ "example.com", "catch.test" ];
recipients = [ "ldap:$2" ];
recipient_delimiter = "+";
plugins = ( { name = "catchall"; } );
CONF
}

# start_lg NAME [VAR=VALUE...] - the daemon with $tmp/NAME.conf and
# the VARs in its environment, its log NAME.log
start_lg() {
	env "${@:2}" "$LOOPGUARD" -f -c "$tmp/$1.conf" 2>"$tmp/$1.log" &
	lg_pids+=($!)
	eval "pid_$1=\$!"
	wait_file "$tmp/$1.sock" 10 && wait_file "$tmp/$1-ctl.sock" 10 ||
		{ cat "$tmp/$1.log"; echo "Bail out! $1 did not start"; exit 1; }
}

# rcpt NAME LABEL "RCPTS" "EXPECTS" - one ldap_rcpt.lua run, one result
rcpt() {
	local out
	if out=$(SOCKET="unix:$tmp/$1.sock" LABEL=$2 RCPTS=$3 EXPECT=$4 \
		miltertest -s "$srcdir/ldap_rcpt.lua" 2>&1); then
		ok "$2"
	else
		not_ok "$2" "$out"
	fi
}

# stats_has LABEL STATE - loopguardctl stats: the source's line says STATE
stats_has() {
	local out
	out=$("$LOOPGUARDCTL" -s "unix:$tmp/good-ctl.sock" stats 2>&1)
	if printf '%s\n' "$out" | grep -q "source ldap:$tmp/good.cf: $2"; then
		ok "$1"
	else
		not_ok "$1" "$(printf '%s\n' "$out" | grep -i source)"
	fi
}

# count FILE TEXT - lines of FILE holding TEXT
count() { grep -cF -- "$2" "$1"; }

ldap_cf good "bind_pw = readerpw"
lg_conf good "$tmp/good.cf"
ldap_cf badpw "bind_pw = wrong"
lg_conf badpw "$tmp/badpw.cf"
ldap_cf tls "bind_pw = readerpw" "start_tls = yes"
lg_conf tls "$tmp/tls.cf"
start_lg good
start_lg badpw
start_lg tls LDAPTLS_CACERT="$tmp/slapd/cert.pem"

# --- 1. answers
rcpt good "a user in LDAP is kept" "alice@example.com" ok
rcpt good "an unknown user goes to the catch-all" "nosuch@example.com" catchall
rcpt good "user+ext: the address without extension is found" \
	"alice+news@example.com" ok
rcpt good "an @domain entry makes every user of catch.test exist" \
	"anyone@catch.test" ok
rcpt good "\"*@example.com\" matches no one (filter escaped)" \
	"*@example.com" catchall
rcpt good "\"al*@example.com\" does not match alice" "al*@example.com" catchall
rcpt good "\"*)(mail=*\" cannot widen the search" \
	'"*)(mail=*"@example.com' catchall
rcpt good "bound with bind_dn/bind_pw, an entry only the reader sees" \
	"carol@example.com" ok
check "the answers needed no tempfail" \
	sh -c "! grep -q '451 4.3.0' '$tmp/good.log'"

# --- 2. a refused bind never makes a user unknown
rcpt badpw "a wrong bind_pw: 451 at RCPT, not the catch-all" \
	"alice@example.com nosuch@example.com" "tempfail tempfail"
check "the log says why (the bind)" grep -q 'bind as "cn=reader' "$tmp/badpw.log"

# --- StartTLS: a certificate trusted works, one not trusted is a failure
rcpt tls "start_tls with the server's certificate trusted" \
	"alice@example.com nosuch@example.com" "ok catchall"
kill "$pid_tls" && wait "$pid_tls"
other_ca=/etc/ssl/certs/ca-certificates.crt	# the public CAs: not slapd's
[ -s "$other_ca" ] || other_ca=/dev/null
start_lg tls LDAPTLS_CACERT="$other_ca"
rcpt tls "start_tls with a certificate not trusted: 451" \
	"alice@example.com nosuch@example.com" "tempfail tempfail"
check "the log says why (StartTLS)" grep -q 'StartTLS' "$tmp/tls.log"

# --- 3. loopguard -n on bad files: 78, FILE:LINE
n_case() {	# n_case LABEL TEXT CF-LINE...
	local label=$1 text=$2 rc
	shift 2
	ldap_cf bad "$@"
	lg_conf bad "$tmp/bad.cf"
	"$LOOPGUARD" -n -c "$tmp/bad.conf" >"$tmp/n.out" 2>&1
	rc=$?
	if [ "$rc" -eq 78 ] && grep -qF -- "$text" "$tmp/n.out"; then
		ok "-n: $label"
	else
		not_ok "-n: $label" "exit $rc, want 78 and \"$text\": $(cat "$tmp/n.out")"
	fi
}
n_case "an unknown name" "bad.cf:8: unknown name \"serverhost\"" \
	"bind_pw = x" "serverhost = ldap://127.0.0.1"
n_case "a bad scope" "bad.cf:8: scope: \"all\"" "bind_pw = x" "scope = all"
n_case "a filter with %x" "bad.cf:7: query_filter:" "query_filter = (uid=%x)"
cf_host=ftp://127.0.0.1 n_case "an ftp:// server" "bad.cf:2: server_host:"
n_case "a name given twice" "bad.cf:7: timeout is given twice" "timeout = 2"
"$LOOPGUARD" -n -c "$tmp/good.conf" >"$tmp/n.out" 2>&1
check "-n: the good file passes (exit $?)" test "$?" -eq 0
chmod 644 "$tmp/good.cf"
"$LOOPGUARD" -n -c "$tmp/good.conf" >"$tmp/n.out" 2>&1
check "-n: bind_pw in a file others may read is warned about" \
	grep -q "holds bind_pw and anyone may read it" "$tmp/n.out"
chmod 600 "$tmp/good.cf"
cp "$top_srcdir/conf/ldap-recipients.cf.example" "$tmp/example.cf"
chmod 600 "$tmp/example.cf"
lg_conf example "$tmp/example.cf"
"$LOOPGUARD" -n -c "$tmp/example.conf" >"$tmp/n.out" 2>&1
check "-n: conf/ldap-recipients.cf.example passes (exit $?)" test "$?" -eq 0

# --- 4. slapd stopped: 451, the cache still answers, one line each way
redirected=$(count "$tmp/good.log" "plugin=catchall")
lg_slapd_stop TERM
rcpt good "slapd stopped: 451 for users not in the cache" \
	"bob@example.com dave@example.com nosuch2@example.com" \
	"tempfail tempfail tempfail"
rcpt good "slapd stopped: the cache still knows alice" "alice@example.com" ok
check "slapd stopped: nothing went to the postmaster" \
	test "$(count "$tmp/good.log" "plugin=catchall")" = "$redirected"
check "slapd stopped: 451 4.3.0 logged for bob" \
	grep -q 'recipient bob@example.com: .*451 4.3.0' "$tmp/good.log"
check "slapd stopped: one line for the outage" \
	test "$(count "$tmp/good.log" "warning: recipients: source ldap:")" = 1
stats_has "slapd stopped: loopguardctl stats shows the source down" down
lg_slapd_start "$tmp/slapd" || { echo "Bail out! slapd did not restart"; exit 1; }
rcpt good "slapd back: bob found again" "bob@example.com" ok
check "slapd back: one line at recovery" \
	test "$(count "$tmp/good.log" "answers again")" = 1
stats_has "slapd back: loopguardctl stats shows the source up" up

# --- 5. slapd hanging: 451 within the timeout, then answers again
lg_slapd_signal STOP
start=$(date +%s%N)
rcpt good "slapd stopped by SIGSTOP: 451" "erin@example.com" tempfail
ms=$((($(date +%s%N) - start) / 1000000))
check "slapd stopped by SIGSTOP: answered in $ms ms (timeout 1 s)" \
	test "$ms" -lt 3500
lg_slapd_signal CONT
rcpt good "SIGCONT: erin found" "erin@example.com" ok
check "two outages, two lines; two recoveries" \
	test "$(count "$tmp/good.log" "warning: recipients: source ldap:")" = 2 -a \
	"$(count "$tmp/good.log" "answers again")" = 2

[ "$failed" -eq 0 ] || { echo "--- good.log"; cat "$tmp/good.log"; }
echo "ldap: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
