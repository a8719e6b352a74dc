/*
 * NAME
 *	plugin_loader.h - dlopen() a plugin and check its ABI
 * DESCRIPTION
 *	A plugin NAME lives in DIR/NAME.so and exports lg_plugin_descriptor.
 *	The loader refuses a missing file or symbol, another ABI major
 *	version, or a descriptor shorter than this ABI major defines, with
 *	a message naming the file and both versions.
 */
#ifndef LG_PLUGIN_LOADER_H
#define LG_PLUGIN_LOADER_H

#include <stddef.h>

#include <loopguard/plugin.h>

struct lg_loaded_plugin {
	char *name;
	char *path;
	void *handle;
	const struct lg_plugin *desc;
	void *instance;
	int initialised;
	unsigned uses;		/* LG_STEP_*: the steps its hooks see */
	unsigned answers;	/* LG_STEP_*: where it answers at once */
};

/* The descriptor size ABI 1.0 defines: the least the loader accepts. */
#define LG_PLUGIN_MIN_SIZE_V1 \
	(offsetof(struct lg_plugin, close) + sizeof(void (*)(void)))

/* lg_plugin_open - load DIR/NAME.so; 0, or -1 with one line in err */
int lg_plugin_open(const char *dir, const char *name,
		   struct lg_loaded_plugin *lp, char *err, size_t errsize);

/* lg_plugin_needs - ask an initialised plugin what it needs; an older
 * plugin, or one without the hook, uses and answers every step */
void lg_plugin_needs(struct lg_loaded_plugin *lp);

/* lg_plugin_close - fini (if initialised) and dlclose */
void lg_plugin_close(struct lg_loaded_plugin *lp);

#endif
