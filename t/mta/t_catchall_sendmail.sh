#!/usr/bin/env bash
# t/mta/t_catchall_sendmail.sh - the catchall plugin through a private Sendmail
#
# DESCRIPTION
#	See catchall_scenarios.sh. Needs root and a built tree: the daemon
#	($top_builddir/loopguard or $LOOPGUARD) and the plugins ($PLUGIN_DIR).
#
# EXIT STATUS
#	0 all passed, 1 a scenario failed, 77 skipped (not root).
set -euo pipefail

mta_dir=$(cd "$(dirname "$0")" && pwd)
. "$mta_dir/../lib/mta.sh"
. "$mta_dir/catchall_scenarios.sh"

cs_main sendmail
