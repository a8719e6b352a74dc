#!/bin/bash
# t_directory_live.sh - the recipient directory follows its sources live,
# through the real daemon (catchall plugin), with no reload:
#   1. passwd: an account added to the passwd file (bind-mounted over
#      /etc/passwd in a private mount namespace) exists at the next
#      RCPT; before, its mail went to the postmaster;
#   2. aliases: an alias added to the file exists within a few seconds
#      (loopguardctl lookup says which source knows it);
#   3. a file cut from 12 entries to 2 is held back: the entries stay,
#      the log and stats say why, "reload" is refused, "reload --force"
#      takes it;
#   4. a file that disappears keeps what was loaded, and says so;
#   5. stats lists every source with its health, in text and JSON;
#   6. loopguard -n refuses a directory whose only table is for a
#      misspelled domain (exit 78), and warns about a local domain no
#      source serves.
# Needs root (unshare -m, mount --bind), miltertest and python3.
set -u
. "$(dirname "$0")/../lib/lib.sh"

[ "$(id -u)" = 0 ] || skip "needs root for a private mount namespace"
for c in miltertest python3 unshare; do
	command -v "$c" >/dev/null || skip "$c is not installed"
done
[ -x "$LOOPGUARD" ] && [ -x "$LOOPGUARDCTL" ] || skip "not built"
[ -e "$PLUGIN_DIR/catchall.so" ] || skip "$PLUGIN_DIR/catchall.so is not built"
unshare -m true 2>/dev/null || skip "unshare -m is not allowed here"

lg_workdir dirlive
cp /etc/passwd "$tmp/passwd"
printf 'postmaster: root\nstaff: alice,\n  bob\n' > "$tmp/aliases"
for i in $(seq -w 1 12); do echo "user$i@example.com"; done > "$tmp/users"

write_conf() {
	cat > "$tmp/lg.conf" <<CONF
socket = "unix:$tmp/lg.sock";
control = "unix:$tmp/ctl.sock";
plugin_dir = "$PLUGIN_DIR";
local_domains = [ "example.com" ];
recipients = [ "passwd", "aliases:$tmp/aliases", "$tmp/users" ];
plugins = ( { name = "catchall"; } );
CONF
}
write_conf
: > "$tmp/lg.log"
# the daemon sees $tmp/passwd as /etc/passwd; the test appends to that
# file in place, so the bind mount keeps showing it
unshare -m sh -c 'mount --bind "$1" /etc/passwd && exec "$2" -f -c "$3"' \
	sh "$tmp/passwd" "$LOOPGUARD" "$tmp/lg.conf" 2>>"$tmp/lg.log" &
pid=$!
wait_file "$tmp/ctl.sock" 10 && wait_in "$tmp/lg.log" "listening on" || exit 1

ctl() { out=$("$LOOPGUARDCTL" -s "unix:$tmp/ctl.sock" "$@" 2>&1); rc=$?; }
# msg RCPT EXPECT - one message through the milter (directory_msg.lua)
msg() {
	SOCKET=unix:$tmp/lg.sock RCPT=$1 EXPECT=$2 \
		miltertest -s "$srcdir/directory_msg.lua" >"$tmp/mt.out" 2>&1 ||
		{ sed 's/^/  /' "$tmp/mt.out"; return 1; }
}
# wait_lookup ADDR TEXT - until "lookup ADDR" says TEXT (5 s)
wait_lookup() {
	local i
	for ((i = 0; i < 50; i++)); do
		ctl lookup "$1"
		grep -qF -- "$2" <<<"$out" && return 0
		sleep 0.1
	done
	echo "  lookup $1: $out"
	return 1
}

# --- 1. passwd, live
check "1: a user with no account goes to the postmaster" \
	msg "<dave@example.com>" redirect
echo 'dave:x:4711:4711:Dave:/home/dave:/bin/sh' >> "$tmp/passwd"
check "1: the account added, the next message is his" \
	msg "<dave@example.com>" keep
check "1: lookup names passwd" wait_lookup dave@example.com "exists (passwd)"

# --- 2. aliases, live
check "2: an alias not there yet goes to the postmaster" \
	msg "<sales@example.com>" redirect
echo 'sales: alice' >> "$tmp/aliases"
check "2: the alias added is seen without a reload" \
	wait_lookup sales@example.com "exists (aliases:$tmp/aliases)"
check "2: and its mail is kept" msg "<sales@example.com>" keep
check "2: the reload is logged" \
	grep -q "recipients: aliases:$tmp/aliases reloaded: 3 entries" "$tmp/lg.log"

# --- 3. a truncated table is not believed
printf 'user01@example.com\nuser02@example.com\n' > "$tmp/users.new"
mv "$tmp/users.new" "$tmp/users"
check "3: the cut is held back, and logged" \
	wait_in "$tmp/lg.log" "the new load has 2 entries, 10 fewer than the 12 in use (83 % lost); the entries loaded before stay in use"
check "3: a user cut from the table still exists" \
	wait_lookup user09@example.com "exists ($tmp/users)"
check "3: its mail is kept" msg "<user09@example.com>" keep
ctl stats
check "3: stats says a newer load is held back" \
	grep -qF "source $tmp/users: up, 12 entries" <<<"$out"
check "3: ... and how to take it" \
	grep -qF "a newer load is held back" <<<"$out"
ctl reload
check "3: reload without --force is refused, naming --force" \
	eval '[ "$rc" = 1 ] && grep -qF "refused (max_shrink 50 %): check the table, or accept it with \"loopguardctl reload --force\"" <<<"$out"'
ctl reload --force
check "3: reload --force takes it" test "$rc" = 0
check "3: the cut user is gone now" \
	wait_lookup user09@example.com "unknown (no source knows it)"
check "3: and goes to the postmaster" msg "<user09@example.com>" redirect

# --- 4. a file that disappears keeps what was loaded
mv "$tmp/aliases" "$tmp/aliases.away"
check "4: the failed reload is logged" \
	wait_in "$tmp/lg.log" "reload failed, the entries loaded before stay in use: $tmp/aliases: No such file or directory"
check "4: the alias still exists" \
	wait_lookup sales@example.com "exists (aliases:$tmp/aliases)"
mv "$tmp/aliases.away" "$tmp/aliases"

# --- 5. stats
ctl stats
check "5: stats lists passwd" grep -qF "source passwd: up, asked per recipient" <<<"$out"
ctl --json stats
check "5: JSON stats has the sources with health and entries" \
	python3 -c 'import json,sys; d=json.loads(sys.argv[1]); s={x["source"]: x for x in d["sources"]}; assert s["passwd"]["entries"] is None and s["passwd"]["health"] == "up"; assert s[sys.argv[2]]["entries"] == 2' "$out" "$tmp/users"
kill "$pid"; wait "$pid" 2>/dev/null; pid=

# --- 6. -n and a misspelled domain
echo 'bob@exmaple.com' > "$tmp/typo"
sed "s|recipients = .*|recipients = [ \"$tmp/typo\" ];|" "$tmp/lg.conf" > "$tmp/typo.conf"
out=$("$LOOPGUARD" -n -c "$tmp/typo.conf" 2>&1); rc=$?
check "6: -n refuses a table of a misspelled domain (exit 78)" \
	eval '[ "$rc" = 78 ] && grep -qF "no source lists any address in a local domain (example.com)" <<<"$out"'
check "6: ... and names the entry outside the local domains" \
	grep -qF "1 entry is outside the local domains, never used (first: bob@exmaple.com)" <<<"$out"
sed 's|local_domains = .*|local_domains = [ "example.com", "example.net" ];|; s|recipients = .*|recipients = [ "'"$tmp/users"'" ];|' \
	"$tmp/lg.conf" > "$tmp/two.conf"
out=$("$LOOPGUARD" -n -c "$tmp/two.conf" 2>&1); rc=$?
check "6: a second local domain with no entry is warned about" \
	eval '[ "$rc" = 0 ] && grep -qF "local domain example.net: no source lists any address in it" <<<"$out"'

echo "directory-live: $passed passed, $failed failed"
[ "$failed" = 0 ]
