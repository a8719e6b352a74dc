# milter/util: the utility library: clock, log, parsing, arenas, counters, running programs.
# It may include its own headers and those of the folders below it.
LG_CPPFLAGS_UTIL = -I$(top_srcdir)/%D%
noinst_LTLIBRARIES += %D%/liblg_util.la
%C%_liblg_util_la_SOURCES = \
	%D%/arena.c \
	%D%/arena.h \
	%D%/clock.c \
	%D%/clock.h \
	%D%/counters.c \
	%D%/counters.h \
	%D%/escape.c \
	%D%/escape.h \
	%D%/events.c \
	%D%/events.h \
	%D%/hostname.c \
	%D%/hostname.h \
	%D%/log.c \
	%D%/log.h \
	%D%/log_impl.h \
	%D%/log_setting.c \
	%D%/parse.c \
	%D%/parse.h \
	%D%/lg_paths.h \
	%D%/postconf.c \
	%D%/postconf.h \
	%D%/sockfile.c \
	%D%/sockfile.h
%C%_liblg_util_la_CPPFLAGS = $(AM_CPPFLAGS) $(LG_CPPFLAGS_UTIL)
%C%_liblg_util_la_CFLAGS = $(AM_CFLAGS)
