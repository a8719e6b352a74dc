# t/console: loopguard-console. Unit suites for its pure parts (Check)
# and shell tests that start a real daemon and a real console through
# the shared fixture %D%/lib/console.sh and talk to it with curl (and
# a browser). Each helper of the console appends its own lines below.
EXTRA_DIST += %D%/lib/console.sh

# core: the HTTP limits (t_console_limits), logins, roles, CSRF and the
# failure limit (t_console_auth), TLS and the plain-HTTP rule
# (t_console_tls), and the pure parts in Check suites.
CONSOLE_CORE_TESTS = %D%/t_console_limits.sh %D%/t_console_auth.sh \
	%D%/t_console_tls.sh
TESTS += $(CONSOLE_CORE_TESTS)
dist_noinst_SCRIPTS += $(CONSOLE_CORE_TESTS)

# /metrics: the stats-to-text conversion (check_console_metrics), the
# route against a real daemon and console (t_console_metrics.sh), and a
# real Prometheus scraping it (t_prometheus.sh); metrics_mail.lua moves
# the daemon's counters by known amounts.
check_PROGRAMS += %D%/check_console_metrics
%C%_check_console_metrics_SOURCES = %D%/check_console_metrics.c \
	console/console_metrics_text.c console/console_metrics.h \
	console/console_buf.c ctl/ctl_text.c milter/util/escape.c
%C%_check_console_metrics_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/console \
	-I$(top_srcdir)/ctl -I$(top_srcdir)/milter/util
%C%_check_console_metrics_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
%C%_check_console_metrics_LDADD = $(CHECK_LIBS)
TESTS += %D%/check_console_metrics
TESTS += %D%/t_console_metrics.sh
dist_noinst_SCRIPTS += %D%/t_console_metrics.sh
EXTRA_DIST += %D%/metrics_mail.lua
TESTS += %D%/t_prometheus.sh
dist_noinst_SCRIPTS += %D%/t_prometheus.sh
