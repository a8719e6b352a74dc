# t/plugins/repeat: the repeat plugin against the fake host.
check_PROGRAMS += %D%/check_repeat
%C%_check_repeat_SOURCES = %D%/check_repeat.c
%C%_check_repeat_CFLAGS = $(CHECK_CFLAGS_ALL)
%C%_check_repeat_LDADD = $(CHECK_LDADD)
TESTS += %D%/check_repeat
