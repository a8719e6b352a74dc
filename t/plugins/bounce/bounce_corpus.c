/*
 * NAME
 *	bounce_corpus.c - read the bounce corpus and its EXPECT file
 * DESCRIPTION
 *	See bounce_corpus.h.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "bounce_corpus.h"

/* field - copy one EXPECT column ("-" is empty) */
static void field(char *dst, size_t size, const char *src)
{
	if (strcmp(src, "-") == 0)
		src = "";
	snprintf(dst, size, "%s", src);
}

/* corpus_load - read corpus/EXPECT into SAMPLES */
int corpus_load(struct corpus_sample *samples, int max)
{
	char line[2048], *col[6], *save;
	FILE *f = fopen(CORPUS_DIR "/EXPECT", "r");
	int i, n = 0;

	if (!f) {
		fprintf(stderr, "%s/EXPECT: %s\n", CORPUS_DIR, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f) && n < max) {
		struct corpus_sample *s = &samples[n];

		line[strcspn(line, "\n")] = 0;
		if (line[0] == '#' || line[0] == 0)
			continue;
		for (i = 0; i < 6; i++)
			if ((col[i] = strtok_r(i ? NULL : line, "\t", &save)) == NULL)
				break;
		if (i < 6) {
			fprintf(stderr, "EXPECT: short line for %s\n", line);
			fclose(f);
			return -1;
		}
		field(s->file, sizeof(s->file), col[0]);
		field(s->id, sizeof(s->id), col[1]);
		field(s->status, sizeof(s->status), col[2]);
		field(s->action, sizeof(s->action), col[3]);
		field(s->rcpt, sizeof(s->rcpt), col[4]);
		field(s->mta, sizeof(s->mta), col[5]);
		n++;
	}
	fclose(f);
	return n;
}

/* corpus_read - the sample's bytes into BUF */
size_t corpus_read(const struct corpus_sample *s, char *buf, size_t size)
{
	char path[512];
	size_t len;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", CORPUS_DIR, s->file);
	if ((f = fopen(path, "rb")) == NULL)
		return (size_t) -1;
	len = fread(buf, 1, size, f);
	fclose(f);
	return len;
}
