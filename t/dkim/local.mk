# t/dkim: milter/dkim: DKIM verification of a message.
check_PROGRAMS += %D%/check_dkim
%C%_check_dkim_SOURCES = %D%/check_dkim.c
%C%_check_dkim_CFLAGS = $(CHECK_CFLAGS_ALL) $(OPENDKIM_CFLAGS)
%C%_check_dkim_LDADD = $(CHECK_LDADD) $(OPENDKIM_LIBS)
TESTS += %D%/check_dkim
