# milter/control: the control socket that loopguardctl talks to.
# It may include its own headers and those of the folders below it.
LG_CPPFLAGS_CONTROL = $(LG_CPPFLAGS_HOST) -I$(top_srcdir)/%D%
noinst_LTLIBRARIES += %D%/liblg_control.la
%C%_liblg_control_la_SOURCES = \
	%D%/control.c \
	%D%/control.h \
	%D%/control_cmd.c \
	%D%/control_cmd.h \
	%D%/control_dir.c \
	%D%/control_entries.c \
	%D%/control_impl.h \
	%D%/control_outbox.c \
	%D%/control_page.c \
	%D%/control_state.c \
	%D%/control_watch.c
%C%_liblg_control_la_CPPFLAGS = $(AM_CPPFLAGS) $(LG_CPPFLAGS_CONTROL)
%C%_liblg_control_la_CFLAGS = $(AM_CFLAGS)
