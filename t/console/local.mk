# t/console: loopguard-console. Unit suites for its pure parts (Check)
# and shell tests that start a real daemon and a real console through
# the shared fixture %D%/lib/console.sh and talk to it with curl (and
# a browser). Each helper of the console appends its own lines below.
EXTRA_DIST += %D%/lib/console.sh %D%/lib/probe.lua

# core: the HTTP limits (t_console_limits), logins, roles, CSRF and the
# failure limit (t_console_auth), TLS, the plain-HTTP rule and a unix
# socket (t_console_tls), the user command and the users file at start
# (t_console_users), and the pure parts in Check suites.
CONSOLE_CORE_TESTS = %D%/t_console_limits.sh %D%/t_console_auth.sh \
	%D%/t_console_tls.sh %D%/t_console_users.sh
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
# the actions and the statistics' requests, with a fake daemon
check_PROGRAMS += %D%/check_console_views_act
%C%_check_console_views_act_SOURCES = %D%/check_console_views_act.c \
	console/console_daemon.c console/console_query.c console/console_rows.c \
	console/console_views.h console/console_buf.c console/console.h \
	ctl/ctl_text.c ctl/ctl_conn.c ctl/ctl.h milter/util/escape.c \
	milter/util/escape.h
%C%_check_console_views_act_CFLAGS = $(AM_CFLAGS) -I$(top_srcdir)/console \
	-I$(top_srcdir)/ctl -I$(top_srcdir)/milter/util $(CHECK_CFLAGS)
%C%_check_console_views_act_LDADD = $(CHECK_LIBS)
TESTS += %D%/check_console_views_act
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
TESTS += %D%/t_console_events.sh
dist_noinst_SCRIPTS += %D%/t_console_events.sh
EXTRA_DIST += %D%/events_message.lua

# the console in headless chromium: t_browser.sh (a harvest probe through
# a private Postfix, the mailer's target down then up) drives browser.py
TESTS += %D%/t_browser.sh
dist_noinst_SCRIPTS += %D%/t_browser.sh
EXTRA_DIST += %D%/browser.py

# the core's sources without main(), for its Check suites
CONSOLE_CORE_SRC = console/console_config.c console/console_log.c \
	console/console_buf.c console/console_users.c console/console_auth.c \
	console/console_authcache.c console/console_session.c console/console_login.c console/console_http.c \
	console/console_listen.c console/console_tls.c console/console_ctl.c \
	console/console_readcache.c \
	ctl/ctl_conn.c ctl/ctl_text.c milter/util/escape.c
CONSOLE_CHECK_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) -I$(top_srcdir)/console \
	-I$(top_srcdir)/ctl -I$(top_srcdir)/milter/util $(MHD_CFLAGS) \
	$(GNUTLS_CFLAGS) $(LIBCRYPT_CFLAGS) $(LIBCONFIG_CFLAGS)
CONSOLE_CHECK_LDADD = $(CHECK_LIBS) $(MHD_LIBS) $(GNUTLS_LIBS) \
	$(LIBCRYPT_LIBS) $(LIBCONFIG_LIBS)
check_PROGRAMS += %D%/check_console_buf %D%/check_console_auth
%C%_check_console_buf_SOURCES = %D%/check_console_buf.c console/console_buf.c
%C%_check_console_buf_CFLAGS = $(CONSOLE_CHECK_CFLAGS)
%C%_check_console_buf_LDADD = $(CHECK_LIBS)
%C%_check_console_auth_SOURCES = %D%/check_console_auth.c $(CONSOLE_CORE_SRC)
%C%_check_console_auth_CFLAGS = $(CONSOLE_CHECK_CFLAGS)
%C%_check_console_auth_LDADD = $(CONSOLE_CHECK_LDADD)
TESTS += %D%/check_console_buf %D%/check_console_auth
# the console's recent answers to reads (console_readcache.c)
check_PROGRAMS += %D%/check_console_readcache
%C%_check_console_readcache_SOURCES = %D%/check_console_readcache.c \
	console/console_readcache.c ctl/ctl_conn.c
%C%_check_console_readcache_CFLAGS = $(CONSOLE_CHECK_CFLAGS)
%C%_check_console_readcache_LDADD = $(CHECK_LIBS)
TESTS += %D%/check_console_readcache


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
