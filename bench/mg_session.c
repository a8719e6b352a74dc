/*
 * NAME
 *	mg_session.c - the MTA's side of a milter conversation, for load
 * SYNOPSIS
 *	#include "mg.h"
 *
 *	mg_worker_run(&worker, &connected);
 * DESCRIPTION
 *	One worker owns one milter connection at a time. It negotiates
 *	protocol version 6 offering every action and protocol step, sends
 *	CONNECT (an address of 198.18.0.0/15, one per connection) and HELO,
 *	then opt->msgs messages: macros and MAIL, per recipient macros and
 *	RCPT, DATA, five headers, end of headers, the body in chunks of up
 *	to 65535 bytes and end of body, whose modification actions are
 *	counted until the final reply. It honours what the milter
 *	negotiated: steps it declined are not sent, no-reply steps are not
 *	awaited, and packets are queued until a reply is awaited, as the
 *	MTAs' buffered streams do. Each message's latency runs from MAIL to
 *	its final reply. A broken conversation is counted, closed and
 *	reopened (at most MAX_RECONNECTS times); a refused connection stops
 *	the worker.
 *
 *	Each message is unique, also across runs (Message-ID and first body
 *	line carry the run's id), so a milter that counts repeated messages
 *	sees none.
 * DIAGNOSTICS
 *	Counted in the worker's mg_stats; the first failure's text is kept.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libmilter/mfapi.h>	/* SMFIF_* */
#include <libmilter/mfdef.h>	/* SMFIC_*, SMFIR_*, SMFIP_* */

#include "mg.h"

#define MAX_RECONNECTS	10
#define OFFER_ACTIONS	SMFI_CURR_ACTS
#define OFFER_PROTO	SMFI_CURR_PROT

/* Outcome of awaiting a reply. */
enum reply { R_CONT, R_ACCEPT, R_REJECT, R_TEMPFAIL, R_DISCARD, R_SKIP,
	     R_BROKEN };

struct sess {
	struct mg_worker *w;
	struct mg_conn c;
	uint32_t actions, proto;	/* what the milter negotiated */
	int accept_all;			/* accepted at connect or HELO */
	unsigned serial;		/* connections opened so far */
};

static const char *valid_users[] = { "alice", "bob", "carol", "postmaster" };

/* now_ms - a monotonic clock in milliseconds */
static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double) ts.tv_sec * 1e3 + (double) ts.tv_nsec / 1e6;
}

/* note - keep the first failure's text */
static void note(struct sess *s, const char *fmt, ...)
{
	struct mg_stats *st = &s->w->st;
	va_list ap;

	if (st->first_error[0])
		return;
	va_start(ap, fmt);
	vsnprintf(st->first_error, sizeof(st->first_error), fmt, ap);
	va_end(ap);
}

/* broken - count a protocol error */
static enum reply broken(struct sess *s, const char *stage, const char *why)
{
	s->w->st.proto_errors++;
	note(s, "%s: %s", stage, why);
	return R_BROKEN;
}

/* action - count one end-of-body modification; -1 when not allowed */
static int action(struct sess *s, char cmd)
{
	struct mg_stats *st = &s->w->st;
	uint32_t need;

	switch (cmd) {
	case SMFIR_ADDRCPT: need = SMFIF_ADDRCPT; st->act_addrcpt++; break;
	case SMFIR_ADDRCPT_PAR: need = SMFIF_ADDRCPT_PAR; st->act_addrcpt++;
		break;
	case SMFIR_DELRCPT: need = SMFIF_DELRCPT; st->act_delrcpt++; break;
	case SMFIR_ADDHEADER:
	case SMFIR_INSHEADER: need = SMFIF_ADDHDRS; st->act_addheader++;
		break;
	case SMFIR_CHGHEADER: need = SMFIF_CHGHDRS; st->act_chgheader++;
		break;
	case SMFIR_QUARANTINE: need = SMFIF_QUARANTINE; st->act_quarantine++;
		break;
	case SMFIR_REPLBODY: need = SMFIF_CHGBODY; st->act_other++; break;
	case SMFIR_CHGFROM: need = SMFIF_CHGFROM; st->act_other++; break;
	default:
		return -1;
	}
	return (s->actions & need) ? 0 : -1;
}

/* await - read replies to one command until a final one */
static enum reply await(struct sess *s, const char *stage, int eob)
{
	struct mg_packet p;
	char why[64];

	for (;;) {
		if (mg_conn_read(&s->c, &p) != 0)
			return broken(s, stage, s->c.error);
		switch (p.cmd) {
		case SMFIR_CONTINUE: return R_CONT;
		case SMFIR_ACCEPT: return R_ACCEPT;
		case SMFIR_DISCARD: return R_DISCARD;
		case SMFIR_PROGRESS: continue;
		case SMFIR_REJECT:
			s->w->st.rejects++;
			note(s, "%s: reject", stage);
			return R_REJECT;
		case SMFIR_TEMPFAIL:
			s->w->st.tempfails++;
			note(s, "%s: tempfail", stage);
			return R_TEMPFAIL;
		case SMFIR_REPLYCODE:
			if (p.len < 4 || p.data[p.len - 1] != '\0' ||
			    (p.data[0] != '4' && p.data[0] != '5'))
				return broken(s, stage, "bad reply code");
			note(s, "%s: %s", stage, p.data);
			if (p.data[0] == '4') {
				s->w->st.tempfails++;
				return R_TEMPFAIL;
			}
			s->w->st.rejects++;
			return R_REJECT;
		case SMFIR_SKIP:
			if (!(s->proto & SMFIP_SKIP) || strcmp(stage, "body"))
				return broken(s, stage, "skip not allowed here");
			return R_SKIP;
		case SMFIR_SHUTDOWN:
		case SMFIR_CONN_FAIL:
			s->w->st.tempfails++;
			note(s, "%s: milter ended the connection ('%c')", stage,
			     p.cmd);
			return R_BROKEN;
		default:
			if (eob && action(s, p.cmd) == 0)
				continue;
			snprintf(why, sizeof(why), "unexpected reply '%c'",
				 p.cmd >= 32 && p.cmd < 127 ? p.cmd : '?');
			return broken(s, stage, why);
		}
	}
}

/* step - queue a command, then await its reply unless told not to */
static enum reply step(struct sess *s, char cmd, const void *data,
		       size_t len, uint32_t nr_bit, const char *stage)
{
	if (mg_conn_put(&s->c, cmd, data, len) != 0)
		return broken(s, stage, s->c.error);
	if (s->proto & nr_bit)
		return R_CONT;
	return await(s, stage, cmd == SMFIC_BODYEOB);
}

/* put_macros - queue a macro packet: stage code, then name\0value\0 */
static int put_macros(struct sess *s, char code, const char *const *kv,
		      size_t n)
{
	char buf[1024];
	size_t len = 0, i, l;

	buf[len++] = code;
	for (i = 0; i < n; i++) {
		l = strlen(kv[i]) + 1;
		if (len + l > sizeof(buf))
			return -1;
		memcpy(buf + len, kv[i], l);
		len += l;
	}
	return mg_conn_put(&s->c, SMFIC_MACRO, buf, len);
}

/* open_session - negotiate, then CONNECT and HELO */
static int open_session(struct sess *s)
{
	unsigned char neg[12], addr_pkt[128];
	char addr[32], host[64];
	struct mg_packet p;
	uint32_t v[3];
	uint16_t port = htons((uint16_t) (40000 + s->serial % 20000));
	const char *cmacros[] = { "j", "mx.bench.test", "{daemon_name}",
		"miltergen", "v", "miltergen", "_", host };
	enum reply r;
	size_t n;
	int i;

	v[0] = htonl(6);
	v[1] = htonl(OFFER_ACTIONS);
	v[2] = htonl(OFFER_PROTO);
	memcpy(neg, v, sizeof(neg));
	if (mg_conn_put(&s->c, SMFIC_OPTNEG, neg, sizeof(neg)) != 0 ||
	    mg_conn_read(&s->c, &p) != 0)
		return broken(s, "negotiate", s->c.error), -1;
	if (p.cmd != SMFIC_OPTNEG || p.len < 12)
		return broken(s, "negotiate", "bad reply"), -1;
	for (i = 0; i < 3; i++) {
		memcpy(&v[i], p.data + 4 * i, 4);
		v[i] = ntohl(v[i]);
	}
	if (v[0] < 2 || v[0] > 6)
		return broken(s, "negotiate", "bad protocol version"), -1;
	if ((v[1] & ~(uint32_t) OFFER_ACTIONS) ||
	    (v[2] & ~(uint32_t) OFFER_PROTO))
		return broken(s, "negotiate", "asked for what was not offered"),
			-1;
	s->actions = v[1];
	s->proto = v[2];
	s->accept_all = 0;

	/* 198.18.0.0/15, the benchmarking range: one address per connection */
	snprintf(addr, sizeof(addr), "198.%u.%u.%u",
		 18 + (s->w->id / 256) % 2, s->w->id % 256, 1 + s->serial % 254);
	snprintf(host, sizeof(host), "client%u.bench.test [%s]", s->w->id,
		 addr);
	s->serial++;
	if (!(s->proto & SMFIP_NOCONNECT)) {
		n = (size_t) snprintf((char *) addr_pkt, sizeof(addr_pkt),
				      "client%u.bench.test", s->w->id) + 1;
		addr_pkt[n++] = SMFIA_INET;
		memcpy(addr_pkt + n, &port, 2);
		n += 2;
		n += (size_t) snprintf((char *) addr_pkt + n,
				       sizeof(addr_pkt) - n, "%s", addr) + 1;
		if (put_macros(s, SMFIC_CONNECT, cmacros, 8) != 0)
			return broken(s, "connect", "macros too long"), -1;
		r = step(s, SMFIC_CONNECT, addr_pkt, n, SMFIP_NR_CONN,
			 "connect");
		if (r == R_ACCEPT)
			s->accept_all = 1;
		else if (r != R_CONT)
			return -1;
	}
	if (!s->accept_all && !(s->proto & SMFIP_NOHELO)) {
		n = (size_t) snprintf((char *) addr_pkt, sizeof(addr_pkt),
				      "client%u.bench.test", s->w->id) + 1;
		r = step(s, SMFIC_HELO, addr_pkt, n, SMFIP_NR_HELO, "helo");
		if (r == R_ACCEPT)
			s->accept_all = 1;
		else if (r != R_CONT)
			return -1;
	}
	return 0;
}

/* count_for - how many of a kind message k gets: floor((k+1)x)-floor(kx) */
static unsigned count_for(double x, uint64_t k)
{
	return (unsigned) ((uint64_t) ((double) (k + 1) * x) -
			   (uint64_t) ((double) k * x));
}

/* recipient - address number seq of kind 0 valid, 1 unknown, 2 external */
static void recipient(struct sess *s, int kind, uint64_t seq, char *out,
		      size_t size)
{
	const struct mg_options *o = s->w->opt;

	if (kind == 0)
		snprintf(out, size, "<%s@%s>", valid_users[seq % 4], o->domain);
	else if (kind == 1)
		snprintf(out, size, "<nosuch%u@%s>",
			 (unsigned) (seq % o->unknown_names) + 1, o->domain);
	else
		snprintf(out, size, "<user%u@external.bench.test>",
			 (unsigned) (seq % 100));
}

/* finish - count a message that got its final answer */
static void finish(struct sess *s, enum reply r, double t0)
{
	struct mg_stats *st = &s->w->st;

	st->done++;
	if (r == R_DISCARD)
		st->discarded++;
	else if (r == R_CONT || r == R_ACCEPT)
		st->accepted++;
	st->lat_ms[st->nlat++] = now_ms() - t0;
}

/* envelope - MAIL and RCPTs; R_CONT when the message goes on */
static enum reply envelope(struct sess *s, uint64_t k, const char *qid,
			   char *first_rcpt, size_t frsize)
{
	const struct mg_options *o = s->w->opt;
	char from[256], rcpt[256], host[128];
	const char *mm[] = { "i", qid, "{mail_addr}", o->sender };
	const char *rm[] = { "{rcpt_addr}", rcpt, "{rcpt_host}", host,
		"{rcpt_mailer}", "" };
	unsigned n[3], total, ok = 0, i;
	enum reply r;
	int kind;

	snprintf(from, sizeof(from), "<%s>", o->sender);
	if (!(s->proto & SMFIP_NOMAIL)) {
		if (put_macros(s, SMFIC_MAIL, mm, 4) != 0)
			return broken(s, "mail", "macros too long");
		r = step(s, SMFIC_MAIL, from, strlen(from) + 1, SMFIP_NR_MAIL,
			 "mail");
		if (r != R_CONT)
			return r;
	}
	for (kind = 0, total = 0; kind < 3; kind++)
		total += n[kind] = count_for(o->mix[kind], k);
	if (total == 0)
		n[0] = 1;	/* every message has a recipient */
	first_rcpt[0] = '\0';
	for (kind = 0; kind < 3; kind++) {
		for (i = 0; i < n[kind]; i++) {
			recipient(s, kind, k * 3 + i + (uint64_t) s->w->id,
				  rcpt, sizeof(rcpt));
			if (!first_rcpt[0])
				snprintf(first_rcpt, frsize, "%s", rcpt);
			s->w->st.rcpts++;
			if (s->proto & SMFIP_NORCPT) {
				ok++;
				continue;
			}
			snprintf(host, sizeof(host), "%s",
				 kind == 2 ? "external.bench.test" : o->domain);
			rm[5] = kind == 2 ? "smtp" : "local";
			if (put_macros(s, SMFIC_RCPT, rm, 6) != 0)
				return broken(s, "rcpt", "macros too long");
			r = step(s, SMFIC_RCPT, rcpt, strlen(rcpt) + 1,
				 SMFIP_NR_RCPT, "rcpt");
			if (r == R_CONT)
				ok++;
			else if (r != R_REJECT && r != R_TEMPFAIL)
				return r;	/* accept/discard/broken */
		}
	}
	return ok ? R_CONT : R_REJECT;
}

/* content - DATA, headers, EOH, body, EOB */
static enum reply content(struct sess *s, uint64_t k, const char *qid,
			  const char *first_rcpt, char *body)
{
	const struct mg_options *o = s->w->opt;
	const char *lead = (s->proto & SMFIP_HDR_LEADSPC) ? " " : "";
	static const char *const hn[5] = { "From", "To", "Subject",
		"Message-ID", "Date" };
	char hv[5][300], line[64];
	size_t off, len, size = o->body_size;
	enum reply r;
	int i;

	if (!(s->proto & SMFIP_NODATA)) {
		r = step(s, SMFIC_DATA, NULL, 0, SMFIP_NR_DATA, "data");
		if (r != R_CONT)
			return r;
	}
	if (!(s->proto & SMFIP_NOHDRS)) {
		snprintf(hv[0], sizeof(hv[0]), "%s<%s>", lead, o->sender);
		snprintf(hv[1], sizeof(hv[1]), "%s%s", lead, first_rcpt);
		snprintf(hv[2], sizeof(hv[2]), "%smiltergen message %llu of "
			 "worker %u", lead, (unsigned long long) k, s->w->id);
		snprintf(hv[3], sizeof(hv[3]), "%s<%s.%u.%08x@miltergen.bench."
			 "test>", lead, qid, s->serial, o->run_id);
		snprintf(hv[4], sizeof(hv[4]), "%sMon, 23 Nov 2026 12:00:00 "
			 "+0000", lead);
		for (i = 0; i < 5; i++) {
			if (mg_conn_put2(&s->c, SMFIC_HEADER, hn[i],
					 strlen(hn[i]) + 1, hv[i],
					 strlen(hv[i]) + 1) != 0)
				return broken(s, "header", s->c.error);
			if (s->proto & SMFIP_NR_HDR)
				continue;
			r = await(s, "header", 0);
			if (r != R_CONT)
				return r;
		}
	}
	if (!(s->proto & SMFIP_NOEOH)) {
		r = step(s, SMFIC_EOH, NULL, 0, SMFIP_NR_EOH, "eoh");
		if (r != R_CONT)
			return r;
	}
	if (!(s->proto & SMFIP_NOBODY) && size > 0) {
		/* The first line makes the body unique. */
		len = (size_t) snprintf(line, sizeof(line),
					"miltergen %08x w%05u m%010llu\r\n",
					o->run_id, s->w->id % 100000,
					(unsigned long long) k % 10000000000ULL);
		memcpy(body, line, len < size ? len : size);
		for (off = 0; off < size; off += len) {
			len = size - off < MG_CHUNK ? size - off : MG_CHUNK;
			r = step(s, SMFIC_BODY, body + off, len, SMFIP_NR_BODY,
				 "body");
			if (r == R_SKIP)
				break;
			if (r != R_CONT)
				return r;
		}
	}
	return step(s, SMFIC_BODYEOB, NULL, 0, 0, "eob");
}

/* message - one whole message; -1 when the connection must be reopened */
static int message(struct sess *s, uint64_t k, char *body)
{
	char qid[32], first_rcpt[256];
	double t0 = now_ms();
	enum reply r;

	if (s->accept_all) {
		finish(s, R_ACCEPT, t0);
		return 0;
	}
	snprintf(qid, sizeof(qid), "%03X%07llX", s->w->id % 0x1000,
		 (unsigned long long) k & 0xFFFFFFF);
	r = envelope(s, k, qid, first_rcpt, sizeof(first_rcpt));
	if (r == R_CONT)
		r = content(s, k, qid, first_rcpt, body);
	if (r == R_BROKEN)
		return -1;
	if (r == R_REJECT || r == R_TEMPFAIL || r == R_DISCARD) {
		/* As Sendmail does: tell the milter the message is over. */
		if (mg_conn_put(&s->c, SMFIC_ABORT, NULL, 0) != 0)
			return broken(s, "abort", s->c.error), -1;
	}
	finish(s, r, t0);
	return 0;
}

/* reopen - a fresh connection after a broken one */
static int reopen(struct sess *s)
{
	char err[256];

	mg_conn_close(&s->c);
	if (s->w->st.reconnects >= MAX_RECONNECTS) {
		note(s, "giving up after %d reconnects", MAX_RECONNECTS);
		return -1;
	}
	s->w->st.reconnects++;
	if (mg_conn_open(&s->c, s->w->opt->socket, s->w->opt->timeout, err,
			 sizeof(err)) != 0) {
		s->w->st.proto_errors++;
		note(s, "reconnect: %s", err);
		return -1;
	}
	return open_session(s);
}

/* mg_worker_run - all messages of one worker over connection first */
void mg_worker_run(struct mg_worker *w, struct mg_conn *first)
{
	struct sess s;
	char *body = NULL;
	uint64_t k;
	int alive;

	memset(&s, 0, sizeof(s));
	s.w = w;
	s.c = *first;		/* the worker owns it from now on */
	memset(first, 0, sizeof(*first));
	first->fd = -1;
	if (w->opt->body_size > 0) {
		body = malloc(w->opt->body_size);
		if (!body) {
			note(&s, "out of memory");
			w->st.proto_errors++;
			mg_conn_close(&s.c);
			return;
		}
		memcpy(body, w->body, w->opt->body_size);
	}
	alive = open_session(&s) == 0;
	for (k = 0; k < w->opt->msgs && alive; k++) {
		if (message(&s, k, body) != 0)
			alive = reopen(&s) == 0;
	}
	if (alive && mg_conn_put(&s.c, SMFIC_QUIT, NULL, 0) == 0)
		(void) mg_conn_flush(&s.c);
	mg_conn_close(&s.c);
	free(body);
}
