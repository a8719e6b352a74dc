/*
 * NAME
 *	shortstruct - a descriptor shorter than ABI 1.0: must be refused
 */
#include <stddef.h>

#include <loopguard/plugin.h>

const struct lg_plugin lg_plugin_descriptor = {
	LG_PLUGIN_ABI_MAJOR, 0, offsetof(struct lg_plugin, init),
	.name = "shortstruct",
};
