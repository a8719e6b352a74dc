#!/usr/bin/env bash
# t/mta/t_chgfrom_postfix.sh - a plugin's sender change through a private Postfix
#
# DESCRIPTION
#	See chgfrom_scenarios.sh. Needs root and a built tree.
#
# EXIT STATUS
#	0 all passed, 1 a check failed, 77 skipped.
set -euo pipefail

mta_dir=$(cd "$(dirname "$0")" && pwd)
. "$mta_dir/../lib/mta.sh"
CF_KIND=postfix
. "$mta_dir/chgfrom_scenarios.sh"
