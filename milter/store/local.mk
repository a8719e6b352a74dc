# milter/store: the store interface that every backend fills.
# It may include its own headers and those of the folders below it.
LG_CPPFLAGS_STORE = $(LG_CPPFLAGS_UTIL) -I$(top_srcdir)/%D%
noinst_LTLIBRARIES += %D%/liblg_store.la
%C%_liblg_store_la_SOURCES = \
	%D%/store.c \
	%D%/store.h
%C%_liblg_store_la_CPPFLAGS = $(AM_CPPFLAGS) $(LG_CPPFLAGS_STORE)
%C%_liblg_store_la_CFLAGS = $(AM_CFLAGS)
