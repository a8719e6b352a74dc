# bench/: benchmarks, built on demand ("make bench"), never timed in tests
EXTRA_PROGRAMS = bench/store_bench
bench_store_bench_SOURCES = bench/store_bench.c
bench_store_bench_LDADD = milter/libcore.la $(LIBCONFIG_LIBS)
CLEANFILES += $(EXTRA_PROGRAMS)

bench: $(EXTRA_PROGRAMS)
.PHONY: bench
