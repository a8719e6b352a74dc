/*
 * NAME
 *	badmajor - a plugin built for another ABI major: must be refused
 */
#include <loopguard/plugin.h>

const struct lg_plugin lg_plugin_descriptor = {
	LG_PLUGIN_ABI_MAJOR + 1, 0, sizeof(struct lg_plugin),
	.name = "badmajor",
};
