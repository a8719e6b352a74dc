#!/usr/bin/env bash
# run.sh - build loopguard when needed and run it in the foreground
#
# SYNOPSIS
#	./run.sh [extra loopguard options]
#
# DESCRIPTION
#	Installs the missing build packages (scripts/deps.sh build), runs
#	autogen.sh and configure only when their outputs are missing or
#	older than their inputs, lets make rebuild what changed, and then
#	replaces itself with "./loopguard -f -c conf/loopguard.conf". The
#	plugins of this build tree are found through LOOPGUARD_PLUGIN_DIR
#	(used when the config sets no plugin_dir). Stop it with Ctrl-C or
#	SIGTERM; SIGUSR1 reloads the config.
#
#	LOOPGUARD_CONF names another config file.
set -euo pipefail

cd "$(dirname "$0")"
top=$(pwd)
conf=${LOOPGUARD_CONF:-conf/loopguard.conf}

die() { printf 'run.sh: error: %s\n' "$*" >&2; exit 1; }

scripts/deps.sh build

if [ ! -x configure ] || [ configure.ac -nt configure ]; then
	./autogen.sh || die "autogen.sh failed"
fi
if [ ! -f Makefile ] || [ ! -f config.status ] || [ configure -nt config.status ]; then
	./configure || die "configure failed (see config.log)"
fi
make -j2 || die "the build failed"

[ -x ./loopguard ] || die "make built no ./loopguard"
[ -f "$conf" ] || die "no config file $conf"
export LOOPGUARD_PLUGIN_DIR=${LOOPGUARD_PLUGIN_DIR:-$top/plugins/.libs}
exec ./loopguard -f -c "$conf" "$@"
