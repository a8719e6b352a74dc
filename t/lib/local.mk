# t/lib: what the tests share: the fake host over the real core (for the
# Check suites), a recipient source whose answers a test sets, the shell tests' lib.sh, the real-MTA harness (mta.sh,
# postfix.sh, sendmail.sh, smtp_load.py), valgrind's suppressions, and
# plugins that exist only to test the loader and the core.
check_LTLIBRARIES += %D%/libfakehost.la
%C%_libfakehost_la_SOURCES = %D%/fakehost.c %D%/fakehost.h %D%/fh_mail.c \
	%D%/fake_source.c %D%/fake_source.h
%C%_libfakehost_la_CFLAGS = $(AM_CFLAGS) $(LG_CPPFLAGS_ALL) $(CHECK_CFLAGS) $(LIBCONFIG_CFLAGS)
%C%_libfakehost_la_LIBADD = milter/libcore.la $(CHECK_LIBS) $(LIBCONFIG_LIBS) $(LMDB_LIBS)

# Every Check suite: the fake host and the real core; any layer's
# headers and fakehost.h.
CHECK_LDADD = %D%/libfakehost.la milter/libcore.la $(CHECK_LIBS) $(LIBCONFIG_LIBS) $(HIREDIS_LIBS) \
	$(LMDB_LIBS)
CHECK_CFLAGS_ALL = $(AM_CFLAGS) $(LG_CPPFLAGS_ALL) -I$(top_srcdir)/%D% \
	$(CHECK_CFLAGS) $(LIBCONFIG_CFLAGS)

# The loader's test plugins, all in %D%/plugins/.libs (TEST_PLUGIN_DIR).
TEST_PLUGIN_LDFLAGS = -module -avoid-version -shared -rpath /nowhere
check_LTLIBRARIES += %D%/plugins/testplug.la %D%/plugins/badmajor.la \
	%D%/plugins/shortstruct.la %D%/plugins/nosymbol.la
%C%_plugins_testplug_la_SOURCES = %D%/plugins/testplug.c
%C%_plugins_testplug_la_LDFLAGS = $(TEST_PLUGIN_LDFLAGS)
%C%_plugins_badmajor_la_SOURCES = %D%/plugins/badmajor.c
%C%_plugins_badmajor_la_LDFLAGS = $(TEST_PLUGIN_LDFLAGS)
%C%_plugins_shortstruct_la_SOURCES = %D%/plugins/shortstruct.c
%C%_plugins_shortstruct_la_LDFLAGS = $(TEST_PLUGIN_LDFLAGS)
%C%_plugins_nosymbol_la_SOURCES = %D%/plugins/nosymbol.c
%C%_plugins_nosymbol_la_LDFLAGS = $(TEST_PLUGIN_LDFLAGS)
# stepspy writes down the steps it sees; stepold is the same plugin
# as an ABI 1.2 plugin without needs.
check_LTLIBRARIES += %D%/plugins/stepspy.la %D%/plugins/stepold.la
%C%_plugins_stepspy_la_SOURCES = %D%/plugins/stepspy.c
%C%_plugins_stepspy_la_LDFLAGS = $(TEST_PLUGIN_LDFLAGS)
%C%_plugins_stepold_la_SOURCES = %D%/plugins/stepspy.c
%C%_plugins_stepold_la_CPPFLAGS = $(AM_CPPFLAGS) -DSTEPSPY_OLD
%C%_plugins_stepold_la_LDFLAGS = $(TEST_PLUGIN_LDFLAGS)

# tagspy tries the ABI 1.4 members: untag, count, change_sender.
check_LTLIBRARIES += %D%/plugins/tagspy.la
%C%_plugins_tagspy_la_SOURCES = %D%/plugins/tagspy.c
%C%_plugins_tagspy_la_LDFLAGS = $(TEST_PLUGIN_LDFLAGS)

# syslogspy, preloaded into the daemon, writes what it sends to syslog
# (libmilter's own warnings) into a file.
check_LTLIBRARIES += %D%/syslogspy.la
%C%_syslogspy_la_SOURCES = %D%/syslogspy.c
%C%_syslogspy_la_LDFLAGS = $(TEST_PLUGIN_LDFLAGS)

EXTRA_DIST += %D%/lib.sh %D%/mta.sh %D%/valgrind.supp %D%/miltertest.lua \
	%D%/postconf-hostname.sh
dist_noinst_SCRIPTS += %D%/postfix.sh %D%/sendmail.sh %D%/smtp_load.py
