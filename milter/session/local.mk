# milter/session: one connection and its message, the plugin dispatch, edits.
# It may include its own headers and those of the folders below it.
LG_CPPFLAGS_SESSION = $(LG_CPPFLAGS_MAIL) -I$(top_srcdir)/%D%
noinst_LTLIBRARIES += %D%/liblg_session.la
%C%_liblg_session_la_SOURCES = \
	%D%/edits.c \
	%D%/session.c \
	%D%/session.h \
	%D%/session_impl.h \
	%D%/session_log.c \
	%D%/session_rcpt.c \
	%D%/session_steps.c \
	%D%/session_tap.c
%C%_liblg_session_la_CPPFLAGS = $(AM_CPPFLAGS) $(LG_CPPFLAGS_SESSION)
%C%_liblg_session_la_CFLAGS = $(AM_CFLAGS)
