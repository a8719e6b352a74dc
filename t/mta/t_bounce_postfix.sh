#!/usr/bin/env bash
# t/mta/t_bounce_postfix.sh - the bounce plugin through a private Postfix
#
# DESCRIPTION
#	See bounce_scenarios.sh. Needs root and a built tree: the daemon
#	($top_builddir/loopguard or $LOOPGUARD) and the plugins ($PLUGIN_DIR).
#
# EXIT STATUS
#	0 all passed, 1 a scenario failed, 77 skipped (not root).
set -euo pipefail

mta_dir=$(cd "$(dirname "$0")" && pwd)
. "$mta_dir/../lib/mta.sh"
. "$mta_dir/bounce_scenarios.sh"

bs_main
