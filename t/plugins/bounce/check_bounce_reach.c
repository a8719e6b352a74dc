/*
 * NAME
 *	check_bounce_reach - which real-world bounces the bounce plugin
 *	can judge: the corpus through the whole plugin
 * DESCRIPTION
 *	Each sample of corpus/ is delivered whole (its top headers and
 *	its body) from an outside client with the null sender to
 *	alice@example.com, through the fake host and the bounce plugin,
 *	three times:
 *
 *	- forged: nothing was sent from here. No sample may pass.
 *	- ledger: alice had sent the message the sample answers (the id
 *	  of EXPECT, and the ids its In-Reply-To and References name).
 *	  Every sample with an id, or with none but naming an id it
 *	  answers in its own headers (an auto-reply), must pass, unless it
 *	  is a bounce of a bounce (discarded); the others are the share
 *	  the sent ledger cannot judge.
 *	- batv: nothing in the ledger, but alice's mail left signed, and
 *	  the sample comes back to her tag. Every sample must pass but a
 *	  bounce of a bounce.
 *
 *	main() prints "bounce reach: N samples; ledger P (ids I, answers
 *	A), forged F, batv B, bounces of bounces D" to the log.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bounce_corpus.h"
#include "bounce_fixture.h"

#define MAX_HEADERS	300
#define HEADER_MAX	8192
#define BATV_SETTINGS "batv = { keys = ( { id = 0; secret = " \
	"\"reach test secret 0123456789\"; } ); };"

enum outcome { PASSED, REFUSED, DISCARDED, OTHER, BROKEN };

static struct corpus_sample samples[CORPUS_MAX];
static int n_samples;

/* One sample, split for fh_message. */
struct message {
	char *buf;
	const char *headers[MAX_HEADERS + 1];
	char *answered[MAX_HEADERS];	/* ids of In-Reply-To/References */
	int n_answered;
	const char *body;
};

/* eol_len - the length of the line end at P: CR* LF, or a lone CR */
static size_t eol_len(const char *p, size_t left)
{
	size_t crs = strspn(p, "\r");

	if (crs > left)
		crs = left;
	return crs < left && p[crs] == '\n' ? crs + 1 : (crs ? 1 : 0);
}

/* add_ids - the <ids> of an In-Reply-To or References value */
static void add_ids(struct message *m, const char *v)
{
	const char *lt, *gt;

	while ((lt = strchr(v, '<')) && (gt = strchr(lt, '>')) &&
	       m->n_answered < MAX_HEADERS) {
		m->answered[m->n_answered++] = strndup(lt + 1,
						       (size_t) (gt - lt - 1));
		v = gt + 1;
	}
}

/* split - unfold the top headers into "Name: value" lines; NUL-ends
 * the body. 0, or -1 if the file cannot be read. */
static int split(const struct corpus_sample *s, struct message *m)
{
	size_t len, pos = 0, eol, n = 0, k;
	char *line = NULL;

	memset(m, 0, sizeof(*m));
	if ((m->buf = malloc(CORPUS_SAMPLE_MAX + 1)) == NULL ||
	    (len = corpus_read(s, m->buf, CORPUS_SAMPLE_MAX)) == (size_t) -1)
		return -1;
	m->buf[len] = 0;
	while (pos < len) {
		size_t end = pos;

		while (end < len && m->buf[end] != '\r' && m->buf[end] != '\n')
			end++;
		eol = eol_len(m->buf + end, len - end);
		if (end == pos) {		/* the empty line */
			pos = end + eol;
			break;
		}
		if ((m->buf[pos] == ' ' || m->buf[pos] == '\t') && line) {
			k = strlen(line);
			snprintf(line + k, HEADER_MAX - k, "%.*s",
				 (int) (end - pos), m->buf + pos);
		} else if (n < MAX_HEADERS) {
			line = calloc(1, HEADER_MAX);
			snprintf(line, HEADER_MAX, "%.*s", (int) (end - pos),
				 m->buf + pos);
			m->headers[n++] = line;
		} else {
			line = NULL;
		}
		pos = end + eol;
	}
	m->body = m->buf + (pos < len ? pos : len);
	for (k = 0; k < n; k++)
		if (strncasecmp(m->headers[k], "In-Reply-To:", 12) == 0 ||
		    strncasecmp(m->headers[k], "References:", 11) == 0)
			add_ids(m, strchr(m->headers[k], ':') + 1);
	return 0;
}

/* release - free what split made */
static void release(struct message *m)
{
	int i;

	for (i = 0; m->headers[i]; i++)
		free((char *) m->headers[i]);
	for (i = 0; i < m->n_answered; i++)
		free(m->answered[i]);
	free(m->buf);
}

/* deliver - the sample, from outside, with the null sender, to RCPT */
static enum outcome deliver(struct fh *h, const struct message *m,
			    const char *rcpt)
{
	const char *rcpts[] = { rcpt, NULL };
	const char *log;

	fh_connect(h, "192.0.2.7");
	fh_log_reset();
	(void) fh_message(h, "<>", rcpts, m->headers, m->body);
	log = fh_log();
	if (strstr(log, "plugin=bounce action=pass "))
		return PASSED;
	if (strstr(log, "plugin=bounce action=discard "))
		return DISCARDED;
	if (strstr(log, "plugin=bounce action=reject "))
		return REFUSED;
	return OTHER;
}

/* signed_rcpt - alice's tagged address, from a message she sent; 0,
 * or -1 when her mail left unsigned */
static int signed_rcpt(struct fh *h, char *buf, size_t size)
{
	const char *c;

	(void) bf_submit(h, "reach.signing@example.com");
	if ((c = strstr(fh_edits(h), "chgfrom ")) == NULL)
		return -1;
	snprintf(buf, size, "<%.*s>", (int) strcspn(c + 8, "\n"), c + 8);
	return 0;
}

/* run - one sample in one of the three worlds; BROKEN when the sample
 * cannot be read, the host not made, or alice's mail not signed (no
 * ck_assert here: report() runs outside the tests) */
static enum outcome run(const struct corpus_sample *s, const char *world,
			int *answered_only)
{
	struct message m;
	struct fh *h;
	char rcpt[300] = "<alice@example.com>";
	enum outcome o = BROKEN;
	int i;

	if (split(s, &m) != 0) {
		release(&m);
		return BROKEN;
	}
	h = bf_host(strcmp(world, "batv") == 0 ? BATV_SETTINGS : "");
	if (h && strcmp(world, "ledger") == 0) {
		if (s->id[0])
			(void) bf_submit(h, s->id);
		for (i = 0; i < m.n_answered; i++)
			(void) bf_submit(h, m.answered[i]);
	}
	if (h && (strcmp(world, "batv") != 0 ||
		  signed_rcpt(h, rcpt, sizeof(rcpt)) == 0))
		o = deliver(h, &m, rcpt);
	if (answered_only)
		*answered_only = !s->id[0] && m.n_answered > 0;
	release(&m);
	if (h)
		fh_free(&h);
	return o;
}

/* Forged: no sample passes when nothing was sent from here. */
START_TEST(forged)
{
	const struct corpus_sample *s = &samples[_i];

	enum outcome o = run(s, "forged", NULL);

	ck_assert_msg(o != BROKEN, "%s: cannot be run", s->file);
	ck_assert_msg(o != PASSED,
		      "%s passed although nothing was sent: %s", s->file,
		      fh_log());
}
END_TEST

/* Ledger: a sample with a returned id passes (or is a bounce of a
 * bounce); one without passes only as an answer. */
START_TEST(ledger)
{
	const struct corpus_sample *s = &samples[_i];
	int answer_only = 0;
	enum outcome o = run(s, "ledger", &answer_only);

	ck_assert_msg(o != BROKEN, "%s: cannot be run", s->file);
	if (s->id[0] || answer_only)
		ck_assert_msg(o == PASSED || o == DISCARDED,
			      "%s: its original was sent, yet: %s", s->file,
			      fh_log());
}
END_TEST

/* BATV: every sample to a valid tag passes, but a bounce of a bounce. */
START_TEST(batv)
{
	const struct corpus_sample *s = &samples[_i];
	enum outcome o = run(s, "batv", NULL);

	ck_assert_msg(o != BROKEN, "%s: cannot be run (alice's mail "
		      "unsigned?)", s->file);
	ck_assert_msg(o == PASSED || o == DISCARDED,
		      "%s: to a valid tag, yet: %s", s->file, fh_log());
}
END_TEST

/* report - the figures, for the test log */
static void report(void)
{
	int i, ids = 0, answers = 0, forged = 0, batv = 0, discarded = 0;
	int answer_only;

	for (i = 0; i < n_samples; i++) {
		enum outcome o = run(&samples[i], "ledger", &answer_only);

		if (o == PASSED && answer_only)
			answers++;
		else if (o == PASSED)
			ids++;
		discarded += o == DISCARDED;
		forged += run(&samples[i], "forged", NULL) == PASSED;
		batv += run(&samples[i], "batv", NULL) == PASSED;
	}
	printf("bounce reach: %d samples; ledger %d (ids %d, answers %d), "
	       "forged %d, batv %d, bounces of bounces %d\n", n_samples,
	       ids + answers, ids, answers, forged, batv, discarded);
}

int main(void)
{
	Suite *s = suite_create("bounce_reach");
	TCase *tc = tcase_create("reach");
	SRunner *sr;
	int failed;

	if ((n_samples = corpus_load(samples, CORPUS_MAX)) <= 0) {
		fprintf(stderr, "no corpus in %s\n", CORPUS_DIR);
		return 1;
	}
	report();
	tcase_add_loop_test(tc, forged, 0, n_samples);
	tcase_add_loop_test(tc, ledger, 0, n_samples);
	tcase_add_loop_test(tc, batv, 0, n_samples);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
