/*
 * NAME
 *	mg.h - shared types of miltergen, the milter protocol load generator
 * SYNOPSIS
 *	#include "mg.h"
 * DESCRIPTION
 *	miltergen.c parses options, runs one thread per connection and
 *	prints the report; mg_wire.c opens sockets and moves milter packets
 *	(4-byte big-endian length, 1-byte command, data); mg_session.c plays
 *	the MTA's side of one milter conversation. Nothing here is shared
 *	with the daemon: the generator talks to any milter.
 */
#ifndef MG_H
#define MG_H

#include <stddef.h>
#include <stdint.h>

/* Largest reply packet we accept (libmilter's replies are small). */
#define MG_MAX_PACKET	(1024 * 1024 + 16)
/* Body chunk size, as the MTAs use (MILTER_CHUNK_SIZE). */
#define MG_CHUNK	65535

/* What the command line asked for (read-only once threads run). */
struct mg_options {
	const char *socket;		/* unix:/path, inet:PORT@HOST */
	unsigned conns;			/* -c parallel connections */
	unsigned msgs;			/* -m messages per connection */
	size_t body_size;		/* -z body bytes */
	double mix[3];			/* -r valid, unknown, external per msg */
	const char *domain;		/* -d local domain */
	const char *sender;		/* -f envelope sender */
	unsigned unknown_names;		/* -u nosuch1..nosuchN */
	int timeout;			/* -t seconds per reply */
	int json;			/* -j */
	unsigned run_id;		/* makes Message-IDs unique per run */
};

/* A buffered milter connection. */
struct mg_conn {
	int fd;
	char *out;			/* packets not yet written */
	size_t out_len, out_cap;
	char *in;			/* bytes read, not yet parsed */
	size_t in_start, in_len, in_cap;
	const char *error;		/* why the last call failed */
};

/* One reply packet; data points into the connection's input buffer
 * and stays valid until the next mg_conn_read. */
struct mg_packet {
	char cmd;
	const char *data;
	size_t len;
};

/* Counters of one worker, summed at the end. */
struct mg_stats {
	uint64_t done;			/* messages that got a final answer */
	uint64_t accepted;		/* ... and were accepted or continued */
	uint64_t discarded;
	uint64_t rcpts;			/* recipients sent */
	uint64_t proto_errors;		/* broken conversations */
	uint64_t tempfails;		/* 't', 4xx 'y', shutdown, conn fail */
	uint64_t rejects;		/* 'r', 5xx 'y' */
	uint64_t reconnects;
	uint64_t act_addrcpt, act_delrcpt, act_addheader, act_chgheader,
		act_quarantine, act_other;
	double *lat_ms;			/* one latency per finished message */
	size_t nlat;
	char first_error[160];		/* the first failure, for the report */
};

/* mg_wire.c */
int mg_conn_open(struct mg_conn *c, const char *spec, int timeout,
		 char *err, size_t errsize);
void mg_conn_close(struct mg_conn *c);
int mg_conn_put(struct mg_conn *c, char cmd, const void *data, size_t len);
int mg_conn_put2(struct mg_conn *c, char cmd, const void *a, size_t alen,
		 const void *b, size_t blen);
int mg_conn_flush(struct mg_conn *c);
int mg_conn_read(struct mg_conn *c, struct mg_packet *p);

/* mg_session.c */
struct mg_worker {
	unsigned id;
	const struct mg_options *opt;
	struct mg_stats st;
	const char *body;		/* shared body text, opt->body_size */
};
void mg_worker_run(struct mg_worker *w, struct mg_conn *first);

#endif
