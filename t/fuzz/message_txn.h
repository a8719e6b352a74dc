/*
 * NAME
 *	message_txn.h - fuzz_message's input read as an SMTP transaction
 * SYNOPSIS
 *	#include "message_txn.h"
 *
 *	struct txn t;
 *	txn_parse(&t, data, size); ... txn_free(&t);
 * DESCRIPTION
 *	The format is described in fuzz_message.c. Strings are malloc'ed
 *	copies; body points into the input.
 */
#ifndef MESSAGE_TXN_H
#define MESSAGE_TXN_H

#include <stddef.h>
#include <stdint.h>

#define MAX_MACROS	8
#define MAX_RCPTS	64
#define MAX_HEADERS	256
#define TXN_CONFIGS	2	/* the configs "config N" picks from */

/* The transaction read from the input. */
struct txn {
	char *client, *helo, *from;
	char *macro_name[MAX_MACROS], *macro_value[MAX_MACROS];
	size_t n_macros;
	char *rcpt[MAX_RCPTS];
	size_t n_rcpts;
	char *hname[MAX_HEADERS], *hvalue[MAX_HEADERS];
	size_t n_headers;
	const unsigned char *body;
	size_t body_len, chunk;
	int repeat, config;
	int refuse;		/* the MTA refuses every edit */
};

void txn_parse(struct txn *t, const uint8_t *data, size_t size);
void txn_free(struct txn *t);

#endif
