# t/store: milter/store and its backends: the memory store with its
# snapshot, and the redis backend against a real redis-server started
# by the test.
check_PROGRAMS += %D%/check_store %D%/check_store_redis
%C%_check_store_SOURCES = %D%/check_store.c
%C%_check_store_CFLAGS = $(CHECK_CFLAGS_ALL)
%C%_check_store_LDADD = $(CHECK_LDADD)
%C%_check_store_redis_SOURCES = %D%/check_store_redis.c
%C%_check_store_redis_CFLAGS = $(CHECK_CFLAGS_ALL) $(HIREDIS_CFLAGS)
%C%_check_store_redis_LDADD = $(CHECK_LDADD) $(HIREDIS_LIBS)
TESTS += %D%/check_store %D%/check_store_redis
