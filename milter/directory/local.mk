# milter/directory: who exists: the recipient sources (files, passwd,
# aliases, Postfix and Sendmail tables, LDAP), asked together, reloaded
# live, with their health. It may include its own headers and those of
# the folders below it.
LG_CPPFLAGS_DIRECTORY = $(LG_CPPFLAGS_STORE_OPEN) -I$(top_srcdir)/%D%
noinst_LTLIBRARIES += %D%/liblg_directory.la
%C%_liblg_directory_la_SOURCES = \
	%D%/dir.c \
	%D%/dir_cache.c \
	%D%/dir_cache.h \
	%D%/dir_check.c \
	%D%/dir_watch.c \
	%D%/dir_impl.h \
	%D%/dir_kinds.c \
	%D%/dir_kinds.h \
	%D%/dir_load.c \
	%D%/dir_read.c \
	%D%/dir_read.h \
	%D%/dir_source.h \
	%D%/dir_stamp.c \
	%D%/dir_stamp.h \
	%D%/directory.h \
	%D%/recipients.c \
	%D%/recipients.h \
	%D%/recipients_impl.h \
	%D%/recipients_load.c \
	%D%/src_aliases.c \
	%D%/src_file.c \
	%D%/src_ldap.c \
	%D%/src_ldap.h \
	%D%/src_ldap_conf.c \
	%D%/src_ldap_filter.c \
	%D%/src_passwd.c \
	%D%/src_postfix.c \
	%D%/src_postfix.h \
	%D%/src_postfix_conf.c \
	%D%/src_postfix_lmdb.c \
	%D%/src_postfix_parse.c \
	%D%/src_postfix_table.c \
	%D%/src_sendmail.c \
	%D%/src_sendmail.h \
	%D%/src_sendmail_cf.c \
	%D%/src_sendmail_impl.h \
	%D%/src_sendmail_map.c \
	%D%/src_sendmail_vu.c
%C%_liblg_directory_la_CPPFLAGS = $(AM_CPPFLAGS) $(LG_CPPFLAGS_DIRECTORY)
%C%_liblg_directory_la_CFLAGS = $(AM_CFLAGS) $(LDAP_CFLAGS) $(LMDB_CFLAGS)
%C%_liblg_directory_la_LIBADD = $(LDAP_LIBS) $(LMDB_LIBS)
