/*
 * NAME
 *	bounce_corpus.h - the bounce corpus and its EXPECT file, for tests
 * SYNOPSIS
 *	#include "bounce_corpus.h"
 *
 *	int n = corpus_load(samples, CORPUS_MAX);
 *	size_t len = corpus_read(&samples[i], buf, CORPUS_SAMPLE_MAX);
 * DESCRIPTION
 *	corpus/EXPECT gives, per sample, the returned Message-ID ("-":
 *	none can be found) and the DSN fields (status, action, final
 *	recipient, reporting MTA; "-": empty). CORPUS_DIR is set by the
 *	build to the corpus folder of the source tree.
 * DIAGNOSTICS
 *	corpus_load() returns the number of samples, or -1 after a
 *	message on stderr; corpus_read() returns the bytes read (at most
 *	size), or (size_t) -1 when the file cannot be read.
 */
#ifndef BOUNCE_CORPUS_H
#define BOUNCE_CORPUS_H

#include <stddef.h>

#include "bounce.h"

#define CORPUS_MAX		500
#define CORPUS_SAMPLE_MAX	(256 * 1024)	/* the plugin keeps no more */

struct corpus_sample {
	char file[128];
	char id[BOUNCE_ID_MAX + 1];
	char status[BOUNCE_STATUS_MAX + 1];
	char action[BOUNCE_STATUS_MAX + 1];
	char rcpt[BOUNCE_FIELD_MAX + 1];
	char mta[BOUNCE_FIELD_MAX + 1];
};

int corpus_load(struct corpus_sample *samples, int max);
size_t corpus_read(const struct corpus_sample *s, char *buf, size_t size);

#endif
