# t/console: loopguard-console. Unit suites for its pure parts (Check)
# and shell tests that start a real daemon and a real console through
# the shared fixture %D%/lib/console.sh and talk to it with curl (and
# a browser). Each helper of the console appends its own lines below.
EXTRA_DIST += %D%/lib/console.sh
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
