/*
 * NAME
 *	bounce_fields - what one header of a returned original tells
 * SYNOPSIS
 *	#include "bounce_impl.h"
 * DESCRIPTION
 *	The lowest floor of the parser of returned originals: the
 *	Message-ID of a value (bounce_message_id, also the plugin's), the
 *	header callback that fills struct bounce_original (its
 *	Message-ID, a null Return-Path or a report, the loop headers, the
 *	DKIM signers), media types, and the kind names for log lines.
 *	Used by bounce_mime.c (returned parts) and bounce_inline.c
 *	(copies in the text) alike.
 * DIAGNOSTICS
 *	None: a value that cannot be used is left out.
 */
#include "config.h"

#include <string.h>
#include <strings.h>

#include <loopguard/plugin.h>

#include "bounce.h"
#include "bounce_impl.h"

/* bounce_skip_ws - past blanks and line ends */
const char *bounce_skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	return p;
}

/* bounce_ctype_is - does the media type of CT equal TYPE ("x/" matches a
 * whole family) */
int bounce_ctype_is(const char *ct, const char *type)
{
	size_t n = strlen(type), m;

	ct = bounce_skip_ws(ct);
	if (strncasecmp(ct, type, n) != 0)
		return 0;
	if (type[n - 1] == '/')
		return 1;
	m = strcspn(ct + n, "; \t\r\n(");
	return m == 0;
}

/* dkim_domain - the d= tag of a DKIM-Signature value, lower case,
 * each domain once */
static void dkim_domain(const char *v, struct bounce_original *o)
{
	const char *p = v;
	char *out;
	size_t n = 0;
	int i;

	if (o->n_dkim >= BOUNCE_MAX_DKIM)
		return;
	for (;;) {
		p += strspn(p, " \t\r\n");
		if ((p[0] == 'd' || p[0] == 'D') &&
		    p[1 + strspn(p + 1, " \t\r\n")] == '=')
			break;
		if ((p = strchr(p, ';')) == NULL)
			return;
		p++;
	}
	p = strchr(p, '=') + 1;
	p += strspn(p, " \t\r\n");
	out = o->dkim_domains[o->n_dkim];
	while (p[n] && p[n] != ';' && !strchr(" \t\r\n", p[n]) &&
	       n < BOUNCE_DOMAIN_MAX) {
		out[n] = p[n] >= 'A' && p[n] <= 'Z' ? p[n] + 32 : p[n];
		n++;
	}
	out[n] = 0;
	if (n == 0 || n >= BOUNCE_DOMAIN_MAX)
		return;
	for (i = 0; i < o->n_dkim; i++)		/* each domain once */
		if (strcmp(o->dkim_domains[i], out) == 0)
			return;
	o->n_dkim++;
}

/* bounce_original_header - note what matters in one returned header */
void bounce_original_header(void *arg, const char *name, const char *value)
{
	struct bounce_original *o = arg;
	const char *v = bounce_skip_ws(value);

	if (strcasecmp(name, "Message-ID") == 0 && !o->message_id[0])
		(void) bounce_message_id(v, strlen(v), o->message_id,
					 sizeof(o->message_id));
	else if (strcasecmp(name, "Return-Path") == 0 &&
		 v[0] == '<' && *bounce_skip_ws(v + 1) == '>')
		o->null_sender = 1;
	else if (strcasecmp(name, "Content-Type") == 0 &&
		 bounce_ctype_is(v, "multipart/report"))
		o->null_sender = 1;
	else if (strcasecmp(name, LG_LOOP_HEADER) == 0)
		o->loops++;
	else if (strcasecmp(name, "DKIM-Signature") == 0)
		dkim_domain(v, o);
}

/* bounce_message_id - see bounce.h */
int bounce_message_id(const char *value, size_t len, char *buf, size_t size)
{
	const char *p = value, *end = value + len, *lt, *gt;
	size_t n, i;

	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if ((lt = memchr(p, '<', (size_t) (end - p))) != NULL) {
		if ((gt = memchr(lt, '>', (size_t) (end - lt))) == NULL)
			return -1;
		p = lt + 1;
		end = gt;
	} else {
		for (gt = p; gt < end && *gt != ' ' && *gt != '\t' &&
		     *gt != '\r' && *gt != '\n'; gt++)
			;
		end = gt;
	}
	n = (size_t) (end - p);
	if (n == 0 || n > BOUNCE_ID_MAX || n >= size)
		return -1;
	for (i = 0; i < n; i++)
		if ((unsigned char) p[i] <= ' ' || (unsigned char) p[i] >= 127)
			return -1;
	memcpy(buf, p, n);
	buf[n] = 0;
	return 0;
}

/* bounce_kind_name - for log lines */
const char *bounce_kind_name(enum bounce_kind kind)
{
	switch (kind) {
	case BOUNCE_RFC822:
		return "rfc822";
	case BOUNCE_HEADERS:
		return "rfc822-headers";
	case BOUNCE_INLINE:
		return "inline";
	case BOUNCE_MDN:
		return "mdn";
	default:
		return "none";
	}
}
