# t/plugins/harvest: the harvest plugin against the fake host.
check_PROGRAMS += %D%/check_harvest
%C%_check_harvest_SOURCES = %D%/check_harvest.c
%C%_check_harvest_CFLAGS = $(CHECK_CFLAGS_ALL)
%C%_check_harvest_LDADD = $(CHECK_LDADD)
TESTS += %D%/check_harvest
