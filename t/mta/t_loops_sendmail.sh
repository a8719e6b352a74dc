#!/usr/bin/env bash
# t/mta/t_loops_sendmail.sh - repeat, harvest and loopguardctl through a private Sendmail
#
# DESCRIPTION
#	See loop_scenarios.sh. Needs root and a built tree: the daemon
#	($top_builddir/loopguard or $LOOPGUARD), the plugins ($PLUGIN_DIR)
#	and the control client ($top_builddir/loopguardctl or $LOOPGUARDCTL).
#
# EXIT STATUS
#	0 all passed, 1 a scenario failed, 77 skipped (not root).
set -euo pipefail

mta_dir=$(cd "$(dirname "$0")" && pwd)
. "$mta_dir/../lib/mta.sh"
. "$mta_dir/loop_scenarios.sh"

lp_main sendmail
