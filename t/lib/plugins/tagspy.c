/*
 * NAME
 *	tagspy - a plugin that tries the ABI 1.4 host members
 * DESCRIPTION
 *	untag: a local part "PREFIX<anything>=BASE" (PREFIX is the setting
 *	prefix, "tag-" by default) is a tag on BASE. untag_mode spoils
 *	the answer to test the core's checks: "good" (the default),
 *	"at" (a base with an '@'), "empty", "unterminated" (the whole
 *	buffer filled), "none" (never a tag).
 *
 *	count: each recipient counts "rcpt", and "untagged" when the core
 *	set lg_rcpt_info.untagged; each end of message counts every name
 *	in the list count_names.
 *
 *	change_sender: at end of message of mail from chgfrom_from (any
 *	sender when it is "*"), each address of the list chgfrom_to is
 *	tried in turn; with chgfrom_at_rcpt, the first is tried at RCPT
 *	too. Each try is logged as "tagspy: change_sender(ADDR) = RC",
 *	and at info level "tagspy: rcpt ADDR class=N untagged=U" for each
 *	recipient.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <loopguard/plugin.h>

struct tagspy {
	const struct lg_host *host;
	char *prefix;
	int mode;
	char *chgfrom_from;
	int chgfrom_at_rcpt;
	char **to;
	size_t n_to;
	char **names;
	size_t n_names;
};

enum { MODE_GOOD, MODE_AT, MODE_EMPTY, MODE_UNTERMINATED, MODE_NONE };

static const char *const modes[] = {
	"good", "at", "empty", "unterminated", "none", NULL
};

/* strings - a copy of the list KEY; -1 on error */
static int strings(const struct lg_host *h, struct lg_section *cfg,
		   const char *key, char ***list_r, size_t *n_r)
{
	size_t n, i;

	*list_r = NULL;
	*n_r = 0;
	if (h->cfg_strings(cfg, key, &n) != 0)
		return -1;
	if (n == 0)
		return 0;
	if (!(*list_r = calloc(n, sizeof(char *))))
		return -1;
	for (i = 0; i < n; i++)
		if (!((*list_r)[i] = strdup(h->cfg_strings_at(cfg, key, i))))
			return -1;
	*n_r = n;
	return 0;
}

/* free_list - a list from strings() */
static void free_list(char **list, size_t n)
{
	size_t i;

	for (i = 0; list && i < n; i++)
		free(list[i]);
	free(list);
}

static void tagspy_fini(void *instance)
{
	struct tagspy *t = instance;

	free(t->prefix);
	free(t->chgfrom_from);
	free_list(t->to, t->n_to);
	free_list(t->names, t->n_names);
	free(t);
}

static int tagspy_init(const struct lg_host *h, struct lg_section *cfg,
		       void **instance_r)
{
	struct tagspy *t = calloc(1, sizeof(*t));
	const char *prefix, *from;

	if (!t)
		return -1;
	t->host = h;
	*instance_r = t;
	if (h->cfg_string(cfg, "prefix", "tag-", &prefix) != 0 ||
	    h->cfg_enum(cfg, "untag_mode", modes, MODE_GOOD, &t->mode) != 0 ||
	    h->cfg_string(cfg, "chgfrom_from", NULL, &from) != 0 ||
	    h->cfg_bool(cfg, "chgfrom_at_rcpt", 0, &t->chgfrom_at_rcpt) != 0 ||
	    strings(h, cfg, "chgfrom_to", &t->to, &t->n_to) != 0 ||
	    strings(h, cfg, "count_names", &t->names, &t->n_names) != 0)
		return -1;
	t->prefix = strdup(prefix);
	t->chgfrom_from = from ? strdup(from) : NULL;
	if (!t->prefix || (from && !t->chgfrom_from))
		return -1;
	return 0;
}

/* tagspy_untag - "PREFIX...=BASE" is a tag on BASE */
static int tagspy_untag(const void *instance, const char *local,
			const char *domain, char *base, size_t size)
{
	const struct tagspy *t = instance;
	const char *eq;

	(void) domain;
	if (t->mode == MODE_NONE ||
	    strncmp(local, t->prefix, strlen(t->prefix)) != 0 ||
	    !(eq = strchr(local + strlen(t->prefix), '=')))
		return 0;
	switch (t->mode) {
	case MODE_AT:
		snprintf(base, size, "%s@elsewhere", eq + 1);
		return 1;
	case MODE_EMPTY:
		base[0] = 0;
		return 1;
	case MODE_UNTERMINATED:
		memset(base, 'x', size);
		return 1;
	}
	if (strlen(eq + 1) >= size)
		return 0;
	memcpy(base, eq + 1, strlen(eq + 1) + 1);
	return 1;
}

/* try_change - one change_sender, logged with its result */
static void try_change(struct tagspy *t, struct lg_ctx *ctx, const char *addr)
{
	int rc = LG_HOST_HAS(t->host, change_sender) ?
		t->host->change_sender(ctx, addr) : -2;

	t->host->log(ctx, LG_LOG_INFO, "tagspy: change_sender(%s) = %d",
		     addr, rc);
}

/* wanted - mail from chgfrom_from */
static int wanted(const struct tagspy *t, struct lg_ctx *ctx)
{
	return t->chgfrom_from && t->n_to &&
		(strcmp(t->chgfrom_from, "*") == 0 ||
		 strcmp(t->chgfrom_from, t->host->sender(ctx)) == 0);
}

static enum lg_verdict tagspy_rcpt(void *in, struct lg_ctx *ctx,
				   const struct lg_rcpt_info *r)
{
	struct tagspy *t = in;

	t->host->log(ctx, LG_LOG_INFO, "tagspy: rcpt %s class=%d untagged=%s",
		     r->addr, (int) r->rclass,
		     r->untagged ? r->untagged : "(none)");
	if (LG_HOST_HAS(t->host, count)) {
		t->host->count(ctx, "rcpt");
		if (r->untagged)
			t->host->count(ctx, "untagged");
	}
	if (t->chgfrom_at_rcpt && wanted(t, ctx))
		try_change(t, ctx, t->to[0]);
	return LG_CONTINUE;
}

static enum lg_verdict tagspy_eom(void *in, struct lg_ctx *ctx)
{
	struct tagspy *t = in;
	size_t i;

	for (i = 0; i < t->n_names && LG_HOST_HAS(t->host, count); i++)
		t->host->count(ctx, t->names[i]);
	if (wanted(t, ctx))
		for (i = 0; i < t->n_to; i++)
			try_change(t, ctx, t->to[i]);
	return LG_CONTINUE;
}

/* tagspy_needs - RCPT and end of message, answered there anyway */
static void tagspy_needs(const void *instance, unsigned *uses_r,
			 unsigned *answers_r)
{
	(void) instance;
	*uses_r = LG_STEP_RCPT | LG_STEP_EOM;
	*answers_r = 0;
}

const struct lg_plugin lg_plugin_descriptor = {
	LG_PLUGIN_HEADER,
	.name = "tagspy",
	.version = "1",
	.init = tagspy_init,
	.fini = tagspy_fini,
	.envrcpt = tagspy_rcpt,
	.eom = tagspy_eom,
	.needs = tagspy_needs,
	.untag = tagspy_untag,
};
