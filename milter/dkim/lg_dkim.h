/*
 * NAME
 *	lg_dkim.h - DKIM verification of a message, only when a plugin asks
 * SYNOPSIS
 *	#include "lg_dkim.h"
 *
 *	lg_dkim_request(s);		a plugin's host->dkim_request
 *	lg_dkim_passed(s, "example.com");	a plugin at end of message
 *	lg_dkim_verify_buffer(s, msg, len, "example.com");  dkim_buffer.c
 * DESCRIPTION
 *	A plugin that will need a DKIM proof of the sender calls
 *	dkim_request at MAIL or RCPT; that attaches a message tap, so from
 *	then on the session feeds the headers and body into a libopendkim
 *	verify handle, finished just before the end-of-message hooks
 *	run. Only the envelope sender's domain can be proven: other
 *	signatures are not looked at. Keys come from DNS or from the
 *	config's dkim_keys file; the limits (signatures looked at, one
 *	deadline for all key lookups of a message) are in dkim_impl.h,
 *	and a key that does not come in time is no proof. One
 *	library handle per config snapshot (made on first use, shared by
 *	all threads, freed with the snapshot through the destructor it
 *	is handed with it).
 *
 *	lg_dkim_verify_buffer checks a separate message held in a buffer
 *	(e.g. the original returned in a bounce) with a handle of its own,
 *	for the signatures of local domains only, once per buffer and
 *	message: later questions about the same buffer are answered from
 *	the first verification.
 * DIAGNOSTICS
 *	Library failures are logged "QUEUEID: dkim: ..."; the proof is
 *	then simply missing (lg_dkim_passed returns 0).
 */
#ifndef LG_DKIM_H
#define LG_DKIM_H

#include <stddef.h>

struct lg_ctx;
struct lg_config;

/* 0 (verification will run), -1 on failure */
int lg_dkim_request(struct lg_ctx *s);
/* 1 if a signature with d=DOMAIN verified (header and body), else 0;
 * DOMAIN must be the envelope sender's to pass */
int lg_dkim_passed(struct lg_ctx *s, const char *domain);

/* 1 if a signature with d=DOMAIN (a local domain) in MESSAGE verified
 * (the header signature; the body hash too when the buffer has a
 * body), 0 if not, -1 on error */
int lg_dkim_verify_buffer(struct lg_ctx *s, const char *message,
			  size_t len, const char *domain);

/* lg_dkim_lib - the config snapshot's library handle (a DKIM_LIB *),
 * made on first use; NULL on failure */
void *lg_dkim_lib(struct lg_config *cfg);

#endif
