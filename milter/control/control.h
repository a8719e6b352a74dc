/*
 * NAME
 *	control.h - the control socket that loopguardctl talks to
 * DESCRIPTION
 *	lg_control_open() binds the unix socket named by "control" (before
 *	privileges are dropped); lg_control_start() serves it from its own
 *	thread, with the program's store and reload function handed in
 *	(the control socket never reaches up for them);
 *	lg_control_stop() closes it and removes the file.
 */
#ifndef LG_CONTROL_H
#define LG_CONTROL_H

#include <stddef.h>

/* Config library. */
#include "settings.h"

/* Control socket. */
#include "control_cmd.h"

int lg_control_open(const struct lg_config *cfg, char *err, size_t errsize);
/* store is what list/remove/stats show (NULL: none); reload runs the
 * "reload" command (NULL: the command is refused) */
void lg_control_start(struct lg_store *store, lg_ctl_reload_fn reload);
void lg_control_stop(void);

#endif
