# milter/store/redis: the Redis backend, with a local memory fallback.
# It may include its own headers and those of the folders below it.
LG_CPPFLAGS_STORE_REDIS = $(LG_CPPFLAGS_STORE_MEMORY) -I$(top_srcdir)/%D%
noinst_LTLIBRARIES += %D%/liblg_redis.la
%C%_liblg_redis_la_SOURCES = \
	%D%/store_redis.c \
	%D%/store_redis.h \
	%D%/store_redis_conn.c \
	%D%/store_redis_impl.h \
	%D%/store_redis_io.c \
	%D%/store_redis_io.h \
	%D%/store_redis_scan.c \
	%D%/store_redis_sentinel.c \
	%D%/store_redis_server.c \
	%D%/store_redis_sentinel.h
%C%_liblg_redis_la_CPPFLAGS = $(AM_CPPFLAGS) $(LG_CPPFLAGS_STORE_REDIS)
%C%_liblg_redis_la_CFLAGS = $(AM_CFLAGS) $(HIREDIS_CFLAGS)
%C%_liblg_redis_la_LIBADD = $(HIREDIS_LIBS)
