# t/directory: milter/directory: the recipient directory and its
# sources, each suite next to the source it tests.
DIRECTORY_POSTFIX_TESTS = %D%/t_postfix_source.sh %D%/t_postfix_mta.sh
TESTS += $(DIRECTORY_POSTFIX_TESTS)
dist_noinst_SCRIPTS += $(DIRECTORY_POSTFIX_TESTS)
EXTRA_DIST += %D%/miltertest/rcpt_cases.lua
check_PROGRAMS += %D%/check_src_postfix
%C%_check_src_postfix_SOURCES = %D%/check_src_postfix.c
%C%_check_src_postfix_CFLAGS = $(CHECK_CFLAGS_ALL)
%C%_check_src_postfix_LDADD = $(CHECK_LDADD)
TESTS += %D%/check_src_postfix
