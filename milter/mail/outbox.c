/*
 * NAME
 *	outbox.c - generated mail waiting in a directory (see outbox.h)
 * DESCRIPTION
 *	env/ID holds "key value" lines: created, next, attempts, size,
 *	to, status. msg/ID holds the content. One mutex serialises
 *	changes to the envelopes; delivery runs without it.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

/* Utility library. */
#include "events.h"
#include "log.h"

/* Mail library. */
#include "outbox.h"

struct lg_outbox {
	char *dir;
	pthread_mutex_t lock;
	unsigned counter;
};

/* lg_outbox_dir - the directory */
const char *lg_outbox_dir(const struct lg_outbox *ob)
{
	return ob->dir;
}

/* make_dir - mkdir that accepts an existing directory */
static int make_dir(const char *path, char *err, size_t errsize)
{
	struct stat st;

	if (mkdir(path, 0750) == 0 ||
	    (errno == EEXIST && stat(path, &st) == 0 && S_ISDIR(st.st_mode)))
		return 0;
	snprintf(err, errsize, "outbox %s: %s", path, strerror(errno));
	return -1;
}

/* lg_outbox_open - the directory and its three folders */
struct lg_outbox *lg_outbox_open(const char *dir, char *err, size_t errsize)
{
	static const char *const sub[] = { "env", "msg", "tmp" };
	struct lg_outbox *ob;
	char path[4096];
	size_t i;

	if (make_dir(dir, err, errsize) != 0)
		return NULL;
	for (i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, sub[i]);
		if (make_dir(path, err, errsize) != 0)
			return NULL;
	}
	if ((ob = calloc(1, sizeof(*ob))) == NULL ||
	    (ob->dir = strdup(dir)) == NULL) {
		free(ob);
		snprintf(err, errsize, "outbox %s: out of memory", dir);
		return NULL;
	}
	pthread_mutex_init(&ob->lock, NULL);
	return ob;
}

/* lg_outbox_close - free; the files stay */
void lg_outbox_close(struct lg_outbox **obp)
{
	struct lg_outbox *ob = *obp;

	if (!ob)
		return;
	pthread_mutex_destroy(&ob->lock);
	free(ob->dir);
	free(ob);
	*obp = NULL;
}

/* valid_id - only names this file makes: hex digits and dots */
static int valid_id(const char *id)
{
	size_t n = strspn(id, "0123456789abcdef.");

	return n > 0 && n < LG_OUTBOX_ID_MAX && id[n] == 0 && id[0] != '.';
}

/* lg_outbox_valid_rcpt - safe as an argument and an SMTP path */
int lg_outbox_valid_rcpt(const char *rcpt)
{
	const unsigned char *p = (const unsigned char *) rcpt;

	if (!rcpt || !*rcpt || *rcpt == '-' || !strchr(rcpt, '@') ||
	    strlen(rcpt) >= LG_OUTBOX_RCPT_MAX)
		return 0;
	for (; *p; p++)
		if (*p <= ' ' || *p == 0x7f || *p == '<' || *p == '>')
			return 0;
	return 1;
}

/* write_file - whole content to tmp/NAME, then rename to DEST */
static int write_file(struct lg_outbox *ob, const char *name,
		      const char *dest, const char *data, size_t len)
{
	char tmp[4096];
	ssize_t n;
	size_t done = 0;
	int fd;

	snprintf(tmp, sizeof(tmp), "%s/tmp/%s", ob->dir, name);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0640)) < 0)
		goto fail;
	while (done < len) {
		n = write(fd, data + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			close(fd);
			goto fail;
		}
		done += (size_t) n;
	}
	if (fsync(fd) != 0 || close(fd) != 0 || rename(tmp, dest) != 0)
		goto fail;
	return 0;
fail:
	lg_log(LG_LOG_ERROR, "outbox %s: %s: %s", ob->dir, name,
	       strerror(errno));
	unlink(tmp);
	return -1;
}

/* format_env - the envelope file's text */
static size_t format_env(const struct lg_outbox_item *it, char *buf,
			 size_t size)
{
	char status[sizeof(it->status)];
	size_t i;

	for (i = 0; it->status[i] && i + 1 < sizeof(status); i++)
		status[i] = (unsigned char) it->status[i] < ' ' ? ' ' :
			it->status[i];
	status[i] = 0;
	return (size_t) snprintf(buf, size,
				 "created %lld\nnext %lld\nattempts %lld\n"
				 "size %lld\nto %s\nstatus %s\n",
				 (long long) it->created, (long long) it->next,
				 it->attempts, it->size, it->to, status);
}

/* write_env - replace env/ID */
static int write_env(struct lg_outbox *ob, const struct lg_outbox_item *it)
{
	char buf[2048], dest[4096], name[LG_OUTBOX_ID_MAX + 8];
	size_t n = format_env(it, buf, sizeof(buf));

	snprintf(name, sizeof(name), "%s.env", it->id);
	snprintf(dest, sizeof(dest), "%s/env/%s", ob->dir, it->id);
	return write_file(ob, name, dest, buf, n < sizeof(buf) ? n :
			  sizeof(buf) - 1);
}

/* read_env - parse env/ID; 0, or -1 when missing or malformed */
static int read_env(struct lg_outbox *ob, const char *id,
		    struct lg_outbox_item *it)
{
	char path[4096], line[1024], *sp, *nl;
	int have = 0;
	FILE *fp;

	memset(it, 0, sizeof(*it));
	snprintf(it->id, sizeof(it->id), "%s", id);
	snprintf(path, sizeof(path), "%s/env/%s", ob->dir, id);
	if ((fp = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), fp)) {
		if ((nl = strchr(line, '\n')) != NULL)
			*nl = 0;
		if ((sp = strchr(line, ' ')) == NULL)
			continue;
		*sp++ = 0;
		if (strcmp(line, "created") == 0)
			it->created = (time_t) strtoll(sp, NULL, 10), have |= 1;
		else if (strcmp(line, "next") == 0)
			it->next = (time_t) strtoll(sp, NULL, 10), have |= 2;
		else if (strcmp(line, "attempts") == 0)
			it->attempts = strtoll(sp, NULL, 10), have |= 4;
		else if (strcmp(line, "size") == 0)
			it->size = strtoll(sp, NULL, 10);
		else if (strcmp(line, "to") == 0 &&
			 strlen(sp) < sizeof(it->to)) {
			strcpy(it->to, sp);
			have |= 8;
		} else if (strcmp(line, "status") == 0)
			snprintf(it->status, sizeof(it->status), "%s", sp);
	}
	fclose(fp);
	return have == 15 && lg_outbox_valid_rcpt(it->to) ? 0 : -1;
}

/* unlink_both - forget a message; 1 if its envelope was there */
static int unlink_both(struct lg_outbox *ob, const char *id)
{
	char path[4096];
	int had;

	snprintf(path, sizeof(path), "%s/env/%s", ob->dir, id);
	had = unlink(path) == 0;
	snprintf(path, sizeof(path), "%s/msg/%s", ob->dir, id);
	unlink(path);
	return had;
}

/* new_id - time, counter, random: never from input */
static void new_id(struct lg_outbox *ob, time_t now, char id[])
{
	unsigned rnd = 0;

	if (getrandom(&rnd, sizeof(rnd), GRND_NONBLOCK) != sizeof(rnd))
		rnd = (unsigned) rand() ^ (unsigned) getpid();
	snprintf(id, LG_OUTBOX_ID_MAX, "%08llx.%04x.%08x",
		 (unsigned long long) now & 0xffffffffULL,
		 ++ob->counter & 0xffff, rnd);
}

/* lg_outbox_add - content first, then the envelope makes it visible */
int lg_outbox_add(struct lg_outbox *ob, const char *rcpt,
		  const char *content, size_t len, time_t now,
		  char id_r[LG_OUTBOX_ID_MAX])
{
	struct lg_outbox_item it;
	char dest[4096], *text;
	size_t i, n = 0;
	int rc = -1;

	if (!ob || !content || !lg_outbox_valid_rcpt(rcpt)) {
		lg_log(LG_LOG_ERROR, "outbox: refused a message for <%.100s>: bad recipient",
		       rcpt ? rcpt : "");
		return -1;
	}
	if ((text = malloc(len + 1)) == NULL)
		return -1;
	for (i = 0; i < len; i++)	/* CRLF to LF */
		if (!(content[i] == '\r' && i + 1 < len && content[i + 1] == '\n'))
			text[n++] = content[i];
	memset(&it, 0, sizeof(it));
	pthread_mutex_lock(&ob->lock);
	new_id(ob, now, it.id);
	it.created = it.next = now;
	it.size = (long long) n;
	snprintf(it.to, sizeof(it.to), "%s", rcpt);
	strcpy(it.status, "queued");
	snprintf(dest, sizeof(dest), "%s/msg/%s", ob->dir, it.id);
	if (write_file(ob, it.id, dest, text, n) == 0) {
		if (write_env(ob, &it) == 0)
			rc = 0;
		else
			unlink(dest);
	}
	pthread_mutex_unlock(&ob->lock);
	free(text);
	if (rc == 0) {
		if (id_r)
			strcpy(id_r, it.id);
		lg_log(LG_LOG_INFO, "outbox: %s queued from=<> to=<%s> size=%lld",
		       it.id, it.to, it.size);
		lg_events_post(LG_EV_OUTBOX_QUEUED, it.id, NULL);
	}
	return rc;
}

/* by_created - oldest first, then by id */
static int by_created(const void *a, const void *b)
{
	const struct lg_outbox_item *x = a, *y = b;

	if (x->created != y->created)
		return x->created < y->created ? -1 : 1;
	return strcmp(x->id, y->id);
}

/* load_all - every readable envelope, sorted; bad ones are dropped */
static int load_all(struct lg_outbox *ob, struct lg_outbox_item **items_r,
		    size_t *n_r)
{
	struct lg_outbox_item *items = NULL, *grown;
	size_t n = 0, cap = 0;
	struct dirent *de;
	char path[4096];
	DIR *d;

	snprintf(path, sizeof(path), "%s/env", ob->dir);
	if ((d = opendir(path)) == NULL) {
		lg_log(LG_LOG_ERROR, "outbox %s: %s", path, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		struct stat st;

		if (!valid_id(de->d_name))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			if ((grown = realloc(items, cap * sizeof(*items))) == NULL)
				break;
			items = grown;
		}
		snprintf(path, sizeof(path), "%s/msg/%s", ob->dir, de->d_name);
		if (read_env(ob, de->d_name, &items[n]) != 0 ||
		    stat(path, &st) != 0) {
			lg_log(LG_LOG_ERROR,
			       "outbox %s: message %s has a bad envelope or no content: dropped",
			       ob->dir, de->d_name);
			unlink_both(ob, de->d_name);
			continue;
		}
		items[n].size = (long long) st.st_size;
		n++;
	}
	closedir(d);
	if (n)
		qsort(items, n, sizeof(*items), by_created);
	*items_r = items;
	*n_r = n;
	return 0;
}

/* lg_outbox_list - fn per message */
int lg_outbox_list(struct lg_outbox *ob,
		   void (*fn)(void *arg, const struct lg_outbox_item *item),
		   void *arg)
{
	struct lg_outbox_item *items;
	size_t n, i;

	pthread_mutex_lock(&ob->lock);
	if (load_all(ob, &items, &n) != 0) {
		pthread_mutex_unlock(&ob->lock);
		return -1;
	}
	pthread_mutex_unlock(&ob->lock);
	for (i = 0; i < n; i++)
		fn(arg, &items[i]);
	free(items);
	return (int) n;
}

/* lg_outbox_remove - both files */
int lg_outbox_remove(struct lg_outbox *ob, const char *id)
{
	int rc;

	if (!valid_id(id))
		return 0;
	pthread_mutex_lock(&ob->lock);
	rc = unlink_both(ob, id);
	pthread_mutex_unlock(&ob->lock);
	if (rc) {
		lg_log(LG_LOG_INFO, "outbox: %s removed", id);
		lg_events_post(LG_EV_OUTBOX_REMOVED, id, NULL);
	}
	return rc;
}

/* lg_outbox_retry - due now */
int lg_outbox_retry(struct lg_outbox *ob, const char *id, time_t now)
{
	struct lg_outbox_item it;
	int rc = 0;

	if (!valid_id(id))
		return 0;
	pthread_mutex_lock(&ob->lock);
	if (read_env(ob, id, &it) == 0) {
		it.next = now;
		rc = write_env(ob, &it) == 0 ? 1 : -1;
	}
	pthread_mutex_unlock(&ob->lock);
	return rc;
}

/* finish - record the outcome of one try */
static void finish(struct lg_outbox *ob, const struct lg_outbox_item *tried,
		   enum lg_outbox_result r, const char *why, time_t now,
		   long long retry, long long max_attempts, time_t *next_r)
{
	struct lg_outbox_item it;

	pthread_mutex_lock(&ob->lock);
	if (read_env(ob, tried->id, &it) != 0) {
		/* removed while it was being tried */
		pthread_mutex_unlock(&ob->lock);
		return;
	}
	it.attempts++;
	if (r == LG_OUTBOX_SENT) {
		unlink_both(ob, it.id);
		lg_log(LG_LOG_INFO, "outbox: %s sent to=<%s> attempts=%lld",
		       it.id, it.to, it.attempts);
		lg_events_post(LG_EV_OUTBOX_SENT, it.id, NULL);
	} else if (r == LG_OUTBOX_FAILED || it.attempts >= max_attempts) {
		unlink_both(ob, it.id);
		lg_log(LG_LOG_ERROR,
		       "outbox: %s dropped to=<%s> attempts=%lld reason=\"%s\"",
		       it.id, it.to, it.attempts, why);
		lg_events_post(LG_EV_OUTBOX_FAILED, it.id, NULL);
	} else {
		it.next = now + (time_t) retry;
		snprintf(it.status, sizeof(it.status), "%s", why);
		if (write_env(ob, &it) == 0 && (!*next_r || it.next < *next_r))
			*next_r = it.next;
		lg_log(LG_LOG_WARN,
		       "outbox: %s deferred to=<%s> attempts=%lld reason=\"%s\"",
		       it.id, it.to, it.attempts, why);
		lg_events_post(LG_EV_OUTBOX_DEFERRED, it.id, NULL);
	}
	pthread_mutex_unlock(&ob->lock);
}

/* lg_outbox_run - one pass over the due messages */
int lg_outbox_run(struct lg_outbox *ob, time_t now, long long retry,
		  long long max_attempts, lg_outbox_deliver_fn deliver,
		  void *arg, time_t *next_r)
{
	struct lg_outbox_item *items;
	enum lg_outbox_result r;
	char path[4096], why[256];
	size_t n, i;
	int sent = 0;

	*next_r = 0;
	pthread_mutex_lock(&ob->lock);
	if (load_all(ob, &items, &n) != 0) {
		pthread_mutex_unlock(&ob->lock);
		return -1;
	}
	pthread_mutex_unlock(&ob->lock);
	for (i = 0; i < n; i++) {
		if (items[i].next > now) {
			if (!*next_r || items[i].next < *next_r)
				*next_r = items[i].next;
			continue;
		}
		snprintf(path, sizeof(path), "%s/msg/%s", ob->dir, items[i].id);
		strcpy(why, "unknown error");
		r = deliver(arg, &items[i], path, why, sizeof(why));
		if (r == LG_OUTBOX_SENT)
			sent++;
		finish(ob, &items[i], r, why, now, retry, max_attempts, next_r);
	}
	free(items);
	return sent;
}
