# t/mail: milter/mail: the outbox and the mailer that empties it.
check_PROGRAMS += %D%/check_outbox
%C%_check_outbox_SOURCES = %D%/check_outbox.c
%C%_check_outbox_CFLAGS = $(CHECK_CFLAGS_ALL)
%C%_check_outbox_LDADD = $(CHECK_LDADD)
TESTS += %D%/check_outbox
