# milter/: the daemon. Everything but the libmilter glue and main() is
# in a convenience library, so the unit tests link the real core.

loopguardincludedir = $(includedir)/loopguard
loopguardinclude_HEADERS = milter/include/loopguard/plugin.h

noinst_LTLIBRARIES += milter/libcore.la
milter_libcore_la_SOURCES = \
	milter/clock.c milter/clock.h \
	milter/log.c milter/log.h milter/log_setting.c milter/log_impl.h \
	milter/hostname.c milter/hostname.h \
	milter/parse.c milter/parse.h \
	milter/recipients.c milter/recipients.h \
	milter/settings.c milter/settings.h milter/settings_state.c \
	milter/settings_keys.c milter/settings_impl.h milter/settings_process.c \
	milter/section.c milter/section.h \
	milter/plugin_loader.c milter/plugin_loader.h \
	milter/session.c milter/session.h milter/session_impl.h \
	milter/session_log.c \
	milter/postfix_check.c milter/postfix_check.h milter/postfix_read.c milter/postconf.c milter/postconf.h \
	milter/edits.c milter/arena.c milter/arena.h \
	milter/counters.c milter/counters.h \
	milter/control.c milter/control.h milter/control_cmd.c milter/control_cmd.h \
	milter/control_entries.c milter/control_impl.h \
	milter/host.c milter/host.h \
	milter/store.c milter/store.h \
	milter/store_memory.c milter/store_memory.h \
	milter/store_entry.c milter/store_shard.c milter/store_shard.h \
	milter/snapshot_write.c milter/snapshot_read.c milter/snapshot_crc.c \
	milter/snapshot.h milter/snapshot_impl.h
milter_libcore_la_SOURCES += \
	milter/store_redis.c milter/store_redis.h milter/store_redis_impl.h \
	milter/store_redis_conn.c milter/store_redis_scan.c
milter_libcore_la_CFLAGS = $(AM_CFLAGS) $(LIBCONFIG_CFLAGS) $(HIREDIS_CFLAGS)
milter_libcore_la_LIBADD = $(LIBCONFIG_LIBS) $(HIREDIS_LIBS)

sbin_PROGRAMS += loopguard
loopguard_SOURCES = \
	milter/main.c \
	milter/daemon.c milter/daemon.h \
	milter/folders.c milter/folders.h \
	milter/ready.c milter/ready.h \
	milter/reload.c milter/reload.h \
	milter/signals.c milter/signals.h \
	milter/milter.c milter/milter.h
loopguard_CFLAGS = $(AM_CFLAGS) $(LIBCONFIG_CFLAGS)
loopguard_LDADD = milter/libcore.la $(MILTER_LIBS) $(LIBCONFIG_LIBS) $(HIREDIS_LIBS)


# Generated mail (outbox, mailer) and DKIM verification for plugins.
milter_libcore_la_SOURCES += \
	milter/settings_mailer.c milter/outbox.c milter/outbox.h \
	milter/mailer.c milter/mailer.h milter/mailer_exec.c \
	milter/mailer_smtp.c milter/dkim.c milter/dkim_buffer.c milter/lg_dkim.h \
	milter/host_mail.c milter/control_outbox.c
milter_libcore_la_CFLAGS += $(OPENDKIM_CFLAGS)
milter_libcore_la_LIBADD += $(OPENDKIM_LIBS)
loopguard_LDADD += $(OPENDKIM_LIBS)
