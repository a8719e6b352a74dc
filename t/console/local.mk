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

# the views' parameters, reply parsers and HTML/JSON writers; the pages
# and the JSON API against a real daemon and console
check_PROGRAMS += %D%/check_console_views
%C%_check_console_views_SOURCES = %D%/check_console_views.c \
	console/console_query.c console/console_rows.c console/console_page.c \
	console/console_table.c console/console_json.c console/console_flash.c \
	console/console_views.h console/console_buf.c console/console.h \
	ctl/ctl_text.c ctl/ctl_conn.c ctl/ctl.h milter/util/escape.c \
	milter/util/escape.h
%C%_check_console_views_CFLAGS = $(AM_CFLAGS) -I$(top_srcdir)/console \
	-I$(top_srcdir)/ctl -I$(top_srcdir)/milter/util $(CHECK_CFLAGS)
%C%_check_console_views_LDADD = $(CHECK_LIBS)
TESTS += %D%/check_console_views
TESTS += %D%/t_console_api.sh %D%/t_console_pages.sh
dist_noinst_SCRIPTS += %D%/t_console_api.sh %D%/t_console_pages.sh

# the chart's buckets, state file and drawing (console_chart_data.c,
# console_chart_draw.c); /events and the chart against a real daemon
check_PROGRAMS += %D%/check_console_chart
%C%_check_console_chart_SOURCES = %D%/check_console_chart.c \
	console/console_chart_data.c console/console_chart_draw.c \
	console/console_chart.h console/console_buf.c console/console.h
%C%_check_console_chart_CFLAGS = $(AM_CFLAGS) -I$(top_srcdir)/console \
	$(CHECK_CFLAGS)
%C%_check_console_chart_LDADD = $(CHECK_LIBS)
TESTS += %D%/check_console_chart

# the console in headless chromium: t_browser.sh (a harvest probe through
# a private Postfix, the mailer's target down then up) drives browser.py
TESTS += %D%/t_browser.sh
dist_noinst_SCRIPTS += %D%/t_browser.sh
EXTRA_DIST += %D%/browser.py
