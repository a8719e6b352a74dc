# milter/mta: checks of the MTA's own configuration against ours.
# It may include its own headers and those of the folders below it.
LG_CPPFLAGS_MTA = $(LG_CPPFLAGS_CONFIG) -I$(top_srcdir)/%D%
noinst_LTLIBRARIES += %D%/liblg_mta.la
%C%_liblg_mta_la_SOURCES = \
	%D%/postfix_check.c \
	%D%/postfix_check.h \
	%D%/postfix_read.c
%C%_liblg_mta_la_CPPFLAGS = $(AM_CPPFLAGS) $(LG_CPPFLAGS_MTA)
%C%_liblg_mta_la_CFLAGS = $(AM_CFLAGS)
