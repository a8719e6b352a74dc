/*
 * NAME
 *	folders.h - the daemon's own folders: check, create, verify
 * SYNOPSIS
 *	#include "folders.h"
 *
 *	lg_folders(cfg, &ids, LG_FOLDERS_CHECK, err, sizeof(err));   -n
 *	lg_folders(cfg, &ids, LG_FOLDERS_PREPARE, err, sizeof(err)); start
 *	lg_folders(cfg, &ids, LG_FOLDERS_VERIFY, err, sizeof(err));  dropped
 * DESCRIPTION
 *	The folders are those of the unix milter socket, the control
 *	socket, the pid file and the state snapshot, and the outbox
 *	itself. See folders.c for the rules.
 * DIAGNOSTICS
 *	0, or -1 with one line in err that names the folder, its path and
 *	the reason.
 */
#ifndef LG_FOLDERS_H
#define LG_FOLDERS_H

#include <stddef.h>

/* Config library. */
#include "settings.h"

/* Program. */
#include "daemon.h"

enum lg_folders_mode {
	LG_FOLDERS_CHECK,	/* -n: look, change nothing */
	LG_FOLDERS_PREPARE,	/* start: create what is missing, check */
	LG_FOLDERS_VERIFY	/* after dropping privileges: access(2) */
};

int lg_folders(const struct lg_config *cfg, const struct lg_ids *ids,
	       enum lg_folders_mode mode, char *err, size_t errsize);

#endif
