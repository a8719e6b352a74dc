# t/session: milter/session: the real core with the test plugin
# (t/lib/plugins/testplug.c), through the fake host.
check_PROGRAMS += %D%/check_core
%C%_check_core_SOURCES = %D%/check_core.c
%C%_check_core_CFLAGS = $(CHECK_CFLAGS_ALL)
%C%_check_core_LDADD = $(CHECK_LDADD)
TESTS += %D%/check_core
