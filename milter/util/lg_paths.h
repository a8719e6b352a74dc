/*
 * NAME
 *	paths - the compiled-in default paths
 * SYNOPSIS
 *	#include "lg_paths.h"
 * DESCRIPTION
 *	Every default path loopguard and loopguardctl use, built from the
 *	folders configure chose (SYSCONFDIR, LOCALSTATEDIR, RUNSTATEDIR,
 *	PKGLIBDIR come from Makefile.am). make install writes the same
 *	paths into the example config, the systemd unit, the init script
 *	and the tmpfiles.d file (conf/local.mk); t/install/t_install.sh checks
 *	that they agree. Only LG_PATH_CONFIG, LG_PATH_PLUGIN_DIR,
 *	LG_PATH_OUTBOX and LG_PATH_CONTROL are used when the config says
 *	nothing; the others are what the installed config sets.
 */
#ifndef LG_PATHS_H
#define LG_PATHS_H

#define LG_PATH_CONFIG		SYSCONFDIR "/loopguard/loopguard.conf"
#define LG_PATH_PLUGIN_DIR	PKGLIBDIR
#define LG_PATH_OUTBOX		LOCALSTATEDIR "/spool/loopguard/outbox"
#define LG_PATH_SNAPSHOT	LOCALSTATEDIR "/lib/loopguard/state.snap"
#define LG_PATH_PIDFILE		RUNSTATEDIR "/loopguard/loopguard.pid"
#define LG_PATH_CONTROL		"unix:" RUNSTATEDIR "/loopguard/control.sock"

#endif
