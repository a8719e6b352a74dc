/*
 * NAME
 *	hello - a plugin built outside the loopguard tree
 * SYNOPSIS
 *	cc -shared -fPIC $(pkg-config --cflags loopguard) -o hello.so hello.c
 *
 *	plugins = ( { name = "hello"; greeting = "world"; } );
 * DESCRIPTION
 *	Adds "X-Hello: GREETING" to every message at end of message. It
 *	uses nothing but the installed <loopguard/plugin.h>, so
 *	t/install/t_out_of_tree.sh can prove an installed tree is enough to
 *	build a plugin.
 */
#include <stdlib.h>
#include <string.h>

#include <loopguard/plugin.h>

/* One instance per config load. */
struct hello {
	const struct lg_host *host;
	char *greeting;
};

/* hello_init - the one setting */
static int hello_init(const struct lg_host *h, struct lg_section *cfg,
		      void **instance_r)
{
	struct hello *hp = calloc(1, sizeof(*hp));
	const char *greeting;

	if (!hp)
		return -1;
	*instance_r = hp;
	hp->host = h;
	if (h->cfg_string(cfg, "greeting", "world", &greeting) != 0)
		return -1;
	if (!*greeting || strpbrk(greeting, "\r\n")) {
		h->cfg_error(cfg, "greeting", "greeting must be one line of text");
		return -1;
	}
	hp->greeting = strdup(greeting);
	return hp->greeting ? 0 : -1;
}

/* hello_fini - free the instance, half-built or not */
static void hello_fini(void *instance)
{
	struct hello *hp = instance;

	if (!hp)
		return;
	free(hp->greeting);
	free(hp);
}

/* hello_eom - queue the header */
static enum lg_verdict hello_eom(void *instance, struct lg_ctx *ctx)
{
	struct hello *hp = instance;

	if (hp->host->add_header(ctx, "X-Hello", hp->greeting) != 0)
		hp->host->log(ctx, LG_LOG_ERROR, "hello: cannot add X-Hello");
	return LG_CONTINUE;
}

const struct lg_plugin lg_plugin_descriptor = {
	LG_PLUGIN_HEADER,
	.name = "hello",
	.version = "1.0",
	.init = hello_init,
	.fini = hello_fini,
	.eom = hello_eom,
};
