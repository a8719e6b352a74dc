/*
 * NAME
 *	mailer.h - hand generated mail over: the outbox worker and methods
 * SYNOPSIS
 *	#include "mailer.h"
 *
 *	lg_mailer_start(cfg, err, sizeof(err));	after privileges are dropped
 *	lg_mailer_queue("user@example.com", text, id);	any thread
 *	lg_mailer_stop();
 * DESCRIPTION
 *	The process has at most one outbox (the mailer group's outbox
 *	directory) and one worker thread that hands its messages over
 *	with the current config's method: "sendmail" exec's
 *	PATH -f <> -oi -- RCPT with the content on stdin, "smtp" speaks
 *	EHLO/MAIL FROM:<>/RCPT/DATA/QUIT to host:port. Both are bounded
 *	by the mailer timeout. lg_mailer_queue only writes the outbox
 *	and wakes the worker: it never waits on the network.
 *
 *	Tests set an outbox of their own with lg_mailer_set_outbox and
 *	run lg_outbox_run with lg_mailer_deliver themselves.
 * DIAGNOSTICS
 *	lg_mailer_start: -1 with "outbox DIR: ..." in err.
 */
#ifndef LG_MAILER_H
#define LG_MAILER_H

#include <stddef.h>

/* Config library. */
#include "settings.h"

/* Mail library. */
#include "outbox.h"

int lg_mailer_start(const struct lg_config *cfg, char *err, size_t errsize);
void lg_mailer_stop(void);
void lg_mailer_wake(void);

/* The outbox in use (NULL: none), and a way for tests to set it. */
struct lg_outbox *lg_mailer_outbox(void);
void lg_mailer_set_outbox(struct lg_outbox *ob);

/* lg_mailer_queue - into the outbox, then wake the worker; 0 or -1 */
int lg_mailer_queue(const char *rcpt, const char *text,
		    char id_r[LG_OUTBOX_ID_MAX]);

/* lg_mailer_deliver - an lg_outbox_deliver_fn; arg is a
 * const struct lg_mailer_config * */
enum lg_outbox_result lg_mailer_deliver(void *arg,
					const struct lg_outbox_item *item,
					const char *msg_path, char *err,
					size_t errsize);

/* The two methods (mailer_exec.c, mailer_smtp.c). */
enum lg_outbox_result lg_mailer_sendmail(const struct lg_mailer_config *mc,
					 const char *rcpt,
					 const char *msg_path, char *err,
					 size_t errsize);
enum lg_outbox_result lg_mailer_smtp(const struct lg_mailer_config *mc,
				     const char *rcpt, const char *msg_path,
				     char *err, size_t errsize);

/* lg_mailer_hostname - this host's name, for EHLO, Message-ID and the
 * loop header: the "hostname" setting of the current config, or the
 * default of hostname.h; the pointer is never freed */
const char *lg_mailer_hostname(void);

#endif
