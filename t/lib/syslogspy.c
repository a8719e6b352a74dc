/*
 * NAME
 *	syslogspy.c - what a program sends to syslog, into a file
 * SYNOPSIS
 *	LD_PRELOAD=t/lib/.libs/syslogspy.so LG_SYSLOG_SPY=FILE program
 * DESCRIPTION
 *	Preloaded into the daemon under test, it takes the place of
 *	syslog(3) (and the _FORTIFY_SOURCE variant that libmilter calls):
 *	each message is appended to FILE as one line "PRIORITY MESSAGE",
 *	so a test sees what libmilter logs, with no syslog daemon. Without
 *	LG_SYSLOG_SPY the messages are dropped.
 */
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

void syslog(int priority, const char *format, ...);
void vsyslog(int priority, const char *format, va_list ap);
void __syslog_chk(int priority, int flag, const char *format, ...);
void __vsyslog_chk(int priority, int flag, const char *format, va_list ap);

/* vsyslog - one line into $LG_SYSLOG_SPY */
void vsyslog(int priority, const char *format, va_list ap)
{
	const char *path = getenv("LG_SYSLOG_SPY");
	char line[2048];
	int n, m, fd;

	if (!path)
		return;
	n = snprintf(line, sizeof(line), "%d ", priority);
	m = vsnprintf(line + n, sizeof(line) - (size_t) n - 1, format, ap);
	if (m < 0)
		return;
	n += m < (int) sizeof(line) - n - 1 ? m : (int) sizeof(line) - n - 2;
	if (line[n - 1] != '\n')
		line[n++] = '\n';
	if ((fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0600)) < 0)
		return;
	(void) !write(fd, line, (size_t) n);
	close(fd);
}

/* syslog - as vsyslog */
void syslog(int priority, const char *format, ...)
{
	va_list ap;

	va_start(ap, format);
	vsyslog(priority, format, ap);
	va_end(ap);
}

/* __vsyslog_chk - as vsyslog */
void __vsyslog_chk(int priority, int flag, const char *format, va_list ap)
{
	(void) flag;
	vsyslog(priority, format, ap);
}

/* __syslog_chk - as vsyslog */
void __syslog_chk(int priority, int flag, const char *format, ...)
{
	va_list ap;

	(void) flag;
	va_start(ap, format);
	vsyslog(priority, format, ap);
	va_end(ap);
}
