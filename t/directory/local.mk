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
# A table replaced by a FIFO or a device: an error at once, the loaded
# entries kept, the other sources still followed (t_hostile_files.sh).
TESTS += %D%/t_hostile_files.sh
EXTRA_DIST += %D%/t_hostile_files.sh

# The sendmail source: its .cf, map and class file readers, and its
# lookups through the directory on a private set of files.
check_PROGRAMS += %D%/check_sendmail
%C%_check_sendmail_SOURCES = %D%/check_sendmail.c
%C%_check_sendmail_CFLAGS = $(CHECK_CFLAGS_ALL)
%C%_check_sendmail_LDADD = $(CHECK_LDADD)
TESTS += %D%/check_sendmail

# The sendmail source in the real daemon, on a .cf built by the
# unpacked Sendmail's m4 files and a virtusertable made by its makemap
# (sendmail.lua drives the daemon).
TESTS += %D%/t_sendmail.sh
dist_noinst_SCRIPTS += %D%/t_sendmail.sh
EXTRA_DIST += %D%/sendmail.lua

# The sendmail source with a real Sendmail (t/lib/sendmail.sh): a
# virtual user is delivered, an unknown one goes to the postmaster, a
# new virtusertable entry counts without a reload. Needs root (77
# otherwise).
TESTS += %D%/t_sendmail_mta.sh
dist_noinst_SCRIPTS += %D%/t_sendmail_mta.sh

# The postfix source: its readers and classes (check_src_postfix), through
# the real daemon (t_postfix_source.sh) and a real Postfix (t_postfix_mta.sh).
DIRECTORY_POSTFIX_TESTS = %D%/t_postfix_source.sh %D%/t_postfix_mta.sh
TESTS += $(DIRECTORY_POSTFIX_TESTS)
dist_noinst_SCRIPTS += $(DIRECTORY_POSTFIX_TESTS)
EXTRA_DIST += %D%/miltertest/rcpt_cases.lua
check_PROGRAMS += %D%/check_src_postfix
%C%_check_src_postfix_SOURCES = %D%/check_src_postfix.c
%C%_check_src_postfix_CFLAGS = $(CHECK_CFLAGS_ALL)
%C%_check_src_postfix_LDADD = $(CHECK_LDADD)
TESTS += %D%/check_src_postfix

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

# The postfix source's lmdb reader: tables built by the real postmap
# and postalias (and a few written with liblmdb) read directly, with
# exactly the keys postmap -s lists; broken files refused.
check_PROGRAMS += %D%/check_src_postfix_lmdb
%C%_check_src_postfix_lmdb_SOURCES = %D%/check_src_postfix_lmdb.c
%C%_check_src_postfix_lmdb_CFLAGS = $(CHECK_CFLAGS_ALL) $(LMDB_CFLAGS)
%C%_check_src_postfix_lmdb_LDADD = $(CHECK_LDADD)
TESTS += %D%/check_src_postfix_lmdb
