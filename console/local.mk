# console/: loopguard-console, the web console. A process of its own
# that talks to the daemon only through the control socket (the plain
# text protocol of milter/control/control_cmd.h); it links none of the
# core, only loopguardctl's socket client and the log escaper.
sbin_PROGRAMS += loopguard-console
loopguard_console_SOURCES = console/console.h console/console_impl.h \
	console/console_main.c console/console_config.c console/console_log.c \
	console/console_buf.c console/console_users.c console/console_users_cmd.c \
	console/console_auth.c console/console_session.c console/console_login.c \
	console/console_http.c console/console_listen.c console/console_tls.c \
	console/console_ctl.c
# the pages, the JSON API, the change events and the chart
loopguard_console_SOURCES += console/console_views.c \
	console/console_events.c console/console_chart.c
# /metrics
loopguard_console_SOURCES += console/console_metrics.c
# the control socket client and text helpers, shared with loopguardctl
loopguard_console_SOURCES += ctl/ctl_conn.c ctl/ctl_text.c ctl/ctl.h \
	milter/util/escape.c milter/util/escape.h
loopguard_console_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/console \
	-I$(top_srcdir)/ctl -I$(top_srcdir)/milter/util \
	$(MHD_CFLAGS) $(GNUTLS_CFLAGS) $(LIBCRYPT_CFLAGS) $(LIBCONFIG_CFLAGS)
loopguard_console_LDADD = $(MHD_LIBS) $(GNUTLS_LIBS) $(LIBCRYPT_LIBS) \
	$(LIBCONFIG_LIBS)
