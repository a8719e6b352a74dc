# t/lib/slapd.sh - a private slapd for the LDAP tests and the bench
# (sourced, not run)
#
# SYNOPSIS
#	. t/lib/slapd.sh
#	lg_slapd_start DIR [LDIF]	a slapd in DIR, the test tree loaded
#	lg_slapd_stop [SIGNAL]		TERM (default) and reap it
#	lg_slapd_signal SIGNAL		STOP, CONT, ... by its PID
#
# DESCRIPTION
#	lg_slapd_start writes DIR/slapd.conf (an mdb database for
#	dc=example,dc=com in DIR/db, the core, cosine and inetorgperson
#	schemas), loads LDIF (default: the tree below) with slapadd, and
#	starts slapd in the foreground (-d 0, so $! is its PID) listening
#	only on 127.0.0.1 at a free port and on the unix socket
#	DIR/ldapi. It sets slapd_pid, slapd_port, slapd_uri
#	(ldap://127.0.0.1:PORT) and slapd_ldapi (the ldapi:// URI), and
#	returns once the server answers a search (20 s at most). A slapd
#	that exits at once (a port taken meanwhile) is tried again on
#	other ports. The log is DIR/slapd.log. Calling it again with the
#	same DIR starts the same database again (same port) without
#	loading it twice.
#
#	The tree: ou=people holds alice, bob, dave, erin, frank (mail
#	NAME@example.com) and a catch-all entry for catch.test (mail
#	"@catch.test"); ou=private holds carol (carol@example.com), which
#	only cn=reader,dc=example,dc=com (password "readerpw") may read;
#	anonymous clients may read the rest.
#
#	With LG_SLAPD_TLS=1 (before the first start), a self-signed
#	certificate for 127.0.0.1 is made with openssl (DIR/cert.pem,
#	DIR/key.pem) and slapd offers StartTLS with it; a client trusts it
#	with LDAPTLS_CACERT=DIR/cert.pem in its environment.
#
#	slapd is the Debian package's binary; nothing of the system's
#	slapd (its config, its database, its service) is used or touched.
#
# DIAGNOSTICS
#	lg_slapd_start returns 1, with the log on stderr, when slapd does
#	not answer within 10 s.

LG_SLAPD=${LG_SLAPD:-$(command -v slapd || echo /usr/sbin/slapd)}
LG_SLAPADD=${LG_SLAPADD:-$(command -v slapadd || echo /usr/sbin/slapadd)}
LG_SLAPD_SUFFIX="dc=example,dc=com"
slapd_pid='' slapd_port='' slapd_uri='' slapd_ldapi='' slapd_dir='' slapd_status=''

# lg_slapd_have - 0 when slapd, slapadd and ldapsearch are there
lg_slapd_have() {
	[ -x "$LG_SLAPD" ] && [ -x "$LG_SLAPADD" ] &&
		command -v ldapsearch >/dev/null 2>&1
}

# lg_slapd_tree - the default test tree (LDIF) on stdout
lg_slapd_tree() {
	local s=$LG_SLAPD_SUFFIX u
	cat <<EOF
dn: $s
objectClass: dcObject
objectClass: organization
o: loopguard test
dc: example

dn: cn=reader,$s
objectClass: organizationalRole
objectClass: simpleSecurityObject
cn: reader
userPassword: readerpw

dn: ou=people,$s
objectClass: organizationalUnit
ou: people

dn: ou=private,$s
objectClass: organizationalUnit
ou: private

dn: cn=carol,ou=private,$s
objectClass: inetOrgPerson
cn: carol
sn: carol
mail: carol@example.com

dn: cn=catch-all,ou=people,$s
objectClass: inetOrgPerson
cn: catch-all
sn: catch-all
mail: @catch.test

EOF
	for u in alice bob dave erin frank; do
		printf 'dn: cn=%s,ou=people,%s\nobjectClass: inetOrgPerson\ncn: %s\nsn: %s\nmail: %s@example.com\n\n' \
			"$u" "$s" "$u" "$u" "$u"
	done
}

# lg_slapd_free_port - a TCP port nobody listens on at 127.0.0.1
lg_slapd_free_port() {
	local p i
	for ((i = 0; i < 50; i++)); do
		p=$((20000 + RANDOM % 20000))
		ss -Hltn "sport = :$p" 2>/dev/null | grep -q . || { echo "$p"; return 0; }
	done
	return 1
}

# lg_slapd_cert DIR - a self-signed certificate for 127.0.0.1 in DIR
lg_slapd_cert() {
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
		-addext subjectAltName=IP:127.0.0.1 -keyout "$1/key.pem" \
		-out "$1/cert.pem" >"$1/openssl.log" 2>&1 ||
		{ cat "$1/openssl.log" >&2; return 1; }
	chmod 644 "$1/key.pem"
}

# lg_slapd_conf DIR - slapd.conf for the database in DIR
lg_slapd_conf() {
	local dir=$1 s=$LG_SLAPD_SUFFIX tls=
	if [ "${LG_SLAPD_TLS:-}" = 1 ]; then
		lg_slapd_cert "$dir" || return 1
		tls="TLSCertificateFile $dir/cert.pem
TLSCertificateKeyFile $dir/key.pem"
	fi
	cat >"$dir/slapd.conf" <<EOF
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
pidfile $dir/slapd.pid
argsfile $dir/slapd.args
modulepath /usr/lib/ldap
moduleload back_mdb
sizelimit 1000
$tls

database mdb
maxsize 104857600
suffix "$s"
rootdn "cn=admin,$s"
rootpw adminpw
directory $dir/db
index mail eq
access to attrs=userPassword
	by anonymous auth
	by * none
access to dn.subtree="ou=private,$s"
	by dn.exact="cn=reader,$s" read
	by * none
access to *
	by * read
EOF
}

# lg_slapd_run DIR - start slapd on slapd_port and wait until it
# answers; 0, 1 when it exited (its status in slapd_status), 2 when it
# did not answer in 20 s
lg_slapd_run() {
	local dir=$1 i enc
	enc=$(printf '%s' "$dir/ldapi" | sed 's,/,%2F,g')
	slapd_uri=ldap://127.0.0.1:$slapd_port
	slapd_ldapi=ldapi://$enc
	"$LG_SLAPD" -d 0 -f "$dir/slapd.conf" \
		-h "$slapd_uri/ $slapd_ldapi/" >>"$dir/slapd.log" 2>&1 </dev/null &
	slapd_pid=$!
	for ((i = 0; i < 400; i++)); do
		if ldapsearch -x -H "$slapd_uri" -b "$LG_SLAPD_SUFFIX" -s base \
			-l 2 1.1 >/dev/null 2>&1; then
			return 0
		fi
		if ! kill -0 "$slapd_pid" 2>/dev/null; then
			wait "$slapd_pid"
			slapd_status=$?
			slapd_pid=
			return 1
		fi
		sleep 0.05
	done
	return 2
}

# lg_slapd_start DIR [LDIF] - see the header
lg_slapd_start() {
	local dir=$1 ldif=${2:-} keep=$slapd_port i rc
	slapd_dir=$dir
	if [ ! -d "$dir/db" ]; then
		mkdir -p "$dir/db" || return 1
		lg_slapd_conf "$dir" || return 1
		if [ -z "$ldif" ]; then
			ldif=$dir/tree.ldif
			lg_slapd_tree >"$ldif"
		fi
		"$LG_SLAPADD" -q -f "$dir/slapd.conf" -l "$ldif" \
			>"$dir/slapadd.log" 2>&1 ||
			{ cat "$dir/slapadd.log" >&2; return 1; }
	fi
	# a new port may be taken between the look and the bind: try
	# others; a restart keeps its port (tried again, as the old
	# socket may linger a moment)
	for ((i = 0; i < 5; i++)); do
		if [ -z "$keep" ]; then
			slapd_port=$(lg_slapd_free_port) || return 1
		fi
		lg_slapd_run "$dir" && return 0
		rc=$?
		[ "$rc" = 1 ] || break
		echo "slapd exited ($slapd_status) on port $slapd_port" >>"$dir/slapd.log"
		[ -n "$keep" ] && sleep 0.5
	done
	echo "slapd did not start in $dir:" >&2
	cat "$dir/slapd.log" >&2
	lg_slapd_stop KILL
	return 1
}

# lg_slapd_signal SIGNAL - send SIGNAL to the slapd started here
lg_slapd_signal() {
	[ -n "$slapd_pid" ] && kill -"$1" "$slapd_pid"
}

# lg_slapd_stop [SIGNAL] - stop (TERM by default) and reap it
lg_slapd_stop() {
	if [ -n "$slapd_pid" ]; then
		kill -CONT "$slapd_pid" 2>/dev/null
		kill -"${1:-TERM}" "$slapd_pid" 2>/dev/null
		wait "$slapd_pid" 2>/dev/null
	fi
	slapd_pid=
	return 0
}
