#!/usr/bin/env bash
# bench/rspamd_install.sh - install Debian's rspamd for bench/run, starting nothing
#
# SYNOPSIS
#	bench/rspamd_install.sh
#
# DESCRIPTION
#	Runs "apt-get install -y --no-install-recommends rspamd" with a
#	policy-rc.d that refuses every service start (exit 101), so the
#	package's own rspamd is never started; the policy-rc.d is removed
#	again on any exit (a policy-rc.d that was there before is kept).
#	bench/run calls it when rspamd is missing and --no-rspamd is not
#	given. It starts nothing and leaves no service running.
#
# DIAGNOSTICS
#	Exit 0 when rspamd is installed (or was already), 77 when it cannot
#	be (not root, no apt-get, no network or no such package), with the
#	reason on stderr.
set -u

command -v rspamd >/dev/null 2>&1 && exit 0
[ "$(id -u)" -eq 0 ] || { echo "rspamd_install: not root" >&2; exit 77; }
command -v apt-get >/dev/null 2>&1 ||
	{ echo "rspamd_install: no apt-get" >&2; exit 77; }

prc=/usr/sbin/policy-rc.d
if [ -e "$prc" ]; then
	echo "rspamd_install: $prc exists; using it as it is" >&2
	own=0
else
	printf '#!/bin/sh\n# bench/rspamd_install.sh: start no service\nexit 101\n' >"$prc"
	chmod 0755 "$prc"
	own=1
fi
# unpolicy - remove our policy-rc.d again
unpolicy() { [ "$own" -eq 0 ] || rm -f "$prc"; }
trap unpolicy EXIT

log=$(mktemp "${TMPDIR:-/tmp}/rspamd-install.XXXXXX")
if ! DEBIAN_FRONTEND=noninteractive timeout 600 apt-get install -y \
	--no-install-recommends rspamd >"$log" 2>&1; then
	# the package lists may be stale: one update, one more try
	if ! { timeout 300 apt-get update >>"$log" 2>&1 &&
	       DEBIAN_FRONTEND=noninteractive timeout 600 apt-get install -y \
		--no-install-recommends rspamd >>"$log" 2>&1; }; then
		echo "rspamd_install: apt-get could not install rspamd (no network?):" >&2
		tail -n 5 "$log" >&2
		rm -f "$log"
		exit 77
	fi
fi
rm -f "$log"
command -v rspamd >/dev/null 2>&1 ||
	{ echo "rspamd_install: rspamd still missing after apt-get" >&2; exit 77; }
echo "rspamd_install: $(rspamd --version 2>/dev/null | head -n 1) installed; no service started" >&2
exit 0
