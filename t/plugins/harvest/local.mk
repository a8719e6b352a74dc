# t/plugins/harvest: the harvest plugin against the fake host, and in
# the real daemon driven by miltertest (memory store, and redis when
# redis-server is installed).
check_PROGRAMS += %D%/check_harvest %D%/check_harvest_config \
	%D%/check_harvest_wide
%C%_check_harvest_SOURCES = %D%/check_harvest.c %D%/harvest_base.h
%C%_check_harvest_CFLAGS = $(CHECK_CFLAGS_ALL)
%C%_check_harvest_LDADD = $(CHECK_LDADD)
%C%_check_harvest_config_SOURCES = %D%/check_harvest_config.c \
	%D%/harvest_base.h
%C%_check_harvest_config_CFLAGS = $(CHECK_CFLAGS_ALL)
%C%_check_harvest_config_LDADD = $(CHECK_LDADD)
%C%_check_harvest_wide_SOURCES = %D%/check_harvest_wide.c \
	%D%/harvest_base.h
%C%_check_harvest_wide_CFLAGS = $(CHECK_CFLAGS_ALL)
%C%_check_harvest_wide_LDADD = $(CHECK_LDADD)
TESTS += %D%/check_harvest %D%/check_harvest_config \
	%D%/check_harvest_wide %D%/t_harvest.sh
dist_noinst_SCRIPTS += %D%/t_harvest.sh
EXTRA_DIST += t/daemon/miltertest/harvest_rcpts.lua
