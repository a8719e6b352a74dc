# t/fuzz/: libFuzzer harnesses, built with clang by their own script
# (the normal build stays gcc and never needs clang). "make fuzz" runs
# each harness FUZZ_SECONDS (60) on a copy of its seeds; "make
# fuzz-smoke" is the same for 20 s, for CI. See t/fuzz/build-and-run.sh.
FUZZ_SCRIPT_ENV = top_srcdir='$(abs_top_srcdir)' \
	top_builddir='$(abs_top_builddir)' \
	FUZZ_SYSCONFDIR='$(sysconfdir)' FUZZ_PKGLIBDIR='$(pkglibdir)' \
	FUZZ_LOCALSTATEDIR='$(localstatedir)'

fuzz:
	$(FUZZ_SCRIPT_ENV) $(SHELL) $(abs_top_srcdir)/t/fuzz/build-and-run.sh all

fuzz-smoke:
	$(FUZZ_SCRIPT_ENV) FUZZ_SECONDS=20 \
		$(SHELL) $(abs_top_srcdir)/t/fuzz/build-and-run.sh all

fuzz-clean:
	rm -rf '$(abs_top_builddir)/build-fuzz'

.PHONY: fuzz fuzz-smoke fuzz-clean

dist_noinst_SCRIPTS += t/fuzz/build-and-run.sh
EXTRA_DIST += t/fuzz/fuzz_util.c t/fuzz/fuzz_util.h t/fuzz/fuzz_dkim_key.h \
	t/fuzz/fuzz_address.c t/fuzz/fuzz_mime.c t/fuzz/fuzz_message.c \
	t/fuzz/fuzz_template.c t/fuzz/fuzz_control.c t/fuzz/fuzz_config.c \
	t/fuzz/fuzz_snapshot.c t/fuzz/fuzz_escape.c t/fuzz/fuzz_dns.c \
	t/fuzz/fuzz_state_line.c t/fuzz/fuzz_directory.c \
	t/fuzz/fuzz_sendmail_cf.c \
	t/fuzz/fuzz_postfix.c \
	t/fuzz/fuzz_ldap.c \
	t/fuzz/fuzz_chart_state.c \
	t/fuzz/message_txn.c \
	t/fuzz/message_txn.h \
	t/fuzz/make_seeds.c t/fuzz/LONG-RUNS.md \
	t/fuzz/corpus t/fuzz/dict
