/*
 * NAME
 *	dkim_screen.c - look only at the signatures that can prove
 *	something
 * SYNOPSIS
 *	#include "dkim_impl.h"
 *
 *	lg_dkim_screen_use(lib);		once per library handle
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
 * DIAGNOSTICS
 *	None; the caller logs what it did not look at.
 */
#include "config.h"

#include <stdbool.h>
#include <stddef.h>
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
