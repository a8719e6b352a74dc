/*
 * NAME
 *	check_bounce_corpus - the bounce parser against the bounce corpus
 * DESCRIPTION
 *	Each sample of corpus/ (a whole bounce, written for the project
 *	in the shape of a real MTA's; see corpus/README) is split into
 *	its top headers and body (bounce_sample.h) and handed to the
 *	parser as the plugin does. corpus/EXPECT gives, per sample, the
 *	returned Message-ID ("-": none can be found) and the DSN fields
 *	(status, action, final recipient, reporting MTA; "-": empty).
 *
 *	One case per sample checks every field; a last case checks the
 *	figures, which main() also prints to the log:
 *	"ids found N of M with an id (P%), wrong ids W, no-id samples K".
 *	A wrong id (any id but the expected one) fails, so does a
 *	sample whose id is not found, or any DSN field that differs.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bounce.h"
#include "bounce_corpus.h"
#include "bounce_sample.h"

static struct corpus_sample samples[CORPUS_MAX];
static int n_samples;

/* run_sample - parse one sample as the plugin would; 0, or -1 if the
 * file cannot be read */
static int run_sample(const struct corpus_sample *s,
		      struct bounce_original *o)
{
	char ct[1024], cte[128];
	char *buf = malloc(CORPUS_SAMPLE_MAX);
	size_t len, body;

	if (!buf || (len = corpus_read(s, buf, CORPUS_SAMPLE_MAX)) ==
	    (size_t) -1) {
		free(buf);
		return -1;
	}
	body = sample_split(buf, len, ct, sizeof(ct), cte, sizeof(cte));
	(void) bounce_find_original(ct[0] ? ct : NULL, cte[0] ? cte : NULL,
				    buf + body, len - body, o);
	free(buf);
	return 0;
}

struct figures {
	int with_id, found, wrong, no_id, dsn_wrong;
};

/* dsn_same - the DSN fields of o are those of the sample */
static int dsn_same(const struct corpus_sample *s, const struct bounce_original *o)
{
	return strcmp(o->status, s->status) == 0 &&
		strcmp(o->dsn_action, s->action) == 0 &&
		strcmp(o->final_recipient, s->rcpt) == 0 &&
		strcmp(o->reporting_mta, s->mta) == 0;
}

/* count - the figures over the whole corpus */
static void count(struct figures *fg)
{
	struct bounce_original o;
	int i;

	memset(fg, 0, sizeof(*fg));
	for (i = 0; i < n_samples; i++) {
		const struct corpus_sample *s = &samples[i];

		if (run_sample(s, &o) != 0) {
			fg->wrong++;
			continue;
		}
		if (s->id[0])
			fg->with_id++;
		else
			fg->no_id++;
		if (o.message_id[0] && strcmp(o.message_id, s->id) != 0)
			fg->wrong++;
		else if (s->id[0] && strcmp(o.message_id, s->id) == 0)
			fg->found++;
		if (!dsn_same(s, &o))
			fg->dsn_wrong++;
	}
}

/* Each sample: its id (or none) and its DSN fields. */
START_TEST(sample)
{
	const struct corpus_sample *s = &samples[_i];
	struct bounce_original o;

	ck_assert_msg(run_sample(s, &o) == 0, "%s: cannot read it", s->file);
	ck_assert_msg(strcmp(o.message_id, s->id) == 0,
		      "%s: id \"%s\", want \"%s\"", s->file, o.message_id, s->id);
	ck_assert_msg(strcmp(o.status, s->status) == 0,
		      "%s: status \"%s\", want \"%s\"", s->file, o.status,
		      s->status);
	ck_assert_msg(strcmp(o.dsn_action, s->action) == 0,
		      "%s: action \"%s\", want \"%s\"", s->file, o.dsn_action,
		      s->action);
	ck_assert_msg(strcmp(o.final_recipient, s->rcpt) == 0,
		      "%s: recipient \"%s\", want \"%s\"", s->file,
		      o.final_recipient, s->rcpt);
	ck_assert_msg(strcmp(o.reporting_mta, s->mta) == 0,
		      "%s: reporting MTA \"%s\", want \"%s\"", s->file,
		      o.reporting_mta, s->mta);
}
END_TEST

/* The figures: no wrong id, every id found, enough samples. */
START_TEST(figures)
{
	struct figures fg;

	count(&fg);
	ck_assert_int_ge(n_samples, 60);
	ck_assert_int_eq(fg.wrong, 0);
	ck_assert_int_eq(fg.found, fg.with_id);
	ck_assert_int_eq(fg.dsn_wrong, 0);
	ck_assert_int_ge(fg.no_id, 10);
}
END_TEST

/* report - the figures, for the test log */
static void report(void)
{
	struct figures fg;

	count(&fg);
	printf("bounce corpus: %d samples; ids found %d of %d with an id "
	       "(%.1f%%), wrong ids %d, no-id samples %d, DSN fields "
	       "differing %d\n", n_samples, fg.found, fg.with_id,
	       fg.with_id ? 100.0 * fg.found / fg.with_id : 0.0, fg.wrong,
	       fg.no_id, fg.dsn_wrong);
}

int main(void)
{
	Suite *s = suite_create("bounce_corpus");
	TCase *tc = tcase_create("corpus");
	SRunner *sr;
	int failed;

	if ((n_samples = corpus_load(samples, CORPUS_MAX)) <= 0) {
		fprintf(stderr, "no corpus in %s\n", CORPUS_DIR);
		return 1;
	}
	report();
	tcase_add_loop_test(tc, sample, 0, n_samples);
	tcase_add_test(tc, figures);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
