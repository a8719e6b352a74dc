/*
 * NAME
 *	host_mail.c - the host functions added in ABI 1.1
 * SYNOPSIS
 *	lg_host_fill_mail(&host);
 * DESCRIPTION
 *	send_mail and notify_postmaster write the outbox (mailer.c) and
 *	return: the worker thread does the network part. dkim_request and
 *	dkim_passed front dkim.c, dkim_verify_returned dkim_buffer.c;
 *	recipients_in_domain walks the recipient directory of the
 *	session's config snapshot.
 * DIAGNOSTICS
 *	Refusals are logged "QUEUEID: plugin=NAME ..." by the callers'
 *	queue id; outbox errors by outbox.c.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Utility library. */
#include "clock.h"
#include "log.h"

/* Mail library. */
#include "mailer.h"

/* Session library. */
#include "session_impl.h"

/* DKIM library. */
#include "lg_dkim.h"

/* Plugin host. */
#include "host.h"

/* plugin_name - the running plugin, for the log */
static const char *plugin_name(const struct lg_ctx *s)
{
	return s && s->plugin < s->cfg->n_plugins ?
		s->cfg->plugins[s->plugin].name : "core";
}

/* h_send_mail - into the outbox */
static int h_send_mail(struct lg_ctx *s, const char *rcpt,
		       const char *message)
{
	char id[LG_OUTBOX_ID_MAX];

	if (!rcpt || !message || !lg_outbox_valid_rcpt(rcpt)) {
		lg_log(LG_LOG_ERROR, "%s: plugin=%s send_mail: bad recipient <%.100s>",
		       s ? lg_session_queue_id(s) : "NOQUEUE", plugin_name(s),
		       rcpt ? rcpt : "");
		return -1;
	}
	if (lg_mailer_queue(rcpt, message, id) != 0)
		return -1;
	lg_log(LG_LOG_INFO, "%s: plugin=%s generated mail %s to=<%s>",
	       s ? lg_session_queue_id(s) : "NOQUEUE", plugin_name(s), id,
	       rcpt);
	return 0;
}

/* clean - a header value from text: controls become spaces, cut */
static void clean(const char *text, char *out, size_t size)
{
	size_t i;

	for (i = 0; text && text[i] && i + 1 < size; i++)
		out[i] = (unsigned char) text[i] < ' ' || text[i] == 0x7f ?
			' ' : text[i];
	out[i] = 0;
}

/* h_notify_postmaster - a plain notice, headers written here */
static int h_notify_postmaster(struct lg_ctx *s, const char *domain,
			       const char *subject, const char *body)
{
	const char *host = lg_mailer_hostname();
	char rcpt[300], subj[200], date[64], *msg;
	time_t now = lg_now();
	static unsigned serial;
	struct tm tm;
	size_t size;
	int rc;

	if (!domain || !*domain || strlen(domain) > 250 || !body)
		return -1;
	snprintf(rcpt, sizeof(rcpt), "postmaster@%s", domain);
	clean(subject ? subject : "loopguard notice", subj, sizeof(subj));
	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	size = strlen(body) + 1024 + 3 * strlen(host);
	if ((msg = malloc(size)) == NULL)
		return -1;
	snprintf(msg, size,
		 "From: loopguard <MAILER-DAEMON@%s>\n"
		 "To: <%s>\n"
		 "Subject: %s\n"
		 "Date: %s\n"
		 "Message-ID: <%lld.%d.%u.notice@%s>\n"
		 "Auto-Submitted: auto-generated\n"
		 "%s: %s\n"
		 "MIME-Version: 1.0\n"
		 "Content-Type: text/plain; charset=UTF-8\n"
		 "Content-Transfer-Encoding: 8bit\n"
		 "\n%s%s",
		 host, rcpt, subj, date, (long long) now, (int) getpid(),
		 __atomic_add_fetch(&serial, 1, __ATOMIC_RELAXED), host,
		 LG_LOOP_HEADER, host, body,
		 *body && body[strlen(body) - 1] == '\n' ? "" : "\n");
	rc = h_send_mail(s, rcpt, msg);
	free(msg);
	return rc;
}

/* h_dkim_request - start verifying this message (dkim.c) */
static int h_dkim_request(struct lg_ctx *s)
{
	return lg_dkim_request(s);
}

/* h_dkim_passed - a good signature of DOMAIN (dkim.c) */
static int h_dkim_passed(struct lg_ctx *s, const char *domain)
{
	return lg_dkim_passed(s, domain);
}

/* h_dkim_verify_returned - a message in a buffer (dkim_buffer.c) */
static int h_dkim_verify_returned(struct lg_ctx *s, const char *message,
				  size_t len, const char *domain)
{
	return lg_dkim_verify_buffer(s, message, len, domain);
}

/* h_recipients_in_domain - the directory of the session's snapshot */
static int h_recipients_in_domain(struct lg_ctx *s, const char *domain,
				  int (*fn)(void *arg, const char *local),
				  void *arg)
{
	if (!s || !domain || !fn || !s->cfg->dir)
		return -1;
	lg_dir_each_in_domain(s->cfg->dir, domain, fn, arg);
	return 0;
}

/* lg_host_fill_mail - the 1.1 members */
void lg_host_fill_mail(struct lg_host *h)
{
	h->send_mail = h_send_mail;
	h->notify_postmaster = h_notify_postmaster;
	h->dkim_request = h_dkim_request;
	h->dkim_passed = h_dkim_passed;
	h->recipients_in_domain = h_recipients_in_domain;
	h->hostname = lg_mailer_hostname;
	h->dkim_verify_returned = h_dkim_verify_returned;
}
