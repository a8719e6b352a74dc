# plugins/: one folder per plugin, each built as plugins/NAME.la so all
# the modules land in plugins/.libs/ (the tests' plugin_dir).

pkglib_LTLIBRARIES += plugins/catchall.la
plugins_catchall_la_SOURCES = plugins/catchall/catchall.c
plugins_catchall_la_LDFLAGS = $(PLUGIN_LDFLAGS)

pkglib_LTLIBRARIES += plugins/repeat.la
plugins_repeat_la_SOURCES = plugins/repeat/repeat.c
plugins_repeat_la_LDFLAGS = $(PLUGIN_LDFLAGS)

pkglib_LTLIBRARIES += plugins/harvest.la
plugins_harvest_la_SOURCES = plugins/harvest/harvest.c \
	plugins/harvest/harvest_net.c plugins/harvest/harvest.h
plugins_harvest_la_LDFLAGS = $(PLUGIN_LDFLAGS)

pkglib_LTLIBRARIES += plugins/autoreply.la
plugins_autoreply_la_SOURCES = plugins/autoreply/autoreply.c \
	plugins/autoreply/autoreply_text.c plugins/autoreply/autoreply.h
plugins_autoreply_la_LDFLAGS = $(PLUGIN_LDFLAGS)

pkglib_LTLIBRARIES += plugins/bounce.la
plugins_bounce_la_SOURCES = plugins/bounce/bounce.c \
	plugins/bounce/bounce_judge.c plugins/bounce/bounce_reply.c \
	plugins/bounce/bounce_rcpt.c plugins/bounce/bounce_report.c \
	plugins/bounce/bounce_plugin.h \
	plugins/bounce/bounce_mime.c plugins/bounce/bounce.h \
	plugins/bounce/bounce_lines.c plugins/bounce/bounce_decode.c \
	plugins/bounce/bounce_dsn.c plugins/bounce/bounce_inline.c \
	plugins/bounce/bounce_fields.c \
	plugins/bounce/bounce_impl.h
plugins_bounce_la_LDFLAGS = $(PLUGIN_LDFLAGS)
# BATV: signed envelope senders, HMAC-SHA1 from libcrypto
plugins_bounce_la_SOURCES += plugins/bounce/batv.c \
	plugins/bounce/batv_config.c plugins/bounce/batv_tag.c \
	plugins/bounce/batv.h plugins/bounce/batv_impl.h
plugins_bounce_la_CFLAGS = $(AM_CFLAGS) $(LIBCRYPTO_CFLAGS)
plugins_bounce_la_LIBADD = $(LIBCRYPTO_LIBS)
