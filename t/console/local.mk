# t/console: loopguard-console. Unit suites for its pure parts (Check)
# and shell tests that start a real daemon and a real console through
# the shared fixture %D%/lib/console.sh and talk to it with curl (and
# a browser). Each helper of the console appends its own lines below.
EXTRA_DIST += %D%/lib/console.sh
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
