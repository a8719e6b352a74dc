# t/config: milter/config: the config and its errors (the recipient
# sources' settings included), the keys about the process (log,
# hostname, the sockets' groups).
check_PROGRAMS += %D%/check_config %D%/check_process
%C%_check_config_SOURCES = %D%/check_config.c
%C%_check_config_CFLAGS = $(CHECK_CFLAGS_ALL)
%C%_check_config_LDADD = $(CHECK_LDADD)
%C%_check_process_SOURCES = %D%/check_process.c
%C%_check_process_CFLAGS = $(CHECK_CFLAGS_ALL)
%C%_check_process_LDADD = $(CHECK_LDADD)
TESTS += %D%/check_config %D%/check_process
# local_domains = "postfix": postconf's answer cut into domains, and the
# key loaded with a fake postconf (check_domains).
check_PROGRAMS += %D%/check_domains
%C%_check_domains_SOURCES = %D%/check_domains.c
%C%_check_domains_CFLAGS = $(CHECK_CFLAGS_ALL)
%C%_check_domains_LDADD = $(CHECK_LDADD)
TESTS += %D%/check_domains
