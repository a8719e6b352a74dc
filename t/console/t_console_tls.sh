#!/bin/bash
# t_console_tls.sh - loopguard-console over TLS and where it may listen:
# https with the right CA works and the cookie is Secure; curl that
# trusts another CA refuses; plain HTTP to the TLS port gets no page; a
# key that is not the certificate's, an expired or not yet valid
# certificate, a key others may read stop the start with a clear error
# (and -t says the same); plain HTTP on 0.0.0.0 is refused unless
# allow_plain_http; a unix socket serves.
set -u
. "$(dirname "$0")/../lib/lib.sh"
lg_workdir lgc-tls
. "$(dirname "$0")/lib/console.sh"
command -v openssl >/dev/null || skip "openssl is not installed"
command -v python3 >/dev/null || skip "python3 is not installed"

lgc_start tls || exit 1

# logged TEXT - the console's log has TEXT
logged() { grep -qF -- "$1" "$(lgc_log)"; }

check "https with the right CA: 200" [ "$(lgc_status /login)" = 200 ]
check "the start says https" logged "listening on 127.0.0.1:$LGC_PORT (https)"
check "Strict-Transport-Security under TLS" \
	eval 'lgc_curl /login -D - -o /dev/null | grep -qi "^Strict-Transport-Security: max-age="'

# tls_handshake ARG... - openssl s_client gets a TLS session with ARGs
# (the client side opened up to SECLEVEL 0, so only the console refuses)
tls_handshake() {
	timeout 10 openssl s_client -connect "127.0.0.1:$LGC_PORT" -servername localhost \
		"$@" </dev/null >"$tmp/s_client" 2>&1 &&
		grep -q "Cipher is [A-Z]" "$tmp/s_client" && ! grep -q "Cipher is (NONE)" "$tmp/s_client"
}
check "TLS 1.3 is offered" tls_handshake -tls1_3
check "TLS 1.2 with ECDHE and AES-GCM is offered" \
	tls_handshake -tls1_2 -cipher 'ECDHE-RSA-AES128-GCM-SHA256'
check "TLS 1.1 is refused" eval '! tls_handshake -tls1_1 -cipher "DEFAULT:@SECLEVEL=0"'
check "TLS 1.0 is refused" eval '! tls_handshake -tls1 -cipher "DEFAULT:@SECLEVEL=0"'
check "TLS 1.2 with static RSA key exchange is refused" \
	eval '! tls_handshake -tls1_2 -cipher "AES128-GCM-SHA256:AES128-SHA:@SECLEVEL=0"'
check "TLS 1.2 with a CBC cipher is refused" \
	eval '! tls_handshake -tls1_2 -cipher "ECDHE-RSA-AES128-SHA:ECDHE-RSA-AES256-SHA384:@SECLEVEL=0"'

lgc_certs "$tmp/other" >/dev/null
code=$(curl -sS --max-time 10 --cacert "$tmp/other/ca.pem" -o /dev/null -w '%{http_code}' \
	"$(lgc_url)/login" 2>"$tmp/err"); rc=$?
check "curl trusting another CA refuses the certificate (exit $rc)" \
	eval '[ "$rc" = 60 ] && [ "$code" = 000 ]'
code=$(curl -sS --max-time 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$LGC_PORT/login" 2>/dev/null)
check "plain HTTP to the TLS port gets no page ($code)" [ "$code" != 200 ]
check "the console still serves https after it" [ "$(lgc_status /login)" = 200 ]
cookie=$(lgc_curl /login -D - -o /dev/null --data-urlencode user=admin \
	--data-urlencode "password=$LGC_ADMIN_PASS" | grep -i '^Set-Cookie:')
check "the session cookie is Secure under TLS" grep -q "; Secure" <<<"$cookie"
lgc_login admin "$LGC_ADMIN_PASS"
check "the Origin check knows https: its own origin passes" \
	[ "$(lgc_status /logout -X POST -H "X-CSRF-Token: $LGC_CSRF" -H "Origin: https://127.0.0.1:$LGC_PORT")" = 303 ]
lgc_logout
lgc_stop

# start_fails NAME CONF TEXT - the console refuses to start with CONF,
# exit 1 and TEXT on stderr; -t says the same
start_fails() {
	local out rc want=$3
	out=$(timeout 10 "$LGC_CONSOLE" -f -c "$2" 2>&1); rc=$?
	check "$1: the start stops (exit $rc)" [ "$rc" = 1 ]
	grep -qF -- "$want" <<<"$out" && ok "$1: says \"$want\"" ||
		not_ok "$1: says \"$want\"" "got: $out"
	out=$("$LGC_CONSOLE" -t -c "$2" 2>&1); rc=$?
	check "$1: -t says it too" eval '[ "$rc" = 1 ] && grep -qF -- "$want" <<<"$out"'
}

# conf_with NAME CERT KEY - the console's config with other TLS files
conf_with() {
	sed -e "s#tls_cert = .*#tls_cert = \"$2\";#" -e "s#tls_key = .*#tls_key = \"$3\";#" \
		"$LGC_CONF" > "$tmp/$1.conf"
	echo "$tmp/$1.conf"
}

# a key that is not the certificate's
start_fails "a key of another certificate" \
	"$(conf_with mismatch "$tmp/certs/server.pem" "$tmp/other/server.key")" \
	"$tmp/other/server.key: this key does not belong to the certificate in $tmp/certs/server.pem"

# a certificate that expired yesterday, one valid from tomorrow
python3 - "$tmp/dates" <<'PY' || skip "python3-cryptography is needed for the dated certificates"
import datetime, os, sys
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
d = sys.argv[1]
os.makedirs(d, exist_ok=True)
now = datetime.datetime.now(datetime.timezone.utc)
for name, start, end in (("expired", now - datetime.timedelta(days=30), now - datetime.timedelta(days=1)),
                         ("future", now + datetime.timedelta(days=1), now + datetime.timedelta(days=30))):
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(start).not_valid_after(end).sign(key, hashes.SHA256()))
    with open(os.path.join(d, name + ".pem"), "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    fd = os.open(os.path.join(d, name + ".key"), os.O_WRONLY | os.O_CREAT, 0o600)
    os.write(fd, key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                   serialization.NoEncryption()))
    os.close(fd)
PY
start_fails "an expired certificate" \
	"$(conf_with expired "$tmp/dates/expired.pem" "$tmp/dates/expired.key")" \
	"$tmp/dates/expired.pem: the certificate expired on $(date -u -d yesterday +%Y-%m-%d)"
start_fails "a certificate not valid yet" \
	"$(conf_with future "$tmp/dates/future.pem" "$tmp/dates/future.key")" \
	"$tmp/dates/future.pem: the certificate is not valid before $(date -u -d tomorrow +%Y-%m-%d)"

# a key others may read
cp "$tmp/certs/server.key" "$tmp/open.key"
chmod 644 "$tmp/open.key"
start_fails "a key others may read" \
	"$(conf_with open "$tmp/certs/server.pem" "$tmp/open.key")" \
	"$tmp/open.key: others may read or change it (mode 0644)"
start_fails "a certificate file that is not PEM" \
	"$(conf_with notpem "$tmp/rcpts" "$tmp/certs/server.key")" \
	"$tmp/rcpts: not a PEM certificate"

# plain HTTP elsewhere than loopback: refused unless allow_plain_http
# (-t only: nothing here may listen beyond loopback)
sed -e '/tls_cert\|tls_key/d' -e "s#listen = .*#listen = \"0.0.0.0:$LGC_PORT\";#" \
	"$LGC_CONF" > "$tmp/plain.conf"
start_fails "plain HTTP on 0.0.0.0" "$tmp/plain.conf" \
	"console.listen: plain HTTP on \"0.0.0.0:$LGC_PORT\" would send passwords in the clear"
sed -i 's#^console = {#console = {\n  allow_plain_http = true;#' "$tmp/plain.conf"
out=$("$LGC_CONSOLE" -t -c "$tmp/plain.conf" 2>&1); rc=$?
check "... accepted with allow_plain_http = true" eval '[ "$rc" = 0 ] || { echo "$out"; false; }'
sed -e '/tls_cert\|tls_key/d' -e "s#listen = .*#listen = \"[::1]:$LGC_PORT\";#" \
	"$LGC_CONF" > "$tmp/v6.conf"
check "plain HTTP on [::1] is fine" eval '"$LGC_CONSOLE" -t -c "$tmp/v6.conf" >/dev/null'

# a unix socket, in a folder of the user the console becomes (as
# systemd's RuntimeDirectory is)
mkdir "$tmp/run"
[ -n "$(lgc_run_user)" ] && chown "$(lgc_run_user)" "$tmp/run"
sed -e '/tls_cert\|tls_key/d' -e "s#listen = .*#listen = \"unix:$tmp/run/http.sock\";#" \
	"$LGC_CONF" > "$tmp/unix.conf"
"$LGC_CONSOLE" -f -c "$tmp/unix.conf" 2>>"$tmp/unix.log" &
upid=$!
lg_pids+=("$upid")
wait_file "$tmp/run/http.sock" 10
code=$(curl -sS --max-time 10 --unix-socket "$tmp/run/http.sock" -o /dev/null -w '%{http_code}' \
	http://localhost/login)
check "a unix socket serves the login page" [ "$code" = 200 ]
check "... its mode is 0660" [ "$(stat -c %a "$tmp/run/http.sock")" = 660 ]
code=$(curl -sS --max-time 10 --unix-socket "$tmp/run/http.sock" -o /dev/null -w '%{http_code}' \
	-u "admin:$LGC_ADMIN_PASS" http://localhost/api/session)
check "... and Basic over it" [ "$code" = 200 ]
kill "$upid"
wait "$upid"
check "... the console exits 0 on SIGTERM" [ $? = 0 ]
check "... and removes its socket" [ ! -e "$tmp/run/http.sock" ]

echo "console tls: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
