#!/bin/bash
# t_sendmail.sh - the "sendmail" recipient source in the real daemon,
# on a .cf that the unpacked Sendmail's m4 files build from an .mc
#
# DESCRIPTION
#	The .mc has FEATURE(virtusertable) and use_cw_file; the
#	virtusertable is made with the unpacked Sendmail's makemap, which
#	the daemon also uses to list it ($LOOPGUARD_MAKEMAP). With
#	recipients = [ "sendmail:CF" ] and the catchall plugin, miltertest
#	(sendmail.lua) checks: an account, an alias, a virtual user,
#	user+detail (user+*@ and user@ keys), an @domain catch-all, an
#	error: entry, an unknown user in a class w domain and in a
#	virtual domain; then a new entry made with makemap is used within
#	about 3 s without a reload; a virtusertable that makemap cannot
#	list keeps the entries in use; "loopguard -n" refuses a .cf whose
#	virtusertable is missing.
set -u
. "$(dirname "$0")/../lib/lib.sh"

command -v miltertest >/dev/null || skip "miltertest is not installed"
command -v m4 >/dev/null || skip "m4 is not installed"
SMROOT=$( (. "$t_lib/mta.sh" && lg_sendmail_root) 2>/dev/null) ||
	skip "no unpacked sendmail (scripts/deps.sh test)"
MAKEMAP=$SMROOT/usr/sbin/makemap
CFDIR=$SMROOT/usr/share/sendmail/cf
lg_workdir smdir
passed=0 failed=0
pid=

etc=$tmp/etc
mkdir -p "$etc"

# write_mc - the Sendmail config, as a site would write it
write_mc() {
	cat >"$etc/sendmail.mc" <<EOF
divert(0)dnl
OSTYPE(\`linux')dnl
define(\`confDONT_BLAME_SENDMAIL', \`TrustStickyBit')dnl
define(\`ALIAS_FILE', \`$etc/aliases')dnl
define(\`confCW_FILE', \`$etc/local-host-names')dnl
FEATURE(\`use_cw_file')dnl
FEATURE(\`virtusertable', \`hash $etc/virtusertable')dnl
MAILER(\`local')dnl
MAILER(\`smtp')dnl
EOF
	m4 -D_CF_DIR_="$CFDIR/" "$CFDIR/m4/cf.m4" "$etc/sendmail.mc" \
		>"$etc/sendmail.cf" 2>"$tmp/m4.log" && [ ! -s "$tmp/m4.log" ]
}

# makemap_vt - the virtusertable database from its text
makemap_vt() {
	"$MAKEMAP" -C "$etc/sendmail.cf" hash "$etc/virtusertable" \
		<"$etc/virtusertable"
}

printf 'sales: root\nmailer-daemon: postmaster\npostmaster: root\n' \
	>"$etc/aliases"
printf 'example.com\nvirtual.test\ncatchall.test\n' >"$etc/local-host-names"
cat >"$etc/virtusertable" <<EOF
info@virtual.test	root
dave+*@virtual.test	root
gone@virtual.test	error:nouser 550 No such user here
@catchall.test	postmaster
EOF
write_mc || { cat "$tmp/m4.log"; echo "m4 could not build the .cf"; exit 1; }
makemap_vt || { echo "makemap failed"; exit 1; }
# the text must not be newer than the database: the database is read
touch -d '-1 min' "$etc/virtusertable"

cat >"$tmp/lg.conf" <<CONF
socket = "unix:$tmp/lg.sock";
plugin_dir = "$PLUGIN_DIR";
local_domains = [ "example.com", "virtual.test", "catchall.test" ];
recipients = [ "sendmail:$etc/sendmail.cf" ];
plugins = ( { name = "catchall"; } );
CONF

# mt - run sendmail.lua with KNOWN, UNKNOWN and TEMPFAIL as given
mt() {
	SOCKET="unix:$tmp/lg.sock" miltertest -s "$srcdir/sendmail.lua"
}

# counted NAME - count the last command's status as one check
counted() {
	if [ "$2" -eq 0 ]; then
		passed=$((passed + 1)); echo "ok - $1"
	else
		failed=$((failed + 1)); echo "not ok - $1"
		tail -n 20 "$tmp/lg.log"
	fi
}

export LOOPGUARD_MAKEMAP=$MAKEMAP
"$LOOPGUARD" -n -c "$tmp/lg.conf" >"$tmp/n.log" 2>&1
counted "loopguard -n accepts recipients = sendmail:CF" $?

"$LOOPGUARD" -f -c "$tmp/lg.conf" 2>>"$tmp/lg.log" &
pid=$!
wait_file "$tmp/lg.sock" 10 || { cat "$tmp/lg.log"; exit 1; }
grep -q "virtusertable $etc/virtusertable.db read (makemap -u): 3 entries, 1 error: entries" \
	"$tmp/lg.log"
counted "the virtusertable is listed with makemap -u" $?

KNOWN="root@example.com sales@example.com sales+x@example.com
	info@virtual.test info+tag@virtual.test dave+any@virtual.test
	root@virtual.test anyone@catchall.test any+x@catchall.test" \
UNKNOWN="nosuch@example.com nosuch@virtual.test gone@virtual.test
	gone+x@virtual.test dave@virtual.test newbie@virtual.test" mt
counted "accounts, aliases, virtual users, +detail, @domain, error: entries, unknown users" $?

# a new entry, made with makemap while the daemon runs
printf 'newbie@virtual.test\troot\n' >>"$etc/virtusertable"
# (twice as long for a sanitizer build on a busy machine)
limit=3500
grep -qa __asan_init "$LOOPGUARD" && limit=7000
start=$(date +%s%N)
makemap_vt
for ((i = 0; i < limit / 100 + 10; i++)); do
	grep -q "sendmail:$etc/sendmail.cf reloaded" "$tmp/lg.log" && break
	sleep 0.1
done
ms=$((($(date +%s%N) - start) / 1000000))
echo "  the new entry was loaded after $ms ms"
[ "$ms" -le "$limit" ] && grep -q "reloaded" "$tmp/lg.log"
counted "a new virtusertable entry is loaded within $limit ms, no reload" $?
KNOWN="newbie@virtual.test info@virtual.test" UNKNOWN="nosuch@virtual.test" mt
counted "the new entry is known, the others still are" $?

# a database makemap cannot list: the entries in use stay
printf 'garbage, not a database\n' >"$etc/virtusertable.db"
for ((i = 0; i < 60; i++)); do
	grep -q "reload failed, the entries loaded before stay in use" \
		"$tmp/lg.log" && break
	sleep 0.1
done
grep -q "reload failed, the entries loaded before stay in use: .*makemap" \
	"$tmp/lg.log"
counted "a table makemap cannot list fails the reload, logged" $?
KNOWN="newbie@virtual.test info@virtual.test" UNKNOWN="nosuch@virtual.test" mt
counted "after the failed reload the previous entries answer" $?
kill "$pid" && wait "$pid"
pid=

# at start, a virtusertable that is missing is a config error
rm -f "$etc/virtusertable" "$etc/virtusertable.db"
"$LOOPGUARD" -n -c "$tmp/lg.conf" >"$tmp/n2.log" 2>&1
rc=$?
[ "$rc" -ne 0 ] && grep -q "virtusertable: neither $etc/virtusertable.db nor $etc/virtusertable exists" "$tmp/n2.log"
counted "loopguard -n refuses a .cf whose virtusertable is missing" $?
[ "$rc" -ne 0 ] || cat "$tmp/n2.log"

echo "sendmail source: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
