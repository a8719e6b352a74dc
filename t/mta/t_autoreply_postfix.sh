#!/usr/bin/env bash
# t/mta/t_autoreply_postfix.sh - the autoreply plugin and the outbox through
#	a private Postfix
#
# DESCRIPTION
#	See autoreply_scenarios.sh. Needs root, python3 and a built tree:
#	the daemon, loopguardctl and the plugins.
#
# EXIT STATUS
#	0 all passed, 1 a scenario failed, 77 skipped (not root).
set -euo pipefail

mta_dir=$(cd "$(dirname "$0")" && pwd)
. "$mta_dir/../lib/mta.sh"
. "$mta_dir/autoreply_scenarios.sh"

ar_main postfix
