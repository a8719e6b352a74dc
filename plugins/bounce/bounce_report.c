/*
 * NAME
 *	bounce_report - what bounced: the DSN fields and the counters
 * SYNOPSIS
 *	#include "bounce_plugin.h"
 *
 *	char text[BOUNCE_DSN_TEXT_MAX];
 *	bounce_dsn_text(&original, text, sizeof(text));
 *	bounce_dsn_count(host, ctx, &original);
 *	bounce_count(host, ctx, "reply");
 * DESCRIPTION
 *	The parser fills the final recipient, status, reporting MTA and
 *	action of a delivery status notification from mail a stranger
 *	wrote. It checks them, and they are checked here again before
 *	they reach a log line or a counter name: a field is shown only
 *	when it is 1 to BOUNCE_FIELD_MAX printable ASCII bytes with no
 *	blank, quote or backslash; a status is counted only when it has
 *	the RFC 3463 shape (class 2, 4 or 5, then two numbers of 1 to 3
 *	digits), an action only when it is one of RFC 3464's five words (shown and
 *	counted in lower case).
 *
 *	bounce_dsn_text() writes "; final-recipient=A status=S
 *	dsn-action=X reporting-mta=M" (the fields that are set and sound)
 *	for the end of a decision's reason, or "" when none is.
 *	bounce_dsn_count() counts "status.S" and "dsn.X" with host->count;
 *	since the status is the peer's choice, only the first
 *	BOUNCE_STATUS_NAMES distinct statuses of the process get a name
 *	of their own and any other counts as "status.other", so forged
 *	reports cannot use up the plugin's counter names (the core keeps
 *	a bounded number per plugin) before its own counters get theirs.
 *	bounce_count() counts one name, when the host can count.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <loopguard/plugin.h>

#include "bounce_plugin.h"

/* bounce_field_ok - 1 if VALUE may stand in a log line as one word */
int bounce_field_ok(const char *value)
{
	size_t i;

	for (i = 0; value[i]; i++)
		if ((unsigned char) value[i] <= ' ' ||
		    (unsigned char) value[i] >= 127 || value[i] == '"' ||
		    value[i] == '\\' || i >= BOUNCE_FIELD_MAX)
			return 0;
	return i > 0;
}

/* digits - how many digits P starts with */
static size_t digits(const char *p)
{
	size_t n = 0;

	while (p[n] >= '0' && p[n] <= '9')
		n++;
	return n;
}

/* bounce_status_ok - 1 if STATUS is "C.S.D" with C 2, 4 or 5 */
int bounce_status_ok(const char *status)
{
	size_t n;

	if ((status[0] != '2' && status[0] != '4' && status[0] != '5') ||
	    status[1] != '.')
		return 0;
	status += 2;
	if ((n = digits(status)) < 1 || n > 3 || status[n] != '.')
		return 0;
	status += n + 1;
	n = digits(status);
	return n >= 1 && n <= 3 && status[n] == 0;
}

/* action_word - RFC 3464's word for ACTION (any case), or NULL */
static const char *action_word(const char *action)
{
	static const char *const words[] = { "failed", "delayed",
		"delivered", "relayed", "expanded", NULL };
	size_t i;

	for (i = 0; words[i]; i++)
		if (strcasecmp(action, words[i]) == 0)
			return words[i];
	return NULL;
}

/* add_field - " NAME=VALUE" (or "; NAME=VALUE" first) when sound */
static void add_field(char *buf, size_t size, const char *name,
		      const char *value, int ok)
{
	size_t len = strlen(buf);

	if (!ok || len >= size)
		return;
	snprintf(buf + len, size - len, "%s%s=%s", len ? " " : "; ", name,
		 value);
}

/* bounce_dsn_text - the sound DSN fields for a decision line */
void bounce_dsn_text(const struct bounce_original *o, char *buf,
		     size_t size)
{
	if (size == 0)
		return;
	buf[0] = 0;
	add_field(buf, size, "final-recipient", o->final_recipient,
		  bounce_field_ok(o->final_recipient));
	add_field(buf, size, "status", o->status,
		  bounce_status_ok(o->status));
	add_field(buf, size, "dsn-action",
		  action_word(o->dsn_action) ? action_word(o->dsn_action) : "",
		  action_word(o->dsn_action) != NULL);
	add_field(buf, size, "reporting-mta", o->reporting_mta,
		  bounce_field_ok(o->reporting_mta));
}

/* bounce_count - one more of NAME, if the host counts */
void bounce_count(const struct lg_host *h, struct lg_ctx *ctx,
		  const char *name)
{
	if (LG_HOST_HAS(h, count))
		h->count(ctx, name);
}

/* The statuses that have a counter name of their own. */
static pthread_mutex_t status_lock = PTHREAD_MUTEX_INITIALIZER;
static char status_names[BOUNCE_STATUS_NAMES][BOUNCE_STATUS_MAX + 1];
static size_t n_status_names;

/* status_named - STATUS is (or now becomes) one with its own name */
static int status_named(const char *status)
{
	size_t i;
	int named = 0;

	pthread_mutex_lock(&status_lock);
	for (i = 0; i < n_status_names && !named; i++)
		named = strcmp(status_names[i], status) == 0;
	if (!named && n_status_names < BOUNCE_STATUS_NAMES &&
	    strlen(status) <= BOUNCE_STATUS_MAX) {
		strcpy(status_names[n_status_names++], status);
		named = 1;
	}
	pthread_mutex_unlock(&status_lock);
	return named;
}

/* bounce_dsn_count - "status.5.1.1" and "dsn.failed", when sound */
void bounce_dsn_count(const struct lg_host *h, struct lg_ctx *ctx,
		      const struct bounce_original *o)
{
	const char *action = action_word(o->dsn_action);
	char name[32];

	if (bounce_status_ok(o->status)) {
		snprintf(name, sizeof(name), "status.%s",
			 status_named(o->status) ? o->status : "other");
		bounce_count(h, ctx, name);
	}
	if (action) {
		snprintf(name, sizeof(name), "dsn.%s", action);
		bounce_count(h, ctx, name);
	}
}
