/*
 * NAME
 *	log_impl.h - shared by log.c and log_setting.c only
 */
#ifndef LG_LOG_IMPL_H
#define LG_LOG_IMPL_H

#include <stddef.h>

/* Utility library. */
#include "log.h"

#define LG_LOG_PATH_MAX	4096

/* A message is formatted into LG_LOG_RAW_MAX bytes (longer ones are cut
 * there, before any escaping), then escaped: no byte grows to more
 * than 4 (escape.h), so the escaped line always fits whole and the
 * fields at its end (to=, client=, reason=) are never pushed out by
 * peer text that escaping made longer. */
#define LG_LOG_RAW_MAX	2048
#define LG_LOG_LINE_MAX	(4 * LG_LOG_RAW_MAX)

/* lg_log_switch - make TARGET current: FD (2 or a file's), the file's
 * PATH, the syslog FACILITY (-1: keep); an old file is closed */
void lg_log_switch(enum lg_log_target target, int fd, const char *path,
		   int facility);

/* lg_log_now - the current target; a file's path into PATH */
enum lg_log_target lg_log_now(char *path, size_t size);

/* lg_log_set_host - the short host name file lines carry */
void lg_log_set_host(const char *name);

/* lg_log_ident - "loopguard" */
const char *lg_log_ident(void);

#endif
