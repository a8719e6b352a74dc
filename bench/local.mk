# bench/: benchmarks, built on demand ("make bench"), never timed in tests
EXTRA_PROGRAMS = bench/store_bench bench/store_redis_bench
bench_store_redis_bench_SOURCES = bench/store_redis_bench.c
bench_store_redis_bench_CFLAGS = $(AM_CFLAGS) $(HIREDIS_CFLAGS)
bench_store_redis_bench_LDADD = milter/libcore.la $(LIBCONFIG_LIBS) $(HIREDIS_LIBS)
bench_store_bench_SOURCES = bench/store_bench.c
bench_store_bench_LDADD = milter/libcore.la $(LIBCONFIG_LIBS) $(HIREDIS_LIBS)
CLEANFILES += $(EXTRA_PROGRAMS)

bench: $(EXTRA_PROGRAMS)
.PHONY: bench
