# milter/dkim: DKIM verification of a message, a tap on the session.
# It may include its own headers and those of the folders below it.
LG_CPPFLAGS_DKIM = $(LG_CPPFLAGS_SESSION) -I$(top_srcdir)/%D%
noinst_LTLIBRARIES += %D%/liblg_dkim.la
%C%_liblg_dkim_la_SOURCES = \
	%D%/dkim.c \
	%D%/dkim_buffer.c \
	%D%/dkim_dns.c \
	%D%/dkim_screen.c \
	%D%/dkim_impl.h \
	%D%/lg_dkim.h
%C%_liblg_dkim_la_CPPFLAGS = $(AM_CPPFLAGS) $(LG_CPPFLAGS_DKIM)
%C%_liblg_dkim_la_CFLAGS = $(AM_CFLAGS) $(OPENDKIM_CFLAGS)
%C%_liblg_dkim_la_LIBADD = $(OPENDKIM_LIBS)
