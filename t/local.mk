# t/: Check unit tests, the fake host, miltertest scripts, MTA tests.
TESTS_ENVIRONMENT_COMMON = \
	top_srcdir='$(abs_top_srcdir)' top_builddir='$(abs_top_builddir)' \
	PLUGIN_DIR='$(abs_top_builddir)/plugins/.libs' \
	TEST_PLUGIN_DIR='$(abs_top_builddir)/t/plugins/.libs'
AM_TESTS_ENVIRONMENT = $(TESTS_ENVIRONMENT_COMMON); export top_srcdir top_builddir PLUGIN_DIR TEST_PLUGIN_DIR;

# Shared by the Check suites: the fake host over the real core.
noinst_LTLIBRARIES += t/libfakehost.la
t_libfakehost_la_SOURCES = t/fakehost.c t/fakehost.h
t_libfakehost_la_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(LIBCONFIG_CFLAGS)
t_libfakehost_la_LIBADD = milter/libcore.la $(CHECK_LIBS) $(LIBCONFIG_LIBS)

CHECK_LDADD = t/libfakehost.la milter/libcore.la $(CHECK_LIBS) $(LIBCONFIG_LIBS)
CHECK_CFLAGS_ALL = $(AM_CFLAGS) $(CHECK_CFLAGS) $(LIBCONFIG_CFLAGS)

check_PROGRAMS += t/check_parse t/check_recipients
t_check_parse_SOURCES = t/check_parse.c
t_check_parse_CFLAGS = $(CHECK_CFLAGS_ALL)
t_check_parse_LDADD = $(CHECK_LDADD)
t_check_recipients_SOURCES = t/check_recipients.c
t_check_recipients_CFLAGS = $(CHECK_CFLAGS_ALL)
t_check_recipients_LDADD = $(CHECK_LDADD)

TESTS += t/check_parse t/check_recipients

# Plugins that exist only to test the loader and the core.
TEST_PLUGIN_LDFLAGS = -module -avoid-version -shared -rpath /nowhere
check_LTLIBRARIES += t/plugins/testplug.la t/plugins/badmajor.la \
	t/plugins/shortstruct.la t/plugins/nosymbol.la
t_plugins_testplug_la_SOURCES = t/plugins/testplug.c
t_plugins_testplug_la_LDFLAGS = $(TEST_PLUGIN_LDFLAGS)
t_plugins_badmajor_la_SOURCES = t/plugins/badmajor.c
t_plugins_badmajor_la_LDFLAGS = $(TEST_PLUGIN_LDFLAGS)
t_plugins_shortstruct_la_SOURCES = t/plugins/shortstruct.c
t_plugins_shortstruct_la_LDFLAGS = $(TEST_PLUGIN_LDFLAGS)
t_plugins_nosymbol_la_SOURCES = t/plugins/nosymbol.c
t_plugins_nosymbol_la_LDFLAGS = $(TEST_PLUGIN_LDFLAGS)

check_PROGRAMS += t/check_config t/check_core t/check_catchall
t_check_config_SOURCES = t/check_config.c
t_check_config_CFLAGS = $(CHECK_CFLAGS_ALL)
t_check_config_LDADD = $(CHECK_LDADD)
t_check_core_SOURCES = t/check_core.c
t_check_core_CFLAGS = $(CHECK_CFLAGS_ALL)
t_check_core_LDADD = $(CHECK_LDADD)
t_check_catchall_SOURCES = t/check_catchall.c
t_check_catchall_CFLAGS = $(CHECK_CFLAGS_ALL)
t_check_catchall_LDADD = $(CHECK_LDADD)
TESTS += t/check_config t/check_core t/check_catchall

# The real daemon driven by miltertest.
TESTS += t/t_miltertest.sh t/t_daemon.sh
EXTRA_DIST += t/lib.sh t/t_miltertest.sh t/t_daemon.sh t/miltertest/redirect.lua \
	t/miltertest/catchall.lua

check_PROGRAMS += t/check_store
t_check_store_SOURCES = t/check_store.c
t_check_store_CFLAGS = $(CHECK_CFLAGS_ALL)
t_check_store_LDADD = $(CHECK_LDADD)
TESTS += t/check_store

# Real-MTA integration tests (t/mta/): private Postfix and Sendmail
# instances on loopback ports. They need root and exit 77 (SKIP) otherwise.
MTA_TESTS = t/mta/t_harness.sh t/mta/t_catchall_postfix.sh \
	t/mta/t_catchall_sendmail.sh
TESTS += $(MTA_TESTS)
dist_noinst_SCRIPTS += $(MTA_TESTS) t/mta/postfix.sh t/mta/sendmail.sh
EXTRA_DIST += t/mta/lib.sh t/mta/catchall_scenarios.sh
