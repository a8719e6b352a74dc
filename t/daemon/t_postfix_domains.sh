#!/bin/bash
# t_postfix_domains.sh - local_domains = "postfix": the local domains
# asked from Postfix at every load, through the real daemon.
#   1. loopguard -n with a fake postconf names the domains it took and
#      warns about the table it skipped;
#   2. a postconf that cannot be run: -n and a start exit 78 naming
#      local_domains; a Postfix that names no domain likewise;
#   3. the daemon logs the domains at start; a domain added to the
#      fake's mydestination counts after "loopguardctl reload" (lookup
#      says so, and a message to an unknown address there now goes to
#      the postmaster);
#   4. a reload while postconf fails, or names no domain, is refused
#      and the old domains are kept;
#   5. the real postconf over a private main.cf ("postfix:/DIR"):
#      mydestination expanded, the virtual domains, a table skipped.
set -u
. "$(dirname "$0")/../lib/lib.sh"

[ -x "$LOOPGUARD" ] && [ -x "$LOOPGUARDCTL" ] || skip "not built"
[ -e "$PLUGIN_DIR/catchall.so" ] || skip "$PLUGIN_DIR/catchall.so is not built"

lg_workdir pfdom
export MAIL_CONFIG=$tmp/pf	# the folder the info line names

# The fake postconf: the question local_domains asks is answered from
# $tmp/domains; other questions (the start's Postfix checks) fail; with
# $tmp/fail present every question fails, as postconf does when it
# cannot read main.cf.
cat > "$tmp/postconf" <<EOF
#!/bin/sh
if [ -e "$tmp/fail" ]; then
	echo "postconf: fatal: open $tmp/pf/main.cf: Permission denied" >&2
	exit 1
fi
case "\$*" in
"-x mydestination virtual_alias_domains virtual_mailbox_domains")
	cat "$tmp/domains" ;;
*)	exit 1 ;;
esac
EOF
chmod +x "$tmp/postconf"
export LOOPGUARD_POSTCONF=$tmp/postconf

# domains MYDESTINATION [VIRTUAL_MAILBOX_DOMAINS] - what the fake answers
domains() {
	printf 'mydestination = %s\nvirtual_alias_domains =\nvirtual_mailbox_domains = %s\n' \
		"$1" "${2:-}" > "$tmp/domains"
}

cat > "$tmp/lg.conf" <<CONF
socket = "unix:$tmp/lg.sock";
control = "unix:$tmp/ctl.sock";
plugin_dir = "$PLUGIN_DIR";
local_domains = "postfix";
recipients = [ "$tmp/rcpts" ];
plugins = ( { name = "catchall"; target = "postmaster@example.com"; } );
CONF

# --- 1. loopguard -n
domains "Example.COM, localhost, hash:$tmp/pf/mydest" "example.com"
out=$("$LOOPGUARD" -n -c "$tmp/lg.conf" 2>&1); rc=$?
check "1: -n accepts the domains Postfix names" \
	grep -qxF "$tmp/lg.conf: OK (1 plugins)" <<<"$out"
check "1: -n names them, lower case, each once" grep -qxF \
	"loopguard: local domains from Postfix ($tmp/pf): example.com, localhost" <<<"$out"
check "1: the table in mydestination is skipped with a warning" grep -qxF \
	"loopguard: warning: $tmp/lg.conf:4: local_domains = \"postfix\": mydestination: \"hash:$tmp/pf/mydest\" is a lookup table; its domains are not read; skipped" <<<"$out"
[ "$rc" = 0 ] || echo "$out"

# --- 2. no postconf, no domain
out=$(LOOPGUARD_POSTCONF=$tmp/no-postconf "$LOOPGUARD" -n -c "$tmp/lg.conf" 2>&1); rc=$?
check "2: -n without postconf exits 78" [ "$rc" = 78 ]
check "2: and names local_domains and the program" grep -qxF \
	"loopguard: $tmp/lg.conf:4: local_domains = \"postfix\": cannot run $tmp/no-postconf: No such file or directory" <<<"$out"
out=$(LOOPGUARD_POSTCONF=$tmp/no-postconf timeout 10 "$LOOPGUARD" -f -c "$tmp/lg.conf" 2>&1); rc=$?
check "2: a start without postconf exits 78, before binding" \
	eval '[ "$rc" = 78 ] && [ ! -e "$tmp/lg.sock" ]'
check "2: with the same message" grep -qF \
	"local_domains = \"postfix\": cannot run $tmp/no-postconf: No such file or directory" <<<"$out"
domains "hash:$tmp/pf/mydest"
out=$("$LOOPGUARD" -n -c "$tmp/lg.conf" 2>&1); rc=$?
check "2: a Postfix that names no domain: exit 78, said so" eval \
	'[ "$rc" = 78 ] && grep -qxF "loopguard: $tmp/lg.conf:4: local_domains = \"postfix\": Postfix ($tmp/pf) names no domain in mydestination, virtual_alias_domains or virtual_mailbox_domains" <<<"$out"'

# --- 3. the daemon, and a reload that finds a new domain
domains "example.com, localhost"
: > "$tmp/lg.log"
"$LOOPGUARD" -f -c "$tmp/lg.conf" 2>>"$tmp/lg.log" &
pid=$!
wait_file "$tmp/ctl.sock" 10 && wait_in "$tmp/lg.log" "listening on" || exit 1
check "3: the start logs the domains" wait_in "$tmp/lg.log" \
	"local domains from Postfix ($tmp/pf): example.com, localhost"

ctl() { out=$("$LOOPGUARDCTL" -s "unix:$tmp/ctl.sock" "$@" 2>&1); rc=$?; }
# lookup ADDR WHAT - loopguardctl lookup says WHAT (local, unknown,
# external) of ADDR
lookup() {
	ctl lookup "$1"
	grep -qF "$1: $2 (" <<<"$out" || { echo "  lookup $1: $out"; return 1; }
}
# msg RCPT EXPECT - one message through the milter (keep, redirect)
have_mt=1
command -v miltertest >/dev/null || have_mt=
msg() {
	[ -n "$have_mt" ] || return 0
	SOCKET=unix:$tmp/lg.sock RCPT=$1 EXPECT=$2 \
		miltertest -s "$srcdir/../directory/directory_msg.lua" >"$tmp/mt.out" 2>&1 ||
		{ sed 's/^/  /' "$tmp/mt.out"; return 1; }
}

check "3: before: new.example is not local" lookup nobody@new.example external
check "3: before: a message there is left alone" msg "<nobody@new.example>" keep
check "3: example.com is" lookup nobody@example.com unknown
domains "example.com, localhost, New.Example"
ctl reload
check "3: the reload is taken" eval '[ "$rc" = 0 ] && [ "$out" = reloaded ]'
check "3: the reload logs the new list" wait_in "$tmp/lg.log" \
	"local domains from Postfix ($tmp/pf): example.com, localhost, new.example"
check "3: after: new.example is local" lookup nobody@new.example unknown
check "3: after: an unknown address there goes to the postmaster" \
	msg "<nobody@new.example>" redirect

# --- 4. reloads refused, the old domains kept
touch "$tmp/fail"
domains "example.com"
ctl reload
check "4: a reload while postconf fails is refused, naming local_domains" eval \
	'[ "$rc" = 1 ] && grep -qxF "loopguardctl: reload refused, old config kept: $tmp/lg.conf:4: local_domains = \"postfix\": postconf: fatal: open $tmp/pf/main.cf: Permission denied" <<<"$out"'
check "4: the old domains are kept" lookup nobody@new.example unknown
rm -f "$tmp/fail"
domains "hash:$tmp/pf/mydest"
ctl reload
check "4: a reload while Postfix names no domain is refused" eval \
	'[ "$rc" = 1 ] && grep -qF "names no domain in mydestination" <<<"$out"'
check "4: the old domains are still kept" lookup nobody@new.example unknown
check "4: the daemon still runs" kill -0 "$pid"
kill "$pid" && wait "$pid"
pid=

# --- 5. the real postconf, another instance's folder
if command -v postconf >/dev/null && [ -x "$(command -v postconf)" ]; then
	real=$tmp/pf-real
	mkdir "$real"
	: > "$real/master.cf"
	cat > "$real/main.cf" <<EOF
compatibility_level = 3.6
myhostname = mx.real.example
mydomain = real.example
mydestination = \$myhostname, localhost.\$mydomain, localhost, Real.Example
virtual_alias_domains = va.example, hash:$real/virtual-domains
virtual_mailbox_domains = vm.example, real.example
EOF
	printf 'x@real.example\n' > "$tmp/rcpts-real"
	sed -e "s|\"postfix\"|\"postfix:$real\"|" \
	    -e "s|\"$tmp/rcpts\"|\"$tmp/rcpts-real\"|" "$tmp/lg.conf" > "$tmp/lg-real.conf"
	out=$(env -u LOOPGUARD_POSTCONF -u MAIL_CONFIG "$LOOPGUARD" -n -c "$tmp/lg-real.conf" 2>&1); rc=$?
	check "5: real postconf: -n accepts" [ "$rc" = 0 ]
	check "5: real postconf: mydestination expanded, virtual domains, each once" grep -qxF \
		"loopguard: local domains from Postfix ($real): mx.real.example, localhost.real.example, localhost, real.example, va.example, vm.example" <<<"$out"
	check "5: real postconf: the table is skipped" grep -qF \
		"virtual_alias_domains: \"hash:$real/virtual-domains\" is a lookup table; its domains are not read; skipped" <<<"$out"
	[ "$rc" = 0 ] || echo "$out"
else
	echo "# no postconf here: the real-Postfix part is not run"
fi

echo "# $passed passed, $failed failed"
[ "$failed" = 0 ]
