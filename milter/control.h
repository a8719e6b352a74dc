/*
 * NAME
 *	control.h - the control socket that loopguardctl talks to
 * DESCRIPTION
 *	lg_control_open() binds the unix socket named by "control" (before
 *	privileges are dropped); lg_control_start() serves it from its own
 *	thread, with the program's reload function handed in; lg_control_stop() closes it and removes the file.
 */
#ifndef LG_CONTROL_H
#define LG_CONTROL_H

#include <stddef.h>

#include "control_cmd.h"
#include "settings.h"

int lg_control_open(const struct lg_config *cfg, char *err, size_t errsize);
/* reload runs the "reload" command (NULL: the command is refused) */
void lg_control_start(lg_ctl_reload_fn reload);
void lg_control_stop(void);

#endif
