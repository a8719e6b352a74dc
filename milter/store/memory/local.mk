# milter/store/memory: the embedded memory backend: shards, entries, expiry.
# It may include its own headers and those of the folders below it.
LG_CPPFLAGS_STORE_MEMORY = $(LG_CPPFLAGS_STORE_SNAPSHOT) -I$(top_srcdir)/%D%
noinst_LTLIBRARIES += %D%/liblg_memory.la
%C%_liblg_memory_la_SOURCES = \
	%D%/store_entry.c \
	%D%/store_memory.c \
	%D%/store_memory.h \
	%D%/store_shard.c \
	%D%/store_shard.h
%C%_liblg_memory_la_CPPFLAGS = $(AM_CPPFLAGS) $(LG_CPPFLAGS_STORE_MEMORY)
%C%_liblg_memory_la_CFLAGS = $(AM_CFLAGS)
