/*
 * NAME
 *	stepspy - a plugin that writes down every step it sees
 * DESCRIPTION
 *	Each hook appends "NAME STEP" to the file named by log. Settings:
 *	uses, answers (lists of step names: connect helo mail rcpt
 *	headers eoh body eom) for its needs; verdict ("reject",
 *	"tempfail", "discard", "accept") given at step verdict_at, with
 *	the reply 5xx/4xx "stepspy says no"; body_done (true: it needs no
 *	more body after the first chunk).
 *
 *	Built twice: as stepspy, and with STEPSPY_OLD as stepold, a
 *	plugin of ABI 1.2 that has no needs member at all, so the core
 *	must give it every step.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <loopguard/plugin.h>

#ifdef STEPSPY_OLD
#define SPY_NAME "stepold"
#else
#define SPY_NAME "stepspy"
#endif

struct spy {
	const struct lg_host *host;
	char *log;
	unsigned uses, answers, verdict_at;
	int verdict;
	int body_done;
};

static const char *const step_names[] = {
	"connect", "helo", "mail", "rcpt", "headers", "eoh", "body", "eom",
	NULL
};

static const char *const verdicts[] = {
	"continue", "accept", "reject", "tempfail", "discard", NULL
};

/* steps_of - a list of step names as LG_STEP_* bits; -1 if bad */
static int steps_of(const struct lg_host *h, struct lg_section *cfg,
		    const char *key, unsigned *bits_r)
{
	size_t n, i, j;

	*bits_r = 0;
	if (h->cfg_strings(cfg, key, &n) != 0)
		return -1;
	for (i = 0; i < n; i++) {
		const char *w = h->cfg_strings_at(cfg, key, i);

		for (j = 0; step_names[j] && strcmp(w, step_names[j]); j++)
			;
		if (!step_names[j]) {
			h->cfg_error(cfg, key, "unknown step \"%s\"", w);
			return -1;
		}
		*bits_r |= 1u << j;
	}
	return 0;
}

static int spy_init(const struct lg_host *h, struct lg_section *cfg,
		    void **instance_r)
{
	struct spy *sp = calloc(1, sizeof(*sp));
	const char *log, *at;
	unsigned at_bits;
	int i;

	if (!sp)
		return -1;
	sp->host = h;
	*instance_r = sp;
	if (h->cfg_string(cfg, "log", NULL, &log) != 0 ||
	    steps_of(h, cfg, "uses", &sp->uses) != 0 ||
	    steps_of(h, cfg, "answers", &sp->answers) != 0 ||
	    h->cfg_enum(cfg, "verdict", verdicts, 0, &sp->verdict) != 0 ||
	    h->cfg_string(cfg, "verdict_at", "eom", &at) != 0 ||
	    h->cfg_bool(cfg, "body_done", 0, &sp->body_done) != 0)
		return -1;
	for (i = 0, at_bits = 0; step_names[i]; i++)
		if (strcmp(at, step_names[i]) == 0)
			at_bits = 1u << i;
	sp->verdict_at = at_bits;
	sp->log = log ? strdup(log) : NULL;
	return 0;
}

static void spy_fini(void *instance)
{
	struct spy *sp = instance;

	free(sp->log);
	free(sp);
}

/* seen - note the step; the configured verdict where it is due */
static enum lg_verdict seen(struct spy *sp, struct lg_ctx *ctx, unsigned step)
{
	char line[64];
	int fd, i, n;

	for (i = 0; !(step & (1u << i)); i++)
		;
	n = snprintf(line, sizeof(line), "%s %s\n", SPY_NAME, step_names[i]);
	if (sp->log && (fd = open(sp->log, O_WRONLY | O_APPEND | O_CREAT,
				  0644)) >= 0) {
		if (write(fd, line, (size_t) n) != n)
			sp->host->log(ctx, LG_LOG_WARN, "stepspy: short write");
		close(fd);
	}
	if (!(sp->verdict_at & step) || sp->verdict == LG_CONTINUE)
		return LG_CONTINUE;
	if (sp->verdict == LG_REJECT)
		sp->host->set_reply(ctx, "550", "5.7.1", "stepspy says no");
	else if (sp->verdict == LG_TEMPFAIL)
		sp->host->set_reply(ctx, "451", "4.7.1", "stepspy says no");
	return (enum lg_verdict) sp->verdict;
}

static enum lg_verdict spy_connect(void *in, struct lg_ctx *ctx)
{
	return seen(in, ctx, LG_STEP_CONNECT);
}

static enum lg_verdict spy_helo(void *in, struct lg_ctx *ctx)
{
	return seen(in, ctx, LG_STEP_HELO);
}

static enum lg_verdict spy_mail(void *in, struct lg_ctx *ctx)
{
	return seen(in, ctx, LG_STEP_MAIL);
}

static enum lg_verdict spy_rcpt(void *in, struct lg_ctx *ctx,
				const struct lg_rcpt_info *r)
{
	(void) r;
	return seen(in, ctx, LG_STEP_RCPT);
}

static enum lg_verdict spy_header(void *in, struct lg_ctx *ctx,
				  const char *name, const char *value)
{
	(void) name;
	(void) value;
	return seen(in, ctx, LG_STEP_HEADERS);
}

static enum lg_verdict spy_eoh(void *in, struct lg_ctx *ctx)
{
	return seen(in, ctx, LG_STEP_EOH);
}

static enum lg_verdict spy_body(void *in, struct lg_ctx *ctx,
				const unsigned char *chunk, size_t len)
{
	struct spy *sp = in;

	(void) chunk;
	(void) len;
#ifndef STEPSPY_OLD
	if (sp->body_done && LG_HOST_HAS(sp->host, body_done))
		sp->host->body_done(ctx);
#endif
	return seen(sp, ctx, LG_STEP_BODY);
}

static enum lg_verdict spy_eom(void *in, struct lg_ctx *ctx)
{
	return seen(in, ctx, LG_STEP_EOM);
}

#ifndef STEPSPY_OLD
/* spy_needs - what the config says */
static void spy_needs(const void *instance, unsigned *uses_r,
		      unsigned *answers_r)
{
	const struct spy *sp = instance;

	*uses_r = sp->uses;
	*answers_r = sp->answers;
}
#endif

const struct lg_plugin lg_plugin_descriptor = {
	LG_PLUGIN_ABI_MAJOR,
#ifdef STEPSPY_OLD
	2, offsetof(struct lg_plugin, needs),
#else
	LG_PLUGIN_ABI_MINOR, sizeof(struct lg_plugin),
#endif
	.name = SPY_NAME,
	.version = "1",
	.init = spy_init,
	.fini = spy_fini,
	.connect = spy_connect,
	.helo = spy_helo,
	.envfrom = spy_mail,
	.envrcpt = spy_rcpt,
	.header = spy_header,
	.eoh = spy_eoh,
	.body = spy_body,
	.eom = spy_eom,
#ifndef STEPSPY_OLD
	.needs = spy_needs,
#endif
};
