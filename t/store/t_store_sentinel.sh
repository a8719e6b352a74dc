#!/bin/bash
# t_store_sentinel.sh - run check_store_sentinel against the Sentinel
# setup of t/lib/sentinel.sh (a master, a replica, three sentinels).
# Exits 77 when redis-server, redis-sentinel or redis-cli is missing.
set -u
. "$(dirname "$0")/../lib/lib.sh"
. "$t_lib/sentinel.sh"

why=$(sn_missing); [ -z "$why" ] || skip "$why"
prog=$top_builddir/t/store/check_store_sentinel
[ -x "$prog" ] || skip "$prog is not built"
lg_workdir store-sentinel
lg_cleanup_hook() { sn_stop; }
sn_start "$tmp" || { echo "the Sentinel setup did not start"; exit 1; }
SN_SENTINELS=$(sn_sentinels | paste -sd' ' -) SN_MASTER=$SN_MASTER_PORT \
	SN_REPLICA=$SN_REPLICA_PORT SN_NAME=$SN_NAME "$prog"
