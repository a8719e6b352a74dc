# t/plugins/bounce: the bounce plugin (bounce-loop and backscatter
# guard) against the fake host, and its MIME reader alone against the
# bounce shapes seen in the wild (bounce_shapes.h), and against the
# bounce corpus (corpus/, EXPECT: the id rate and wrong ids); answers to
# sent mail and the cheap checks at RCPT (check_bounce_reply); the pure
# parts of what bounced and of the reply ids (check_bounce_report).
check_PROGRAMS += %D%/check_bounce %D%/check_bounce_mime \
	%D%/check_bounce_corpus %D%/check_bounce_reply %D%/check_bounce_report
%C%_check_bounce_SOURCES = %D%/check_bounce.c %D%/bounce_shapes.h \
	%D%/bounce_fixture.c %D%/bounce_fixture.h
%C%_check_bounce_CFLAGS = $(CHECK_CFLAGS_ALL) $(OPENDKIM_CFLAGS)
%C%_check_bounce_LDADD = $(CHECK_LDADD) $(OPENDKIM_LIBS)
# the core's arena out of memory (check_bounce.c wraps malloc and free)
BOUNCE_PARSER_SOURCES = plugins/bounce/bounce_mime.c \
	plugins/bounce/bounce_lines.c plugins/bounce/bounce_decode.c \
	plugins/bounce/bounce_dsn.c plugins/bounce/bounce_inline.c \
	plugins/bounce/bounce_fields.c
%C%_check_bounce_mime_SOURCES = %D%/check_bounce_mime.c %D%/bounce_shapes.h \
	$(BOUNCE_PARSER_SOURCES)
%C%_check_bounce_mime_CFLAGS = $(CHECK_CFLAGS_ALL) -I$(top_srcdir)/plugins/bounce
%C%_check_bounce_mime_LDADD = $(CHECK_LIBS)
%C%_check_bounce_reply_SOURCES = %D%/check_bounce_reply.c \
	%D%/bounce_shapes.h %D%/bounce_fixture.c %D%/bounce_fixture.h
%C%_check_bounce_reply_CFLAGS = $(CHECK_CFLAGS_ALL)
%C%_check_bounce_reply_LDADD = $(CHECK_LDADD)
%C%_check_bounce_report_SOURCES = %D%/check_bounce_report.c \
	plugins/bounce/bounce_report.c plugins/bounce/bounce_reply.c
%C%_check_bounce_report_CFLAGS = $(CHECK_CFLAGS_ALL) -I$(top_srcdir)/plugins/bounce
%C%_check_bounce_report_LDADD = $(CHECK_LIBS)
%C%_check_bounce_corpus_SOURCES = %D%/check_bounce_corpus.c \
	%D%/bounce_corpus.c %D%/bounce_corpus.h %D%/bounce_sample.h \
	$(BOUNCE_PARSER_SOURCES)
%C%_check_bounce_corpus_CFLAGS = $(CHECK_CFLAGS_ALL) \
	-I$(top_srcdir)/plugins/bounce \
	-DCORPUS_DIR='"$(abs_top_srcdir)/%D%/corpus"'
%C%_check_bounce_corpus_LDADD = $(CHECK_LIBS)
# The corpus through the whole plugin: forged, with the sent ledger,
# and to a BATV tag (the share of bounces each can judge).
check_PROGRAMS += %D%/check_bounce_reach
%C%_check_bounce_reach_SOURCES = %D%/check_bounce_reach.c \
	%D%/bounce_corpus.c %D%/bounce_corpus.h \
	%D%/bounce_fixture.c %D%/bounce_fixture.h
%C%_check_bounce_reach_CFLAGS = $(CHECK_CFLAGS_ALL) \
	-I$(top_srcdir)/plugins/bounce \
	-DCORPUS_DIR='"$(abs_top_srcdir)/%D%/corpus"'
%C%_check_bounce_reach_LDADD = $(CHECK_LDADD)
TESTS += %D%/check_bounce %D%/check_bounce_mime %D%/check_bounce_corpus \
	%D%/check_bounce_reply %D%/check_bounce_report %D%/check_bounce_reach
EXTRA_DIST += %D%/corpus

# Out of memory while a bounce's body is kept: malloc and free wrapped.
check_PROGRAMS += %D%/check_bounce_oom
%C%_check_bounce_oom_SOURCES = %D%/check_bounce_oom.c %D%/bounce_shapes.h \
	%D%/bounce_fixture.c %D%/bounce_fixture.h
%C%_check_bounce_oom_CFLAGS = $(CHECK_CFLAGS_ALL)
%C%_check_bounce_oom_LDFLAGS = -Wl,--wrap=malloc -Wl,--wrap=free
%C%_check_bounce_oom_LDADD = $(CHECK_LDADD)
TESTS += %D%/check_bounce_oom

# BATV: the tag alone (batv_tag.c linked in) and the plugin through the
# fake host; CRYPTO_memcmp of the test is exported so that the plugin
# binds to it and the constant-time compare can be counted.
check_PROGRAMS += %D%/check_batv
%C%_check_batv_SOURCES = %D%/check_batv.c plugins/bounce/batv_tag.c \
	%D%/batv_fixture.c %D%/batv_fixture.h
%C%_check_batv_CFLAGS = $(CHECK_CFLAGS_ALL) $(LIBCRYPTO_CFLAGS) \
	-I$(top_srcdir)/plugins/bounce
%C%_check_batv_LDFLAGS = -Wl,--export-dynamic
%C%_check_batv_LDADD = $(CHECK_LDADD) $(LIBCRYPTO_LIBS)
TESTS += %D%/check_batv
# BATV settings: bad ones word for word, secret files.
check_PROGRAMS += %D%/check_batv_config
%C%_check_batv_config_SOURCES = %D%/check_batv_config.c \
	%D%/batv_fixture.c %D%/batv_fixture.h
%C%_check_batv_config_CFLAGS = $(CHECK_CFLAGS_ALL)
%C%_check_batv_config_LDADD = $(CHECK_LDADD)
TESTS += %D%/check_batv_config
