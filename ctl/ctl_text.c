/*
 * NAME
 *	ctl_text.c - loopguardctl's small pure formatters
 * SYNOPSIS
 *	#include "ctl.h"
 *
 *	n = ctl_split(line, fields, 16);
 *	ctl_unescape(fields[5]);
 *	ctl_json_string(stdout, fields[5]);
 *	ctl_human_size(5200, buf, sizeof(buf));		("5.1K")
 *	ctl_time(t, buf, sizeof(buf));			("2024-05-01 12:00:00")
 * DESCRIPTION
 *	No I/O but the FILE given to ctl_json_string(). What the daemon
 *	sends is not trusted to be clean: text for the terminal goes
 *	through ctl_display(), text for JSON through ctl_json_string().
 *	ctl_display() is the daemon's own escaper (milter/util/escape.c,
 *	a pure file built into loopguardctl too), so a value reads the
 *	same in the log and on the terminal.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Utility library (a pure file, built into loopguardctl too). */
#include "escape.h"

#include "ctl.h"

/* ctl_split - cut at tabs; fields past max are dropped */
size_t ctl_split(char *line, char **fields, size_t max)
{
	size_t n = 0;
	char *tab;

	while (n < max) {
		fields[n++] = line;
		if ((tab = strchr(line, '\t')) == NULL)
			break;
		*tab = 0;
		line = tab + 1;
	}
	return n;
}

/* ctl_unescape - \\ \t \n \r \xHH back to bytes; others stay as they are */
void ctl_unescape(char *s)
{
	char *w = s;
	unsigned char c;
	size_t used;

	while (*s) {
		/* \x00 is not turned back: it would end the string */
		if ((used = lg_unescape_one(s, strlen(s), &c)) > 0 && c) {
			*w++ = (char) c;
			s += used;
		} else {
			*w++ = *s++;
		}
	}
	*w = 0;
}

/* ctl_utf8_next - decode one character at p; 0 bytes when invalid */
size_t ctl_utf8_next(const unsigned char *p, uint32_t *c_r)
{
	size_t n, i;
	uint32_t c;

	if (*p < 0x80) {
		*c_r = *p;
		return 1;
	}
	if (*p < 0xc2 || *p > 0xf4)
		return 0;
	n = *p >= 0xf0 ? 4 : *p >= 0xe0 ? 3 : 2;
	c = *p & (0x7f >> n);
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (p[i] & 0x3f);
	}
	if ((n == 3 && (c < 0x800 || (c >= 0xd800 && c <= 0xdfff))) ||
	    (n == 4 && (c < 0x10000 || c > 0x10ffff)))
		return 0;
	*c_r = c;
	return n;
}

/* ctl_display - safe for a terminal, escaped as the daemon escapes its
 * log lines (escape.h): each byte told apart, a backslash too */
char *ctl_display(const char *s)
{
	size_t len = strlen(s);
	char *buf = malloc(4 * len + 1);

	if (buf)
		lg_escape(s, len, buf, 4 * len + 1);	/* never cut: 4 a byte */
	return buf;
}

/* ctl_width - code points in s (UTF-8 continuation bytes not counted) */
size_t ctl_width(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (((unsigned char) *s & 0xc0) != 0x80)
			n++;
	return n;
}

/* ctl_json_string - quoted and escaped: control bytes, DEL and the C1
 * controls as \u00XX (a tool that prints the decoded string, such as
 * jq -r, gets no escape sequence out of it), invalid UTF-8 U+FFFD */
void ctl_json_string(FILE *fp, const char *s)
{
	const unsigned char *p = (const unsigned char *) s;
	uint32_t c;
	size_t n;

	putc('"', fp);
	while (*p) {
		n = ctl_utf8_next(p, &c);
		if (n == 0) {
			fputs("\\ufffd", fp);
			p++;
			continue;
		}
		if (c == '"' || c == '\\')
			fprintf(fp, "\\%c", (int) c);
		else if (c == '\n')
			fputs("\\n", fp);
		else if (c == '\t')
			fputs("\\t", fp);
		else if (c == '\r')
			fputs("\\r", fp);
		else if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0))
			fprintf(fp, "\\u%04x", (unsigned) c);	/* C1 too */
		else
			fwrite(p, 1, n, fp);
		p += n;
	}
	putc('"', fp);
}

/* ctl_human_size - like ls -h: one decimal below 10 */
void ctl_human_size(long long size, char *buf, size_t bufsize)
{
	static const char units[] = "KMGTPE";
	double v = (double) size / 1024;
	int u = 0;

	if (size < 0) {
		snprintf(buf, bufsize, "-");
		return;
	}
	if (size < 1024) {
		snprintf(buf, bufsize, "%lld", size);
		return;
	}
	while (v >= 1024 && u < 5) {
		v /= 1024;
		u++;
	}
	if (v < 9.95)
		snprintf(buf, bufsize, "%.1f%c", v, units[u]);
	else
		snprintf(buf, bufsize, "%.0f%c", v, units[u]);
}

/* ctl_time - local time, or "-" */
void ctl_time(time_t t, char *buf, size_t bufsize)
{
	struct tm tm;

	if (t <= 0 || !localtime_r(&t, &tm) ||
	    strftime(buf, bufsize, "%Y-%m-%d %H:%M:%S", &tm) == 0)
		snprintf(buf, bufsize, "-");
}

/* ctl_duration - days, hours, minutes, seconds; leading zeros left out */
void ctl_duration(long long s, char *buf, size_t bufsize)
{
	if (s < 0)
		s = 0;
	if (s >= 86400)
		snprintf(buf, bufsize, "%lldd %lldh %lldm %llds", s / 86400,
			 s % 86400 / 3600, s % 3600 / 60, s % 60);
	else if (s >= 3600)
		snprintf(buf, bufsize, "%lldh %lldm %llds", s / 3600,
			 s % 3600 / 60, s % 60);
	else if (s >= 60)
		snprintf(buf, bufsize, "%lldm %llds", s / 60, s % 60);
	else
		snprintf(buf, bufsize, "%llds", s);
}

/* ctl_is_number - decimal digits only, at most 19 (a count at either
 * end of the 64-bit range has 19) */
int ctl_is_number(const char *s)
{
	if (!*s || strlen(s) > 19)
		return 0;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}
