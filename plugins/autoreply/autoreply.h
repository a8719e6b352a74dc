/*
 * NAME
 *	autoreply.h - the autoreply plugin's parts (private)
 * DESCRIPTION
 *	autoreply.c decides whether a message gets a reply (rules, store
 *	limits); autoreply_text.c makes the reply's text: template
 *	expansion, header cleaning and folding, RFC 2047 subjects,
 *	"did you mean" suggestions by edit distance. The text functions
 *	are pure: no host, no I/O, so they are tested by tables.
 */
#ifndef AUTOREPLY_H
#define AUTOREPLY_H

#include <stddef.h>

/* A growing string; on out of memory, nomem is set and text stays
 * what it was. */
struct ar_buf {
	char *text;
	size_t len, cap;
	int nomem;
};

void ar_buf_add(struct ar_buf *b, const char *s, size_t n);
void ar_buf_adds(struct ar_buf *b, const char *s);
void ar_buf_free(struct ar_buf *b);

/* The values %{sender}, %{recipients}, %{subject}, %{date} and
 * %{suggestions} expand to. */
struct ar_vars {
	const char *sender;
	const char *recipients;
	const char *subject;
	const char *date;
	const char *suggestions;
};

/* ar_template_check - 0, or -1 with the first unknown %{name} (or an
 * unclosed "%{") copied into bad */
int ar_template_check(const char *tmpl, char *bad, size_t badsize);

/* ar_expand - the template with the variables put in; "%%" is "%" */
void ar_expand(struct ar_buf *out, const char *tmpl, const struct ar_vars *v);

/* ar_one_line - text made safe to copy into a header: CR, LF, tabs
 * and other controls become spaces, runs of blanks one space, invalid
 * UTF-8 "?", cut at max bytes (on a character boundary) */
void ar_one_line(const char *text, char *out, size_t max);

/* ar_header - "Name: value\n" folded at blanks so lines stay within 78
 * columns where the words allow; a value with bytes >= 0x80 is
 * encoded (RFC 2047, UTF-8, base64) when encode is set */
void ar_header(struct ar_buf *out, const char *name, const char *value,
	       int encode);

/* ar_body - body text: LF line ends, invalid UTF-8 made "?", lines
 * longer than 998 bytes broken, a final newline */
void ar_body(struct ar_buf *out, const char *text);

/* ar_distance - edit distance (with transpositions), case-insensitive
 * for ASCII; stops counting past limit (returns limit + 1) */
int ar_distance(const char *a, const char *b, int limit);

/* Collects the closest valid local parts to one wrong one. */
#define AR_MAX_SUGGEST 3
struct ar_suggest {
	const char *wrong;		/* the local part written */
	int limit;			/* largest distance kept (2) */
	char best[AR_MAX_SUGGEST][128];
	int dist[AR_MAX_SUGGEST];
	size_t n;
};

/* ar_suggest_consider - a callback for host->recipients_in_domain */
int ar_suggest_consider(void *arg, const char *local);

/* ar_noreply_sender - 1 for mailer-daemon, postmaster, owner-*,
 * *-request and noreply-like local parts */
int ar_noreply_sender(const char *local);

#endif
