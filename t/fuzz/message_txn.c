/*
 * NAME
 *	message_txn.c - read fuzz_message's input as an SMTP transaction
 * SYNOPSIS
 *	See message_txn.h.
 * DESCRIPTION
 *	Envelope lines up to "DATA", then header lines (a line starting
 *	with a blank continues the one before, joined by "\n") up to an
 *	empty line or a line that is no header, then the body as it is.
 *	Counts and sizes are brought into range here.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "message_txn.h"

/* next_line - the line at *p (without its LF or CRLF); NULL at the end */
static char *next_line(const uint8_t **p, const uint8_t *end)
{
	const uint8_t *s = *p, *nl;
	size_t n;

	if (s >= end)
		return NULL;
	nl = memchr(s, '\n', (size_t) (end - s));
	n = nl ? (size_t) (nl - s) : (size_t) (end - s);
	*p = nl ? nl + 1 : end;
	if (n && s[n - 1] == '\r')
		n--;
	return fz_strndup(s, n);
}

/* word_is - the line starts with the word W and a blank (or ends) */
static const char *word_is(const char *line, const char *w)
{
	size_t n = strlen(w);

	if (strncmp(line, w, n) != 0 || (line[n] && line[n] != ' '))
		return NULL;
	return line[n] ? line + n + 1 : line + n;
}

/* envelope - one envelope line; 1 when it was DATA */
static int envelope(struct txn *t, char *line)
{
	const char *v;
	char *sp;

	if (strcmp(line, "DATA") == 0)
		return 1;
	if ((v = word_is(line, "client"))) {
		free(t->client);
		t->client = strdup(v);
	} else if ((v = word_is(line, "helo"))) {
		free(t->helo);
		t->helo = strdup(v);
	} else if ((v = word_is(line, "from"))) {
		free(t->from);
		t->from = strdup(v);
	} else if ((v = word_is(line, "rcpt")) && t->n_rcpts < MAX_RCPTS) {
		t->rcpt[t->n_rcpts++] = strdup(v);
	} else if ((v = word_is(line, "macro")) && t->n_macros < MAX_MACROS &&
		   (sp = strchr(v, ' '))) {
		t->macro_name[t->n_macros] = strndup(v, (size_t) (sp - v));
		t->macro_value[t->n_macros++] = strdup(sp + 1);
	} else if ((v = word_is(line, "repeat"))) {
		t->repeat = atoi(v);
	} else if ((v = word_is(line, "chunk"))) {
		t->chunk = (size_t) strtoul(v, NULL, 10);
	} else if ((v = word_is(line, "config"))) {
		t->config = atoi(v);
	} else if (word_is(line, "refuse")) {
		t->refuse = 1;
	}
	return 0;
}

/* txn_parse - the input as a transaction */
void txn_parse(struct txn *t, const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size, *before;
	char *line, *colon, *joined;
	int data_seen = 0;

	memset(t, 0, sizeof(*t));
	while (!data_seen && (line = next_line(&p, end)) != NULL) {
		data_seen = envelope(t, line);
		free(line);
	}
	while (data_seen) {
		before = p;
		if ((line = next_line(&p, end)) == NULL)
			break;
		if (!*line) {			/* the empty line */
			free(line);
			break;
		}
		if ((*line == ' ' || *line == '\t') && t->n_headers) {
			joined = malloc(strlen(t->hvalue[t->n_headers - 1]) +
					strlen(line) + 2);
			if (!joined)
				abort();
			sprintf(joined, "%s\n%s", t->hvalue[t->n_headers - 1],
				line);
			free(t->hvalue[t->n_headers - 1]);
			t->hvalue[t->n_headers - 1] = joined;
		} else if ((colon = strchr(line, ':')) && colon != line &&
			   t->n_headers < MAX_HEADERS) {
			t->hname[t->n_headers] = strndup(line,
							 (size_t) (colon - line));
			colon++;
			if (*colon == ' ')
				colon++;
			t->hvalue[t->n_headers++] = strdup(colon);
		} else {
			p = before;		/* not a header: the body */
			free(line);
			break;
		}
		free(line);
	}
	t->body = data_seen ? p : NULL;
	t->body_len = data_seen ? (size_t) (end - p) : 0;
	if (t->chunk == 0 || t->chunk > 65535)
		t->chunk = 65535;
	if (t->repeat < 1 || t->repeat > 5)
		t->repeat = 1;
	if (t->config < 0 || t->config >= TXN_CONFIGS)
		t->config = 0;
}

/* txn_free - everything txn_parse() made */
void txn_free(struct txn *t)
{
	size_t i;

	free(t->client);
	free(t->helo);
	free(t->from);
	for (i = 0; i < t->n_macros; i++) {
		free(t->macro_name[i]);
		free(t->macro_value[i]);
	}
	for (i = 0; i < t->n_rcpts; i++)
		free(t->rcpt[i]);
	for (i = 0; i < t->n_headers; i++) {
		free(t->hname[i]);
		free(t->hvalue[i]);
	}
}
