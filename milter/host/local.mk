# milter/host: the plugin host: the table of functions every plugin gets.
# It may include its own headers and those of the folders below it.
LG_CPPFLAGS_HOST = $(LG_CPPFLAGS_DKIM) -I$(top_srcdir)/%D%
noinst_LTLIBRARIES += %D%/liblg_host.la
%C%_liblg_host_la_SOURCES = \
	%D%/host.c \
	%D%/host.h \
	%D%/host_mail.c
%C%_liblg_host_la_CPPFLAGS = $(AM_CPPFLAGS) $(LG_CPPFLAGS_HOST)
%C%_liblg_host_la_CFLAGS = $(AM_CFLAGS)
