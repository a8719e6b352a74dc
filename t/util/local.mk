# t/util: milter/util: parsing (durations and addresses in check_parse;
# IP addresses, networks and socket specifications in check_parse_net),
# the log file and its reopening, the escaping of peer text (and of
# every log line) in check_escape, the plugins' named counters and
# their bounds in check_counters.
check_PROGRAMS += %D%/check_parse %D%/check_parse_net %D%/check_logfile \
	%D%/check_escape %D%/check_counters
%C%_check_parse_SOURCES = %D%/check_parse.c
%C%_check_parse_CFLAGS = $(CHECK_CFLAGS_ALL)
%C%_check_parse_LDADD = $(CHECK_LDADD)
%C%_check_parse_net_SOURCES = %D%/check_parse_net.c
%C%_check_parse_net_CFLAGS = $(CHECK_CFLAGS_ALL)
%C%_check_parse_net_LDADD = $(CHECK_LDADD)
%C%_check_logfile_SOURCES = %D%/check_logfile.c
%C%_check_logfile_CFLAGS = $(CHECK_CFLAGS_ALL)
%C%_check_logfile_LDADD = $(CHECK_LDADD)
%C%_check_escape_SOURCES = %D%/check_escape.c
%C%_check_escape_CFLAGS = $(CHECK_CFLAGS_ALL)
%C%_check_escape_LDADD = $(CHECK_LDADD)
%C%_check_counters_SOURCES = %D%/check_counters.c
%C%_check_counters_CFLAGS = $(CHECK_CFLAGS_ALL)
%C%_check_counters_LDADD = $(CHECK_LDADD)
TESTS += %D%/check_parse %D%/check_parse_net %D%/check_logfile \
	%D%/check_escape %D%/check_counters
