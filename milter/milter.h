/*
 * NAME
 *	milter.h - the libmilter glue
 */
#ifndef LG_MILTER_H
#define LG_MILTER_H

/* smfi_setconn + smfi_register; timeout in seconds (0: libmilter's) */
int lg_milter_register(const char *socket_spec, int timeout);
/* bind and listen now (smfi_opensocket) */
int lg_milter_open(void);
/* serve until SIGTERM, SIGHUP or SIGINT */
int lg_milter_main(void);

#endif
