# milter/store/open: the registry: the one file that knows every backend.
# It may include its own headers and those of the folders below it.
LG_CPPFLAGS_STORE_OPEN = $(LG_CPPFLAGS_STORE_REDIS) -I$(top_srcdir)/%D%
noinst_LTLIBRARIES += %D%/liblg_store_open.la
%C%_liblg_store_open_la_SOURCES = \
	%D%/store_open.c \
	%D%/store_open.h
%C%_liblg_store_open_la_CPPFLAGS = $(AM_CPPFLAGS) $(LG_CPPFLAGS_STORE_OPEN)
%C%_liblg_store_open_la_CFLAGS = $(AM_CFLAGS)
