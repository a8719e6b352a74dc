# t/: Check unit tests, the fake host, miltertest scripts, MTA tests.
TESTS_ENVIRONMENT_COMMON = \
	top_srcdir='$(abs_top_srcdir)' top_builddir='$(abs_top_builddir)' \
	PLUGIN_DIR='$(abs_top_builddir)/plugins/.libs' \
	TEST_PLUGIN_DIR='$(abs_top_builddir)/t/plugins/.libs'
AM_TESTS_ENVIRONMENT = $(TESTS_ENVIRONMENT_COMMON); export top_srcdir top_builddir PLUGIN_DIR TEST_PLUGIN_DIR;

# Shared by the Check suites: the fake host over the real core.
check_LTLIBRARIES += t/libfakehost.la
t_libfakehost_la_SOURCES = t/fakehost.c t/fakehost.h
t_libfakehost_la_CFLAGS = $(AM_CFLAGS) $(LG_CPPFLAGS_ALL) $(CHECK_CFLAGS) $(LIBCONFIG_CFLAGS)
t_libfakehost_la_LIBADD = milter/libcore.la $(CHECK_LIBS) $(LIBCONFIG_LIBS)

CHECK_LDADD = t/libfakehost.la milter/libcore.la $(CHECK_LIBS) $(LIBCONFIG_LIBS) $(HIREDIS_LIBS)
CHECK_CFLAGS_ALL = $(AM_CFLAGS) $(LG_CPPFLAGS_ALL) $(CHECK_CFLAGS) $(LIBCONFIG_CFLAGS)

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
TESTS += t/t_miltertest.sh t/t_daemon.sh t/t_lifecycle.sh
EXTRA_DIST += t/lib.sh t/t_miltertest.sh t/t_daemon.sh t/t_lifecycle.sh \
	t/miltertest/redirect.lua \
	t/miltertest/catchall.lua

include t/store/local.mk

# Real-MTA integration tests (t/mta/): private Postfix and Sendmail
# instances on loopback ports. They need root and exit 77 (SKIP) otherwise.
MTA_TESTS = t/mta/t_harness.sh t/mta/t_catchall_postfix.sh \
	t/mta/t_loops_postfix.sh t/mta/t_loops_sendmail.sh \
	t/mta/t_catchall_sendmail.sh
TESTS += $(MTA_TESTS)
dist_noinst_SCRIPTS += $(MTA_TESTS) t/mta/postfix.sh t/mta/sendmail.sh
EXTRA_DIST += t/mta/lib.sh t/mta/catchall_scenarios.sh t/mta/loop_scenarios.sh

# The repeat and harvest plugins against the fake host.
check_PROGRAMS += t/check_repeat t/check_harvest
t_check_repeat_SOURCES = t/check_repeat.c
t_check_repeat_CFLAGS = $(CHECK_CFLAGS_ALL)
t_check_repeat_LDADD = $(CHECK_LDADD)
t_check_harvest_SOURCES = t/check_harvest.c
t_check_harvest_CFLAGS = $(CHECK_CFLAGS_ALL)
t_check_harvest_LDADD = $(CHECK_LDADD)
TESTS += t/check_repeat t/check_harvest

# The control protocol and socket; loopguardctl against the daemon.
check_PROGRAMS += t/check_control t/ctl_seed
t_check_control_SOURCES = t/check_control.c
t_check_control_CFLAGS = $(CHECK_CFLAGS_ALL)
t_check_control_LDADD = $(CHECK_LDADD)
t_ctl_seed_SOURCES = t/ctl_seed.c
t_ctl_seed_CFLAGS = $(AM_CFLAGS) $(LG_CPPFLAGS_ALL) $(LIBCONFIG_CFLAGS)
t_ctl_seed_LDADD = milter/libcore.la $(LIBCONFIG_LIBS) $(HIREDIS_LIBS)
TESTS += t/check_control t/t_loopguardctl.sh
dist_noinst_SCRIPTS += t/t_loopguardctl.sh

# Generated mail: the outbox and mailer, the autoreply plugin, DKIM.
check_PROGRAMS += t/check_outbox t/check_autoreply t/check_dkim
t_check_outbox_SOURCES = t/check_outbox.c
t_check_outbox_CFLAGS = $(CHECK_CFLAGS_ALL)
t_check_outbox_LDADD = $(CHECK_LDADD)
t_check_autoreply_SOURCES = t/check_autoreply.c \
	plugins/autoreply/autoreply_text.c
t_check_autoreply_CFLAGS = $(CHECK_CFLAGS_ALL) -I$(top_srcdir)/plugins/autoreply
t_check_autoreply_LDADD = $(CHECK_LDADD)
t_check_dkim_SOURCES = t/check_dkim.c
t_check_dkim_CFLAGS = $(CHECK_CFLAGS_ALL) $(OPENDKIM_CFLAGS)
t_check_dkim_LDADD = $(CHECK_LDADD) $(OPENDKIM_LIBS)
TESTS += t/check_outbox t/check_autoreply t/check_dkim

# The autoreply plugin and the outbox through a private Postfix/Sendmail.
TESTS += t/mta/t_autoreply_postfix.sh t/mta/t_autoreply_sendmail.sh
dist_noinst_SCRIPTS += t/mta/t_autoreply_postfix.sh \
	t/mta/t_autoreply_sendmail.sh
EXTRA_DIST += t/mta/autoreply_scenarios.sh

# Two daemons sharing their state in a private redis-server (miltertest).
TESTS += t/t_redis_shared.sh
EXTRA_DIST += t/t_redis_shared.sh t/miltertest/redis_message.lua \
	t/miltertest/redis_rcpt.lua

# A plugin built against the installed tree (make install DESTDIR,
# pkg-config), loaded by the installed daemon, run under miltertest.
TESTS += t/t_out_of_tree.sh
EXTRA_DIST += t/t_out_of_tree.sh t/oot/hello.c

# The bounce plugin (bounce-loop and backscatter guard).
check_PROGRAMS += t/check_bounce t/check_bounce_mime
t_check_bounce_SOURCES = t/check_bounce.c t/bounce_shapes.h
t_check_bounce_CFLAGS = $(CHECK_CFLAGS_ALL) $(OPENDKIM_CFLAGS)
t_check_bounce_LDADD = $(CHECK_LDADD) $(OPENDKIM_LIBS)
t_check_bounce_mime_SOURCES = t/check_bounce_mime.c t/bounce_shapes.h \
	plugins/bounce/bounce_mime.c
t_check_bounce_mime_CFLAGS = $(CHECK_CFLAGS_ALL) -I$(top_srcdir)/plugins/bounce
t_check_bounce_mime_LDADD = $(CHECK_LIBS)
TESTS += t/check_bounce t/check_bounce_mime

# The bounce plugin through a private Postfix: a real DSN, a forged one,
# a bounce of a bounce, a loop.
TESTS += t/mta/t_bounce_postfix.sh
dist_noinst_SCRIPTS += t/mta/t_bounce_postfix.sh
EXTRA_DIST += t/mta/bounce_scenarios.sh

# The daemon under valgrind memcheck with load; valgrind cannot run an
# ASan build, so only without --enable-sanitizers.
if !SANITIZERS
TESTS += t/t_valgrind.sh
endif
EXTRA_DIST += t/t_valgrind.sh t/valgrind.supp

# Faults under load through a real Postfix: SIGKILL, a reload storm, the
# mailer down, a full disk, a corrupt snapshot, Redis killed.
TESTS += t/mta/t_faults_postfix.sh
dist_noinst_SCRIPTS += t/mta/t_faults_postfix.sh t/mta/smtp_load.py

# The control socket's mode and group, and who may use it (root only).
TESTS += t/t_control_socket.sh
EXTRA_DIST += t/t_control_socket.sh

# The autoreply against every header, envelope and macro a client forges.
check_PROGRAMS += t/check_autoreply_forge
t_check_autoreply_forge_SOURCES = t/check_autoreply_forge.c
t_check_autoreply_forge_CFLAGS = $(CHECK_CFLAGS_ALL)
t_check_autoreply_forge_LDADD = $(CHECK_LDADD)
TESTS += t/check_autoreply_forge

# Hostile and broken input: the milter protocol and the control socket.
TESTS += t/t_bad_input.sh
EXTRA_DIST += t/t_bad_input.sh t/miltertest/bad_input.lua

# Postfix's settings against loopguard's (loopguard -n, and at start),
# and end-of-message decisions logged for what really happened.
check_PROGRAMS += t/check_postfix
t_check_postfix_SOURCES = t/check_postfix.c
t_check_postfix_CFLAGS = $(CHECK_CFLAGS_ALL)
t_check_postfix_LDADD = $(CHECK_LDADD)
TESTS += t/check_postfix
TESTS += t/t_postfix_check.sh t/mta/t_postfix_advice.sh
dist_noinst_SCRIPTS += t/t_postfix_check.sh t/mta/t_postfix_advice.sh
# The keys about the process (log, hostname, the sockets' groups), the
# log file and its reopening; the daemon with a log file and groups.
check_PROGRAMS += t/check_process t/check_logfile
t_check_process_SOURCES = t/check_process.c
t_check_process_CFLAGS = $(CHECK_CFLAGS_ALL)
t_check_process_LDADD = $(CHECK_LDADD)
t_check_logfile_SOURCES = t/check_logfile.c
t_check_logfile_CFLAGS = $(CHECK_CFLAGS_ALL)
t_check_logfile_LDADD = $(CHECK_LDADD)
TESTS += t/check_process t/check_logfile t/t_logging.sh
EXTRA_DIST += t/t_logging.sh

# make install into a DESTDIR: the config, unit, init script, folders.
TESTS += t/t_install.sh
EXTRA_DIST += t/t_install.sh

# scripts/deps.sh decides right what is missing on a new machine.
TESTS += t/t_deps.sh
EXTRA_DIST += t/t_deps.sh scripts/deps.sh scripts/fresh-root.sh \
	scripts/try-deploy.sh

# The MTA tests work in t/tmp (t/mta/lib.sh, lg_workdir). Once every
# test passed, make check removes those folders; after a failure they
# stay, next to the tests' .log files, for a look. Only after
# check-TESTS: with -j, make runs check-TESTS and check-local together.
# The unpacked Sendmail (scripts/deps.sh when /var/cache is not
# writable) is a cache and stays. make clean removes them too.
T_TMP_CLEAN = if test -d t/tmp; then \
	  for d in t/tmp/* t/tmp/.[!.]*; do \
	    case $$d in \
	    t/tmp/sendmail-root | t/tmp/sendmail-debs) ;; \
	    *) test ! -e "$$d" || rm -rf "$$d" ;; \
	    esac; \
	  done; \
	  rmdir t/tmp 2>/dev/null || :; \
	fi
check-local: check-TESTS
	@$(T_TMP_CLEAN)
clean-local:
	@$(T_TMP_CLEAN)

# The house: milter/'s folders keep to milter/layers, in their includes
# and in the calls of what was built (scripts/layers.sh).
TESTS += t/t_layers.sh
EXTRA_DIST += t/t_layers.sh scripts/layers.sh
