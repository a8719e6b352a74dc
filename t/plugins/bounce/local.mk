# t/plugins/bounce: the bounce plugin (bounce-loop and backscatter
# guard) against the fake host, and its MIME reader alone against the
# bounce shapes seen in the wild (bounce_shapes.h); answers to sent
# mail and the cheap checks at RCPT (check_bounce_reply); the pure
# parts of what bounced and of the reply ids (check_bounce_report).
check_PROGRAMS += %D%/check_bounce %D%/check_bounce_mime \
	%D%/check_bounce_reply %D%/check_bounce_report
%C%_check_bounce_SOURCES = %D%/check_bounce.c %D%/bounce_shapes.h \
	%D%/bounce_fixture.c %D%/bounce_fixture.h
%C%_check_bounce_CFLAGS = $(CHECK_CFLAGS_ALL) $(OPENDKIM_CFLAGS)
%C%_check_bounce_LDADD = $(CHECK_LDADD) $(OPENDKIM_LIBS)
%C%_check_bounce_mime_SOURCES = %D%/check_bounce_mime.c %D%/bounce_shapes.h \
	plugins/bounce/bounce_mime.c
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
TESTS += %D%/check_bounce %D%/check_bounce_mime %D%/check_bounce_reply \
	%D%/check_bounce_report
