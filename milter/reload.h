/*
 * NAME
 *	reload.h - load the config file, and swap in a new one
 * SYNOPSIS
 *	#include "reload.h"
 *
 *	lg_reload_init("/etc/loopguard.conf");
 *	cfg = lg_reload_load(err, sizeof(err));	first load
 *	rc = lg_reload(force, err, sizeof(err));	SIGHUP, SIGUSR1, control
 * DESCRIPTION
 *	lg_reload() validates the file completely (plugins loaded and
 *	initialised) before it installs it; a bad file changes nothing.
 *	Reloads are serialized: one from a signal and one from the
 *	control socket never run at the same time.
 * DIAGNOSTICS
 *	0, or -1 with one "FILE:LINE: message" line in err; both outcomes
 *	are logged.
 */
#ifndef LG_RELOAD_H
#define LG_RELOAD_H

#include <stddef.h>

/* Config library. */
#include "settings.h"

void lg_reload_init(const char *config_path);
struct lg_config *lg_reload_load(char *err, size_t errsize);
int lg_reload(int force, char *err, size_t errsize);

#endif
