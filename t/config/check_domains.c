/*
 * NAME
 *	check_domains - local_domains = "postfix": postconf's answer cut
 *	into domains, and the key through the real config load
 * DESCRIPTION
 *	The parse cases are a table: postconf's answer in, the domains
 *	(joined by ",") and the skipped items (one "PARAM ITEM: WHY" per
 *	line) or the error out. Then whole loads with a fake postconf
 *	(LOOPGUARD_POSTCONF, a shell script in the temporary folder): the
 *	domains taken, the info line, each error word for word, and a
 *	plugin's cfg_local_domain answering with Postfix's list.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fakehost.h"
#include "log.h"
#include "postfix_domains.h"
#include "section.h"
#include "settings.h"

#define EMPTY_VIRTUAL "virtual_alias_domains =\nvirtual_mailbox_domains =\n"

struct parse_case {
	const char *answer;
	const char *domains;	/* joined by ","; NULL: an error */
	const char *skipped;	/* "PARAM ITEM: WHY\n" each; or the error */
};

static const struct parse_case parse_cases[] = {
	/* commas, blanks, tabs, empty items, in Postfix's order */
	{ "mydestination = a.example, b.example c.example\n" EMPTY_VIRTUAL,
	  "a.example,b.example,c.example", "" },
	{ "mydestination = ,a.example,,\t b.example ,\n"
	  "virtual_alias_domains = \n"
	  "virtual_mailbox_domains =   d.example,e.example\n",
	  "a.example,b.example,d.example,e.example", "" },
	/* lower case, each once, across the three parameters */
	{ "mydestination = Example.COM, example.com, EXAMPLE.com\n"
	  "virtual_alias_domains = example.com, Other.Example\n"
	  "virtual_mailbox_domains = other.example\n",
	  "example.com,other.example", "" },
	/* the parameters in any order; one not asked for is ignored */
	{ "virtual_mailbox_domains = v.example\n"
	  "relay_domains = relay.example\n"
	  "mydestination = m.example\n"
	  "virtual_alias_domains = a.example\n",
	  "v.example,m.example,a.example", "" },
	/* CRLF lines, blank lines */
	{ "mydestination = a.example\r\n\r\nvirtual_alias_domains =\r\n"
	  "virtual_mailbox_domains = b.example\r\n",
	  "a.example,b.example", "" },
	/* tables, files, $names, exclusions and non-names: skipped */
	{ "mydestination = hash:/etc/postfix/mydest, a.example,"
	  " proxy:mysql:/etc/postfix/d.cf, /etc/postfix/domains\n"
	  "virtual_alias_domains = $virtual_alias_maps, !no.example,"
	  " inline:{ x.example, y.example }, b.example\n"
	  "virtual_mailbox_domains = u@v.example, {c.example}\n",
	  "a.example,b.example",
	  "mydestination hash:/etc/postfix/mydest: is a lookup table; its domains are not read\n"
	  "mydestination proxy:mysql:/etc/postfix/d.cf: is a lookup table; its domains are not read\n"
	  "mydestination /etc/postfix/domains: is a file; its domains are not read\n"
	  "virtual_alias_domains $virtual_alias_maps: is not expanded\n"
	  "virtual_alias_domains !no.example: is an exclusion, which is not followed\n"
	  "virtual_alias_domains inline:{ x.example, y.example }: is a lookup table; its domains are not read\n"
	  "virtual_mailbox_domains u@v.example: holds an \"@\"\n"
	  "virtual_mailbox_domains {c.example}: is a lookup table; its domains are not read\n" },
	/* a control character inside an item */
	{ "mydestination = a\001b.example, c.example\n" EMPTY_VIRTUAL,
	  "c.example",
	  "mydestination a?b.example: holds a blank or a control character\n" },
	/* all empty: no domain, no error (the key says that) */
	{ "mydestination =\n" EMPTY_VIRTUAL, "", "" },
	{ "mydestination = hash:/x\n" EMPTY_VIRTUAL, "",
	  "mydestination hash:/x: is a lookup table; its domains are not read\n" },
	/* errors */
	{ "mydestination = a.example\nvirtual_alias_domains =\n", NULL,
	  "postconf gave no value for virtual_mailbox_domains" },
	{ "", NULL, "postconf gave no value for mydestination" },
	{ "postconf: warning: something\n" EMPTY_VIRTUAL, NULL,
	  "postconf's answer has a line that is not NAME = VALUE: \"postconf: warning: something\"" },
	{ "mydestination=a.example\n" EMPTY_VIRTUAL, NULL,
	  "postconf's answer has a line that is not NAME = VALUE: \"mydestination=a.example\"" },
};

static char skipped[4096];

/* note - the warn callback: one line per skipped item */
static void note(void *arg, const char *param, const char *item,
		 const char *why)
{
	size_t len = strlen(skipped);

	(void) arg;
	snprintf(skipped + len, sizeof(skipped) - len, "%s %s: %s\n", param,
		 item, why);
}

/* joined - the list as "a,b,c" */
static const char *joined(const struct lg_domain_list *d)
{
	static char out[4096];
	size_t i, len = 0;

	out[0] = 0;
	for (i = 0; i < d->n; i++)
		len += (size_t) snprintf(out + len, sizeof(out) - len, "%s%s",
					 i ? "," : "", d->names[i]);
	return out;
}

START_TEST(answer_cut_into_domains)
{
	const struct parse_case *c = &parse_cases[_i];
	struct lg_domain_list d = { NULL, 0 };
	char *answer = strdup(c->answer), err[512] = "";
	int rc;

	skipped[0] = 0;
	rc = lg_postfix_domains_parse(answer, strlen(answer), &d, note, NULL,
				      err, sizeof(err));
	if (c->domains) {
		ck_assert_msg(rc == 0, "case %d: %s", _i, err);
		ck_assert_str_eq(joined(&d), c->domains);
		ck_assert_str_eq(skipped, c->skipped);
	} else {
		ck_assert_int_eq(rc, -1);
		ck_assert_str_eq(err, c->skipped);
	}
	lg_domain_list_free(&d);
	ck_assert_ptr_null(d.names);
	free(answer);
}
END_TEST

/* a NUL inside the answer is refused, not cut short */
START_TEST(answer_with_nul)
{
	char answer[] = "mydestination = a.example\0b.example\n" EMPTY_VIRTUAL;
	struct lg_domain_list d = { NULL, 0 };
	char err[256];

	ck_assert_int_eq(lg_postfix_domains_parse(answer, sizeof(answer) - 1,
						  &d, NULL, NULL, err,
						  sizeof(err)), -1);
	ck_assert_str_eq(err, "postconf's answer is not text");
	ck_assert_uint_eq(d.n, 0);
}
END_TEST

/* more domains than the bound: an error, never a list cut short;
 * a name longer than a domain may be: skipped */
START_TEST(answer_bounds)
{
	size_t cap = (LG_POSTFIX_DOMAINS_MAX + 1) * 16 + 256, len, i;
	char *answer = malloc(cap), err[256] = "", long_name[300];
	struct lg_domain_list d = { NULL, 0 };

	len = (size_t) snprintf(answer, cap, "mydestination =");
	for (i = 0; i <= LG_POSTFIX_DOMAINS_MAX; i++)
		len += (size_t) snprintf(answer + len, cap - len, " d%zu.example",
					 i);
	len += (size_t) snprintf(answer + len, cap - len, "\n" EMPTY_VIRTUAL);
	ck_assert_int_eq(lg_postfix_domains_parse(answer, len, &d, NULL, NULL,
						  err, sizeof(err)), -1);
	ck_assert_str_eq(err, "Postfix names more than 10000 domains");
	lg_domain_list_free(&d);

	memset(long_name, 'a', 256);
	strcpy(long_name + 256, ".x");
	len = (size_t) snprintf(answer, cap, "mydestination = %s ok.example\n"
				EMPTY_VIRTUAL, long_name);
	skipped[0] = 0;
	ck_assert_int_eq(lg_postfix_domains_parse(answer, len, &d, note, NULL,
						  err, sizeof(err)), 0);
	ck_assert_str_eq(joined(&d), "ok.example");
	ck_assert_ptr_nonnull(strstr(skipped, "...: is longer than a domain name may be\n"));
	lg_domain_list_free(&d);
	free(answer);
}
END_TEST

START_TEST(domain_checks)
{
	ck_assert_ptr_null(lg_domain_bad("example.com"));
	ck_assert_ptr_null(lg_domain_bad("xn--bcher-kva.example"));
	ck_assert_str_eq(lg_domain_bad(""), "is empty");
	ck_assert_str_eq(lg_domain_bad("a@b"), "holds an \"@\"");
	ck_assert_str_eq(lg_domain_bad("a b"),
			 "holds a blank or a control character");
	ck_assert_str_eq(lg_domain_bad("a\177b"),
			 "holds a blank or a control character");
}
END_TEST

/* fake_postconf - a postconf that prints ANSWER (NULL: fails) and
 * adds its arguments to TMP/args (the directory asks too, after the
 * key); LOOPGUARD_POSTCONF names it */
static void fake_postconf(const char *answer)
{
	char script[4096], path[512];

	if (answer)
		snprintf(script, sizeof(script),
			 "#!/bin/sh\necho \"$*\" >> %s/args\ncat <<'EOF'\n%sEOF\n",
			 fh_tmpdir(), answer);
	else
		snprintf(script, sizeof(script),
			 "#!/bin/sh\necho 'postconf: fatal: open /nowhere/main.cf: No such file or directory' >&2\nexit 1\n");
	fh_tmpfile("postconf", script);
	snprintf(path, sizeof(path), "%s/postconf", fh_tmpdir());
	ck_assert_int_eq(chmod(path, 0755), 0);
	setenv("LOOPGUARD_POSTCONF", path, 1);
}

/* load_ok - TEXT loaded (the real plugin host); the test fails if not */
static struct lg_config *load_ok(const char *text)
{
	struct lg_config *cfg = NULL;
	char err[1024], path[512];

	fh_tmpfile("rcpts", "alice@mx.example.com\nbob@d1.example\n"
		   "carol@example.com\n");
	fh_tmpfile("pf.conf", text);
	snprintf(path, sizeof(path), "%s/pf.conf", fh_tmpdir());
	lg_log_open("test", LG_LOG_MEMORY);
	fh_log_reset();
	ck_assert_msg(lg_config_load(path, fh_config_opts(), &cfg, err,
				     sizeof(err)) == 0, "%s", err);
	return cfg;
}

/* args - the first line of TMP/args (emptied): the arguments of the
 * first postconf run since the last call */
static const char *args(void)
{
	static char buf[512];
	char path[512];
	FILE *fp;
	size_t n;

	snprintf(path, sizeof(path), "%s/args", fh_tmpdir());
	buf[0] = 0;
	if ((fp = fopen(path, "r"))) {
		n = fread(buf, 1, sizeof(buf) - 1, fp);
		buf[n] = 0;
		buf[strcspn(buf, "\n")] = 0;
		fclose(fp);
		remove(path);
	}
	return buf;
}

START_TEST(key_asks_postfix)
{
	struct lg_config *cfg;

	setenv("MAIL_CONFIG", "/etc/postfix-test", 1);
	fake_postconf("mydestination = Mx.Example.com, localhost, hash:/x\n"
		      "virtual_alias_domains = alias.example\n"
		      "virtual_mailbox_domains = mx.example.com\n");
	cfg = load_ok("local_domains = \"postfix\";\n"
		      "recipients = [ \"rcpts\" ];\n");
	ck_assert_str_eq(args(), "-x mydestination virtual_alias_domains virtual_mailbox_domains");
	ck_assert_uint_eq(cfg->n_local_domains, 3);
	ck_assert_str_eq(cfg->local_domains[0], "mx.example.com");
	ck_assert_str_eq(cfg->local_domains[1], "localhost");
	ck_assert_str_eq(cfg->local_domains[2], "alias.example");
	ck_assert(lg_config_is_local_domain(cfg, "ALIAS.example"));
	ck_assert_str_eq(cfg->local_domains_from, "/etc/postfix-test");
	ck_assert_msg(strstr(fh_log(), "pf.conf:1: local_domains = \"postfix\": mydestination: \"hash:/x\" is a lookup table; its domains are not read; skipped"),
		      "%s", fh_log());
	fh_log_reset();
	lg_config_log_local_domains(cfg);
	ck_assert_msg(strstr(fh_log(), "local domains from Postfix (/etc/postfix-test): mx.example.com, localhost, alias.example\n"),
		      "%s", fh_log());
	lg_config_unref(&cfg);
	unsetenv("MAIL_CONFIG");

	/* another instance: -c DIR, named on the info line */
	cfg = load_ok("local_domains = \"postfix:/etc/postfix-out\";\n"
		      "recipients = [ \"rcpts\" ];\n");
	ck_assert_str_eq(args(), "-c /etc/postfix-out -x mydestination virtual_alias_domains virtual_mailbox_domains");
	ck_assert_str_eq(cfg->local_domains_from, "/etc/postfix-out");
	lg_config_unref(&cfg);

	/* a list logs nothing: it is in the file */
	cfg = load_ok("local_domains = [ \"example.com\" ];\n"
		      "recipients = [ \"rcpts\" ];\n");
	ck_assert_ptr_null(cfg->local_domains_from);
	fh_log_reset();
	lg_config_log_local_domains(cfg);
	ck_assert_str_eq(fh_log(), "");
	lg_config_unref(&cfg);
}
END_TEST

/* the info line is bounded: 20 names, then a count */
START_TEST(info_line_bounded)
{
	char answer[4096];
	struct lg_config *cfg;
	size_t len, i;

	len = (size_t) snprintf(answer, sizeof(answer), "mydestination =");
	for (i = 1; i <= 25; i++)
		len += (size_t) snprintf(answer + len, sizeof(answer) - len,
					 " d%zu.example", i);
	snprintf(answer + len, sizeof(answer) - len, "\n" EMPTY_VIRTUAL);
	fake_postconf(answer);
	cfg = load_ok("local_domains = \"postfix\";\n"
		      "recipients = [ \"rcpts\" ];\n");
	ck_assert_uint_eq(cfg->n_local_domains, 25);
	fh_log_reset();
	lg_config_log_local_domains(cfg);
	ck_assert_msg(strstr(fh_log(), "d19.example, d20.example and 5 more\n") &&
		      !strstr(fh_log(), "d21.example"), "%s", fh_log());
	lg_config_unref(&cfg);
}
END_TEST

struct key_error {
	const char *answer;	/* NULL: postconf fails; "-": not found;
				 * "=": LOOPGUARD_POSTCONF empty */
	const char *value;
	const char *expected;	/* %s: the config's path */
};

static const struct key_error key_errors[] = {
	{ "-", "\"postfix\"",
	  "%s:1: local_domains = \"postfix\": cannot run /nonexistent/postconf: No such file or directory" },
	{ "=", "\"postfix\"",
	  "%s:1: local_domains = \"postfix\": postconf is not run: LOOPGUARD_POSTCONF is empty" },
	{ NULL, "\"postfix:/nowhere\"",
	  "%s:1: local_domains = \"postfix:/nowhere\": postconf: fatal: open /nowhere/main.cf: No such file or directory" },
	{ "mydestination = hash:/x, $y\n" EMPTY_VIRTUAL, "\"postfix\"",
	  "%s:1: local_domains = \"postfix\": Postfix (/etc/postfix) names no domain in mydestination, virtual_alias_domains or virtual_mailbox_domains" },
	{ "mydestination = a.example\n", "\"postfix\"",
	  "%s:1: local_domains = \"postfix\": postconf gave no value for virtual_alias_domains" },
	{ "", "\"example.com\"",
	  "%s:1: local_domains = \"example.com\": a single string must be \"postfix\" or \"postfix:/DIR\" (a Postfix config folder); domains are listed as [ \"example.com\" ]" },
	{ "", "\"postfix:etc/postfix\"",
	  "%s:1: local_domains = \"postfix:etc/postfix\": the folder after \"postfix:\" must be an absolute path" },
	{ "", "\"postfix:/etc/pf\\x1b[2J\"",
	  "%s:1: local_domains = \"postfix:/etc/pf?[2J\": the folder after \"postfix:\" must be an absolute path" },
	{ "", "[ \"a b\" ]", "%s:1: local_domains: bad domain \"a b\"" },
};

START_TEST(key_errors_named)
{
	const struct key_error *c = &key_errors[_i];
	struct lg_config *cfg = NULL;
	char text[512], path[512], err[1024], want[1024];

	unsetenv("MAIL_CONFIG");
	if (c->answer && strcmp(c->answer, "-") == 0)
		setenv("LOOPGUARD_POSTCONF", "/nonexistent/postconf", 1);
	else if (c->answer && strcmp(c->answer, "=") == 0)
		setenv("LOOPGUARD_POSTCONF", "", 1);
	else
		fake_postconf(c->answer);
	fh_tmpfile("rcpts", "alice@example.com\n");
	snprintf(text, sizeof(text),
		 "local_domains = %s;\nrecipients = [ \"rcpts\" ];\n",
		 c->value);
	fh_tmpfile("bad.conf", text);
	snprintf(path, sizeof(path), "%s/bad.conf", fh_tmpdir());
	lg_log_open("test", LG_LOG_MEMORY);
	ck_assert_int_eq(lg_config_load(path, fh_config_opts(), &cfg, err,
					sizeof(err)), -1);
	ck_assert_ptr_null(cfg);
	snprintf(want, sizeof(want), c->expected, path);
	ck_assert_str_eq(err, want);
}
END_TEST

/* a plugin loaded with local_domains = "postfix" sees Postfix's list:
 * harvest takes a postmaster in one of them, refuses one outside */
START_TEST(plugin_loaded_sees_postfix_list)
{
	const char *dir = getenv("PLUGIN_DIR");
	struct lg_config *cfg;
	char text[1024], err[1024], path[512], want[1024];

	fake_postconf("mydestination = mx.example.com\n"
		      "virtual_alias_domains = Alias.Example\n"
		      "virtual_mailbox_domains =\n");
	snprintf(text, sizeof(text), "plugin_dir = \"%s\";\n"
		 "local_domains = \"postfix\";\n"
		 "recipients = [ \"rcpts\" ];\n"
		 "plugins = ( { name = \"harvest\"; postmaster = \"%s\"; } );\n",
		 dir ? dir : "plugins/.libs", "pm@alias.example");
	cfg = load_ok(text);
	ck_assert_uint_eq(cfg->n_plugins, 1);
	lg_config_unref(&cfg);

	snprintf(text, sizeof(text), "plugin_dir = \"%s\";\n"
		 "local_domains = \"postfix\";\n"
		 "recipients = [ \"rcpts\" ];\n"
		 "plugins = ( { name = \"harvest\"; postmaster = \"%s\"; } );\n",
		 dir ? dir : "plugins/.libs", "pm@other.example");
	fh_tmpfile("pf.conf", text);
	snprintf(path, sizeof(path), "%s/pf.conf", fh_tmpdir());
	ck_assert_int_eq(lg_config_load(path, fh_config_opts(), &cfg, err,
					sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s:4: plugin harvest: postmaster \"pm@other.example\" is not in a local domain (local_domains): notices go only to a local address",
		 path);
	ck_assert_str_eq(err, want);
}
END_TEST

/* a plugin's cfg_local_domain answers with the list handed in */
START_TEST(plugins_see_postfix_list)
{
	static char *names[] = { "a.example", "b.example" };
	struct lg_section *sec = lg_section_new(NULL, "test", "x.conf");
	struct lg_host h;

	memset(&h, 0, sizeof(h));
	lg_section_fill_host(&h);
	ck_assert_ptr_null(h.cfg_local_domain(sec, 0));
	lg_section_set_local_domains(sec, names, 2);
	ck_assert_str_eq(h.cfg_local_domain(sec, 0), "a.example");
	ck_assert_str_eq(h.cfg_local_domain(sec, 1), "b.example");
	ck_assert_ptr_null(h.cfg_local_domain(sec, 2));
	lg_section_free(&sec);
}
END_TEST

static Suite *domains_suite(void)
{
	Suite *s = suite_create("local_domains");
	TCase *tc = tcase_create("parse");

	tcase_add_loop_test(tc, answer_cut_into_domains, 0,
			    (int) (sizeof(parse_cases) / sizeof(parse_cases[0])));
	tcase_add_test(tc, answer_with_nul);
	tcase_add_test(tc, answer_bounds);
	tcase_add_test(tc, domain_checks);
	suite_add_tcase(s, tc);
	tc = tcase_create("key");
	tcase_add_test(tc, key_asks_postfix);
	tcase_add_test(tc, info_line_bounded);
	tcase_add_loop_test(tc, key_errors_named, 0,
			    (int) (sizeof(key_errors) / sizeof(key_errors[0])));
	tcase_add_test(tc, plugin_loaded_sees_postfix_list);
	tcase_add_test(tc, plugins_see_postfix_list);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(domains_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
