/*
 * NAME
 *	loopguard/plugin.h - the loopguard plugin ABI
 * SYNOPSIS
 *	#include <loopguard/plugin.h>
 *
 *	const struct lg_plugin lg_plugin_descriptor = { LG_PLUGIN_HEADER, ... };
 * DESCRIPTION
 *	A plugin is a shared object that exports one symbol,
 *	lg_plugin_descriptor. It never includes libmilter: everything it
 *	needs from the daemon (the message model, queued edits, the config
 *	section, the store, logging, the clock) comes through the function
 *	table struct lg_host handed to its init hook.
 *
 *	Compatibility: the loader refuses a plugin whose abi_major differs
 *	from LG_PLUGIN_ABI_MAJOR or whose struct_size is smaller than the
 *	part of struct lg_plugin that ABI major defines. New members are
 *	only ever appended, and bump the minor version. A plugin that needs
 *	a host function added in a later minor checks host->struct_size.
 *
 *	Hooks receive the plugin's instance (what init stored in
 *	*instance_r) and an opaque context for the connection and message
 *	in progress. A NULL hook is skipped.
 */
#ifndef LOOPGUARD_PLUGIN_H
#define LOOPGUARD_PLUGIN_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#ifdef __cplusplus
extern "C" {
#endif

#define LG_PLUGIN_ABI_MAJOR 1
#define LG_PLUGIN_ABI_MINOR 4

/* The header that marks mail loopguard generated (since 1.1): it is
 * added to every generated message, and a message carrying it is never
 * answered automatically. */
#define LG_LOOP_HEADER "X-Loopguard-Loop"

/* The symbol every plugin exports. */
#define LG_PLUGIN_SYMBOL "lg_plugin_descriptor"

/* What a hook tells the core. Only milter/ maps these to SMFIS_*. */
enum lg_verdict {
	LG_CONTINUE = 0,	/* no opinion; the next plugin runs */
	LG_ACCEPT,		/* accept the message, skip later plugins */
	LG_REJECT,		/* 5xx (for a recipient at RCPT, or the message) */
	LG_TEMPFAIL,		/* 4xx */
	LG_DISCARD		/* accept and drop the message silently */
};

/* What the core decided a recipient is. */
enum lg_rcpt_class {
	LG_RCPT_EXTERNAL = 0,	/* domain is not local */
	LG_RCPT_LOCAL,		/* local domain, address exists */
	LG_RCPT_UNKNOWN		/* local domain, no such address */
};

/* What the core decided the envelope sender is. */
enum lg_sender_class {
	LG_SENDER_NULL = 0,	/* MAIL FROM:<> */
	LG_SENDER_AUTHENTICATED,/* {auth_authen} is set */
	LG_SENDER_TRUSTED,	/* client in trusted_networks */
	LG_SENDER_LOCAL,	/* local domain, not proven */
	LG_SENDER_EXTERNAL	/* anything else */
};

/*
 * The steps of an SMTP session (since 1.3), for lg_plugin.needs. The
 * core asks the MTA only for the steps some plugin uses, so a plugin
 * names every step whose data it reads, by hook or through the host:
 * LG_STEP_HELO for helo, LG_STEP_HEADERS for header_get/header_at/
 * header_count, LG_STEP_BODY for body_size and for a DKIM proof
 * (dkim_request). The core itself always takes connect, MAIL, RCPT
 * and end of message. A discard is a verdict on a message: given at
 * connect or HELO it is an error, answered on_error.
 */
#define LG_STEP_CONNECT	0x01
#define LG_STEP_HELO	0x02
#define LG_STEP_MAIL	0x04
#define LG_STEP_RCPT	0x08
#define LG_STEP_HEADERS	0x10
#define LG_STEP_EOH	0x20
#define LG_STEP_BODY	0x40
#define LG_STEP_EOM	0x80
#define LG_STEPS_ALL	0xff

/* Log levels, in the Postfix sense. */
enum lg_log_level {
	LG_LOG_DEBUG = 0,
	LG_LOG_INFO,
	LG_LOG_WARN,
	LG_LOG_ERROR
};

/* One envelope recipient, read only. Members are only appended. */
struct lg_rcpt_info {
	const char *raw;	/* exactly as the MTA gave it, e.g. "<a@b>" */
	const char *addr;	/* normalised "local@domain", "" if unparsable */
	const char *local;	/* local part (extension kept) */
	const char *domain;	/* domain, lower case */
	enum lg_rcpt_class rclass;
	int mta_rejected;	/* the MTA refused it already (SMFIP_RCPT_REJ) */
	int refused;		/* a plugin refused it at RCPT */
	size_t index;		/* position in the message's recipient list */
	int deleted;		/* a plugin queued its deletion at EOM */
	/* since 1.4: "BASE@domain" when a plugin's untag member said the
	 * local part is a tag on BASE (the directory was asked about
	 * BASE), NULL otherwise */
	const char *untagged;
};

/*
 * What a store entry shows in the status view (loopguardctl list).
 * NULL members are left as they are; the core fills in the plugin name.
 * An entry with no status is internal bookkeeping, hidden by default.
 */
struct lg_store_meta {
	const char *from;
	const char *to;
	const char *client;
	const char *status;	/* e.g. "counting", "looping", "blocked" */
	long long size;		/* message size, or -1 to keep */
};

/* A copy of one store entry. */
struct lg_store_value {
	long long count;
	time_t created;
	time_t expires;
	char status[16];
};

struct lg_ctx;		/* one connection and the message in progress */
struct lg_section;	/* a plugin's group in the config file */

/*
 * The host: every service the daemon offers a plugin. Members are only
 * appended; check struct_size before using one added after 1.0.
 */
struct lg_host {
	unsigned abi_major;
	unsigned abi_minor;
	size_t struct_size;

	/* --- config, valid only inside init ---
	 * Each getter returns 0 (value or default stored), or -1 after it
	 * reported "FILE:LINE: plugin NAME: ..." itself. Keys a plugin never
	 * asks for are reported by the core as unknown. */
	int (*cfg_string)(struct lg_section *sec, const char *key,
			  const char *def, const char **val_r);
	int (*cfg_int)(struct lg_section *sec, const char *key, long long def,
		       long long min, long long max, long long *val_r);
	int (*cfg_bool)(struct lg_section *sec, const char *key, int def,
			int *val_r);
	int (*cfg_duration)(struct lg_section *sec, const char *key,
			    const char *def, long long min_seconds,
			    long long *seconds_r);
	/* One of several words, e.g. "enforce" or "report"; index in *val_r. */
	int (*cfg_enum)(struct lg_section *sec, const char *key,
			const char *const *words, int def, int *val_r);
	/* A list (or array) of strings; *count_r = 0 when absent. */
	int (*cfg_strings)(struct lg_section *sec, const char *key,
			   size_t *count_r);
	const char *(*cfg_strings_at)(struct lg_section *sec, const char *key,
				      size_t i);
	/* A list of groups: each element becomes a section of its own. */
	int (*cfg_groups)(struct lg_section *sec, const char *key,
			  size_t *count_r);
	struct lg_section *(*cfg_group_at)(struct lg_section *sec,
					   const char *key, size_t i);
	/* Report a problem at KEY (or the section itself when key is NULL). */
	void (*cfg_error)(struct lg_section *sec, const char *key,
			  const char *fmt, ...)
		__attribute__((format(printf, 3, 4)));

	/* --- the core's view of the world, valid in hooks --- */
	const char *(*macro)(struct lg_ctx *ctx, const char *name);
	const char *(*client_addr)(struct lg_ctx *ctx);	/* "" if unknown */
	const char *(*client_name)(struct lg_ctx *ctx);
	const char *(*helo)(struct lg_ctx *ctx);
	int (*client_trusted)(struct lg_ctx *ctx);
	const char *(*queue_id)(struct lg_ctx *ctx);	/* "NOQUEUE" before */
	const char *(*sender)(struct lg_ctx *ctx);	/* "" for <> */
	enum lg_sender_class (*sender_class)(struct lg_ctx *ctx);
	const char *(*auth_user)(struct lg_ctx *ctx);	/* NULL if none */
	size_t (*rcpt_count)(struct lg_ctx *ctx);
	const struct lg_rcpt_info *(*rcpt_at)(struct lg_ctx *ctx, size_t i);
	size_t (*header_count)(struct lg_ctx *ctx);
	int (*header_at)(struct lg_ctx *ctx, size_t i, const char **name_r,
			 const char **value_r);
	/* The n-th (0-based) header of that name, case-insensitive. */
	const char *(*header_get)(struct lg_ctx *ctx, const char *name,
				  size_t n);
	/* The body bytes seen so far; after body_done, the rest may
	 * never come. */
	size_t (*body_size)(struct lg_ctx *ctx);
	int (*is_local_domain)(const struct lg_ctx *ctx, const char *domain);
	int (*recipient_exists)(const struct lg_ctx *ctx, const char *addr);

	/* --- per-plugin private state ---
	 * A slot is reset to NULL at the start of each connection (conn) or
	 * message (msg); memory from *_alloc is freed by the core then. */
	void **(*conn_slot)(struct lg_ctx *ctx);
	void **(*msg_slot)(struct lg_ctx *ctx);
	void *(*msg_alloc)(struct lg_ctx *ctx, size_t size);
	void *(*conn_alloc)(struct lg_ctx *ctx, size_t size);

	/* --- edits, queued and applied once by the core at end of message;
	 * 0 or -1 (bad argument, or out of memory) --- */
	int (*add_rcpt)(struct lg_ctx *ctx, const char *addr);
	int (*del_rcpt)(struct lg_ctx *ctx, size_t rcpt_index);
	int (*add_header)(struct lg_ctx *ctx, const char *name,
			  const char *value);
	/* Replace the n-th (1-based) header NAME; value NULL deletes it. */
	int (*change_header)(struct lg_ctx *ctx, const char *name, int n,
			     const char *value);
	/* The SMTP reply for a reject or tempfail verdict. */
	int (*set_reply)(struct lg_ctx *ctx, const char *rcode,
			 const char *xcode, const char *text);
	int (*quarantine)(struct lg_ctx *ctx, const char *reason);

	/* --- logging and time --- */
	void (*log)(struct lg_ctx *ctx, enum lg_log_level level,
		    const char *fmt, ...)
		__attribute__((format(printf, 3, 4)));
	/* One decision line: "QID: plugin=NAME action=A from=<> to=<>
	 * client=IP reason="..."". to may be NULL. */
	void (*decision)(struct lg_ctx *ctx, const char *action,
			 const char *to, const char *fmt, ...)
		__attribute__((format(printf, 4, 5)));
	time_t (*now)(void);

	/* --- the shared store (memory or redis). Keys are plain strings;
	 * the core prefixes them with the plugin name. A store that is down
	 * behaves as empty: -1 is returned and logged by the core. --- */
	/* Add BY to KEY's count, creating it with expiry now+ttl; a live
	 * entry keeps its expiry (a fixed window). */
	int (*store_incr)(struct lg_ctx *ctx, const char *key, long long by,
			  long long ttl_seconds,
			  const struct lg_store_meta *meta, long long *count_r);
	/* 1 if KEY was added, 0 if it was already there. */
	int (*store_add)(struct lg_ctx *ctx, const char *key,
			 long long ttl_seconds,
			 const struct lg_store_meta *meta);
	/* 1 and *val_r filled if KEY is live, 0 if not. */
	int (*store_get)(struct lg_ctx *ctx, const char *key,
			 struct lg_store_value *val_r);
	/* Create or overwrite KEY with COUNT and expiry now+ttl. */
	int (*store_set)(struct lg_ctx *ctx, const char *key, long long count,
			 long long ttl_seconds,
			 const struct lg_store_meta *meta);
	int (*store_del)(struct lg_ctx *ctx, const char *key);

	/* --- since 1.1 (check struct_size): generated mail, DKIM, the
	 * recipient directory. ctx may be NULL where noted. --- */
	/* Queue a complete message (headers, empty line, body; LF or CRLF)
	 * for RCPT with the null envelope sender. It only writes the
	 * outbox and never waits on the network; the core's worker hands
	 * it over later. 0, or -1 (bad recipient, no mailer configured,
	 * disk error; logged). ctx may be NULL. */
	int (*send_mail)(struct lg_ctx *ctx, const char *rcpt,
			 const char *message);
	/* A notice to postmaster@DOMAIN: the core writes From
	 * (MAILER-DAEMON@host), To, Subject, Date, Message-ID,
	 * Auto-Submitted: auto-generated and LG_LOOP_HEADER; body is plain
	 * UTF-8 text. CR/LF in subject are made spaces. ctx may be NULL. */
	int (*notify_postmaster)(struct lg_ctx *ctx, const char *domain,
				 const char *subject, const char *body);
	/* Ask for DKIM verification of this message (at MAIL or RCPT;
	 * only when the answer is needed: it may cost DNS lookups).
	 * 0, or -1 when it cannot be done (the proof is then missing). */
	int (*dkim_request)(struct lg_ctx *ctx);
	/* At end of message: 1 if a signature with d=DOMAIN verified
	 * (header and body hash), 0 otherwise or if never requested. */
	int (*dkim_passed)(struct lg_ctx *ctx, const char *domain);
	/* fn(arg, local) for each exact address of DOMAIN in the recipient
	 * directory; stops when fn returns non-zero. 0 or -1. */
	int (*recipients_in_domain)(struct lg_ctx *ctx, const char *domain,
				    int (*fn)(void *arg, const char *local),
				    void *arg);
	/* This host's name for generated headers ("loopguard" if unknown) */
	const char *(*hostname)(void);
	/* Verify a separate RFC 5322 message held in a buffer (headers,
	 * optionally a body), e.g. the original returned in a bounce, with
	 * the core's DKIM keys (dkim_keys file or DNS, bounded). 1 if a
	 * signature with d=DOMAIN verified: its header signature, and its
	 * body hash too when the buffer has a body; 0 if not; -1 on error.
	 * Check struct_size first. */
	int (*dkim_verify_returned)(struct lg_ctx *ctx, const char *message,
				    size_t len, const char *domain);

	/* --- since 1.2 (check struct_size) --- */
	/* Entry I (from 0) of the core's local_domains, as written in the
	 * file (local_domains = "postfix": as Postfix gave them, lower
	 * case), or NULL past the end. Valid only inside init, where the
	 * core's own keys are already checked. */
	const char *(*cfg_local_domain)(struct lg_section *sec, size_t i);
	/* ADDR ("local@domain") with its address extension removed, as
	 * the recipient directory removes it (recipient_delimiter; never
	 * from postmaster, mailer-daemon, owner-*, *-request), into BUF:
	 * 1 if an extension was removed, 0 if there was none (BUF holds
	 * ADDR), -1 if it does not fit. */
	int (*base_address)(struct lg_ctx *ctx, const char *addr, char *buf,
			    size_t size);

	/* --- since 1.3 (check struct_size) --- */
	/* This plugin needs no more of this message's body: once every
	 * plugin that uses LG_STEP_BODY said so (and no DKIM proof reads
	 * it), the core asks the MTA to skip the rest, where it can. */
	void (*body_done)(struct lg_ctx *ctx);

	/* --- since 1.4 (check with LG_HOST_HAS) --- */
	/* Replace the envelope sender (SMFIF_CHGFROM) at end of message:
	 * ADDR is "local@domain" without <>. 0 queued, -1 if refused
	 * (outside eom, an address that is empty, too long or has
	 * blanks, <>, or brackets). sender() keeps returning the sender
	 * the MTA gave. */
	int (*change_sender)(struct lg_ctx *ctx, const char *addr);
	/* One more of this plugin's own counter NAME (1 to 31 bytes of
	 * [A-Za-z0-9._-]; any other name is counted as "other"): shown by
	 * loopguardctl stats as "counter PLUGIN NAME N". A plugin that
	 * counts values a peer chose (a DSN status) must validate them;
	 * the core keeps a bounded number of rows. */
	void (*count)(struct lg_ctx *ctx, const char *name);
	/* The group KEY = { ... } of SEC as a child section: 0 with
	 * *group_r set (NULL when KEY is absent), or -1 after an error
	 * naming KEY when it is not a group. Only inside init. */
	int (*cfg_group)(struct lg_section *sec, const char *key,
			 struct lg_section **group_r);
};

/* A plugin's descriptor. Members are only appended. */
struct lg_plugin {
	unsigned abi_major;
	unsigned abi_minor;
	size_t struct_size;
	const char *name;
	const char *version;

	/* Parse the config section; 0, or -1 after cfg_error(). If init
	 * fails after storing *instance_r, fini is still called with it,
	 * so it must cope with a half-built instance. */
	int (*init)(const struct lg_host *host, struct lg_section *cfg,
		    void **instance_r);
	void (*fini)(void *instance);

	enum lg_verdict (*connect)(void *instance, struct lg_ctx *ctx);
	enum lg_verdict (*helo)(void *instance, struct lg_ctx *ctx);
	enum lg_verdict (*envfrom)(void *instance, struct lg_ctx *ctx);
	enum lg_verdict (*envrcpt)(void *instance, struct lg_ctx *ctx,
				   const struct lg_rcpt_info *rcpt);
	enum lg_verdict (*header)(void *instance, struct lg_ctx *ctx,
				  const char *name, const char *value);
	enum lg_verdict (*eoh)(void *instance, struct lg_ctx *ctx);
	enum lg_verdict (*body)(void *instance, struct lg_ctx *ctx,
				const unsigned char *chunk, size_t len);
	enum lg_verdict (*eom)(void *instance, struct lg_ctx *ctx);
	void (*abort)(void *instance, struct lg_ctx *ctx);
	void (*close)(void *instance, struct lg_ctx *ctx);

	/* --- since 1.3 ---
	 * What this instance needs, asked once after init: *uses_r, the
	 * LG_STEP_* it reads (its hooks run only at these steps), and
	 * *answers_r, the steps at which its verdict must reach the MTA
	 * at once. A verdict given at another step may reach the MTA at
	 * the next step that answers (RCPT or end of message), which
	 * saves the MTA a wait at every step nobody answers. Without this
	 * member (an older plugin, or NULL) a plugin uses and answers
	 * every step. */
	void (*needs)(const void *instance, unsigned *uses_r,
		      unsigned *answers_r);

	/* --- since 1.4 ---
	 * A local part that is a tag on an address (a signed envelope
	 * sender, "prvs=KDDDSSSSSS=alice"): write the local part it
	 * stands for into BASE and return 1; 0 if LOCAL is not such a
	 * tag (or DOMAIN does not use them). Called by the core for each
	 * recipient of a local domain, before the recipient directory is
	 * asked: the recipient is then classified as BASE@DOMAIN and its
	 * lg_rcpt_info.untagged is set. It must not block: no store, no
	 * lookups. Removing the tag on delivery is the plugin's own job
	 * (del_rcpt and add_rcpt at eom). */
	int (*untag)(const void *instance, const char *local,
		     const char *domain, char *base, size_t size);
};

/* LG_HOST_HAS(host, member) - the host has MEMBER (added in a later
 * minor) and it is set. */
#define LG_HOST_HAS(h, member) \
	((h)->struct_size >= offsetof(struct lg_host, member) + \
	 sizeof((h)->member) && (h)->member != NULL)

/* The first members of every descriptor. */
#define LG_PLUGIN_HEADER \
	LG_PLUGIN_ABI_MAJOR, LG_PLUGIN_ABI_MINOR, sizeof(struct lg_plugin)

#ifdef __cplusplus
}
#endif

#endif
