# t/store: the state store. One contract suite run against every backend
# (the rows of store_backends.c), the suites of what only one backend
# does, and the registry that opens a backend by name.
check_LTLIBRARIES += %D%/libstorefx.la
%C%_libstorefx_la_SOURCES = %D%/store_backends.c %D%/store_backends.h
%C%_libstorefx_la_CFLAGS = $(CHECK_CFLAGS_ALL) $(HIREDIS_CFLAGS)

STORE_CHECK_LDADD = %D%/libstorefx.la $(CHECK_LDADD) $(HIREDIS_LIBS)

check_PROGRAMS += %D%/check_store_contract %D%/check_store_memory \
	%D%/check_store_redis %D%/check_store_open %D%/check_store_budget
%C%_check_store_contract_SOURCES = %D%/check_store_contract.c
%C%_check_store_contract_CFLAGS = $(CHECK_CFLAGS_ALL) $(HIREDIS_CFLAGS)
%C%_check_store_contract_LDADD = $(STORE_CHECK_LDADD)
%C%_check_store_memory_SOURCES = %D%/check_store_memory.c
%C%_check_store_memory_CFLAGS = $(CHECK_CFLAGS_ALL) $(HIREDIS_CFLAGS)
%C%_check_store_memory_LDADD = $(STORE_CHECK_LDADD)
%C%_check_store_redis_SOURCES = %D%/check_store_redis.c
%C%_check_store_redis_CFLAGS = $(CHECK_CFLAGS_ALL) $(HIREDIS_CFLAGS)
%C%_check_store_redis_LDADD = $(STORE_CHECK_LDADD)
%C%_check_store_open_SOURCES = %D%/check_store_open.c
%C%_check_store_open_CFLAGS = $(CHECK_CFLAGS_ALL) $(HIREDIS_CFLAGS)
%C%_check_store_open_LDADD = $(STORE_CHECK_LDADD)
# the line format of state export/import (store/snapshot/state_line.c)
check_PROGRAMS += %D%/check_state_line
%C%_check_state_line_SOURCES = %D%/check_state_line.c
%C%_check_state_line_CFLAGS = $(CHECK_CFLAGS_ALL)
%C%_check_state_line_LDADD = $(CHECK_LDADD)
%C%_check_store_budget_SOURCES = %D%/check_store_budget.c
%C%_check_store_budget_CFLAGS = $(CHECK_CFLAGS_ALL) $(HIREDIS_CFLAGS)
%C%_check_store_budget_LDADD = $(STORE_CHECK_LDADD)
TESTS += %D%/check_store_contract %D%/check_store_memory \
	%D%/check_store_redis %D%/check_store_open %D%/check_state_line \
	%D%/check_store_budget %D%/t_flood.sh
dist_noinst_SCRIPTS += %D%/t_flood.sh
EXTRA_DIST += t/daemon/miltertest/flood.lua

# Redis Sentinel (t/lib/sentinel.sh): the backend's resolution, run by
# its wrapper, and two daemons through a failover.
check_PROGRAMS += %D%/check_store_sentinel
%C%_check_store_sentinel_SOURCES = %D%/check_store_sentinel.c
%C%_check_store_sentinel_CFLAGS = $(CHECK_CFLAGS_ALL) $(HIREDIS_CFLAGS)
%C%_check_store_sentinel_LDADD = $(STORE_CHECK_LDADD)
TESTS += %D%/t_store_sentinel.sh %D%/t_redis_sentinel.sh
dist_noinst_SCRIPTS += %D%/t_store_sentinel.sh %D%/t_redis_sentinel.sh
EXTRA_DIST += %D%/miltertest/sentinel_load.lua t/lib/sentinel.sh

# The Redis store against a server that trickles, stalls or answers too
# much (redis_misbehave.py): every call within a bound, then the local
# store; the same server behind the real daemon in t_redis_deadline.sh.
check_PROGRAMS += %D%/check_store_redis_deadline
%C%_check_store_redis_deadline_SOURCES = %D%/check_store_redis_deadline.c
%C%_check_store_redis_deadline_CFLAGS = $(CHECK_CFLAGS_ALL) $(HIREDIS_CFLAGS)
%C%_check_store_redis_deadline_LDADD = $(STORE_CHECK_LDADD)
TESTS += %D%/check_store_redis_deadline %D%/t_redis_deadline.sh
dist_noinst_SCRIPTS += %D%/t_redis_deadline.sh %D%/redis_misbehave.py

# A pooled connection the Redis server closed while idle (its timeout
# setting) is replaced, not taken for an outage.
TESTS += %D%/t_redis_idle.sh
dist_noinst_SCRIPTS += %D%/t_redis_idle.sh
