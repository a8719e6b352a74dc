# t/session: milter/session: the real core through the fake host, with
# the test plugin (t/lib/plugins/testplug.c) in check_core and with the
# real catchall and bounce plugins in check_decisions, with a failing
# recipient source in check_dir_fail, with tagspy (the ABI 1.4
# members) in check_abi14; session_fixture.c
# builds the hosts for both.
check_PROGRAMS += %D%/check_core %D%/check_decisions %D%/check_dir_fail \
	%D%/check_abi14
%C%_check_core_SOURCES = %D%/check_core.c %D%/session_fixture.c \
	%D%/session_fixture.h
%C%_check_core_CFLAGS = $(CHECK_CFLAGS_ALL)
%C%_check_core_LDADD = $(CHECK_LDADD)
%C%_check_decisions_SOURCES = %D%/check_decisions.c %D%/session_fixture.c \
	%D%/session_fixture.h
%C%_check_decisions_CFLAGS = $(CHECK_CFLAGS_ALL)
%C%_check_decisions_LDADD = $(CHECK_LDADD)
%C%_check_dir_fail_SOURCES = %D%/check_dir_fail.c %D%/session_fixture.c \
	%D%/session_fixture.h
%C%_check_dir_fail_CFLAGS = $(CHECK_CFLAGS_ALL)
%C%_check_dir_fail_LDADD = $(CHECK_LDADD)
%C%_check_abi14_SOURCES = %D%/check_abi14.c %D%/session_fixture.c \
	%D%/session_fixture.h
%C%_check_abi14_CFLAGS = $(CHECK_CFLAGS_ALL)
%C%_check_abi14_LDADD = $(CHECK_LDADD)
TESTS += %D%/check_core %D%/check_decisions %D%/check_dir_fail \
	%D%/check_abi14
