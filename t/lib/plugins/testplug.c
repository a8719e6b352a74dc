/*
 * NAME
 *	testplug - a plugin that exercises the host, for core tests
 * DESCRIPTION
 *	Settings: refuse (address refused at RCPT with 550 5.1.1),
 *	redirect (at end of message, delete every recipient and add this
 *	one), header (add "NAME: yes"), eom_verdict ("continue", "accept",
 *	"reject", "tempfail", "discard"), delete_all (delete every recipient
 *	and add nothing: the core must refuse that). It also counts its
 *	connections in a connection slot, to test slot reset.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <loopguard/plugin.h>

struct testplug {
	const struct lg_host *host;
	char *refuse;
	char *redirect;
	char *header;
	int eom_verdict;
	int delete_all;
};

static const char *const verdicts[] = { "continue", "accept", "reject",
					"tempfail", "discard", NULL };

/* copy - NULL stays NULL */
static char *copy(const char *s)
{
	return s ? strdup(s) : NULL;
}

static int testplug_init(const struct lg_host *host, struct lg_section *cfg,
			 void **instance_r)
{
	struct testplug *tp = calloc(1, sizeof(*tp));
	const char *refuse, *redirect, *header;

	if (!tp)
		return -1;
	tp->host = host;
	*instance_r = tp;
	if (host->cfg_string(cfg, "refuse", NULL, &refuse) != 0 ||
	    host->cfg_string(cfg, "redirect", NULL, &redirect) != 0 ||
	    host->cfg_string(cfg, "header", NULL, &header) != 0 ||
	    host->cfg_enum(cfg, "eom_verdict", verdicts, 0,
			   &tp->eom_verdict) != 0 ||
	    host->cfg_bool(cfg, "delete_all", 0, &tp->delete_all) != 0)
		return -1;
	tp->refuse = copy(refuse);
	tp->redirect = copy(redirect);
	tp->header = copy(header);
	return 0;
}

static void testplug_fini(void *instance)
{
	struct testplug *tp = instance;

	free(tp->refuse);
	free(tp->redirect);
	free(tp->header);
	free(tp);
}

static enum lg_verdict testplug_envrcpt(void *instance, struct lg_ctx *ctx,
					const struct lg_rcpt_info *rcpt)
{
	struct testplug *tp = instance;

	if (tp->refuse && strcasecmp(rcpt->addr, tp->refuse) == 0) {
		tp->host->set_reply(ctx, "550", "5.1.1", "refused by testplug");
		tp->host->decision(ctx, "reject", rcpt->addr, "listed in %s",
				   "refuse");
		return LG_REJECT;
	}
	return LG_CONTINUE;
}

static enum lg_verdict testplug_eom(void *instance, struct lg_ctx *ctx)
{
	struct testplug *tp = instance;
	const struct lg_host *h = tp->host;
	size_t i, n = h->rcpt_count(ctx);

	if (tp->redirect || tp->delete_all) {
		for (i = 0; i < n; i++)
			h->del_rcpt(ctx, i);
		if (tp->redirect)
			h->add_rcpt(ctx, tp->redirect);
	}
	if (tp->header)
		h->add_header(ctx, tp->header, "yes");
	if (tp->eom_verdict == LG_REJECT)
		h->set_reply(ctx, "550", "5.7.1", "testplug says no");
	return (enum lg_verdict) tp->eom_verdict;
}

const struct lg_plugin lg_plugin_descriptor = {
	LG_PLUGIN_HEADER,
	.name = "testplug",
	.version = "1",
	.init = testplug_init,
	.fini = testplug_fini,
	.envrcpt = testplug_envrcpt,
	.eom = testplug_eom,
};
