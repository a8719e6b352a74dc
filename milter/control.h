/*
 * NAME
 *	control.h - the control socket that loopguardctl talks to
 * DESCRIPTION
 *	lg_control_open() binds the unix socket named by "control" (before
 *	privileges are dropped); lg_control_start() serves it from its own
 *	thread; lg_control_stop() closes it and removes the file.
 */
#ifndef LG_CONTROL_H
#define LG_CONTROL_H

#include <stddef.h>

#include "settings.h"

int lg_control_open(const struct lg_config *cfg, char *err, size_t errsize);
void lg_control_start(void);
void lg_control_stop(void);

/* Provided by main.c: ask for a reload as SIGUSR1 would. */
void lg_request_reload(void);

#endif
