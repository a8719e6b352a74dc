/*
 * NAME
 *	plugin_loader.c - dlopen() a plugin and check its ABI
 * DESCRIPTION
 *	Names are restricted to [a-z0-9_-] so a config can never point the
 *	loader outside plugin_dir. RTLD_LOCAL keeps plugins' symbols apart.
 */
#include "config.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <errno.h>

/* Config library. */
#include "plugin_loader.h"

/* valid_name - a plugin name is a plain word */
static int valid_name(const char *name)
{
	const char *p;

	if (!*name || strlen(name) > 64)
		return 0;
	for (p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		      *p == '_' || *p == '-'))
			return 0;
	return 1;
}

/* lg_plugin_open - load and check one plugin */
int lg_plugin_open(const char *dir, const char *name,
		   struct lg_loaded_plugin *lp, char *err, size_t errsize)
{
	const struct lg_plugin *desc;
	struct stat st;
	char path[4096];

	memset(lp, 0, sizeof(*lp));
	if (!valid_name(name)) {
		snprintf(err, errsize,
			 "bad plugin name \"%s\" (use letters, digits, - and _)",
			 name);
		return -1;
	}
	snprintf(path, sizeof(path), "%s/%s.so", dir, name);
	if (stat(path, &st) != 0) {
		snprintf(err, errsize, "plugin %s: %s: %s", name, path,
			 strerror(errno));
		return -1;
	}
	lp->handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!lp->handle) {
		snprintf(err, errsize, "plugin %s: %s", name, dlerror());
		return -1;
	}
	desc = dlsym(lp->handle, LG_PLUGIN_SYMBOL);
	if (!desc) {
		snprintf(err, errsize,
			 "plugin %s: %s: no symbol %s (not a loopguard plugin)",
			 name, path, LG_PLUGIN_SYMBOL);
		goto fail;
	}
	if (desc->abi_major != LG_PLUGIN_ABI_MAJOR) {
		snprintf(err, errsize,
			 "plugin %s: %s: built for plugin ABI %u.%u, this loopguard has ABI %d.%d; rebuild the plugin",
			 name, path, desc->abi_major, desc->abi_minor,
			 LG_PLUGIN_ABI_MAJOR, LG_PLUGIN_ABI_MINOR);
		goto fail;
	}
	if (desc->struct_size < LG_PLUGIN_MIN_SIZE_V1) {
		snprintf(err, errsize,
			 "plugin %s: %s: descriptor is %zu bytes, ABI %u.%u needs at least %zu (plugin ABI %u.%u, loopguard ABI %d.%d)",
			 name, path, desc->struct_size, desc->abi_major,
			 desc->abi_minor, (size_t) LG_PLUGIN_MIN_SIZE_V1,
			 desc->abi_major, desc->abi_minor,
			 LG_PLUGIN_ABI_MAJOR, LG_PLUGIN_ABI_MINOR);
		goto fail;
	}
	if (!desc->name || strcmp(desc->name, name) != 0) {
		snprintf(err, errsize,
			 "plugin %s: %s: descriptor names itself \"%s\"",
			 name, path, desc->name ? desc->name : "(null)");
		goto fail;
	}
	lp->desc = desc;
	lp->name = strdup(name);
	lp->path = strdup(path);
	if (!lp->name || !lp->path) {
		snprintf(err, errsize, "plugin %s: out of memory", name);
		goto fail;
	}
	return 0;

fail:
	lg_plugin_close(lp);
	return -1;
}

/* lg_plugin_needs - the steps it uses and answers, kept within range */
void lg_plugin_needs(struct lg_loaded_plugin *lp)
{
	const struct lg_plugin *d = lp->desc;
	unsigned uses = LG_STEPS_ALL, answers = LG_STEPS_ALL;

	if (d->struct_size >= offsetof(struct lg_plugin, needs) +
	    sizeof(d->needs) && d->needs) {
		d->needs(lp->instance, &uses, &answers);
		uses &= LG_STEPS_ALL;
		/* answering at a step means seeing it */
		answers &= uses;
	}
	lp->uses = uses;
	lp->answers = answers;
}

/* lg_plugin_close - fini and unload */
void lg_plugin_close(struct lg_loaded_plugin *lp)
{
	if (lp->initialised && lp->desc && lp->desc->fini)
		lp->desc->fini(lp->instance);
	lp->initialised = 0;
	if (lp->handle)
		dlclose(lp->handle);
	free(lp->name);
	free(lp->path);
	memset(lp, 0, sizeof(*lp));
}
