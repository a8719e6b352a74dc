# t/config: milter/config: the config and its errors, the recipients
# directory (lookups in check_recipients; adding entries and loading
# files in check_recipients_load), the keys about the process (log,
# hostname, the sockets' groups).
check_PROGRAMS += %D%/check_recipients %D%/check_recipients_load \
	%D%/check_config %D%/check_process
%C%_check_recipients_SOURCES = %D%/check_recipients.c %D%/recipients_cases.h
%C%_check_recipients_CFLAGS = $(CHECK_CFLAGS_ALL)
%C%_check_recipients_LDADD = $(CHECK_LDADD)
%C%_check_recipients_load_SOURCES = %D%/check_recipients_load.c \
	%D%/recipients_cases.h
%C%_check_recipients_load_CFLAGS = $(CHECK_CFLAGS_ALL)
%C%_check_recipients_load_LDADD = $(CHECK_LDADD)
%C%_check_config_SOURCES = %D%/check_config.c
%C%_check_config_CFLAGS = $(CHECK_CFLAGS_ALL)
%C%_check_config_LDADD = $(CHECK_LDADD)
%C%_check_process_SOURCES = %D%/check_process.c
%C%_check_process_CFLAGS = $(CHECK_CFLAGS_ALL)
%C%_check_process_LDADD = $(CHECK_LDADD)
TESTS += %D%/check_recipients %D%/check_recipients_load %D%/check_config \
	%D%/check_process
