/*
 * NAME
 *	bounce_impl.h - the bounce parser's private interface
 * SYNOPSIS
 *	#include "bounce_impl.h"
 * DESCRIPTION
 *	Shared by the files of the parser of returned originals:
 *	bounce_fields.c (what one returned header tells),
 *	bounce_lines.c (lines and header blocks), bounce_decode.c
 *	(quoted-printable and base64), bounce_dsn.c (the fields of a
 *	message/delivery-status part), bounce_inline.c (header blocks
 *	copied into the text) and bounce_mime.c (the MIME walk). Not for
 *	the plugin itself: it uses bounce.h only.
 */
#ifndef BOUNCE_IMPL_H
#define BOUNCE_IMPL_H

#include <stddef.h>

#include "bounce.h"

#define BOUNCE_HDR_MAX	1024	/* one unfolded header, truncated */
#define BOUNCE_INDENT_MAX 16	/* leading blanks of an indented copy */

typedef void (*bounce_hdr_fn)(void *arg, const char *name,
			      const char *value);

/* How a header block walk ended. */
enum bounce_walk_end {
	BOUNCE_END_BLANK = 0,	/* an empty line, or the end of the span */
	BOUNCE_END_JUNK,	/* a line that is not a header */
	BOUNCE_END_PREFIX,	/* a line without the block's prefix */
	BOUNCE_END_CAP		/* BOUNCE_MAX_HEADERS lines */
};

/* One header block walk: each line must start with prefix (blanks of
 * an indented copy, "> " of a quoted one, or nothing); lenient skips
 * lines that are not headers instead of ending there. */
struct bounce_walk {
	const char *prefix;
	size_t prefix_len;
	int lenient;
	size_t end;			/* out: where the walk stopped */
	enum bounce_walk_end how;	/* out */
};

/* bounce_lines.c */
extern int bounce_next_line(const char *buf, size_t len, size_t *pos,
			    const char **line_r, size_t *n_r);
extern size_t bounce_header_name_len(const char *line, size_t n);
extern int bounce_walk_headers(const char *buf, size_t len, size_t pos,
			       struct bounce_walk *w, bounce_hdr_fn fn,
			       void *arg);

/* bounce_decode.c */
enum bounce_cte {
	BOUNCE_CTE_IDENTITY = 0,	/* none, 7bit, 8bit, binary */
	BOUNCE_CTE_QP,
	BOUNCE_CTE_BASE64,
	BOUNCE_CTE_OTHER		/* unknown: never read */
};
extern enum bounce_cte bounce_cte(const char *value);
extern int bounce_decode(enum bounce_cte cte, const char *in, size_t n,
			 char *out, size_t *out_len);

/* bounce_dsn.c */
extern void bounce_dsn_fields(const char *buf, size_t len,
			      struct bounce_original *o);
extern int bounce_dsn_status(const char *value, char *buf, size_t size);

/* bounce_inline.c */
extern int bounce_find_inline(const char *buf, size_t len,
			      struct bounce_original *o);
extern int bounce_find_mdn(const char *buf, size_t len,
			   struct bounce_original *o);

/* bounce_fields.c */
extern const char *bounce_skip_ws(const char *p);
extern int bounce_ctype_is(const char *ct, const char *type);
extern void bounce_original_header(void *arg, const char *name,
				   const char *value);

#endif
