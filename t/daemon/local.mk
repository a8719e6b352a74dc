# t/daemon: the real daemon driven by miltertest (scripts in
# %D%/miltertest): a start, its life (signals, reloads, stops), its log
# file and groups, hostile and broken input, two daemons sharing their
# state in a private redis-server; as root, links planted in the pid
# file's folder and a local user at the installed milter socket; the
# reject list against address extensions, peer text that tries to
# forge log lines; the plugin ABI 1.4 members (untag, a sender change
# as SMFIR_CHGFROM, counters in stats); the bounce plugin against
# hostile bodies and an MTA without SMFIF_CHGFROM (t_bounce_hostile.sh);
# as root, a BATV key file read again at reload as the user; the watch
# stream of change events (t_watch.sh); local_domains = "postfix" asked
# again at each reload, a failing postconf refused (t_postfix_domains.sh).
DAEMON_TESTS = %D%/t_miltertest.sh %D%/t_daemon.sh %D%/t_lifecycle.sh \
	%D%/t_redis_shared.sh %D%/t_bad_input.sh %D%/t_logging.sh \
	%D%/t_pidfile.sh %D%/t_socket_access.sh \
	%D%/t_reject_extension.sh %D%/t_log_forgery.sh %D%/t_steps.sh \
	%D%/t_abi14.sh %D%/t_bounce_hostile.sh %D%/t_batv_reload.sh \
	%D%/t_watch.sh %D%/t_postfix_domains.sh
TESTS += $(DAEMON_TESTS)
dist_noinst_SCRIPTS += $(DAEMON_TESTS) %D%/t_valgrind.sh
EXTRA_DIST += %D%/quitnc.py %D%/miltertest/redirect.lua %D%/miltertest/catchall.lua \
	%D%/miltertest/redis_message.lua %D%/miltertest/redis_rcpt.lua \
	%D%/miltertest/bad_input.lua %D%/miltertest/forge.lua \
	%D%/miltertest/reject_extension.lua %D%/miltertest/log_forgery.lua \
	%D%/miltertest/steps.lua %D%/miltertest/abi14.lua %D%/milter_eom.py

# The daemon under valgrind memcheck with load; valgrind cannot run an
# ASan build, so only without --enable-sanitizers.
if !SANITIZERS
TESTS += %D%/t_valgrind.sh
endif

# The pid file (what a user may leave in its folder), the pid file
# folder's mode, and the TCP milter socket's warning: milter/daemon.c
# and milter/folders.c, the program's own files, built in.
check_PROGRAMS += %D%/check_pidfile
%C%_check_pidfile_SOURCES = %D%/check_pidfile.c milter/daemon.c \
	milter/folders.c
%C%_check_pidfile_CFLAGS = $(CHECK_CFLAGS_ALL) -I$(top_srcdir)/milter
%C%_check_pidfile_LDADD = $(CHECK_LDADD)
TESTS += %D%/check_pidfile

# The daemon under ThreadSanitizer with load, reloads and control
# requests; only in a --enable-sanitizers=thread build (t_tsan.sh
# --build DIR makes one; .ci/run does).
dist_noinst_SCRIPTS += %D%/t_tsan.sh
EXTRA_DIST += t/lib/tsan.supp
if TSAN
TESTS += %D%/t_tsan.sh
endif
