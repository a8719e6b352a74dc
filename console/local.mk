# console/: loopguard-console, the web console. A process of its own
# that talks to the daemon only through the control socket (the plain
# text protocol of milter/control/control_cmd.h); it links none of the
# core, only loopguardctl's socket client and the log escaper.
sbin_PROGRAMS += loopguard-console
loopguard_console_SOURCES = console/console.h console/console_impl.h \
	console/console_main.c console/console_config.c console/console_log.c \
	console/console_buf.c console/console_users.c console/console_users_cmd.c \
	console/console_auth.c console/console_authcache.c console/console_session.c \
	console/console_login.c \
	console/console_http.c console/console_listen.c console/console_tls.c \
	console/console_ctl.c console/console_readcache.c
# the pages, the JSON API, the change events and the chart
loopguard_console_SOURCES += console/console_views.c \
	console/console_events.c console/console_chart.c \
	console/console_events.h console/console_events_watch.c \
	console/console_chart.h console/console_chart_data.c \
	console/console_chart_draw.c
# the views: pages, forms, JSON API, /static/ (console_views.h), with
# console/www built in as C strings by an awk script
loopguard_console_SOURCES += console/console_views.h console/console_query.c \
	console/console_rows.c console/console_page.c console/console_table.c \
	console/console_json.c console/console_flash.c console/console_daemon.c \
	console/console_api.c console/console_static.c
nodist_loopguard_console_SOURCES = console/console_www.c
console_www_files = console/www/console.css console/www/console.js
EXTRA_DIST += console/www/embed.awk $(console_www_files)
CLEANFILES += console/console_www.c
console/console_www.c: $(srcdir)/console/www/embed.awk \
		$(console_www_files:%=$(srcdir)/%)
	$(AM_V_GEN)$(MKDIR_P) console && \
	$(AWK) -f $(srcdir)/console/www/embed.awk \
		$(console_www_files:%=$(srcdir)/%) > $@.tmp && mv $@.tmp $@
# /metrics
loopguard_console_SOURCES += console/console_metrics.c \
	console/console_metrics_text.c console/console_metrics.h
# the control socket client and text helpers, shared with loopguardctl
loopguard_console_SOURCES += ctl/ctl_conn.c ctl/ctl_text.c ctl/ctl.h \
	milter/util/escape.c milter/util/escape.h
loopguard_console_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/console \
	-I$(top_srcdir)/ctl -I$(top_srcdir)/milter/util \
	$(MHD_CFLAGS) $(GNUTLS_CFLAGS) $(LIBCRYPT_CFLAGS) $(LIBCONFIG_CFLAGS)
loopguard_console_LDADD = $(MHD_LIBS) $(GNUTLS_LIBS) $(LIBCRYPT_LIBS) \
	$(LIBCONFIG_LIBS)
