# milter/: the daemon, in one folder per subsystem. Each folder is a
# convenience library with a local.mk of its own, included here from
# the bottom layer up: the order below is the dependency order, the
# same as in milter/layers, which "make check" holds every #include
# to (t/t_layers.sh). A folder's CPPFLAGS name only itself and the
# folders below it, so an include that points up does not compile.

loopguardincludedir = $(includedir)/loopguard
loopguardinclude_HEADERS = milter/include/loopguard/plugin.h
EXTRA_DIST += milter/layers

include %D%/util/local.mk
include %D%/store/local.mk
include %D%/store/snapshot/local.mk
include %D%/store/memory/local.mk
include %D%/store/redis/local.mk
include %D%/store/open/local.mk
include %D%/directory/local.mk
include %D%/config/local.mk
include %D%/mta/local.mk
include %D%/mail/local.mk
include %D%/session/local.mk
include %D%/dkim/local.mk
include %D%/host/local.mk
include %D%/control/local.mk

# Every folder's headers: for the program, which sits on top, and for
# the tests, which may look at any layer.
LG_CPPFLAGS_ALL = $(LG_CPPFLAGS_CONTROL)

# The core: every folder's library, top layer first, as a static link
# wants them. The unit tests link the real core through it.
noinst_LTLIBRARIES += %D%/libcore.la
%C%_libcore_la_SOURCES =
%C%_libcore_la_LIBADD = \
	%D%/control/liblg_control.la \
	%D%/host/liblg_host.la \
	%D%/dkim/liblg_dkim.la \
	%D%/session/liblg_session.la \
	%D%/mail/liblg_mail.la \
	%D%/mta/liblg_mta.la \
	%D%/config/liblg_config.la \
	%D%/directory/liblg_directory.la \
	%D%/store/open/liblg_store_open.la \
	%D%/store/redis/liblg_redis.la \
	%D%/store/memory/liblg_memory.la \
	%D%/store/snapshot/liblg_snapshot.la \
	%D%/store/liblg_store.la \
	%D%/util/liblg_util.la

# The program: main(), the daemon's life cycle, and milter.c, the only
# file that includes libmilter.
sbin_PROGRAMS += loopguard
loopguard_SOURCES = \
	%D%/main.c \
	%D%/daemon.c %D%/daemon.h \
	%D%/folders.c %D%/folders.h \
	%D%/ready.c %D%/ready.h \
	%D%/reload.c %D%/reload.h \
	%D%/signals.c %D%/signals.h \
	%D%/milter.c %D%/milter.h
loopguard_CPPFLAGS = $(AM_CPPFLAGS) $(LG_CPPFLAGS_ALL) -I$(top_srcdir)/%D%
loopguard_CFLAGS = $(AM_CFLAGS) $(LIBCONFIG_CFLAGS)
loopguard_LDADD = %D%/libcore.la $(MILTER_LIBS) $(LIBCONFIG_LIBS) \
	$(HIREDIS_LIBS) $(OPENDKIM_LIBS) $(LMDB_LIBS)
