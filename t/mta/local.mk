# t/mta: milter/mta: Postfix's settings against loopguard's (loopguard
# -n, and at start). Then the real-MTA integration tests: private
# Postfix and Sendmail instances on loopback ports (t/lib/mta.sh,
# postfix.sh, sendmail.sh). They need root and exit 77 (SKIP)
# otherwise.
check_PROGRAMS += %D%/check_postfix
%C%_check_postfix_SOURCES = %D%/check_postfix.c
%C%_check_postfix_CFLAGS = $(CHECK_CFLAGS_ALL)
%C%_check_postfix_LDADD = $(CHECK_LDADD)
TESTS += %D%/check_postfix %D%/t_postfix_check.sh

# The harness itself; catchall, repeat, harvest and loopguardctl; the
# autoreply and the outbox; the bounce plugin (a real DSN, a forged one,
# a bounce of a bounce, a loop; bounce shapes real MTAs send, genuine
# and forged); faults under load (SIGKILL, a reload
# storm, the mailer down, a full disk, a corrupt snapshot, Redis
# killed); the README's Postfix advice and end-of-message decisions
# logged for what really happened; a plugin's sender change
# (SMFIR_CHGFROM) seen as the delivered Return-Path, through Postfix
# and Sendmail.
MTA_TESTS = %D%/t_harness.sh %D%/t_catchall_postfix.sh \
	%D%/t_loops_postfix.sh %D%/t_loops_sendmail.sh \
	%D%/t_catchall_sendmail.sh \
	%D%/t_autoreply_postfix.sh %D%/t_autoreply_sendmail.sh \
	%D%/t_bounce_postfix.sh %D%/t_bounce_shapes_postfix.sh \
	%D%/t_faults_postfix.sh \
	%D%/t_postfix_advice.sh %D%/t_chgfrom_postfix.sh \
	%D%/t_chgfrom_sendmail.sh
# Signed envelope senders (BATV): signing, bounces to valid, forged and
# expired tags, and BATV off.
MTA_TESTS += %D%/t_batv_postfix.sh
TESTS += $(MTA_TESTS)
dist_noinst_SCRIPTS += %D%/t_postfix_check.sh $(MTA_TESTS)
EXTRA_DIST += %D%/catchall_scenarios.sh %D%/loop_scenarios.sh \
	%D%/autoreply_scenarios.sh %D%/bounce_scenarios.sh \
	%D%/chgfrom_scenarios.sh
