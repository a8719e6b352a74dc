/*
 * NAME
 *	dkim_sign - sign a message with libopendkim, for the shell tests
 * SYNOPSIS
 *	dkim_sign KEY.pem DOMAIN SELECTOR < message
 * DESCRIPTION
 *	Reads a message (LF or CRLF lines; one-line header fields, an
 *	empty line, the body), signs it with the private key in KEY.pem (rsa-sha256,
 *	relaxed/relaxed) as d=DOMAIN s=SELECTOR, and prints the value of
 *	its DKIM-Signature field on one line (no field name, no folds).
 * DIAGNOSTICS
 *	Exit 1 with a message on stderr when anything fails.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dkim.h>

#define MSG_MAX		(1024 * 1024)
#define SIG_MAX		8192

/* slurp - the whole of FP, NUL-terminated; NULL on failure */
static char *slurp(FILE *fp, size_t max, size_t *len_r)
{
	char *buf = malloc(max + 1);
	size_t n;

	if (!buf)
		return NULL;
	n = fread(buf, 1, max, fp);
	buf[n] = 0;
	*len_r = n;
	return buf;
}

/* die - the reason, exit 1 */
static void die(const char *what, DKIM_STAT st)
{
	fprintf(stderr, "dkim_sign: %s: %s\n", what, dkim_getresultstr(st));
	exit(1);
}

/* feed - the header lines (one field each: no folds) and the body */
static void feed(DKIM *d, char *m)
{
	static char crlf_body[MSG_MAX * 2 + 1];
	char *line = m, *next = NULL;
	size_t n = 0, i, len;
	DKIM_STAT st;

	while (*line) {
		next = strchr(line, '\n');
		len = next ? (size_t) (next - line) : strlen(line);
		if (len > 0 && line[len - 1] == '\r')
			len--;
		if (len == 0)
			break;
		if ((st = dkim_header(d, (unsigned char *) line, len)) !=
		    DKIM_STAT_OK)
			die("header", st);
		line = next ? next + 1 : line + len;
	}
	if ((st = dkim_eoh(d)) != DKIM_STAT_OK)
		die("end of headers", st);
	line = next ? next + 1 : line + strlen(line);
	for (i = 0; line[i] && n < sizeof(crlf_body) - 2; i++) {
		if (line[i] == '\n' && (i == 0 || line[i - 1] != '\r'))
			crlf_body[n++] = '\r';
		crlf_body[n++] = line[i];
	}
	if ((st = dkim_body(d, (unsigned char *) crlf_body, n)) != DKIM_STAT_OK)
		die("body", st);
}

/* main - sign stdin, print the signature */
int main(int argc, char **argv)
{
	static char sig[SIG_MAX];
	DKIM_LIB *lib;
	DKIM_STAT st = DKIM_STAT_INTERNAL;
	DKIM *d;
	FILE *fp;
	char *key, *msg;
	size_t len;

	if (argc != 4) {
		fprintf(stderr, "usage: dkim_sign KEY.pem DOMAIN SELECTOR "
			"< message\n");
		return 2;
	}
	if ((fp = fopen(argv[1], "r")) == NULL ||
	    (key = slurp(fp, 16384, &len)) == NULL) {
		perror(argv[1]);
		return 1;
	}
	fclose(fp);
	if ((msg = slurp(stdin, MSG_MAX, &len)) == NULL ||
	    (lib = dkim_init(NULL, NULL)) == NULL)
		die("start", st);
	d = dkim_sign(lib, (const unsigned char *) "t", NULL,
		      (dkim_sigkey_t) key, (const unsigned char *) argv[3],
		      (const unsigned char *) argv[2], DKIM_CANON_RELAXED,
		      DKIM_CANON_RELAXED, DKIM_SIGN_RSASHA256, -1, &st);
	if (!d)
		die("dkim_sign", st);
	if ((st = dkim_set_margin(d, 0)) != DKIM_STAT_OK)
		die("margin", st);
	feed(d, msg);
	if ((st = dkim_eom(d, NULL)) != DKIM_STAT_OK)
		die("end of message", st);
	if ((st = dkim_getsighdr(d, (unsigned char *) sig, sizeof(sig),
				 strlen("DKIM-Signature: "))) != DKIM_STAT_OK)
		die("signature", st);
	printf("%s\n", sig);
	dkim_free(d);
	dkim_close(lib);
	free(msg);
	free(key);
	return 0;
}
