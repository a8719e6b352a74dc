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
/* serve until lg_milter_stop(); the signals are signals.c's */
int lg_milter_main(void);
/* smfi_stop() from a thread of its own, so the caller is free to wake
 * the listener (lg_daemon_wake) until lg_milter_serving() is 0 */
void lg_milter_stop(void);
int lg_milter_serving(void);

#endif
