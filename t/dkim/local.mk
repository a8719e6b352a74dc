# t/dkim: milter/dkim: DKIM verification of a message.
check_PROGRAMS += %D%/check_dkim %D%/check_dkim_screen
%C%_check_dkim_SOURCES = %D%/check_dkim.c %D%/dkim_fixture.c \
	%D%/dkim_fixture.h
%C%_check_dkim_CFLAGS = $(CHECK_CFLAGS_ALL) $(OPENDKIM_CFLAGS)
%C%_check_dkim_LDADD = $(CHECK_LDADD) $(OPENDKIM_LIBS)
TESTS += %D%/check_dkim

# The limits: prescreen, one per (d=, s=) pair, the cap, a returned
# original verified once.
%C%_check_dkim_screen_SOURCES = %D%/check_dkim_screen.c \
	%D%/dkim_fixture.c %D%/dkim_fixture.h
%C%_check_dkim_screen_CFLAGS = $(CHECK_CFLAGS_ALL) $(OPENDKIM_CFLAGS)
%C%_check_dkim_screen_LDADD = $(CHECK_LDADD) $(OPENDKIM_LIBS)
TESTS += %D%/check_dkim_screen

# A message signed with libopendkim, for the shell tests; and the
# attack with many signatures through the real daemon, in a private
# network namespace whose DNS server never answers (root only).
check_PROGRAMS += %D%/dkim_sign
%C%_dkim_sign_SOURCES = %D%/dkim_sign.c
%C%_dkim_sign_CFLAGS = $(AM_CFLAGS) $(OPENDKIM_CFLAGS)
%C%_dkim_sign_LDADD = $(OPENDKIM_LIBS)
TESTS += %D%/t_dkim_dns.sh
dist_noinst_SCRIPTS += %D%/t_dkim_dns.sh %D%/silent_dns.py
EXTRA_DIST += %D%/message.lua
