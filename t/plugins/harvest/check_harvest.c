/*
 * NAME
 *	check_harvest - the harvest plugin against the fake host
 * DESCRIPTION
 *	A client probing address after address is counted per network at
 *	RCPT, by distinct unknown recipients, and refused for a while past
 *	the threshold. Most cases are scripts, one row each: the settings
 *	and the steps (connections, recipients with the verdict and reply
 *	each must give, the clock moved instead of slept, log lines
 *	counted, the store's entry and listing as the status view shows
 *	them, an entry written or removed as another MX host or
 *	loopguardctl would, the store taken away). The settings' errors
 *	are in check_harvest_config.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "fakehost.h"
#include "host.h"
#include "session.h"
#include "store.h"

#include "harvest_base.h"

#define T0 1700000000
#define SENDER "<probe@external.test>"
#define CLIENT "192.0.2.7"
#define ALICE "<alice@example.com>"
#define NET "net:192.0.2.7/32"
#define KEY "harvest:" NET
#define TEMPFAIL_REPLY \
	"450 4.7.1 Too many unknown recipients from your network, try again later"
#define REJECT_REPLY "550 5.7.1 Too many unknown recipients from your network"
/* The decision on RCPT TO, with the reason */
#define DECISION(action, to, reason) "plugin=harvest action=" action \
	" from=<probe@external.test> to=<" to "> client=" CLIENT \
	" reason=\"" reason "\""
#define REDIRECT(n) "addheader X-Loopguard-Original-To: user" n \
	"@example.com\n"

static struct fh *h;
static struct lg_outbox *ob;
static struct lg_store *store;

/* host_with - harvest with SETTINGS, then catchall; clock at T0 */
static struct fh *host_with(const char *settings)
{
	char text[2048];

	fh_tmpfile("rcpts", "alice@example.com\npostmaster@example.com\n");
	snprintf(text, sizeof(text),
		 "%splugins = ( { name = \"harvest\"; %s },"
		 " { name = \"catchall\"; } );\n", BASE,
		 settings ? settings : "");
	fh_clock_set(T0);
	return fh_new(text);
}

/* teardown - the outbox, the host and the clock put back */
static void teardown(void)
{
	if (ob)
		fh_outbox_close(&ob);
	fh_free(&h);
	fh_clock_set(0);
}

/* start - a new connection and message from client */
static void start(const char *client)
{
	fh_connect(h, client);
	fh_macro(h, "i", "QID");
	ck_assert_int_eq(fh_mail(h, SENDER), LG_CONTINUE);
}

/* probe_in - RCPT TO:<userN@DOMAIN> */
static enum lg_verdict probe_in(int n, const char *domain)
{
	char rcpt[128];

	snprintf(rcpt, sizeof(rcpt), "<user%d@%s>", n, domain);
	return fh_rcpt(h, rcpt);
}

/* probe - RCPT TO:<userN@example.com>, an unknown address */
static enum lg_verdict probe(int n)
{
	return probe_in(n, "example.com");
}

/* get - a live entry of the harvest plugin; 1 if there */
static int get(const char *key, struct lg_store_value *val)
{
	struct lg_store *st = lg_host_store();
	char full[256];

	ck_assert_ptr_nonnull(st);
	snprintf(full, sizeof(full), "harvest:%s", key);
	return st->ops->get(st->be, full, lg_now(), val);
}

/* Entries the status view lists, and those it hides. */
struct listing {
	int shown, hidden;
	char last[256];
};

/* list_one - scan callback: count the entry, describe the last shown */
static int list_one(void *arg, const struct lg_store_record *r)
{
	struct listing *l = arg;

	if (!r->status || !*r->status) {
		l->hidden++;
		return 0;
	}
	l->shown++;
	snprintf(l->last, sizeof(l->last), "%s client=%s to=%s status=%s",
		 r->key, r->client, r->to, r->status);
	return 0;
}

enum op {
	END, CONNECT, AUTH, MAIL, MACRO, PROBES, RCPT, EOM, ABORT, CLOSE,
	CLOCK, LOG_RESET, LOGGED, ENTRY, LISTED, SET, DEL, OUTBOX, NOTICES,
	STORE_DOWN, STORE_UP, POLICY
};

/* One step: OP with its string S (a client, an address, a log line,
 * what is expected, the domain of PROBES when not example.com, the
 * address NOTICES counts when not postmaster@example.com) and numbers
 * A and B; recipients must give V and the reply that goes with it (S2
 * if not NULL). */
struct step {
	enum op op;
	const char *s, *s2;
	long long a, b;
	enum lg_verdict v;
};

#define CONN(ip) { .op = CONNECT, .s = ip }
#define PROBE(i, j, verdict) { .op = PROBES, .a = i, .b = j, .v = verdict }
#define TO(addr, verdict) { .op = RCPT, .s = addr, .a = 1, .v = verdict }
#define ADVANCE(t) { .op = CLOCK, .a = t }
#define LOG(n, line) { .op = LOGGED, .s = line, .a = n }
#define NOTIFIED(n) { .op = NOTICES, .a = n }
#define NOTIFIED_TO(addr, n) { .op = NOTICES, .s = addr, .a = n }
#define PROBE_IN(dom, i, j, verdict) \
	{ .op = PROBES, .s = dom, .a = i, .b = j, .v = verdict }
#define MTA_REJECTS { .op = MACRO, .s = "{rcpt_mailer}", .s2 = "error" }
#define MTA_ACCEPTS { .op = MACRO, .s = "{rcpt_mailer}" }
#define C LG_CONTINUE
#define T LG_TEMPFAIL
#define R LG_REJECT
#define MAX_STEPS 16

struct script {
	const char *name;
	const char *settings;
	struct step steps[MAX_STEPS];
};

static const struct script scripts[] = {
	/* even a valid recipient, on a new connection, during the block */
	{ "the 21st distinct unknown is refused", NULL,
	  { CONN(CLIENT), PROBE(1, 20, C), { .op = LOG_RESET }, PROBE(21, 25, T),
	    LOG(1, "QID: " DECISION("tempfail", "user21@example.com",
	      "network 192.0.2.7/32 blocked for 1h: 21 distinct unknown "
	      "recipients within 10m")),
	    LOG(1, "QID: " DECISION("tempfail", "user25@example.com",
	      "network 192.0.2.7/32 is blocked: 21 distinct unknown "
	      "recipients")),
	    LOG(5, "plugin=harvest action="),
	    CONN(CLIENT), TO(ALICE, T), TO("<someone@external.test>", T) } },
	{ "the postmaster is told once per block", NULL,
	  { { .op = OUTBOX }, CONN(CLIENT), PROBE(1, 20, C), NOTIFIED(0),
	    PROBE(21, 21, T), NOTIFIED(1), PROBE(22, 22, T), NOTIFIED(1) } },
	/* in any case, and on another connection */
	{ "the same unknown counts once", "threshold = 3;",
	  { CONN(CLIENT), { .op = RCPT, .s = "<same@example.com>", .a = 10 },
	    TO("<SAME@Example.com>", C), CONN(CLIENT),
	    TO("<same@example.com>", C), PROBE(1, 2, C), PROBE(1, 1, C),
	    PROBE(3, 3, T) } },
	{ "valid and external recipients are not counted", "threshold = 2;",
	  { CONN(CLIENT), { .op = RCPT, .s = ALICE, .a = 5 },
	    { .op = RCPT, .s = "<x@external.test>", .a = 5 }, PROBE(1, 2, C),
	    PROBE(3, 3, T) } },
	/* one entry shown, the per-recipient ones hidden; Next Try is the
	 * end of the block, and refusals during the block do not move it */
	{ "entries in the store",
	  "threshold = 3; window = \"5m\"; block = \"2h\";",
	  { CONN(CLIENT), PROBE(1, 3, C),
	    { .op = ENTRY, .s = "count=3 status=counting expires=+300" },
	    { .op = LISTED, .s = "shown=1 hidden=3 " KEY " client=192.0.2.7/32 "
	      "to=user3@example.com status=counting" },
	    ADVANCE(60), PROBE(4, 4, T),
	    { .op = ENTRY, .s = "count=4 status=blocked expires=+7260" },
	    ADVANCE(600), PROBE(5, 5, T),
	    { .op = ENTRY, .s = "count=4 status=blocked expires=+7260" } } },
	/* and counting starts from nothing */
	{ "the block ends after block time", "threshold = 2; block = \"30m\";",
	  { CONN(CLIENT), PROBE(1, 2, C), PROBE(3, 3, T), ADVANCE(1799),
	    CONN(CLIENT), TO(ALICE, T), ADVANCE(1), CONN(CLIENT), TO(ALICE, C),
	    PROBE(1, 2, C), PROBE(3, 3, T) } },
	/* window + 1 s after the first: the old ones are forgotten */
	{ "window expiry restarts counting", "threshold = 3;",
	  { CONN(CLIENT), PROBE(1, 3, C), ADVANCE(601), PROBE(4, 6, C),
	    PROBE(1, 1, T) } },
	/* another MX host's block, written straight into the store, counts
	 * within a second: read at most once a second per connection (even
	 * in a new transaction), at once on a new connection */
	{ "the block is read at most once a second", "threshold = 2;",
	  { CONN(CLIENT), TO(ALICE, C), { .op = SET, .s = KEY, .a = 9 }, TO(ALICE, C),
	    { .op = ABORT }, { .op = MAIL, .s = SENDER }, TO(ALICE, C), ADVANCE(1),
	    TO(ALICE, T), LOG(1, "is blocked: 9 distinct"), { .op = CLOSE },
	    ADVANCE(-1), CONN(CLIENT), TO(ALICE, T) } },
	/* what loopguardctl remove does; the block is read again once the
	 * last read is a second old; user1..3 are still "seen" */
	{ "removing the entry lets the client in", "threshold = 2;",
	  { CONN(CLIENT), PROBE(1, 2, C), PROBE(3, 3, T), { .op = DEL, .s = KEY },
	    ADVANCE(1), TO(ALICE, C), PROBE(1, 1, C), PROBE(4, 5, C),
	    PROBE(6, 6, T) } },
	{ "action reject", "threshold = 2; action = \"reject\";",
	  { CONN(CLIENT), PROBE(1, 2, C), { .op = LOG_RESET }, PROBE(3, 3, R),
	    TO(ALICE, R), LOG(2, "plugin=harvest action=reject") } },
	/* user1 and user2 go to the postmaster; user3 was refused */
	{ "refused recipients are not redirected", "threshold = 2;",
	  { CONN(CLIENT), PROBE(1, 2, C), PROBE(3, 3, T),
	    { .op = EOM, .s = "addrcpt postmaster@example.com\n" REDIRECT("1")
	      REDIRECT("2") "delrcpt <user1@example.com>\n"
	      "delrcpt <user2@example.com>\n" } } },
	{ "a prefix shares the block", "prefix4 = 24; threshold = 4;",
	  { CONN("192.0.2.1"), PROBE(1, 1, C), CONN("192.0.2.2"),
	    PROBE(2, 2, C), CONN("192.0.2.3"), PROBE(3, 3, C),
	    CONN("192.0.2.4"), PROBE(4, 4, C), CONN("192.0.2.99"),
	    PROBE(5, 5, T), CONN("192.0.2.1"), TO(ALICE, T),
	    CONN("192.0.3.1"), TO(ALICE, C) } },
	/* AUTH (also with a null sender) and trusted networks are never
	 * counted; the same network without AUTH is, and once blocked it
	 * still lets its authenticated users in */
	{ "authenticated and trusted clients are never counted",
	  "threshold = 2;",
	  { { .op = AUTH, .s = CLIENT }, PROBE(1, 10, C),
	    { .op = MAIL, .s = "<>" }, PROBE(11, 20, C),
	    { .op = MACRO, .s = "{auth_authen}" }, CONN("10.1.2.3"),
	    PROBE(1, 10, C), { .op = LISTED, .s = "shown=0 hidden=0 " },
	    CONN(CLIENT), PROBE(1, 2, C), PROBE(3, 3, T),
	    { .op = AUTH, .s = CLIENT }, PROBE(4, 4, C),
	    { .op = ENTRY, .s = "count=3 status=blocked expires=+3600" } } },
	/* the MTA refused these already; the verdict cannot change that */
	/* "Relay access denied" and the like: never counted, never told,
	 * nor a known local address the MTA refused; a plain external
	 * recipient neither */
	{ "MTA-rejected external recipients never count", "threshold = 2;",
	  { { .op = OUTBOX }, CONN(CLIENT), MTA_REJECTS,
	    PROBE_IN("external.test", 1, 8, C), TO(ALICE, C),
	    TO("<postmaster@example.com>", C), MTA_ACCEPTS,
	    PROBE_IN("other.test", 1, 8, C),
	    { .op = LISTED, .s = "shown=0 hidden=0 " }, NOTIFIED(0),
	    NOTIFIED_TO("postmaster@external.test", 0),
	    NOTIFIED_TO("postmaster@other.test", 0), PROBE(1, 2, C),
	    PROBE(3, 3, T), NOTIFIED(1) } },
	/* never to the probed domain's postmaster: to the setting */
	{ "the notice goes to the postmaster setting",
	  "threshold = 2; postmaster = \"Hostmaster@Example.com\";",
	  { { .op = OUTBOX }, CONN(CLIENT), PROBE(1, 2, C), PROBE(3, 4, T),
	    NOTIFIED_TO("Hostmaster@Example.com", 1), NOTIFIED(0) } },
	{ "no notice with notify = false", "threshold = 2; notify = false;",
	  { { .op = OUTBOX }, CONN(CLIENT), PROBE(1, 2, C), PROBE(3, 3, T),
	    NOTIFIED(0) } },
	/* this connection still believes the count is 1 (read less than
	 * a second ago) while another connection or MX host crossed the
	 * threshold: its increment (to 4) neither re-starts the block
	 * (expiry +3600 of that block, not +7200 from here) nor notifies,
	 * and the status stays "blocked" */
	{ "only the increment to threshold + 1 starts the block",
	  "threshold = 2; block = \"2h\";",
	  { { .op = OUTBOX }, CONN(CLIENT), PROBE(1, 1, C),
	    { .op = SET, .s = KEY, .a = 3 }, PROBE(2, 2, T), NOTIFIED(0),
	    { .op = ENTRY, .s = "count=4 status=blocked expires=+3600" },
	    CONN(CLIENT), TO(ALICE, T), NOTIFIED(0) } },
	/* one notice per block: a block that ended and a new one later
	 * is told again, once */
	{ "each new block is told once", "threshold = 2; block = \"30m\";",
	  { { .op = OUTBOX }, CONN(CLIENT), PROBE(1, 2, C), PROBE(3, 3, T),
	    NOTIFIED(1), ADVANCE(1800), CONN(CLIENT), PROBE(4, 5, C),
	    PROBE(6, 6, T), NOTIFIED(2), PROBE(7, 7, T), NOTIFIED(2) } },
	/* the store fails at what would be the crossing: nothing counted,
	 * no notice; back up, the crossing blocks and tells, once */
	{ "the store down at the crossing", "threshold = 2;",
	  { { .op = OUTBOX }, CONN(CLIENT), PROBE(1, 2, C),
	    { .op = STORE_DOWN }, PROBE(3, 3, C), NOTIFIED(0),
	    { .op = STORE_UP }, PROBE(3, 3, T), NOTIFIED(1), PROBE(4, 4, T),
	    NOTIFIED(1) } },
	{ "MTA-rejected recipients count", "threshold = 2;",
	  { CONN(CLIENT), { .op = MACRO, .s = "{rcpt_mailer}",
	      .s2 = "error" },
	    TO("<gone1@example.com>", C), TO("<gone2@example.com>", C),
	    TO("<gone3@example.com>", C),
	    { .op = ENTRY, .s = "count=3 status=blocked expires=+3600" },
	    { .op = MACRO, .s = "{rcpt_mailer}" }, TO(ALICE, T) } },
	{ "a unix socket client is not counted", "threshold = 1;",
	  { CONN(""), PROBE(1, 5, C) } },
	/* nothing refused: all of them are redirected */
	{ "report mode", "threshold = 2; mode = \"report\";",
	  { CONN(CLIENT), PROBE(1, 2, C), { .op = LOG_RESET }, PROBE(3, 3, C),
	    TO(ALICE, C),
	    LOG(1, DECISION("report", "user3@example.com", "would tempfail: "
	      "network 192.0.2.7/32 blocked for 1h: 3 distinct unknown "
	      "recipients within 10m")),
	    LOG(1, "to=<alice@example.com> client=" CLIENT " reason=\"would "
	      "tempfail: network 192.0.2.7/32 is blocked: 3 distinct unknown "
	      "recipients\""),
	    { .op = ENTRY, .s = "count=3 status=would block expires=+3600" },
	    { .op = EOM, .s = "addrcpt postmaster@example.com\n" REDIRECT("1")
	      REDIRECT("2") REDIRECT("3") "delrcpt <user1@example.com>\n"
	      "delrcpt <user2@example.com>\ndelrcpt <user3@example.com>\n" } } },
	/* logged once per connection; back up, counting goes on */
	{ "the store down lets mail pass", "threshold = 1;",
	  { { .op = STORE_DOWN }, { .op = LOG_RESET }, CONN(CLIENT), PROBE(1, 5, C),
	    LOG(1, "QID: plugin=harvest store unavailable: unknown "
	      "recipients are not counted, mail passes"),
	    CONN(CLIENT), PROBE(6, 6, C), LOG(2, "store unavailable"),
	    { .op = STORE_UP }, PROBE(7, 7, C), PROBE(8, 8, T) } },
	{ "the store down with the tempfail policy", NULL,
	  { { .op = STORE_DOWN }, { .op = POLICY, .a = 1 }, CONN(CLIENT),
	    { .op = PROBES, .a = 1, .b = 1, .v = T,
	      .s2 = "451 4.3.0 loopguard: state store unavailable, "
	      "try again later" }, { .op = POLICY },
	    PROBE(2, 2, C), { .op = STORE_UP } } },
	{ "good settings load", "threshold = 1000000; window = \"1d\";"
	  " block = \"7d\"; prefix4 = 8; prefix6 = 128; action = \"reject\";"
	  " mode = \"enforce\"; postmaster = \"abuse@EXAMPLE.com\";",
	  { CONN(CLIENT), PROBE(1, 1, C) } },
};

/* expect - recipient RCPT of step K of script S gave GOT: the verdict
 * and the reply that goes with it */
static void expect(const struct script *s, int k, const char *rcpt,
		   enum lg_verdict got)
{
	const struct step *st = &s->steps[k];
	const char *reply = st->s2 ? st->s2 : st->v == T ? TEMPFAIL_REPLY :
		st->v == R ? REJECT_REPLY : "";

	ck_assert_msg(got == st->v, "%s, step %d, %s: verdict %d, want %d",
		      s->name, k, rcpt, got, st->v);
	ck_assert_msg(strcmp(fh_reply(h), reply) == 0,
		      "%s, step %d, %s: reply \"%s\"", s->name, k, rcpt,
		      fh_reply(h));
}

/* store_step - a step on the store: STEP K of script S */
static void store_step(const struct script *s, int k)
{
	const struct step *st = &s->steps[k];
	struct lg_store *live = lg_host_store();
	struct lg_store_value val;
	struct listing l = { 0, 0, "" };
	char text[512];

	if (st->op == ENTRY) {
		ck_assert_msg(get(NET, &val) == 1, "%s, step %d: no entry",
			      s->name, k);
		snprintf(text, sizeof(text), "count=%lld status=%s "
			 "expires=%+lld", val.count, val.status,
			 (long long) val.expires - T0);
	} else if (st->op == LISTED) {
		ck_assert_int_eq(live->ops->scan(live->be, "harvest:",
						 lg_now(), list_one, &l), 0);
		snprintf(text, sizeof(text), "shown=%d hidden=%d %s", l.shown,
			 l.hidden, l.last);
	} else if (st->op == SET) {
		ck_assert_int_eq(live->ops->set(live->be, st->s, st->a, 3600,
						lg_now(), "harvest", NULL), 0);
		return;
	} else if (st->op == DEL) {
		ck_assert_int_eq(live->ops->del(live->be, st->s), 0);
		return;
	} else if (st->op == STORE_DOWN) {
		store = live;
		lg_host_set_store(NULL);
		return;
	} else {
		lg_host_set_store(store);
		return;
	}
	ck_assert_msg(strcmp(text, st->s) == 0, "%s, step %d: %s", s->name,
		      k, text);
}

/* run_step - STEP K of script S */
static void run_step(const struct script *s, int k)
{
	const struct step *st = &s->steps[k];
	char rcpt[32];
	long long i;

	switch (st->op) {
	case CONNECT:
		start(st->s);
		break;
	case AUTH:
		fh_connect(h, st->s);
		fh_macro(h, "i", "QID");
		fh_macro(h, "{auth_authen}", "alice");
		ck_assert_int_eq(fh_mail(h, ALICE), LG_CONTINUE);
		break;
	case MAIL:
		ck_assert_int_eq(fh_mail(h, st->s), LG_CONTINUE);
		break;
	case MACRO:
		fh_macro(h, st->s, st->s2);
		break;
	case PROBES:
		for (i = st->a; i <= st->b; i++) {
			snprintf(rcpt, sizeof(rcpt), "user%lld", i);
			expect(s, k, rcpt, probe_in((int) i, st->s ? st->s :
						    "example.com"));
		}
		break;
	case RCPT:
		for (i = 0; i < st->a; i++)
			expect(s, k, st->s, fh_rcpt(h, st->s));
		break;
	case EOM:
		fh_eoh(h);
		ck_assert_int_eq(fh_eom(h), LG_CONTINUE);
		ck_assert_str_eq(fh_edits(h), st->s);
		break;
	case ABORT:
		fh_abort(h);
		break;
	case CLOSE:
		fh_close(h);
		break;
	case CLOCK:
		fh_clock_advance(st->a);
		break;
	case LOG_RESET:
		fh_log_reset();
		break;
	case LOGGED:
		ck_assert_msg(fh_occurrences(fh_log(), st->s) == st->a,
			      "%s, step %d: not %lld times: %s\nlog:\n%s",
			      s->name, k, st->a, st->s, fh_log());
		break;
	case OUTBOX:
		ob = fh_outbox_open("outbox-harvest");
		break;
	case NOTICES:
		ck_assert_msg(fh_outbox_count_to(ob, st->s ? st->s :
						 "postmaster@example.com") ==
			      st->a, "%s, step %d: not %lld notices to %s",
			      s->name, k, st->a,
			      st->s ? st->s : "postmaster@example.com");
		break;
	case POLICY:
		lg_session_set_store_tempfail((int) st->a);
		break;
	default:
		store_step(s, k);
	}
}

START_TEST(script)
{
	int k;

	h = host_with(scripts[_i].settings);
	for (k = 0; k < MAX_STEPS && scripts[_i].steps[k].op != END; k++)
		run_step(&scripts[_i], k);
}
END_TEST

struct prefix_case {
	const char *settings;
	const char *first, *second;
	int shared;
	const char *key;	/* the first client's entry */
};

static const struct prefix_case prefix_cases[] = {
	{ NULL, "192.0.2.7", "192.0.2.8", 0, "net:192.0.2.7/32" },
	{ "prefix4 = 24;", "192.0.2.7", "192.0.2.200", 1, "net:192.0.2.0/24" },
	{ "prefix4 = 24;", "192.0.2.7", "192.0.3.7", 0, "net:192.0.2.0/24" },
	{ "prefix4 = 8;", "198.51.100.1", "198.1.2.3", 1, "net:198.0.0.0/8" },
	{ "prefix4 = 20;", "203.0.113.9", "203.0.127.1", 1, "net:203.0.112.0/20" },
	{ NULL, "2001:db8:1:2::7", "2001:db8:1:2:ffff::1", 1,
	  "net:2001:db8:1:2::/64" },
	{ NULL, "2001:db8:1:2::7", "2001:db8:1:3::7", 0,
	  "net:2001:db8:1:2::/64" },
	{ "prefix6 = 128;", "2001:db8::7", "2001:db8::8", 0,
	  "net:2001:db8::7/128" },
	{ "prefix6 = 48;", "2001:db8:1:2::7", "2001:db8:1:ff::7", 1,
	  "net:2001:db8:1::/48" },
	{ "prefix6 = 16;", "2001:db8::1", "2001:ffff::1", 1, "net:2001::/16" },
	{ "prefix6 = 56;", "2001:db8:0:1ff::1", "2001:db8:0:100::2", 1,
	  "net:2001:db8:0:100::/56" },
	/* an IPv4-mapped client is an IPv4 client */
	{ "prefix4 = 24;", "::ffff:192.0.2.7", "192.0.2.9", 1,
	  "net:192.0.2.0/24" },
};

START_TEST(prefix_aggregation)
{
	const struct prefix_case *c = &prefix_cases[_i];
	struct lg_store_value val;

	h = host_with(c->settings ? c->settings : "");
	start(c->first);
	ck_assert_int_eq(probe(1), LG_CONTINUE);
	ck_assert_msg(get(c->key, &val) == 1, "case %d: no entry %s", _i,
		      c->key);
	start(c->second);
	ck_assert_int_eq(probe(2), LG_CONTINUE);
	ck_assert_int_eq(get(c->key, &val), 1);
	ck_assert_msg(val.count == (c->shared ? 2 : 1),
		      "case %d: count %lld", _i, val.count);
}
END_TEST

/* With recipient_delimiter "+", unknown recipients count by their
 * address without the extension: one name probed is one count. */
static const struct {
	const char *rcpts[6];
	long long count;
} extension_cases[] = {
	{ { "<nosuch+1@example.com>", "<nosuch+2@example.com>",
	    "<nosuch+3@example.com>", "<nosuch+4@example.com>",
	    "<nosuch+5@example.com>", "<nosuch+6@example.com>" }, 1 },
	{ { "<nosuch@example.com>", "<nosuch+a@example.com>",
	    "<NoSuch+B@example.com>", "<nosuch+@example.com>" }, 1 },
	{ { "<a+1@example.com>", "<b+1@example.com>", "<c+1@example.com>" },
	  3 },
	/* a delimiter first is no extension: +a and +b are two names */
	{ { "<+a@example.com>", "<+b@example.com>" }, 2 },
	/* only the name itself is kept whole, not its extensions */
	{ { "<mailer-daemon+x@example.com>", "<mailer-daemon+y@example.com>" },
	  1 },
};

START_TEST(extensions_count_once)
{
	struct lg_store_value val;
	char text[1024];
	size_t i;

	fh_tmpfile("rcpts", "alice@example.com\npostmaster@example.com\n");
	snprintf(text, sizeof(text), "%srecipient_delimiter = \"+\";\n"
		 "plugins = ( { name = \"harvest\"; threshold = 20; } );\n",
		 BASE);
	fh_clock_set(T0);
	h = fh_new(text);
	start(CLIENT);
	for (i = 0; i < 6 && extension_cases[_i].rcpts[i]; i++)
		ck_assert_int_eq(fh_rcpt(h, extension_cases[_i].rcpts[i]),
				 LG_CONTINUE);
	ck_assert_int_eq(get(NET, &val), 1);
	ck_assert_msg(val.count == extension_cases[_i].count,
		      "case %d: count %lld, want %lld", _i, val.count,
		      extension_cases[_i].count);
}
END_TEST

#define ROWS(t) (int) (sizeof(t) / sizeof((t)[0]))

static Suite *harvest_suite(void)
{
	Suite *s = suite_create("harvest");
	TCase *tc = tcase_create("count");

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_loop_test(tc, script, 0, ROWS(scripts));
	tcase_add_loop_test(tc, prefix_aggregation, 0, ROWS(prefix_cases));
	tcase_add_loop_test(tc, extensions_count_once, 0,
			    ROWS(extension_cases));
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(harvest_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
