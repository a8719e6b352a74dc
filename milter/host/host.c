/*
 * NAME
 *	host.c - the host API that plugins call (struct lg_host)
 * DESCRIPTION
 *	Thin, checked accessors over the session model, the edit queue,
 *	the store and the log. Nothing here trusts its arguments: a NULL
 *	or out-of-range value gets -1/NULL, never a crash. Store keys are
 *	prefixed with the calling plugin's name, so plugins cannot step on
 *	each other's entries.
 */
#include "config.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Utility library. */
#include "clock.h"
#include "counters.h"
#include "log.h"

/* Config library. */
#include "section.h"

/* Session library. */
#include "session_impl.h"

/* Plugin host. */
#include "host.h"

static struct lg_store *active_store;

/* lg_host_set_store - the store plugins use (NULL: none) */
void lg_host_set_store(struct lg_store *store)
{
	active_store = store;
}

/* noted - remember a failed store call for dispatch */
static int noted(struct lg_ctx *s, int rc)
{
	if (rc < 0)
		s->store_failed = 1;
	return rc;
}

/* lg_host_store - the store in use, or NULL */
struct lg_store *lg_host_store(void)
{
	return active_store;
}

/* who - the running plugin's name */
static const char *who(const struct lg_ctx *s)
{
	return s->plugin < s->cfg->n_plugins ? s->cfg->plugins[s->plugin].name :
		"core";
}

static const char *h_macro(struct lg_ctx *s, const char *name)
{
	if (!s || !name || !s->sink || !s->sink->macro)
		return NULL;
	return s->sink->macro(s->sink_arg, name);
}

static const char *h_client_addr(struct lg_ctx *s)
{
	return s ? s->client_addr : "";
}

static const char *h_client_name(struct lg_ctx *s)
{
	return s && s->client_name ? s->client_name : "";
}

static const char *h_helo(struct lg_ctx *s)
{
	return s && s->helo ? s->helo : "";
}

static int h_client_trusted(struct lg_ctx *s)
{
	return s ? s->trusted : 0;
}

static const char *h_queue_id(struct lg_ctx *s)
{
	return s ? lg_session_queue_id(s) : "NOQUEUE";
}

static const char *h_sender(struct lg_ctx *s)
{
	return s && s->sender ? s->sender : "";
}

static enum lg_sender_class h_sender_class(struct lg_ctx *s)
{
	return s ? s->sender_class : LG_SENDER_EXTERNAL;
}

static const char *h_auth_user(struct lg_ctx *s)
{
	return s ? s->auth_user : NULL;
}

static size_t h_rcpt_count(struct lg_ctx *s)
{
	return s ? s->n_rcpts : 0;
}

static const struct lg_rcpt_info *h_rcpt_at(struct lg_ctx *s, size_t i)
{
	return s && i < s->n_rcpts ? s->rcpts[i] : NULL;
}

static size_t h_header_count(struct lg_ctx *s)
{
	return s ? s->n_headers : 0;
}

static int h_header_at(struct lg_ctx *s, size_t i, const char **name_r,
		       const char **value_r)
{
	if (!s || i >= s->n_headers)
		return -1;
	if (name_r)
		*name_r = s->headers[i].name;
	if (value_r)
		*value_r = s->headers[i].value;
	return 0;
}

static const char *h_header_get(struct lg_ctx *s, const char *name, size_t n)
{
	size_t i;

	for (i = 0; s && name && i < s->n_headers; i++)
		if (strcasecmp(s->headers[i].name, name) == 0 && n-- == 0)
			return s->headers[i].value;
	return NULL;
}

static size_t h_body_size(struct lg_ctx *s)
{
	return s ? s->body_size : 0;
}

static int h_is_local_domain(const struct lg_ctx *s, const char *domain)
{
	return s && domain ? lg_config_is_local_domain(s->cfg, domain) : 0;
}

/* h_recipient_exists - "local@domain" in the recipient directory */
static int h_recipient_exists(const struct lg_ctx *s, const char *addr)
{
	const char *at = addr ? strrchr(addr, '@') : NULL;
	char local[512];

	if (!s || !at || (size_t) (at - addr) >= sizeof(local))
		return 0;
	memcpy(local, addr, (size_t) (at - addr));
	local[at - addr] = 0;
	/* a source that cannot answer is not a "yes" here: the callers
	 * (autoreply's sender check) then do nothing */
	return lg_dir_lookup(s->cfg->dir, local, at + 1, NULL, 0) ==
		LG_DIR_YES;
}

/* base_local - the base of local part [ADDR, AT) into BUF, as
 * lg_dir_base answers; the local part may be of any length */
static int base_local(const struct lg_ctx *s, const char *addr,
		      const char *at, char *buf, size_t size)
{
	size_t llen = (size_t) (at - addr);
	char small[512], *local = small;
	int cut;

	if (llen >= sizeof(small) && !(local = malloc(llen + 1)))
		return -1;
	memcpy(local, addr, llen);
	local[llen] = 0;
	cut = lg_dir_base(s->cfg->dir, local, buf, size);
	if (local != small)
		free(local);
	return cut;
}

/* h_base_address - ADDR without its address extension; ADDR may be
 * longer than BUF when what is kept fits */
static int h_base_address(struct lg_ctx *s, const char *addr, char *buf,
			  size_t size)
{
	const char *at = addr ? strrchr(addr, '@') : NULL;
	int cut = 0;

	if (!addr || !buf || size == 0)
		return -1;
	if (s && at)
		cut = base_local(s, addr, at, buf, size);
	if (cut > 0) {
		if (strlen(buf) + strlen(at) >= size)
			return -1;
		strcat(buf, at);
		return 1;
	}
	/* no extension; or a base too long, so ADDR is too */
	if (strlen(addr) >= size)
		return -1;
	memcpy(buf, addr, strlen(addr) + 1);
	return 0;
}

static void **h_conn_slot(struct lg_ctx *s)
{
	return s && s->plugin < s->cfg->n_plugins ? &s->conn_slots[s->plugin] :
		NULL;
}

static void **h_msg_slot(struct lg_ctx *s)
{
	return s && s->plugin < s->cfg->n_plugins ? &s->msg_slots[s->plugin] :
		NULL;
}

static void *h_msg_alloc(struct lg_ctx *s, size_t size)
{
	return s ? lg_arena_alloc(&s->msg_arena, size) : NULL;
}

static void *h_conn_alloc(struct lg_ctx *s, size_t size)
{
	return s ? lg_arena_alloc(&s->conn_arena, size) : NULL;
}

/* has_crlf - CR or LF would let a value forge a header or a command */
static int has_crlf(const char *text)
{
	return text && strpbrk(text, "\r\n") != NULL;
}

static int h_add_rcpt(struct lg_ctx *s, const char *addr)
{
	if (!s || !addr || !*addr || has_crlf(addr) || strlen(addr) > 512)
		return -1;
	return lg_session_queue_edit(s, LG_EDIT_ADD_RCPT, addr, NULL, 0);
}

/* h_del_rcpt - queue a deletion; later plugins see rcpt->deleted */
static int h_del_rcpt(struct lg_ctx *s, size_t i)
{
	if (!s || i >= s->n_rcpts || s->rcpts[i]->refused ||
	    s->rcpts[i]->mta_rejected)
		return -1;
	if (lg_session_queue_edit(s, LG_EDIT_DEL_RCPT, NULL, NULL,
				  (int) i) != 0)
		return -1;
	s->rcpts[i]->deleted = 1;
	return 0;
}

/* valid_header_name - printable ASCII, no colon or space */
static int valid_header_name(const char *name)
{
	const unsigned char *p = (const unsigned char *) name;

	if (!name || !*name || strlen(name) > 128)
		return 0;
	for (; *p; p++)
		if (*p <= 32 || *p >= 127 || *p == ':')
			return 0;
	return 1;
}

static int h_add_header(struct lg_ctx *s, const char *name, const char *value)
{
	if (!s || !valid_header_name(name) || !value)
		return -1;
	return lg_session_queue_edit(s, LG_EDIT_ADD_HEADER, name, value, 0);
}

static int h_change_header(struct lg_ctx *s, const char *name, int n,
			   const char *value)
{
	if (!s || !valid_header_name(name) || n < 1)
		return -1;
	return lg_session_queue_edit(s, LG_EDIT_CHANGE_HEADER, name, value, n);
}

/* h_set_reply - "550", "5.1.1", text; the classes must agree */
static int h_set_reply(struct lg_ctx *s, const char *rcode, const char *xcode,
		       const char *text)
{
	if (!s || !rcode || strlen(rcode) != 3 ||
	    (rcode[0] != '4' && rcode[0] != '5') || has_crlf(text) ||
	    has_crlf(xcode) || (xcode && xcode[0] != rcode[0]))
		return -1;
	snprintf(s->reply.rcode, sizeof(s->reply.rcode), "%s", rcode);
	snprintf(s->reply.xcode, sizeof(s->reply.xcode), "%s",
		 xcode ? xcode : "");
	snprintf(s->reply.text, sizeof(s->reply.text), "%s", text ? text : "");
	/* '%' would be read as a format by libmilter's smfi_setreply */
	for (char *p = s->reply.text; *p; p++)
		if (*p == '%')
			*p = ' ';
	s->have_reply = 1;
	return 0;
}

static int h_quarantine(struct lg_ctx *s, const char *reason)
{
	if (!s || !reason || !*reason || has_crlf(reason))
		return -1;
	return lg_session_queue_edit(s, LG_EDIT_QUARANTINE, reason, NULL, 0);
}

/* h_log - a plugin's own line, prefixed with queue id and plugin */
static void h_log(struct lg_ctx *s, enum lg_log_level level,
		  const char *fmt, ...)
{
	char msg[1536];
	va_list ap;

	if (level < LG_LOG_DEBUG || level > LG_LOG_ERROR)
		level = LG_LOG_ERROR;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (s)
		lg_log(level, "%s: plugin=%s %s", lg_session_queue_id(s),
		       who(s), msg);
	else
		lg_log(level, "%s", msg);
}

/* Of from= and to= in a decision line, at most (an SMTP path has 256);
 * with a 1023-byte reason the line still fits its 2048 bytes whole. */
#define DECISION_ADDR_MAX 400

/* h_decision - the standard grep-able decision line */
static void h_decision(struct lg_ctx *s, const char *action, const char *to,
		       const char *fmt, ...)
{
	char reason[1024] = "", line[2048];
	const char *from;
	va_list ap;
	char *p;

	if (!s || !action)
		return;
	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(reason, sizeof(reason), fmt, ap);
		va_end(ap);
	}
	for (p = reason; *p; p++)
		if (*p == '"' || *p == '\r' || *p == '\n')
			*p = '\'';
	s->decision_logged = 1;
	from = s->sender ? s->sender : "";
	to = to ? to : "";
	/* the addresses are cut, the line never: client= and reason=
	 * stay on it however long an address the peer sent */
	snprintf(line, sizeof(line),
		 "%s: plugin=%s action=%s from=<%.*s%s> to=<%.*s%s> client=%s reason=\"%s\"",
		 lg_session_queue_id(s), who(s), action,
		 DECISION_ADDR_MAX, from,
		 strlen(from) > DECISION_ADDR_MAX ? "..." : "",
		 DECISION_ADDR_MAX, to,
		 strlen(to) > DECISION_ADDR_MAX ? "..." : "",
		 s->client_addr[0] ? s->client_addr : "unknown", reason);
	/* at end of message it waits for the message's fate */
	lg_session_decision(s, who(s), action, line);
}

static time_t h_now(void)
{
	return lg_now();
}

/* store_key - "plugin:key" */
static int store_key(struct lg_ctx *s, const char *key, char *buf,
		     size_t size)
{
	if (!s || !key)
		return -1;
	if (!active_store)
		return noted(s, -1);
	return (size_t) snprintf(buf, size, "%s:%s", who(s), key) < size ? 0 : -1;
}

static int h_store_incr(struct lg_ctx *s, const char *key, long long by,
			long long ttl, const struct lg_store_meta *meta,
			long long *count_r)
{
	char k[1024];

	if (store_key(s, key, k, sizeof(k)) != 0)
		return -1;
	return noted(s, active_store->ops->incr(active_store->be, k, by, ttl,
						lg_now(), who(s), meta,
						count_r));
}

static int h_store_add(struct lg_ctx *s, const char *key, long long ttl,
		       const struct lg_store_meta *meta)
{
	char k[1024];

	if (store_key(s, key, k, sizeof(k)) != 0)
		return -1;
	return noted(s, active_store->ops->add(active_store->be, k, ttl,
					       lg_now(), who(s), meta));
}

static int h_store_get(struct lg_ctx *s, const char *key,
		       struct lg_store_value *val_r)
{
	char k[1024];

	if (store_key(s, key, k, sizeof(k)) != 0 || !val_r)
		return -1;
	return noted(s, active_store->ops->get(active_store->be, k, lg_now(),
					       val_r));
}

static int h_store_set(struct lg_ctx *s, const char *key, long long count,
		       long long ttl, const struct lg_store_meta *meta)
{
	char k[1024];

	if (store_key(s, key, k, sizeof(k)) != 0)
		return -1;
	return noted(s, active_store->ops->set(active_store->be, k, count, ttl,
					       lg_now(), who(s), meta));
}

/* The longest sender change (an RFC 5321 path is 256 bytes; a signed
 * sender adds its tag to the local part). */
#define SENDER_MAX 320

/* valid_sender - "local@domain": not empty, not too long, no blank,
 * control character or angle bracket */
static int valid_sender(const char *addr)
{
	const unsigned char *p = (const unsigned char *) addr;
	const char *at;

	if (!addr || !*addr || strlen(addr) > SENDER_MAX)
		return 0;
	for (; *p; p++)
		if (*p <= 0x20 || *p == 0x7f || *p == '<' || *p == '>')
			return 0;
	at = strrchr(addr, '@');
	return at && at != addr && at[1];
}

static atomic_int chgfrom_refused_noted;

/* h_change_sender - queue a new envelope sender; at end of message,
 * once per message, where the MTA allows it */
static int h_change_sender(struct lg_ctx *s, const char *addr)
{
	if (!s || !lg_session_in_eom(s) || !valid_sender(addr) ||
	    lg_session_sender_changed(s))
		return -1;
	if (!s->can_change_sender) {
		if (atomic_exchange(&chgfrom_refused_noted, 1) == 0)
			lg_log(LG_LOG_WARN,
			       "%s: plugin=%s cannot change the envelope sender: the MTA does not offer it to milters (SMFIF_CHGFROM); logged once",
			       lg_session_queue_id(s), who(s));
		return -1;
	}
	return lg_session_queue_edit(s, LG_EDIT_CHANGE_SENDER, addr, NULL, 0);
}

/* h_count - one more of the running plugin's counter NAME */
static void h_count(struct lg_ctx *s, const char *name)
{
	if (s && s->plugin < s->cfg->n_plugins)
		lg_named_count(who(s), name);
}

/* h_body_done - the calling plugin reads no more of this body */
static void h_body_done(struct lg_ctx *s)
{
	if (s)
		lg_session_body_done(s);
}

static int h_store_del(struct lg_ctx *s, const char *key)
{
	char k[1024];

	if (store_key(s, key, k, sizeof(k)) != 0)
		return -1;
	return noted(s, active_store->ops->del(active_store->be, k));
}

/* build_host - the table, filled once */
static struct lg_host build_host(void)
{
	struct lg_host h;

	memset(&h, 0, sizeof(h));
	h.abi_major = LG_PLUGIN_ABI_MAJOR;
	h.abi_minor = LG_PLUGIN_ABI_MINOR;
	h.struct_size = sizeof(h);
	lg_section_fill_host(&h);
	h.macro = h_macro;
	h.client_addr = h_client_addr;
	h.client_name = h_client_name;
	h.helo = h_helo;
	h.client_trusted = h_client_trusted;
	h.queue_id = h_queue_id;
	h.sender = h_sender;
	h.sender_class = h_sender_class;
	h.auth_user = h_auth_user;
	h.rcpt_count = h_rcpt_count;
	h.rcpt_at = h_rcpt_at;
	h.header_count = h_header_count;
	h.header_at = h_header_at;
	h.header_get = h_header_get;
	h.body_size = h_body_size;
	h.is_local_domain = h_is_local_domain;
	h.recipient_exists = h_recipient_exists;
	h.base_address = h_base_address;
	h.body_done = h_body_done;
	h.change_sender = h_change_sender;
	h.count = h_count;
	h.conn_slot = h_conn_slot;
	h.msg_slot = h_msg_slot;
	h.msg_alloc = h_msg_alloc;
	h.conn_alloc = h_conn_alloc;
	h.add_rcpt = h_add_rcpt;
	h.del_rcpt = h_del_rcpt;
	h.add_header = h_add_header;
	h.change_header = h_change_header;
	h.set_reply = h_set_reply;
	h.quarantine = h_quarantine;
	h.log = h_log;
	h.decision = h_decision;
	h.now = h_now;
	h.store_incr = h_store_incr;
	h.store_add = h_store_add;
	h.store_get = h_store_get;
	h.store_set = h_store_set;
	h.store_del = h_store_del;
	lg_host_fill_mail(&h);
	return h;
}

static struct lg_host core_host;
static pthread_once_t core_host_once = PTHREAD_ONCE_INIT;

/* fill_core_host - once per process */
static void fill_core_host(void)
{
	core_host = build_host();
}

/* lg_host_get - the host table handed to every plugin */
const struct lg_host *lg_host_get(void)
{
	pthread_once(&core_host_once, fill_core_host);
	return &core_host;
}
