#!/bin/bash
# t_postfix_source.sh - the "postfix:/DIR" recipient source through the
# real daemon and miltertest, on a private Postfix config directory whose
# tables the real postmap and postalias built (hash, lmdb, cdb, regexp):
# each address class, extensions, "@domain" entries, an unknown address,
# a table that fails (451, nothing to the postmaster), a new entry taken
# live, a truncated table held back until "reload --force", a table
# that is missing refused at start, and the warning for Postfix tables
# that no source reads.
set -u
. "$(dirname "$0")/../lib/lib.sh"

for p in miltertest postconf postmap postalias; do
	command -v "$p" >/dev/null || skip "$p is not installed"
done
lg_workdir pfsrc
pf=$tmp/pf
mkdir "$pf"
: > "$pf/master.cf"
printf 'compatibility_level = 3.6\n' > "$pf/main.cf"
for t in lmdb cdb; do
	postconf -c "$pf" -m | grep -qx "$t" ||
		skip "Postfix has no $t tables (package postfix-$t)"
done

# main.cf: the four classes; local_recipient_maps empty, as loopguard's
# README asks, so Postfix's default (passwd + alias_maps) applies;
# virtual_alias_domains left at its default (the domain keys of
# virtual_alias_maps); fail.test is only in a relay domain table that
# cannot answer.
cat > "$pf/main.cf" <<EOF
compatibility_level = 3.6
mydestination = example.com, localhost
alias_maps = hash:$pf/aliases
local_recipient_maps =
recipient_delimiter = +
virtual_alias_maps = hash:$pf/virtual, regexp:$pf/virtual.re
virtual_mailbox_domains = vmail.test
virtual_mailbox_maps = proxy:lmdb:$pf/vmbox, cdb:$pf/vmbox2, regexp:$pf/vmbox.re
relay_domains = relay.test, fail:broken
relay_recipient_maps = hash:$pf/relay
EOF
printf 'postmaster: root\naliasonly: root,\n  nobody\n' > "$pf/aliases"
printf 'valias.test anything\ncatch.test anything\nva@valias.test root\n@catch.test root\n' > "$pf/virtual"
printf '/^re-[a-z]+@valias\\.test$/ root\n' > "$pf/virtual.re"
vmbox() {	# vmbox N - u1..uN@vmail.test
	local i
	for ((i = 1; i <= $1; i++)); do echo "u$i@vmail.test vmail/u$i"; done
}
vmbox 300 > "$pf/vmbox"
printf 'c1@vmail.test vmail/c1\n' > "$pf/vmbox2"
printf '/^re-[a-z]+@vmail\\.test$/ vmail/re\n' > "$pf/vmbox.re"
printf 'r1@relay.test x\n' > "$pf/relay"
postalias -c "$pf" "hash:$pf/aliases" &&
	postmap -c "$pf" "hash:$pf/virtual" "lmdb:$pf/vmbox" "cdb:$pf/vmbox2" \
		"hash:$pf/relay" || { echo "postmap failed"; exit 1; }

cat > "$tmp/lg.conf" <<CONF
socket = "unix:$tmp/lg.sock";
control = "unix:$tmp/ctl.sock";
plugin_dir = "$PLUGIN_DIR";
local_domains = [ "example.com", "valias.test", "catch.test", "vmail.test",
		  "relay.test", "fail.test" ];
recipient_delimiter = "+";
recipients = [ "postfix:$pf" ];
plugins = ( { name = "catchall"; } );
CONF

# cases NAME CASES... - rcpt_cases.lua over CASES
cases() {
	local name=$1
	shift
	if SOCKET="unix:$tmp/lg.sock" CASES="$*" \
		miltertest -s "$srcdir/miltertest/rcpt_cases.lua" >"$tmp/mt.out" 2>&1; then
		ok "$name"
	else
		not_ok "$name" "$(cat "$tmp/mt.out")"
	fi
}

"$LOOPGUARD" -f -c "$tmp/lg.conf" 2>>"$tmp/lg.log" &
pid=$!
wait_file "$tmp/lg.sock" 10 || { cat "$tmp/lg.log"; exit 1; }
wait_in "$tmp/lg.log" "listening on" >/dev/null

check "an empty local_recipient_maps is read as Postfix's default, and logged" \
	grep -q "local_recipient_maps is empty.*passwd.byname" "$tmp/lg.log"
cases "local class: an account, an alias, an extension; unknown users" \
	known:root@example.com known:postmaster@example.com \
	known:aliasonly@example.com known:root+tag@example.com \
	known:NoBody@Example.com unknown:nosuch@example.com \
	unknown:nosuch+root@example.com
cases "virtual alias class: hash entry, @domain catch-all, regexp via postmap -q" \
	known:va@valias.test known:anyone@catch.test \
	known:re-abc@valias.test unknown:re-123@valias.test \
	unknown:vb@valias.test
cases "virtual mailbox class: lmdb and cdb entries, an extension" \
	known:u1@vmail.test known:u300+x@vmail.test known:c1@vmail.test \
	unknown:u301@vmail.test unknown:va@vmail.test
cases "relay class: relay_recipient_maps" \
	known:r1@relay.test unknown:r2@relay.test
cases "a table that cannot answer: 451 at RCPT, nothing to the postmaster" \
	fail:someone@fail.test
check "the failing table is named in the log" \
	grep -q "fail:broken" "$tmp/lg.log"
check "the failure was not counted as an unknown recipient" \
	bash -c "! grep -q 'someone@fail.test.*postmaster' '$tmp/lg.log'"

# A new entry: known within about three seconds, without a reload.
echo "new@vmail.test vmail/new" >> "$pf/vmbox"
postmap -c "$pf" "lmdb:$pf/vmbox"
# (twice as long for a sanitizer build on a busy machine)
limit=4000
grep -qa __asan_init "$LOOPGUARD" && limit=8000
start=$(date +%s%N)
for ((i = 0; i < limit / 333; i++)); do
	SOCKET="unix:$tmp/lg.sock" CASES="known:new@vmail.test" \
		miltertest -s "$srcdir/miltertest/rcpt_cases.lua" >/dev/null 2>&1 && break
	sleep 0.5
done
ms=$((($(date +%s%N) - start) / 1000000))
echo "# new entry known after $ms ms"
check "postmap adds an entry: known within $limit ms without a reload ($ms ms)" eval \
	'[ "$i" -lt $((limit / 333)) ] && [ "$ms" -le "$limit" ]'

# A truncated table: the old set stays, the log says why; --force takes it.
vmbox 20 > "$pf/vmbox"
postmap -c "$pf" "lmdb:$pf/vmbox"
check "a truncated table is held back, and the log says why" \
	wait_in "$tmp/lg.log" "reload --force"
cases "the entries loaded before stay in use" known:u250@vmail.test \
	known:u20@vmail.test
"$LOOPGUARDCTL" -s "$tmp/ctl.sock" reload --force >"$tmp/ctl.out" 2>&1
check "loopguardctl reload --force succeeds" [ $? -eq 0 ]
sleep 0.5
cases "after reload --force the truncated table is in use" \
	unknown:u250@vmail.test known:u20@vmail.test

# A table asked per recipient disappears: the reload fails and keeps
# the old generation; its queries fail: 451 for whoever it would have
# decided, while the listed tables still answer.
cases "before: a regexp table in a class" known:re-ab@vmail.test
mv "$pf/vmbox.re" "$pf/vmbox.re.away"
check "a table that went missing fails the reload, the entries stay" \
	wait_in "$tmp/lg.log" "reload failed, the entries loaded before stay in use"
cases "its queries fail: 451; the other tables still answer" \
	fail:re-cd@vmail.test fail:u999@vmail.test known:u1@vmail.test
mv "$pf/vmbox.re.away" "$pf/vmbox.re"

kill "$pid" && wait "$pid"
pid=

# A table that is missing: a config error at start, naming it.
rm -f "$pf/relay.db"
out=$("$LOOPGUARD" -n -c "$tmp/lg.conf" 2>&1)
rc=$?
check "a missing table fails the check, naming it (rc $rc)" \
	eval '[ "$rc" -ne 0 ] && printf "%s" "$out" | grep -q "relay.db"'

# Postfix names recipient tables, but loopguard reads only a file.
sed 's|recipients = .*|recipients = [ "rcpts" ];|' "$tmp/lg.conf" > "$tmp/file.conf"
out=$(MAIL_CONFIG=$pf LOOPGUARD_POSTCONF=$(command -v postconf) \
	"$LOOPGUARD" -n -c "$tmp/file.conf" 2>&1)
check "a Postfix table no source reads is warned about, naming it" \
	eval 'printf "%s" "$out" | grep -q "virtual_mailbox_maps = .*lmdb:$pf/vmbox.*no \"postfix\" source"'

echo "postfix source: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
