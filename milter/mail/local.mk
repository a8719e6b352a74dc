# milter/mail: generated mail: the outbox and the mailer that empties it.
# It may include its own headers and those of the folders below it.
LG_CPPFLAGS_MAIL = $(LG_CPPFLAGS_MTA) -I$(top_srcdir)/%D%
noinst_LTLIBRARIES += %D%/liblg_mail.la
%C%_liblg_mail_la_SOURCES = \
	%D%/mailer.c \
	%D%/mailer.h \
	%D%/mailer_exec.c \
	%D%/mailer_smtp.c \
	%D%/outbox.c \
	%D%/outbox.h
%C%_liblg_mail_la_CPPFLAGS = $(AM_CPPFLAGS) $(LG_CPPFLAGS_MAIL)
%C%_liblg_mail_la_CFLAGS = $(AM_CFLAGS)
