/*
 * NAME
 *	fake_source.c - a recipient source whose answers a test sets
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_source.h"

struct fake_state fake;

struct fake_gen {
	int     serial;
	int     version;
	size_t  count;
};

void fake_reset(void)
{
	memset(&fake, 0, sizeof(fake));
	fake.serves = 1;
	fake.count = 10;
}

static int conf_token;

static void *fake_open(const char *arg, const struct lg_dir_env *env,
		       char *err, size_t errsize)
{
	(void) env;
	if (arg && strcmp(arg, "refuse") == 0) {
		snprintf(err, errsize, "refused by the test");
		return NULL;
	}
	return &conf_token;
}

static void *fake_load(void *conf, char *err, size_t errsize)
{
	struct fake_gen *g;

	(void) conf;
	if (fake.load_fails) {
		snprintf(err, errsize, "the test's table is broken");
		return NULL;
	}
	if (!(g = calloc(1, sizeof(*g))))
		return NULL;
	g->serial = ++fake.loads;
	g->version = fake.version;
	g->count = fake.count;
	return g;
}

static int fake_changed(void *conf, const void *gen)
{
	(void) conf;
	return ((const struct fake_gen *) gen)->version != fake.version;
}

static enum lg_dir_answer fake_lookup(void *conf, void *gen,
				      const struct lg_dir_key *k,
				      char *err, size_t errsize)
{
	size_t i;

	(void) conf;
	fake.last_serial = ((struct fake_gen *) gen)->serial;
	snprintf(fake.last_key, sizeof(fake.last_key), "%s|%s|%s|%s|%s",
		 k->address, k->local, k->base, k->ext, k->domain);
	if (fake.fail && (strcmp(fake.fail, "*") == 0 ||
			  strcmp(fake.fail, k->address) == 0)) {
		snprintf(err, errsize, "the test's server is down");
		return LG_DIR_FAIL;
	}
	for (i = 0; i < FAKE_MAX && fake.yes[i]; i++)
		if (strcmp(fake.yes[i], k->address) == 0)
			return LG_DIR_YES;
	return LG_DIR_NO;
}

static size_t fake_count(const void *gen)
{
	return ((const struct fake_gen *) gen)->count;
}

static int fake_each(const void *gen, lg_dir_entry_fn fn, void *arg)
{
	size_t i;
	int rc;

	(void) gen;
	for (i = 0; i < FAKE_MAX && fake.entries[i][0]; i++)
		if ((rc = fn(arg, fake.entries[i][0], fake.entries[i][1])))
			return rc;
	return 0;
}

static int fake_serves(void *conf, const void *gen, const char *domain)
{
	(void) conf;
	(void) gen;
	(void) domain;
	return fake.serves;
}

static void fake_free_gen(void *gen)
{
	fake.frees++;
	free(gen);
}

const struct lg_dir_source_ops fake_ops = {
	.kind = "fake",
	.arg_optional = 1,
	.open = fake_open,
	.load = fake_load,
	.changed = fake_changed,
	.lookup = fake_lookup,
	.count = fake_count,
	.each = fake_each,
	.serves = fake_serves,
	.free_gen = fake_free_gen,
};
