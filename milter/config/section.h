/*
 * NAME
 *	section.h - a plugin's config group, read through the host API
 * DESCRIPTION
 *	Wraps a libconfig group for the cfg_* host functions. Every key a
 *	plugin reads is marked; lg_section_check_unknown() then reports the
 *	first key nobody asked for, as "FILE:LINE: plugin NAME: unknown
 *	setting KEY". The first error is kept for the caller.
 */
#ifndef LG_SECTION_H
#define LG_SECTION_H

#include <stddef.h>

#include <loopguard/plugin.h>

/* libconfig's group, by its struct tag: the host, which includes this
 * header for lg_section_fill_host, never needs libconfig's header */
struct config_setting_t;
struct lg_section;

struct lg_section *lg_section_new(struct config_setting_t *group,
				  const char *plugin_name,
				  const char *default_file);
void lg_section_free(struct lg_section **sec);

/* 0 if no error so far; -1 and the first message copied to err. */
int lg_section_error(const struct lg_section *sec, char *err,
		     size_t errsize);

/* Report keys nobody read (besides those in the skip list). */
int lg_section_check_unknown(struct lg_section *sec,
			     const char *const *skip);

/* The core's local_domains when the file does not list them
 * (local_domains = "postfix"): cfg_local_domain answers with NAMES,
 * which must outlive the section. */
void lg_section_set_local_domains(struct lg_section *sec,
				  char *const *names, size_t n);

/* Fill the cfg_* members of a host table. */
void lg_section_fill_host(struct lg_host *host);

#endif
