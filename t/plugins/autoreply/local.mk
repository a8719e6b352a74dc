# t/plugins/autoreply: the autoreply plugin and its texts against the
# fake host, and against every header, envelope and macro a client
# forges.
check_PROGRAMS += %D%/check_autoreply %D%/check_autoreply_forge
%C%_check_autoreply_SOURCES = %D%/check_autoreply.c \
	plugins/autoreply/autoreply_text.c
%C%_check_autoreply_CFLAGS = $(CHECK_CFLAGS_ALL) -I$(top_srcdir)/plugins/autoreply
%C%_check_autoreply_LDADD = $(CHECK_LDADD)
%C%_check_autoreply_forge_SOURCES = %D%/check_autoreply_forge.c
%C%_check_autoreply_forge_CFLAGS = $(CHECK_CFLAGS_ALL)
%C%_check_autoreply_forge_LDADD = $(CHECK_LDADD)
TESTS += %D%/check_autoreply %D%/check_autoreply_forge
