# t/control: milter/control: the control protocol (check_control) and
# socket (check_control_socket), both over control_fixture.c;
# loopguardctl against the daemon (on a snapshot written by ctl_seed);
# the control socket's mode and group, and who may use it (root only);
# sorting, paging, "as NAME" and the new stats lines (check_control_page);
# the change-event ring and the watch request (check_control_events).
check_PROGRAMS += %D%/check_control %D%/check_control_socket %D%/ctl_seed \
	%D%/check_control_state %D%/check_control_page %D%/check_control_events
%C%_check_control_SOURCES = %D%/check_control.c %D%/control_fixture.c \
	%D%/control_fixture.h
%C%_check_control_CFLAGS = $(CHECK_CFLAGS_ALL)
%C%_check_control_LDADD = $(CHECK_LDADD)
%C%_check_control_socket_SOURCES = %D%/check_control_socket.c \
	%D%/control_fixture.c %D%/control_fixture.h
%C%_check_control_socket_CFLAGS = $(CHECK_CFLAGS_ALL)
%C%_check_control_socket_LDADD = $(CHECK_LDADD)
%C%_check_control_state_SOURCES = %D%/check_control_state.c \
	%D%/control_fixture.c %D%/control_fixture.h
%C%_check_control_state_CFLAGS = $(CHECK_CFLAGS_ALL)
%C%_check_control_state_LDADD = $(CHECK_LDADD)
%C%_check_control_page_SOURCES = %D%/check_control_page.c \
	%D%/control_fixture.c %D%/control_fixture.h
%C%_check_control_page_CFLAGS = $(CHECK_CFLAGS_ALL)
%C%_check_control_page_LDADD = $(CHECK_LDADD)
%C%_check_control_events_SOURCES = %D%/check_control_events.c \
	%D%/control_fixture.c %D%/control_fixture.h
%C%_check_control_events_CFLAGS = $(CHECK_CFLAGS_ALL)
%C%_check_control_events_LDADD = $(CHECK_LDADD)
%C%_ctl_seed_SOURCES = %D%/ctl_seed.c
%C%_ctl_seed_CFLAGS = $(AM_CFLAGS) $(LG_CPPFLAGS_ALL) $(LIBCONFIG_CFLAGS)
%C%_ctl_seed_LDADD = milter/libcore.la $(LIBCONFIG_LIBS) $(HIREDIS_LIBS) $(LMDB_LIBS)
TESTS += %D%/check_control %D%/check_control_socket %D%/check_control_state \
	%D%/check_control_page %D%/check_control_events \
	%D%/t_loopguardctl.sh %D%/t_control_socket.sh %D%/t_state_move.sh
dist_noinst_SCRIPTS += %D%/t_loopguardctl.sh %D%/t_control_socket.sh \
	%D%/t_state_move.sh
# t_state_move.sh: memory to Redis through state export/import, and
# what stats and list say while Redis is down
EXTRA_DIST += %D%/state_move.lua
