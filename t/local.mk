# t/: Check unit tests, miltertest scripts, MTA tests: one folder per
# subsystem of milter/ (see milter/layers) and one per plugin, each
# with a local.mk of its own; what they share is in t/lib.
TESTS_ENVIRONMENT_COMMON = \
	top_srcdir='$(abs_top_srcdir)' top_builddir='$(abs_top_builddir)' \
	PLUGIN_DIR='$(abs_top_builddir)/plugins/.libs' \
	TEST_PLUGIN_DIR='$(abs_top_builddir)/t/lib/plugins/.libs'
AM_TESTS_ENVIRONMENT = $(TESTS_ENVIRONMENT_COMMON); export top_srcdir top_builddir PLUGIN_DIR TEST_PLUGIN_DIR;

include %D%/lib/local.mk

# The folders in the order of milter/layers, then the plugins.
include %D%/util/local.mk
include %D%/store/local.mk
include %D%/directory/local.mk
include %D%/config/local.mk
include %D%/mta/local.mk
include %D%/mail/local.mk
include %D%/session/local.mk
include %D%/dkim/local.mk
include %D%/control/local.mk
include %D%/daemon/local.mk
include %D%/console/local.mk
include %D%/install/local.mk
include %D%/plugins/catchall/local.mk
include %D%/plugins/autoreply/local.mk
include %D%/plugins/repeat/local.mk
include %D%/plugins/harvest/local.mk
include %D%/plugins/bounce/local.mk

# The house: milter/'s folders keep to milter/layers, in their includes
# and in the calls of what was built (scripts/layers.sh).
TESTS += %D%/t_layers.sh
EXTRA_DIST += %D%/t_layers.sh scripts/layers.sh

# The MTA tests work in t/tmp (t/lib/mta.sh, lg_workdir). Once every
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
