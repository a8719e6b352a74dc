# t/plugins/catchall: the catchall plugin against the fake host.
check_PROGRAMS += %D%/check_catchall
%C%_check_catchall_SOURCES = %D%/check_catchall.c
%C%_check_catchall_CFLAGS = $(CHECK_CFLAGS_ALL)
%C%_check_catchall_LDADD = $(CHECK_LDADD)
TESTS += %D%/check_catchall
