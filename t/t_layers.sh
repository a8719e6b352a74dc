#!/bin/bash
# t_layers.sh - the daemon's folders keep to milter/layers: no include
# and no call goes up (scripts/layers.sh over this tree and its build).
#
# Then the checker itself is tried on a copy of the sources, each time
# with one wrong thing put in: it must refuse each one, naming the file
# and line, so this test fails when the house is broken.
set -u
. "$(dirname "$0")/lib/lib.sh"

layers=$top_srcdir/scripts/layers.sh
tmp=$(mktemp -d /tmp/lg-layers-XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# The real tree, its includes and what was built from it.
if out=$(bash "$layers" -s "$top_builddir" "$top_srcdir" 2>&1); then
	ok "this tree keeps to milter/layers ($out)"
else
	not_ok "this tree keeps to milter/layers" "$out"
fi

# copy - a fresh copy of the sources the checker reads, in $tmp/src
copy() {
	rm -rf "$tmp/src"
	mkdir -p "$tmp/src/scripts"
	cp -R "$top_srcdir/milter" "$top_srcdir/plugins" "$tmp/src/"
	chmod -R u+w "$tmp/src"
	cp "$layers" "$tmp/src/scripts/"
}

# refused NAME PATTERN [-s] - the checker fails on the copy and says PATTERN
refused() {
	local name=$1 pattern=$2 out rc=0
	shift 2
	out=$(bash "$tmp/src/scripts/layers.sh" "$@" "$tmp/src" 2>&1) || rc=$?
	if [ "$rc" = 1 ] && grep -qF -- "$pattern" <<<"$out"; then
		ok "refused: $name"
	else
		not_ok "refused: $name" "exit $rc, wanted 1 and \"$pattern\": $out"
	fi
}

# accepted NAME - the checker passes the copy
accepted() {
	local out rc=0
	out=$(bash "$tmp/src/scripts/layers.sh" "$tmp/src" 2>&1) || rc=$?
	if [ "$rc" = 0 ]; then
		ok "accepted: $1"
	else
		not_ok "accepted: $1" "exit $rc: $out"
	fi
}

# put FILE AFTER TEXT - insert TEXT (may hold \n) after the line AFTER
put() {
	local file=$tmp/src/$1
	awk -v after="$2" -v text="$3" '{ print } $0 == after && !done { print text; done = 1 }' \
		"$file" >"$file.new" && mv "$file.new" "$file"
	grep -qF -- "${3%%$'\n'*}" "$file" || { echo "put: $2 not found in $1"; exit 1; }
}

copy
put milter/util/clock.c '#include "clock.h"' $'\n/* Plugin host. */\n#include "host.h"'
refused "a utility including the plugin host" \
	'milter/util/clock.c:'

copy
put milter/store/memory/store_shard.c '#include "log.h"' $'\n/* Store library. */\n#include "store_redis.h"'
refused "the memory backend including the redis backend" \
	'includes "store_redis.h" of milter/store/redis, a layer above milter/store/memory'

copy
put milter/util/clock.c '#include "clock.h"' '#include "../host/host.h"'
refused "an include by a path, which -I cannot stop" \
	'includes "../host/host.h" by a path'

copy
put plugins/catchall/catchall.c '#include <loopguard/plugin.h>' '#include "../../milter/util/counters.h"'
refused "a plugin reaching a core header by a path" \
	'plugins/catchall/catchall.c:'

copy
put milter/session/session.c '#include "log.h"' '#include "settings.h"'
refused "an include under another layer's comment" \
	'"settings.h" should be in a group headed /* Config library. */'

copy
put plugins/catchall/catchall.c '#include <loopguard/plugin.h>' '#include "store.h"'
refused "a plugin including a core header" \
	'a plugin includes the core header "store.h"'

copy
put milter/config/settings.c '#include <libconfig.h>' '#include <hiredis/hiredis.h>'
refused "a second folder using hiredis" \
	'includes <hiredis/hiredis.h>, which only one folder'

copy
put milter/config/settings.c '#include <libconfig.h>' '#include <opendkim/dkim.h>'
refused "libopendkim outside dkim/" \
	'includes <opendkim/dkim.h>, which only one folder'

copy
sed -i 's/^LG_CPPFLAGS_MAIL = $(LG_CPPFLAGS_MTA)/LG_CPPFLAGS_MAIL = $(LG_CPPFLAGS_SESSION)/' \
	"$tmp/src/milter/mail/local.mk"
refused "a folder whose CPPFLAGS reach above it" \
	'milter/mail/local.mk: LG_CPPFLAGS_MAIL must be'

copy
awk '/^include %D%\/mail\// { held = $0; next } { print } /^include %D%\/session\// { print held }' \
	"$top_srcdir/milter/local.mk" >"$tmp/src/milter/local.mk"
refused "a build order other than the list's" \
	'milter/local.mk includes the folders in the order'

copy
echo '#define LG_CATCHALL_LOG 1' >"$tmp/src/plugins/catchall/log.h"
put plugins/catchall/catchall.c '#include <loopguard/plugin.h>' '#include "log.h"'
accepted "a plugin's own header that shares a core header's name"

copy
put milter/util/clock.c '/* Utility library. */' '#ifdef LG_CLOCK_EXTRA'
put milter/util/clock.c '#include "clock.h"' '#endif'
accepted "a conditional inside an include group"

copy
mkdir "$tmp/src/milter/extra"
echo 'int lg_extra;' >"$tmp/src/milter/extra/extra.c"
refused "a folder missing from milter/layers" \
	'folder milter/extra is not in milter/layers'

copy
cp "$tmp/src/milter/util/log.h" "$tmp/src/milter/mail/log.h"
refused "one header name in two folders" \
	'header log.h exists in more than one folder'

# The calls: with session listed above host, host's calls into the
# session point up. Read from the objects, not from the includes.
copy
awk '$1 == "session" { held = $0; next } { print } $1 == "host" { print held }' \
	"$top_srcdir/milter/layers" >"$tmp/src/milter/layers"
refused "a call up, seen in the built libraries" \
	'milter/host calls lg_session_queue_id of milter/session, a layer above it' \
	-s "$top_builddir"

echo "# passed $passed, failed $failed"
[ "$failed" -eq 0 ]
