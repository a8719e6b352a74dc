/*
 * NAME
 *	outbox.h - generated mail waiting to be handed over
 * SYNOPSIS
 *	#include "outbox.h"
 *
 *	ob = lg_outbox_open("/var/spool/loopguard/outbox", err, sizeof(err));
 *	lg_outbox_add(ob, "user@example.com", text, len, now, id);
 *	lg_outbox_run(ob, now, retry, max_attempts, deliver, arg, &next);
 *	lg_outbox_list(ob, fn, arg);
 *	lg_outbox_remove(ob, id); lg_outbox_retry(ob, id, now);
 *	lg_outbox_close(&ob);
 * DESCRIPTION
 *	A directory with two files per message, the same generated name
 *	in env/ (the envelope: times, attempts, recipient, last status)
 *	and msg/ (the content, LF line ends). Files are written in tmp/
 *	and renamed into place, content first, so a crash leaves either
 *	a whole message or none. Names are made here (time, counter,
 *	random hex), never taken from input. The envelope sender is
 *	always null (<>). Nothing is cached: every call reads the
 *	directory, so the outbox survives a restart as it is.
 *
 *	lg_outbox_run hands every due message to deliver (outside the
 *	lock, so list/remove never wait on the network). deliver returns
 *	LG_OUTBOX_SENT, LG_OUTBOX_RETRY or LG_OUTBOX_FAILED (permanent).
 *	A message that failed max_attempts times, or permanently, is
 *	dropped with a log line; others are tried again retry seconds on.
 * DIAGNOSTICS
 *	Functions return -1 after logging "outbox DIR: ..."; an envelope
 *	that cannot be read is dropped with its content and logged.
 */
#ifndef LG_OUTBOX_H
#define LG_OUTBOX_H

#include <stddef.h>
#include <time.h>

#define LG_OUTBOX_ID_MAX	32	/* "67a1b2c3.0001.9f3c2a1b" + NUL */
#define LG_OUTBOX_RCPT_MAX	512

struct lg_outbox;

/* One waiting message, as the envelope file tells it. */
struct lg_outbox_item {
	char id[LG_OUTBOX_ID_MAX];
	time_t created;
	time_t next;			/* next try */
	long long attempts;		/* tries so far */
	long long size;			/* content bytes */
	char to[LG_OUTBOX_RCPT_MAX];
	char status[256];		/* "queued", or the last error */
};

enum lg_outbox_result {
	LG_OUTBOX_SENT = 0,
	LG_OUTBOX_RETRY,
	LG_OUTBOX_FAILED
};

/* deliver - hand one message over; msg_path is its content file.
 * On failure, a reason in err. */
typedef enum lg_outbox_result (*lg_outbox_deliver_fn)(void *arg,
	const struct lg_outbox_item *item, const char *msg_path,
	char *err, size_t errsize);

/* lg_outbox_open - create DIR (and env/ msg/ tmp/) if needed */
struct lg_outbox *lg_outbox_open(const char *dir, char *err, size_t errsize);
void lg_outbox_close(struct lg_outbox **ob);
const char *lg_outbox_dir(const struct lg_outbox *ob);

/* lg_outbox_valid_rcpt - one address, no blanks or controls, has "@",
 * does not start with "-" */
int lg_outbox_valid_rcpt(const char *rcpt);

/* lg_outbox_add - queue a message for rcpt, due now; 0 or -1 */
int lg_outbox_add(struct lg_outbox *ob, const char *rcpt,
		  const char *content, size_t len, time_t now,
		  char id_r[LG_OUTBOX_ID_MAX]);

/* lg_outbox_list - fn for each message, oldest first; the count or -1 */
int lg_outbox_list(struct lg_outbox *ob,
		   void (*fn)(void *arg, const struct lg_outbox_item *item),
		   void *arg);

/* lg_outbox_remove / lg_outbox_retry - 1 done, 0 no such id, -1 error.
 * retry makes the message due at now. */
int lg_outbox_remove(struct lg_outbox *ob, const char *id);
int lg_outbox_retry(struct lg_outbox *ob, const char *id, time_t now);

/* lg_outbox_run - try every message due at now; returns how many were
 * handed over, and in *next_r the earliest next try left (0: none) */
int lg_outbox_run(struct lg_outbox *ob, time_t now, long long retry,
		  long long max_attempts, lg_outbox_deliver_fn deliver,
		  void *arg, time_t *next_r);

#endif
