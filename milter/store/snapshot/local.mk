# milter/store/snapshot: the snapshot file format, shared by the backends.
# It may include its own headers and those of the folders below it.
LG_CPPFLAGS_STORE_SNAPSHOT = $(LG_CPPFLAGS_STORE) -I$(top_srcdir)/%D%
noinst_LTLIBRARIES += %D%/liblg_snapshot.la
%C%_liblg_snapshot_la_SOURCES = \
	%D%/snapshot.h \
	%D%/snapshot_crc.c \
	%D%/snapshot_impl.h \
	%D%/snapshot_read.c \
	%D%/snapshot_write.c \
	%D%/state_line.c \
	%D%/state_line.h
%C%_liblg_snapshot_la_CPPFLAGS = $(AM_CPPFLAGS) $(LG_CPPFLAGS_STORE_SNAPSHOT)
%C%_liblg_snapshot_la_CFLAGS = $(AM_CFLAGS)
