# ctl/: loopguardctl, the client of the daemon's control socket. It
# does not link the core: the protocol is plain text lines.
bin_PROGRAMS += loopguardctl
loopguardctl_SOURCES = \
	ctl/loopguardctl.c ctl/ctl.h \
	ctl/ctl_conn.c ctl/ctl_text.c ctl/ctl_show.c
# the daemon's escaper, a pure file: loopguardctl shows text as the log does
loopguardctl_SOURCES += milter/util/escape.c milter/util/escape.h
loopguardctl_SOURCES += ctl/ctl_queue.c ctl/ctl_state.c ctl/ctl_sources.c \
	ctl/ctl_watch.c
# the state file's line format, a pure file shared with the daemon
loopguardctl_SOURCES += milter/store/snapshot/state_line.c \
	milter/store/snapshot/state_line.h
# the compiled-in default paths, shared with the daemon (a header only)
loopguardctl_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/milter/util \
	-I$(top_srcdir)/milter/store -I$(top_srcdir)/milter/store/snapshot
