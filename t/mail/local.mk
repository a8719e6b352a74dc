# t/mail: milter/mail: the outbox (check_outbox) and the mailer that
# empties it (check_mailer); mail_fixture.c is what both use.
check_PROGRAMS += %D%/check_outbox %D%/check_mailer
%C%_check_outbox_SOURCES = %D%/check_outbox.c %D%/mail_fixture.c \
	%D%/mail_fixture.h
%C%_check_outbox_CFLAGS = $(CHECK_CFLAGS_ALL)
%C%_check_outbox_LDADD = $(CHECK_LDADD)
%C%_check_mailer_SOURCES = %D%/check_mailer.c %D%/mail_fixture.c \
	%D%/mail_fixture.h
%C%_check_mailer_CFLAGS = $(CHECK_CFLAGS_ALL)
%C%_check_mailer_LDADD = $(CHECK_LDADD)
TESTS += %D%/check_outbox %D%/check_mailer
