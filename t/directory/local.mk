# t/directory: milter/directory: the recipient directory and its
# sources, each suite next to the source it tests.
# The hash set and the file format (lookups in check_recipients; adding
# entries and loading files in check_recipients_load); the directory
# itself, its sources asked together, reloads and health
# (check_directory); the cache of answers (check_dir_cache); the
# passwd, file and aliases sources (check_dir_sources).
check_PROGRAMS += %D%/check_recipients %D%/check_recipients_load \
	%D%/check_directory %D%/check_dir_cache %D%/check_dir_sources
%C%_check_recipients_SOURCES = %D%/check_recipients.c %D%/recipients_cases.h
%C%_check_recipients_CFLAGS = $(CHECK_CFLAGS_ALL)
%C%_check_recipients_LDADD = $(CHECK_LDADD)
%C%_check_recipients_load_SOURCES = %D%/check_recipients_load.c \
	%D%/recipients_cases.h
%C%_check_recipients_load_CFLAGS = $(CHECK_CFLAGS_ALL)
%C%_check_recipients_load_LDADD = $(CHECK_LDADD)
%C%_check_directory_SOURCES = %D%/check_directory.c
%C%_check_directory_CFLAGS = $(CHECK_CFLAGS_ALL)
%C%_check_directory_LDADD = $(CHECK_LDADD)
%C%_check_dir_cache_SOURCES = %D%/check_dir_cache.c
%C%_check_dir_cache_CFLAGS = $(CHECK_CFLAGS_ALL)
%C%_check_dir_cache_LDADD = $(CHECK_LDADD)
%C%_check_dir_sources_SOURCES = %D%/check_dir_sources.c
%C%_check_dir_sources_CFLAGS = $(CHECK_CFLAGS_ALL)
%C%_check_dir_sources_LDADD = $(CHECK_LDADD)
TESTS += %D%/check_recipients %D%/check_recipients_load \
	%D%/check_directory %D%/check_dir_cache %D%/check_dir_sources
# Through the real daemon: sources followed live, a truncated table
# held back, stats and lookup (t_directory_live.sh, root for a private
# mount namespace).
TESTS += %D%/t_directory_live.sh
EXTRA_DIST += %D%/t_directory_live.sh %D%/directory_msg.lua

# The ldap: source's settings file, filter escaping and expansion, and
# its answers with no server (check_ldap).
check_PROGRAMS += %D%/check_ldap
%C%_check_ldap_SOURCES = %D%/check_ldap.c
%C%_check_ldap_CFLAGS = $(CHECK_CFLAGS_ALL)
%C%_check_ldap_LDADD = $(CHECK_LDADD)
TESTS += %D%/check_ldap

# The ldap: source against a private slapd (t/lib/slapd.sh), through
# the real daemon and miltertest (ldap_rcpt.lua).
TESTS += %D%/t_ldap.sh
dist_noinst_SCRIPTS += %D%/t_ldap.sh
EXTRA_DIST += %D%/ldap_rcpt.lua t/lib/slapd.sh
