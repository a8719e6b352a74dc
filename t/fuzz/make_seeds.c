/*
 * NAME
 *	make_seeds - write the fuzz seeds that only the real code can make
 * SYNOPSIS
 *	make_seeds CORPUS_DIR KEY.pem
 *	(t/fuzz/build-and-run.sh seeds makes the key, then builds and
 *	runs it)
 * DESCRIPTION
 *	CORPUS_DIR/fuzz_snapshot/: snapshot files written by the store's
 *	own writer (snapshot_write.c), each behind the harness's mode
 *	byte: a small store as the daemon leaves it (once as is, once
 *	with every check left to the harness), one that is empty, one
 *	with entries that will have expired at load time, one with
 *	fields at the store's limits, one with more plugin names than
 *	the store has room for.
 *
 *	CORPUS_DIR/fuzz_message/dsn-dkim-*: a bounce to alice@example.com
 *	whose returned original (message/rfc822, or its headers alone as
 *	text/rfc822-headers) carries a DKIM signature of example.com made
 *	with KEY.pem, selector "sel": fuzz_message publishes the public
 *	half (fuzz_dkim_key.h, written by the script with the same key),
 *	so these bounces pass as genuine. dkim-proves-sender: the same
 *	original sent by alice from outside to an unknown address, proven
 *	by its signature, so autoreply answers it.
 *
 *	The files are committed; rerun this only when the format changes.
 * DIAGNOSTICS
 *	"make_seeds: ..." and exit 1 when a file cannot be written.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <dkim.h>

#include "log.h"
#include "snapshot.h"

#define T0	1700000000
#define MODE_ALL	7	/* fuzz_snapshot: fix sizes and checksums */

static const char *out_dir;

/* die - report and stop */
static void die(const char *what, const char *arg)
{
	fprintf(stderr, "make_seeds: %s %s: %s\n", what, arg, strerror(errno));
	exit(1);
}

/* slurp - a whole small file */
static char *slurp(const char *path, size_t *len_r)
{
	FILE *fp = fopen(path, "rb");
	char *buf = malloc(1 << 20);

	if (!fp || !buf)
		die("cannot read", path);
	*len_r = fread(buf, 1, 1 << 20, fp);
	fclose(fp);
	return buf;
}

/* put_seed - NAME in the harness's corpus: the mode byte, the file */
static void put_seed(const char *harness, const char *name, int mode,
		     const char *file)
{
	char path[4096];
	size_t len;
	char *text = slurp(file, &len);
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s/%s", out_dir, harness, name);
	fp = fopen(path, "wb");
	if (!fp || fputc(mode, fp) == EOF || fwrite(text, 1, len, fp) != len ||
	    fclose(fp) != 0)
		die("cannot write", path);
	free(text);
	printf("make_seeds: %s (%zu bytes)\n", path, len + 1);
}

/* record - one entry as the writer takes it */
static struct lg_store_record record(const char *key, const char *plugin,
				     const char *from, const char *to,
				     const char *client, const char *status,
				     long long count, long long size,
				     long long created, long long ttl)
{
	struct lg_store_record r;

	r.key = key;
	r.plugin = plugin;
	r.from = from;
	r.to = to;
	r.client = client;
	r.status = status;
	r.count = count;
	r.size = size;
	r.created = (time_t) created;
	r.expires = (time_t) (created + ttl);
	return r;
}

/* write_snapshot - N records into PATH, saved at SAVED */
static void write_snapshot(const char *path, time_t saved,
			   const struct lg_store_record *recs, size_t n)
{
	struct lg_snapshot_writer *w = lg_snapshot_begin(path, saved);
	size_t i, entries;

	if (!w)
		die("cannot begin", path);
	for (i = 0; i < n; i++)
		lg_snapshot_put(w, &recs[i]);
	lg_snapshot_flush(w);
	if (lg_snapshot_commit(w, &entries) != 0 || entries != n)
		die("cannot commit", path);
}

/* snapshots - the fuzz_snapshot seeds */
static void snapshots(const char *tmp)
{
	static char big_field[LG_STORE_FIELD_MAX + 1], big_key[LG_STORE_KEY_MAX + 1];
	static char names[300][16], keys[300][16];
	struct lg_store_record small[] = {
		record("repeat:5f3a9c", "repeat", "alice@example.com",
		       "nobody@example.com", "192.0.2.7", "looping", 3, 5200,
		       T0 - 60, 3600),
		record("harvest:198.51.100.0/24", "harvest", "", "",
		       "198.51.100.0/24", "blocked", 25, 0, T0 - 300, 3600),
		record("autoreply:bob@example.com", "autoreply", "bob@Example.COM",
		       "ghost@example.com", "2001:db8::25", "replied", 1, 800,
		       T0 - 10, 86400),
		record("sent:20231114.4B1C2D3E4F@example.com", "bounce",
		       "carol@example.com", "", "", "", 1, -1, T0 - 5,
		       14 * 86400),
		record("repeat:0badc0de", "repeat", "j\xc3\xbcrgen@example.org",
		       "x\ty@example.org", "", "looping", -2, 9, T0, 600),
	};
	struct lg_store_record edge[3], many[300], old[2];
	size_t i;

	write_snapshot(tmp, T0, small, sizeof(small) / sizeof(small[0]));
	put_seed("fuzz_snapshot", "daemon-store", 0, tmp);
	put_seed("fuzz_snapshot", "daemon-store-fixed", MODE_ALL, tmp);

	write_snapshot(tmp, T0, NULL, 0);
	put_seed("fuzz_snapshot", "empty", MODE_ALL, tmp);

	/* saved a day before the harness's "now": one entry lives on */
	old[0] = record("repeat:gone", "repeat", "a@example.com", "", "", "x",
			1, 1, T0 - 90000, 3600);
	old[1] = record("harvest:kept", "harvest", "", "", "192.0.2.0/24",
			"blocked", 1, 1, T0 - 90000, 200000);
	write_snapshot(tmp, T0 - 86400, old, 2);
	put_seed("fuzz_snapshot", "expired", MODE_ALL, tmp);

	memset(big_field, 'f', LG_STORE_FIELD_MAX);
	memset(big_key, 'k', LG_STORE_KEY_MAX);
	memcpy(big_key, "repeat:", 7);
	edge[0] = record(big_key, "abcdefghijklmnopqrstuvwxyz0123456789"
			 "abcdefghijklmnopqrstuvwxyz01", big_field, big_field,
			 big_field, big_field, 9223372036854775807LL,
			 -9223372036854775807LL - 1, 0, 4294967295LL);
	edge[1] = record("zero", "", "", "", "", "", 0, 0, T0, 1);
	edge[2] = record("far", "repeat", "", "", "", "s", 1, 1, T0,
			 100LL * 365 * 86400);
	write_snapshot(tmp, T0, edge, 3);
	put_seed("fuzz_snapshot", "limits", MODE_ALL, tmp);

	for (i = 0; i < 300; i++) {
		snprintf(names[i], sizeof(names[i]), "p%zu", i);
		snprintf(keys[i], sizeof(keys[i]), "k%zu", i);
		many[i] = record(keys[i], names[i], "", "", "", "s", 1, 1, T0,
				 60);
	}
	write_snapshot(tmp, T0, many, 300);
	put_seed("fuzz_snapshot", "many-plugins", MODE_ALL, tmp);
}

/* The original that the signed bounces return. */
static const char *const orig_headers[] = {
	"Message-ID: <20231114221319.dkim.1@example.com>",
	"Date: Tue, 14 Nov 2023 22:13:19 +0000",
	"From: Alice <alice@example.com>",
	"To: nobody@example.net",
	"Subject: Lunch?",
	NULL
};
#define ORIG_BODY	"Shall we meet at noon?\r\n"

/* sign - the DKIM-Signature value for the original, on one line */
static void sign(const char *pem, char *sig, size_t size)
{
	DKIM_LIB *lib = dkim_init(NULL, NULL);
	DKIM_STAT st = DKIM_STAT_INTERNAL;
	DKIM *d = NULL;
	int i;

	if (lib)
		d = dkim_sign(lib, (const unsigned char *) "seed", NULL,
			      (dkim_sigkey_t) pem, (const unsigned char *) "sel",
			      (const unsigned char *) "example.com",
			      DKIM_CANON_RELAXED, DKIM_CANON_RELAXED,
			      DKIM_SIGN_RSASHA256, -1, &st);
	if (!d) {
		fprintf(stderr, "make_seeds: dkim_sign: %s\n",
			dkim_getresultstr(st));
		exit(1);
	}
	if (dkim_set_margin(d, 0) != DKIM_STAT_OK)
		die("cannot set the margin", "to 0");
	for (i = 0; orig_headers[i]; i++)
		if (dkim_header(d, (unsigned char *) orig_headers[i],
				strlen(orig_headers[i])) != DKIM_STAT_OK)
			die("cannot sign header", orig_headers[i]);
	if (dkim_eoh(d) != DKIM_STAT_OK ||
	    dkim_body(d, (unsigned char *) ORIG_BODY, strlen(ORIG_BODY)) !=
	    DKIM_STAT_OK || dkim_eom(d, NULL) != DKIM_STAT_OK)
		die("cannot sign", "the original");
	if ((st = dkim_getsighdr(d, (unsigned char *) sig, size,
				 strlen("DKIM-Signature: "))) != DKIM_STAT_OK) {
		fprintf(stderr, "make_seeds: dkim_getsighdr: %s\n",
			dkim_getresultstr(st));
		exit(1);
	}
	dkim_free(d);
	dkim_close(lib);
}

/* dsn - a bounce of the signed original, in fuzz_message's format */
static void dsn(const char *name, const char *sig, int headers_only)
{
	char path[4096];
	FILE *fp;
	int i;

	snprintf(path, sizeof(path), "%s/fuzz_message/%s", out_dir, name);
	if (!(fp = fopen(path, "w")))
		die("cannot write", path);
	fprintf(fp, "client 198.51.100.25\nhelo mail.example.net\n"
		"macro i 7A1B2C3D4E\nfrom <>\nrcpt <alice@example.com>\nDATA\n"
		"From: MAILER-DAEMON@mail.example.net (Mail Delivery System)\n"
		"To: alice@example.com\n"
		"Subject: Undelivered Mail Returned to Sender\n"
		"MIME-Version: 1.0\n"
		"Content-Type: multipart/report; report-type=delivery-status;\n"
		"\tboundary=\"7A1B2C3D4E.1700000100/mail.example.net\"\n\n"
		"This is a MIME-encapsulated message.\n\n"
		"--7A1B2C3D4E.1700000100/mail.example.net\n"
		"Content-Type: text/plain\n\n"
		"Your message could not be delivered.\n\n"
		"--7A1B2C3D4E.1700000100/mail.example.net\n"
		"Content-Type: message/delivery-status\n\n"
		"Reporting-MTA: dns; mail.example.net\n\n"
		"Final-Recipient: rfc822; nobody@example.net\n"
		"Action: failed\nStatus: 5.1.1\n\n"
		"--7A1B2C3D4E.1700000100/mail.example.net\n"
		"Content-Type: %s\n\n"
		"Return-Path: <alice@example.com>\n"
		"DKIM-Signature: %s\n",
		headers_only ? "text/rfc822-headers" : "message/rfc822", sig);
	for (i = 0; orig_headers[i]; i++)
		fprintf(fp, "%s\n", orig_headers[i]);
	if (!headers_only)
		fprintf(fp, "\nShall we meet at noon?\n");
	fprintf(fp, "\n--7A1B2C3D4E.1700000100/mail.example.net--\n");
	if (fclose(fp) != 0)
		die("cannot write", path);
	printf("make_seeds: %s\n", path);
}

/* signed_mail - the original itself, sent by alice from outside to an
 * address that does not exist: its signature proves her, so she gets
 * an autoreply */
static void signed_mail(const char *name, const char *sig)
{
	char path[4096];
	FILE *fp;
	int i;

	snprintf(path, sizeof(path), "%s/fuzz_message/%s", out_dir, name);
	if (!(fp = fopen(path, "w")))
		die("cannot write", path);
	fprintf(fp, "client 198.51.100.80\nhelo laptop.example.net\n"
		"from <alice@example.com>\nrcpt <ghost@example.com>\nDATA\n"
		"DKIM-Signature: %s\n", sig);
	for (i = 0; orig_headers[i]; i++)
		fprintf(fp, "%s\n", orig_headers[i]);
	fprintf(fp, "\nShall we meet at noon?\n");
	if (fclose(fp) != 0)
		die("cannot write", path);
	printf("make_seeds: %s\n", path);
}

/* main - every seed family */
int main(int argc, char **argv)
{
	char tmp[] = "/tmp/make_seeds.XXXXXX";
	char file[64];
	int fd;

	char sig[4096], *pem;
	size_t len;

	if (argc != 3) {
		fprintf(stderr, "usage: make_seeds CORPUS_DIR KEY.pem\n");
		return 2;
	}
	out_dir = argv[1];
	lg_log_open("make_seeds", LG_LOG_STDERR);
	if ((fd = mkstemp(tmp)) < 0)
		die("cannot create", tmp);
	close(fd);
	snprintf(file, sizeof(file), "%s", tmp);
	snapshots(file);
	unlink(tmp);
	pem = slurp(argv[2], &len);
	pem[len] = 0;
	sign(pem, sig, sizeof(sig));
	free(pem);
	dsn("dsn-dkim-rfc822", sig, 0);
	dsn("dsn-dkim-headers", sig, 1);
	signed_mail("dkim-proves-sender", sig);
	return 0;
}
