/*
 * NAME
 *	dkim_screen.c - look only at the signatures that can prove
 *	something
 * SYNOPSIS
 *	#include "dkim_impl.h"
 *
 *	lg_dkim_screen_use(lib);		once per library handle
 *	if (lg_dkim_screen_field(&want, field, len)) dkim_header(...);
 *	lg_dkim_screen_want(dkim, &want);	once per verify handle
 *	n = lg_dkim_screen(d, s, nsigs, wanted, arg, keep);
 * DESCRIPTION
 *	libopendkim fetches the key of every signature of a message, one
 *	after the other. A peer may put any number of signatures with
 *	any d= into a message, so before any key is fetched the library
 *	calls the prescreen installed here, which marks every signature
 *	"ignore" except the ones that could decide: a d= that must be
 *	proven, the first of each (d=, s=) pair, at most
 *	LG_DKIM_MAX_SIGS in all, in header order. When none is left the
 *	library treats the message as unsigned: no key is fetched.
 *
 *	The library also sets up a hash of the body for each signature
 *	field it is given before the prescreen runs, one per distinct
 *	l= value, looked at or not: hundreds of fields with their own l=
 *	hashed a large body hundreds of times. So the same choice is made
 *	first on the header fields themselves (lg_dkim_screen_field): a
 *	DKIM-Signature field that would not be looked at is never handed
 *	to the library. A signature that signs such a field (h= naming
 *	DKIM-Signature, which is rare) then does not verify: the cost is
 *	a missing proof, never a false one.
 * DIAGNOSTICS
 *	None; the caller logs what it did not look at.
 */
#include "config.h"

#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include <dkim.h>

/* Config library. */
#include "settings.h"

/* Session library. */
#include "session_impl.h"

/* DKIM library. */
#include "dkim_impl.h"

/* lg_dkim_screen - see dkim_impl.h */
int lg_dkim_screen(const char *const *d, const char *const *sel, int n,
		   int (*wanted)(void *arg, const char *domain), void *arg,
		   unsigned char *keep)
{
	int i, j, kept = 0;

	for (i = 0; i < n; i++) {
		keep[i] = 0;
		if (kept >= LG_DKIM_MAX_SIGS || !d[i] || !sel[i] || !*d[i] ||
		    !wanted(arg, d[i]))
			continue;
		for (j = 0; j < i; j++)
			if (keep[j] && strcasecmp(d[j], d[i]) == 0 &&
			    strcasecmp(sel[j], sel[i]) == 0)
				break;
		if (j < i)
			continue;
		keep[i] = 1;
		kept++;
	}
	return kept;
}

/* wanted - the domain that must be proven, or a local domain */
static int wanted(void *arg, const char *domain)
{
	const struct lg_dkim_want *w = arg;

	if (w->domain)
		return strcasecmp(w->domain, domain) == 0;
	return w->s && w->s->cfg &&
		lg_config_is_local_domain(w->s->cfg, domain);
}

/* is_fws - folding white space inside a tag list */
static int is_fws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* lg_dkim_sig_tags - see dkim_impl.h */
int lg_dkim_sig_tags(const char *v, size_t len, char *d, char *sel)
{
	size_t i = 0, name, name_len, val, val_len;
	char *out;

	d[0] = sel[0] = 0;
	while (i < len) {
		while (i < len && is_fws(v[i]))
			i++;
		for (name = i; i < len && v[i] != '=' && v[i] != ';' &&
		     !is_fws(v[i]); i++)
			;
		name_len = i - name;
		while (i < len && is_fws(v[i]))
			i++;
		if (i < len && v[i] == '=')
			i++;
		while (i < len && is_fws(v[i]))
			i++;
		for (val = i; i < len && v[i] != ';'; i++)
			;
		for (val_len = i - val; val_len > 0 &&
		     is_fws(v[val + val_len - 1]); val_len--)
			;
		if (i < len)
			i++;			/* the ';' */
		if (name_len != 1 || (v[name] != 'd' && v[name] != 's'))
			continue;
		out = v[name] == 'd' ? d : sel;
		if (out[0] || val_len == 0 || val_len > LG_DKIM_TAG_MAX ||
		    memchr(v + val, 0, val_len))
			return -1;
		memcpy(out, v + val, val_len);
		out[val_len] = 0;
	}
	return d[0] && sel[0] ? 0 : -1;
}

/* lg_dkim_screen_field - see dkim_impl.h */
int lg_dkim_screen_field(struct lg_dkim_want *w, const char *field,
			 size_t len)
{
	static const char name[] = "DKIM-Signature";
	char d[LG_DKIM_TAG_MAX + 1], sel[LG_DKIM_TAG_MAX + 1];
	size_t i = sizeof(name) - 1;
	int j;

	if (len < i || strncasecmp(field, name, i) != 0)
		return 1;
	while (i < len && (field[i] == ' ' || field[i] == '\t'))
		i++;
	if (i >= len || field[i] != ':')
		return 1;			/* another field's name */
	w->seen++;
	if (w->n_fields >= LG_DKIM_MAX_SIGS ||
	    lg_dkim_sig_tags(field + i + 1, len - i - 1, d, sel) != 0 ||
	    !wanted(w, d))
		return 0;
	for (j = 0; j < w->n_fields; j++)
		if (strcasecmp(w->field_d[j], d) == 0 &&
		    strcasecmp(w->field_s[j], sel) == 0)
			return 0;
	memcpy(w->field_d[w->n_fields], d, sizeof(d));
	memcpy(w->field_s[w->n_fields], sel, sizeof(sel));
	w->n_fields++;
	return 1;
}

/* prescreen - the library's callback: ignore what cannot prove */
static DKIM_CBSTAT prescreen(DKIM *dkim, DKIM_SIGINFO **sigs, int nsigs)
{
	struct lg_dkim_want *w = dkim_get_user_context(dkim);
	const char *d[64], *s[64];
	unsigned char keep[64];
	int i, n = nsigs < 64 ? nsigs : 64;

	if (!w) {			/* not ours: look at nothing */
		for (i = 0; i < nsigs; i++)
			dkim_sig_ignore(sigs[i]);
		return DKIM_CBSTAT_CONTINUE;
	}
	for (i = 0; i < n; i++) {
		d[i] = (const char *) dkim_sig_getdomain(sigs[i]);
		s[i] = (const char *) dkim_sig_getselector(sigs[i]);
	}
	if (w->seen < nsigs)
		w->seen = nsigs;
	w->kept = lg_dkim_screen(d, s, n, wanted, w, keep);
	for (i = 0; i < nsigs; i++)
		if (i >= n || !keep[i])
			dkim_sig_ignore(sigs[i]);
	return DKIM_CBSTAT_CONTINUE;
}

/* lg_dkim_screen_use - see dkim_impl.h */
int lg_dkim_screen_use(void *lib)
{
	return dkim_set_prescreen(lib, prescreen) == DKIM_STAT_OK ? 0 : -1;
}

/* lg_dkim_screen_want - see dkim_impl.h */
int lg_dkim_screen_want(void *dkim, struct lg_dkim_want *want)
{
	return dkim_set_user_context(dkim, want) == DKIM_STAT_OK ? 0 : -1;
}
