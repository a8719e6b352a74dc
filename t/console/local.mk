# t/console: loopguard-console. Unit suites for its pure parts (Check)
# and shell tests that start a real daemon and a real console through
# the shared fixture %D%/lib/console.sh and talk to it with curl (and
# a browser). Each helper of the console appends its own lines below.
EXTRA_DIST += %D%/lib/console.sh

# core: the HTTP limits (t_console_limits), logins, roles, CSRF and the
# failure limit (t_console_auth), TLS and the plain-HTTP rule
# (t_console_tls), and the pure parts in Check suites.
CONSOLE_CORE_TESTS = %D%/t_console_limits.sh %D%/t_console_auth.sh
TESTS += $(CONSOLE_CORE_TESTS)
dist_noinst_SCRIPTS += $(CONSOLE_CORE_TESTS)
