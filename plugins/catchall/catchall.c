/*
 * NAME
 *	catchall - mail for unknown local addresses goes to the postmaster
 * SYNOPSIS
 *	plugins = ( { name = "catchall";
 *	              target = "postmaster@%d";
 *	              targets = ( { domain = "example.org";
 *	                            target = "hostmaster@example.org"; } );
 *	              header = "X-Loopguard-Original-To";
 *	              reject = [ "leaked@example.com" ];
 *	              mode = "enforce"; } );
 * DESCRIPTION
 *	At end of message every recipient the core tagged unknown is
 *	deleted and its target (postmaster of its domain by default) is
 *	added, once per message per target, so nothing bounces and the
 *	postmaster sees what was misaddressed. One header per caught
 *	recipient keeps the original address. Recipients the MTA rejected
 *	itself are left alone: a milter cannot overturn them.
 *
 *	"reject" lists addresses that still get 550 5.1.1 at RCPT (leaked,
 *	spammed ones). A recipient matches an entry as itself or with its
 *	address extension removed, as the recipient directory removes it
 *	(recipient_delimiter): with "+", "leaked+x@example.com" is refused
 *	as "leaked@example.com" is. A recipient the core cannot parse (an
 *	extension past its length limit, a quoted "@") is matched as an
 *	MTA would read it, without brackets, quotes and backslashes.
 *	mode = "report" logs what would be done and changes nothing, for
 *	a trial run.
 */
#include "config.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <loopguard/plugin.h>

#define CATCHALL_MAX_ADDR 512

struct catchall_domain_target {
	char *domain;
	char *target;
};

struct catchall {
	const struct lg_host *host;
	char *target;				/* may contain %d */
	struct catchall_domain_target *targets;
	size_t n_targets;
	char *header;				/* "" = none */
	char **reject;
	size_t n_reject;
	int report_only;
};

static const char *const catchall_modes[] = { "enforce", "report", NULL };

/* catchall_expand - target with %d replaced by domain; -1 if too long */
static int catchall_expand(const char *pattern, const char *domain,
			   char *buf, size_t size)
{
	size_t len = 0;
	const char *p;

	for (p = pattern; *p; p++) {
		const char *with = NULL;
		size_t n;

		if (p[0] == '%' && p[1] == 'd') {
			with = domain;
			p++;
		} else if (p[0] == '%' && p[1] == '%') {
			with = "%";
			p++;
		}
		n = with ? strlen(with) : 1;
		if (len + n + 1 > size)
			return -1;
		memcpy(buf + len, with ? with : p, n);
		len += n;
	}
	buf[len] = 0;
	return 0;
}

/* catchall_valid_target - "local@domain", printable, no spaces */
static int catchall_valid_target(const char *addr)
{
	const char *at = strrchr(addr, '@');
	const unsigned char *p;

	if (!at || at == addr || !at[1])
		return 0;
	for (p = (const unsigned char *) addr; *p; p++)
		if (*p <= ' ' || *p == '<' || *p == '>' || *p >= 127)
			return 0;
	return 1;
}

/* catchall_check_target - validate a pattern with a sample domain */
static int catchall_check_target(const struct lg_host *h,
				 struct lg_section *sec, const char *key,
				 const char *pattern)
{
	char sample[CATCHALL_MAX_ADDR];

	if (catchall_expand(pattern, "example.com", sample,
			    sizeof(sample)) != 0 ||
	    !catchall_valid_target(sample)) {
		h->cfg_error(sec, key,
			     "%s \"%s\" is not an address like \"postmaster@%%d\"",
			     key, pattern);
		return -1;
	}
	return 0;
}

/* catchall_load_targets - the per-domain overrides */
static int catchall_load_targets(struct catchall *ca, struct lg_section *cfg)
{
	const struct lg_host *h = ca->host;
	size_t i, n;

	if (h->cfg_groups(cfg, "targets", &n) != 0)
		return -1;
	ca->targets = calloc(n + 1, sizeof(*ca->targets));
	if (!ca->targets)
		return -1;
	for (i = 0; i < n; i++) {
		struct lg_section *g = h->cfg_group_at(cfg, "targets", i);
		const char *domain, *target;

		if (!g || h->cfg_string(g, "domain", NULL, &domain) != 0 ||
		    h->cfg_string(g, "target", NULL, &target) != 0)
			return -1;
		if (!domain || !*domain || !target) {
			h->cfg_error(g, NULL,
				     "targets: each entry needs domain = \"...\" and target = \"...\"");
			return -1;
		}
		if (catchall_check_target(h, g, "target", target) != 0)
			return -1;
		ca->targets[i].domain = strdup(domain);
		ca->targets[i].target = strdup(target);
		ca->n_targets = i + 1;
		if (!ca->targets[i].domain || !ca->targets[i].target)
			return -1;
	}
	return 0;
}

/* catchall_load_reject - addresses refused at RCPT */
static int catchall_load_reject(struct catchall *ca, struct lg_section *cfg)
{
	const struct lg_host *h = ca->host;
	size_t i, n;

	if (h->cfg_strings(cfg, "reject", &n) != 0)
		return -1;
	ca->reject = calloc(n + 1, sizeof(char *));
	if (!ca->reject)
		return -1;
	for (i = 0; i < n; i++) {
		const char *addr = h->cfg_strings_at(cfg, "reject", i);

		if (!catchall_valid_target(addr)) {
			h->cfg_error(cfg, "reject",
				     "reject: \"%s\" is not an address", addr);
			return -1;
		}
		ca->reject[i] = strdup(addr);
		ca->n_reject = i + 1;
		if (!ca->reject[i])
			return -1;
	}
	return 0;
}

/* catchall_fini - free the instance */
static void catchall_fini(void *instance)
{
	struct catchall *ca = instance;
	size_t i;

	if (!ca)
		return;
	for (i = 0; i < ca->n_targets; i++) {
		free(ca->targets[i].domain);
		free(ca->targets[i].target);
	}
	for (i = 0; i < ca->n_reject; i++)
		free(ca->reject[i]);
	free(ca->targets);
	free(ca->reject);
	free(ca->target);
	free(ca->header);
	free(ca);
}

/* catchall_init - parse and check the settings */
static int catchall_init(const struct lg_host *h, struct lg_section *cfg,
			 void **instance_r)
{
	struct catchall *ca = calloc(1, sizeof(*ca));
	const char *target, *header;
	int mode;

	if (!ca)
		return -1;
	*instance_r = ca;
	ca->host = h;
	if (h->cfg_string(cfg, "target", "postmaster@%d", &target) != 0 ||
	    catchall_check_target(h, cfg, "target", target) != 0 ||
	    h->cfg_string(cfg, "header", "X-Loopguard-Original-To",
			  &header) != 0 ||
	    h->cfg_enum(cfg, "mode", catchall_modes, 0, &mode) != 0 ||
	    catchall_load_targets(ca, cfg) != 0 ||
	    catchall_load_reject(ca, cfg) != 0)
		return -1;
	if (strpbrk(header, ": \t\r\n")) {
		h->cfg_error(cfg, "header", "header \"%s\" is not a header name",
			     header);
		return -1;
	}
	ca->target = strdup(target);
	ca->header = strdup(header);
	ca->report_only = mode == 1;
	return ca->target && ca->header ? 0 : -1;
}

/* catchall_listed - ADDR, or ADDR without its extension, is listed */
static int catchall_listed(const struct catchall *ca, struct lg_ctx *ctx,
			   const char *addr)
{
	const struct lg_host *h = ca->host;
	char base[CATCHALL_MAX_ADDR];
	int cut = 0;
	size_t i;

	if (h->struct_size >= offsetof(struct lg_host, base_address) +
	    sizeof(h->base_address) && h->base_address)
		cut = h->base_address(ctx, addr, base, sizeof(base));
	for (i = 0; i < ca->n_reject; i++)
		if (strcasecmp(addr, ca->reject[i]) == 0 ||
		    (cut > 0 && strcasecmp(base, ca->reject[i]) == 0))
			return 1;
	return 0;
}

/* catchall_loose - RAW, an address the core could not parse (too long,
 * a quoted "@", ...) that the MTA may still deliver, as "local@domain"
 * the way a lenient MTA reads it: angle brackets, a source route,
 * quotes and backslashes removed, one trailing dot of the domain
 * dropped. A new string, or NULL. */
static char *catchall_loose(const char *raw)
{
	const char *p = raw, *end = raw + strlen(raw), *colon;
	char *out = malloc(strlen(raw) + 1);
	size_t n = 0;

	if (!out)
		return NULL;
	if (p < end && *p == '<') {
		p++;
		if (end > p && end[-1] == '>')
			end--;
	}
	if (p < end && *p == '@' &&
	    (colon = memchr(p, ':', (size_t) (end - p))) != NULL)
		p = colon + 1;
	for (; p < end; p++) {
		if (*p == '"')
			continue;
		if (*p == '\\' && p + 1 < end)
			p++;
		out[n++] = *p;
	}
	if (n > 0 && out[n - 1] == '.')
		n--;
	out[n] = 0;
	return out;
}

/* catchall_on_reject_list - the recipient, or its base, is listed; an
 * address the core could not parse is read loosely, so that neither a
 * length past the core's limit nor odd quoting passes the list */
static int catchall_on_reject_list(const struct catchall *ca,
				   struct lg_ctx *ctx,
				   const struct lg_rcpt_info *rcpt)
{
	char *loose;
	int listed;

	if (*rcpt->addr)
		return catchall_listed(ca, ctx, rcpt->addr);
	if (!rcpt->raw || !*rcpt->raw || !(loose = catchall_loose(rcpt->raw)))
		return 0;
	listed = *loose && catchall_listed(ca, ctx, loose);
	free(loose);
	return listed;
}

/* catchall_envrcpt - the reject list answers 550 5.1.1 */
static enum lg_verdict catchall_envrcpt(void *instance, struct lg_ctx *ctx,
					const struct lg_rcpt_info *rcpt)
{
	struct catchall *ca = instance;
	const struct lg_host *h = ca->host;
	const char *to = *rcpt->addr ? rcpt->addr : rcpt->raw;

	if (rcpt->mta_rejected || ca->n_reject == 0 ||
	    !catchall_on_reject_list(ca, ctx, rcpt))
		return LG_CONTINUE;
	if (ca->report_only) {
		h->decision(ctx, "report", to,
			    "would reject: address is on the reject list");
		return LG_CONTINUE;
	}
	h->set_reply(ctx, "550", "5.1.1",
		     "Recipient address rejected: no such user");
	h->decision(ctx, "reject", to, "address is on the reject list");
	return LG_REJECT;
}

/* catchall_target_for - the target address for one domain */
static int catchall_target_for(const struct catchall *ca, const char *domain,
			       char *buf, size_t size)
{
	const char *pattern = ca->target;
	size_t i;

	for (i = 0; i < ca->n_targets; i++)
		if (strcasecmp(ca->targets[i].domain, domain) == 0)
			pattern = ca->targets[i].target;
	return catchall_expand(pattern, domain, buf, size);
}

/* catchall_eom - redirect every unknown recipient */
static enum lg_verdict catchall_eom(void *instance, struct lg_ctx *ctx)
{
	struct catchall *ca = instance;
	const struct lg_host *h = ca->host;
	size_t i, n = h->rcpt_count(ctx);
	char target[CATCHALL_MAX_ADDR];

	for (i = 0; i < n; i++) {
		const struct lg_rcpt_info *r = h->rcpt_at(ctx, i);

		/* skip what the MTA or an earlier plugin already dealt with */
		if (!r || r->rclass != LG_RCPT_UNKNOWN || r->mta_rejected ||
		    r->refused || r->deleted)
			continue;
		if (catchall_target_for(ca, r->domain, target,
					sizeof(target)) != 0) {
			h->log(ctx, LG_LOG_ERROR,
			       "target for %s is too long; recipient left as is",
			       r->addr);
			continue;
		}
		if (ca->report_only) {
			h->decision(ctx, "report", r->addr,
				    "would redirect unknown recipient to <%s>",
				    target);
			continue;
		}
		/* the core merges duplicate adds: one copy per target */
		if (h->add_rcpt(ctx, target) != 0 || h->del_rcpt(ctx, i) != 0 ||
		    (ca->header[0] &&
		     h->add_header(ctx, ca->header, r->addr) != 0)) {
			h->log(ctx, LG_LOG_ERROR,
			       "cannot queue the redirect of %s", r->addr);
			return LG_TEMPFAIL;
		}
		h->decision(ctx, "redirect", r->addr,
			    "unknown recipient, redirected to <%s>", target);
	}
	return LG_CONTINUE;
}

/* catchall_needs - it refuses at RCPT and redirects at end of message */
static void catchall_needs(const void *instance, unsigned *uses_r,
			   unsigned *answers_r)
{
	(void) instance;
	*uses_r = LG_STEP_RCPT | LG_STEP_EOM;
	*answers_r = LG_STEP_RCPT | LG_STEP_EOM;
}

const struct lg_plugin lg_plugin_descriptor = {
	LG_PLUGIN_HEADER,
	.name = "catchall",
	.version = PACKAGE_VERSION,
	.init = catchall_init,
	.fini = catchall_fini,
	.envrcpt = catchall_envrcpt,
	.eom = catchall_eom,
	.needs = catchall_needs,
};
