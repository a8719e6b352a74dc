# bench/: benchmarks, built on demand ("make bench"), never timed in tests
EXTRA_PROGRAMS = bench/store_bench bench/store_redis_bench bench/dir_bench
bench_dir_bench_SOURCES = bench/dir_bench.c
bench_dir_bench_CFLAGS = $(AM_CFLAGS) $(LG_CPPFLAGS_ALL)
bench_dir_bench_LDADD = milter/libcore.la $(LIBCONFIG_LIBS) $(HIREDIS_LIBS) $(LMDB_LIBS)
bench_store_redis_bench_SOURCES = bench/store_redis_bench.c
bench_store_redis_bench_CFLAGS = $(AM_CFLAGS) $(LG_CPPFLAGS_ALL) $(HIREDIS_CFLAGS)
bench_store_redis_bench_LDADD = milter/libcore.la $(LIBCONFIG_LIBS) $(HIREDIS_LIBS) $(LMDB_LIBS)
bench_store_bench_SOURCES = bench/store_bench.c
bench_store_bench_CFLAGS = $(AM_CFLAGS) $(LG_CPPFLAGS_ALL)
bench_store_bench_LDADD = milter/libcore.la $(LIBCONFIG_LIBS) $(HIREDIS_LIBS) $(LMDB_LIBS)
CLEANFILES += $(EXTRA_PROGRAMS)

bench: $(EXTRA_PROGRAMS)
.PHONY: bench

EXTRA_PROGRAMS += bench/miltergen bench/nullmilter
bench_miltergen_SOURCES = bench/miltergen.c bench/mg_wire.c bench/mg_session.c bench/mg.h
bench_nullmilter_SOURCES = bench/nullmilter.c
bench_nullmilter_LDADD = $(MILTER_LIBS)
dist_noinst_SCRIPTS += bench/run bench/stop-time.sh
EXTRA_DIST += bench/mta.sh bench/report.sh bench/e2e.sh bench/rspamd.sh bench/shared.sh BENCHMARKS.md
# bench/run's latency probe and the rspamd peer (part 5)
dist_noinst_SCRIPTS += bench/latency_probe.py bench/dns_nx.py bench/rspamd_install.sh \
	bench/stall.sh bench/perf-session.sh
dist_noinst_SCRIPTS += bench/failover.sh

EXTRA_PROGRAMS += bench/postfix_bench
bench_postfix_bench_SOURCES = bench/postfix_bench.c
bench_postfix_bench_CFLAGS = $(AM_CFLAGS) $(LG_CPPFLAGS_ALL)
bench_postfix_bench_LDADD = milter/libcore.la $(LIBCONFIG_LIBS) $(HIREDIS_LIBS) $(LMDB_LIBS)
dist_noinst_SCRIPTS += bench/postfix_source.sh
# The ldap: recipient source against a private slapd (bench/ldap.sh).
EXTRA_PROGRAMS += bench/ldap_bench
bench_ldap_bench_SOURCES = bench/ldap_bench.c
bench_ldap_bench_CFLAGS = $(AM_CFLAGS) $(LG_CPPFLAGS_ALL)
bench_ldap_bench_LDADD = milter/libcore.la $(LIBCONFIG_LIBS) $(HIREDIS_LIBS)
dist_noinst_SCRIPTS += bench/ldap.sh
# The milter under a hammered loopguard-console (bench/console-load.sh).
dist_noinst_SCRIPTS += bench/console-load.sh
