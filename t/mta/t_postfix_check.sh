#!/bin/bash
# t_postfix_check.sh - "loopguard -n" and the start read Postfix's
# settings through postconf and warn where they open backscatter or miss
# loopguard: a fake postconf (canned answers, a failure, a hang), then
# the real postconf over a private main.cf and master.cf (MAIL_CONFIG).
set -u
. "$(dirname "$0")/../lib/lib.sh"

lg_workdir postfix
# a queue_directory of our own, with loopguard's folder inside
spool=$tmp/spool
mkdir -p "$spool/loopguard"
cat > "$tmp/lg.conf" <<CONF
socket = "unix:$spool/loopguard/lg.sock";
plugin_dir = "$PLUGIN_DIR";
local_domains = [ "example.com" ];
recipients = [ "rcpts" ];
plugins = ( { name = "catchall"; } );
CONF

# fake_postconf VALUES MASTER - a postconf that answers -x with VALUES
# and -F with MASTER (after -c DIR too), and writes its arguments to
# $tmp/args
fake_postconf() {
	printf '%s\n' "$1" > "$tmp/values"
	printf '%s\n' "$2" > "$tmp/master"
	cat > "$tmp/postconf" <<EOF
#!/bin/sh
echo "\$*" >> "$tmp/args"
[ "\$1" = -c ] && shift 2
case "\$1" in
-x) cat "$tmp/values" ;;
-F) cat "$tmp/master" ;;
*) echo "postconf: fatal: unexpected \$1" >&2; exit 1 ;;
esac
EOF
	chmod +x "$tmp/postconf"
	: > "$tmp/args"
}

# lg_check - loopguard -n with the fake postconf; sets out and rc
lg_check() {
	out=$(LOOPGUARD_POSTCONF=${LOOPGUARD_POSTCONF-$tmp/postconf} \
		"$LOOPGUARD" -n -c "$tmp/lg.conf" 2>&1)
	rc=$?
}

readme_values="mydestination = mx.example.com, localhost
virtual_mailbox_domains =
virtual_alias_domains =
relay_domains =
local_recipient_maps =
smtpd_reject_unlisted_recipient = yes
smtpd_milters = unix:$spool/loopguard/lg.sock
non_smtpd_milters =
milter_default_action = accept
queue_directory = $spool"
chrooted='smtp/inet/chroot = y
smtp/inet/command = smtpd
cleanup/unix/chroot = y
cleanup/unix/command = cleanup'

# --- the old advice, as postconf tells it
fake_postconf "$readme_values" "$chrooted"
lg_check
check "-n still exits 0 with Postfix warnings" [ "$rc" = 0 ]
check "-n still says OK" grep -qF "$tmp/lg.conf: OK (1 plugins)" <<<"$out"
check "postconf -x asked for every setting, no shell" grep -qxF -- \
	"-x mydestination virtual_mailbox_domains virtual_alias_domains relay_domains local_recipient_maps smtpd_reject_unlisted_recipient smtpd_milters non_smtpd_milters milter_default_action queue_directory" "$tmp/args"
check "postconf -F asked for master.cf" grep -qxF -- "-F" "$tmp/args"
check "backscatter domain named" grep -qF \
	"loopguard: warning: postfix: mydestination domain mx.example.com accepts unknown users (local_recipient_maps is empty) but is not in local_domains: mail to unknown addresses there will bounce (backscatter); add it to local_domains or restore local_recipient_maps" <<<"$out"
check "localhost too" grep -qF "postfix: mydestination domain localhost accepts unknown users" <<<"$out"
check "a local domain Postfix does not accept" grep -qF \
	"postfix: local_domains lists example.com, but Postfix does not accept mail for it" <<<"$out"
check "chrooted smtpd cannot use the absolute path" grep -qF \
	"postfix: smtpd_milters = unix:$spool/loopguard/lg.sock does not name loopguard's socket: mail received over SMTP is not seen by loopguard; set smtpd_milters = unix:loopguard/lg.sock" <<<"$out"
check "non_smtpd_milters missing" grep -qF \
	"postfix: non_smtpd_milters is empty" <<<"$out"
check "milter_default_action" grep -qF \
	"postfix: milter_default_action = accept" <<<"$out"

# --- the new advice: nothing to say
fake_postconf "mydestination = example.com, mx.example.com, localhost
virtual_mailbox_domains =
virtual_alias_domains =
relay_domains =
local_recipient_maps =
smtpd_reject_unlisted_recipient = yes
smtpd_milters = unix:loopguard/lg.sock
non_smtpd_milters = unix:loopguard/lg.sock
milter_default_action = tempfail
queue_directory = $spool" "$chrooted"
sed -i 's/local_domains = .*/local_domains = [ "example.com", "mx.example.com", "localhost" ];/' "$tmp/lg.conf"
lg_check
check "a safe setup draws no warning" eval '[ "$rc" = 0 ] && ! grep -q "postfix:" <<<"$out"'

# --- Postfix still refuses unknown users: the catch-all is idle
fake_postconf "mydestination = example.com, mx.example.com, localhost
local_recipient_maps = proxy:unix:passwd.byname hash:/etc/aliases
smtpd_milters = unix:loopguard/lg.sock
non_smtpd_milters = unix:loopguard/lg.sock
milter_default_action = tempfail
queue_directory = $spool" "$chrooted"
lg_check
check "catch-all inactive named per domain" grep -qF \
	"postfix: catch-all inactive for example.com: Postfix rejects unknown users itself (local_recipient_maps is not empty)" <<<"$out"

# --- local_domains = "postfix": the checks see the domains Postfix
# gave, so none of mydestination is uncovered and none unknown; the
# other checks still run
fake_postconf "${readme_values/mydestination = /mydestination = example.com, }" "$chrooted"
sed -i 's/local_domains = .*/local_domains = "postfix";/' "$tmp/lg.conf"
lg_check
check "local_domains = \"postfix\": taken from the same postconf" grep -qF \
	"local domains from Postfix (" <<<"$out"
check "local_domains = \"postfix\": no domain named uncovered or unknown" eval \
	'[ "$rc" = 0 ] && ! grep -qE "not in local_domains|does not accept mail" <<<"$out"'
check "local_domains = \"postfix\": the other checks still run" grep -qF \
	"postfix: milter_default_action = accept" <<<"$out"
# another instance: the checks ask the same one
sed -i "s|local_domains = .*|local_domains = \"postfix:$tmp/other\";|" "$tmp/lg.conf"
: > "$tmp/args"
lg_check
check "local_domains = \"postfix:DIR\": the checks read that instance" eval \
	'[ "$rc" = 0 ] && grep -qxF -- "-c $tmp/other -F" "$tmp/args" && grep -qF -- "-c $tmp/other -x mydestination virtual_mailbox_domains" "$tmp/args"'
check "local_domains = \"postfix:DIR\": no domain named uncovered or unknown" eval \
	'! grep -qE "not in local_domains|does not accept mail" <<<"$out" && grep -qF "postfix: milter_default_action = accept" <<<"$out"'
sed -i 's/local_domains = .*/local_domains = [ "example.com", "mx.example.com", "localhost" ];/' "$tmp/lg.conf"

# --- postconf that fails, hangs, or is switched off
cat > "$tmp/postconf" <<'EOF'
#!/bin/sh
echo "postconf: fatal: open /etc/postfix/main.cf: No such file or directory" >&2
exit 1
EOF
lg_check
check "a failing postconf is one warning, exit 0" eval '[ "$rc" = 0 ] && grep -qxF "loopguard: warning: postfix: cannot read Postfix'"'"'s settings with $tmp/postconf: postconf: fatal: open /etc/postfix/main.cf: No such file or directory" <<<"$out"'

printf '#!/bin/sh\nexec sleep 30\n' > "$tmp/postconf"
start=$(date +%s)
lg_check
check "a hanging postconf is given up after 5 s" eval \
	'[ "$rc" = 0 ] && [ $(($(date +%s) - start)) -le 8 ] && grep -qF "with $tmp/postconf: no answer within 5 s" <<<"$out"'

LOOPGUARD_POSTCONF= lg_check
check "LOOPGUARD_POSTCONF empty: no check" eval '[ "$rc" = 0 ] && ! grep -q "postfix:" <<<"$out"'

mkdir "$tmp/unset"
out=$(env -u LOOPGUARD_POSTCONF MAIL_CONFIG=$tmp/unset "$LOOPGUARD" -n -c "$tmp/lg.conf" 2>&1)
check "Postfix without main.cf: no check" eval '! grep -q "postfix:" <<<"$out"'

# --- at start, the warnings go to the log
fake_postconf "$readme_values" "$chrooted"
LOOPGUARD_POSTCONF=$tmp/postconf "$LOOPGUARD" -f -c "$tmp/lg.conf" 2>"$tmp/log" &
pid=$!
if wait_file "$spool/loopguard/lg.sock" 10; then
	check "start logs the Postfix warnings" grep -qF \
		"postfix: milter_default_action = accept" "$tmp/log"
else
	not_ok "start logs the Postfix warnings" "$(cat "$tmp/log")"
fi
kill "$pid" && wait "$pid" 2>/dev/null
pid=

# --- the real postconf over a private configuration
postconf=$(command -v postconf || echo /usr/sbin/postconf)
if [ -x "$postconf" ]; then
	mkdir "$tmp/pf"
	cat > "$tmp/pf/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $spool
myhostname = mx.example.com
mydomain = example.com
mydestination = \$myhostname, localhost.\$mydomain, localhost
local_recipient_maps =
smtpd_milters = unix:/loopguard/lg.sock
non_smtpd_milters = \$smtpd_milters
EOF
	cat > "$tmp/pf/master.cf" <<'EOF'
smtp      inet  n       -       y       -       -       smtpd
cleanup   unix  n       -       n       -       0       cleanup
EOF
	sed -i 's/local_domains = .*/local_domains = [ "example.com" ];/' "$tmp/lg.conf"
	out=$(MAIL_CONFIG=$tmp/pf LOOPGUARD_POSTCONF=$postconf "$LOOPGUARD" -n -c "$tmp/lg.conf" 2>&1)
	check "real postconf: \$myhostname expanded, backscatter named" grep -qF \
		"postfix: mydestination domain mx.example.com accepts unknown users (local_recipient_maps is empty)" <<<"$out"
	check "real postconf: localhost.\$mydomain expanded" grep -qF \
		"postfix: mydestination domain localhost.example.com accepts" <<<"$out"
	check "real postconf: chroot-relative path fine for smtpd" eval \
		'! grep -qF "postfix: smtpd_milters" <<<"$out"'
	check "real postconf: unchrooted cleanup misses it" grep -qF \
		"postfix: non_smtpd_milters = unix:/loopguard/lg.sock does not name loopguard's socket: mail submitted with sendmail(1) is not seen by loopguard; set non_smtpd_milters = unix:loopguard/lg.sock" <<<"$out"
	check "real postconf: tempfail is Postfix's default" eval \
		'! grep -qF "milter_default_action" <<<"$out"'

	# the lines shipped in conf/postfix-main.cf, with every
	# mydestination domain in local_domains: nothing to warn about
	mkdir "$tmp/shipped"
	{
		echo "compatibility_level = 3.6"
		echo "queue_directory = $spool"
		echo "mydestination = example.com, mx.example.com, localhost"
		cat "$top_srcdir/conf/postfix-main.cf"
	} > "$tmp/shipped/main.cf"
	cat > "$tmp/shipped/master.cf" <<'EOF'
smtp      inet  n       -       y       -       -       smtpd
cleanup   unix  n       -       y       -       0       cleanup
EOF
	sed -i "s|^socket = .*|socket = \"unix:$spool/loopguard/loopguard.sock\";|;s/local_domains = .*/local_domains = [ \"example.com\", \"mx.example.com\", \"localhost\" ];/" "$tmp/lg.conf"
	out=$(MAIL_CONFIG=$tmp/shipped LOOPGUARD_POSTCONF=$postconf "$LOOPGUARD" -n -c "$tmp/lg.conf" 2>&1)
	check "conf/postfix-main.cf as shipped draws no warning" eval \
		'! grep "postfix:" <<<"$out"'
	# the same with local_domains = "postfix", as the package ships it
	sed -i 's/local_domains = .*/local_domains = "postfix";/' "$tmp/lg.conf"
	out=$(MAIL_CONFIG=$tmp/shipped LOOPGUARD_POSTCONF=$postconf "$LOOPGUARD" -n -c "$tmp/lg.conf" 2>&1); rc=$?
	check "shipped, local_domains = \"postfix\": no warning, the domains named" eval \
		'[ "$rc" = 0 ] && ! grep "postfix:" <<<"$out" && grep -qxF "loopguard: local domains from Postfix ($tmp/shipped): example.com, mx.example.com, localhost" <<<"$out"'
else
	echo "# postconf not installed: the real-postconf checks are skipped"
fi

echo "# $passed passed, $failed failed"
[ "$failed" = 0 ]
