/*
 * NAME
 *	session_impl.h - the inside of a session: the session library's
 *	own files, and the services above it that read or edit a
 *	message (dkim/, host/)
 */
#ifndef LG_SESSION_IMPL_H
#define LG_SESSION_IMPL_H

#include <stddef.h>

/* Utility library. */
#include "arena.h"

/* Session library. */
#include "session.h"

#define LG_NO_PLUGIN ((size_t) -1)

struct lg_header {
	char *name;
	char *value;
};

enum lg_edit_kind {
	LG_EDIT_ADD_RCPT,
	LG_EDIT_DEL_RCPT,
	LG_EDIT_ADD_HEADER,
	LG_EDIT_CHANGE_HEADER,
	LG_EDIT_QUARANTINE,
	LG_EDIT_CHANGE_SENDER
};

struct lg_edit {
	enum lg_edit_kind kind;
	size_t plugin;
	char *name;		/* address, header name, reason, sender */
	char *value;		/* header value (NULL: delete) */
	int n;			/* header index, recipient index */
};

/* A decision made at end of message, logged and counted only once the
 * message's fate is known (session_log.c). */
struct lg_held_decision {
	struct lg_held_decision *next;
	size_t plugin;
	char *action;
	char *line;		/* the whole log line */
};

/* A reader of one message's headers and body, attached by a service
 * above the session (session_tap.c); every member may be NULL. reset
 * runs once when the message ends, and releases the state. */
struct lg_msg_tap {
	void (*header)(struct lg_ctx *s, void *state, const char *name,
		       const char *value);
	void (*eoh)(struct lg_ctx *s, void *state);
	void (*body)(struct lg_ctx *s, void *state,
		     const unsigned char *chunk, size_t len);
	void (*eom)(struct lg_ctx *s, void *state);
	void (*reset)(struct lg_ctx *s, void *state);
};

#define LG_MSG_TAPS_MAX	4

struct lg_tap_slot {
	const struct lg_msg_tap *tap;
	void *state;
};

struct lg_ctx {
	struct lg_config *cfg;
	const struct lg_edit_sink *sink;
	void *sink_arg;
	size_t plugin;		/* the plugin running now */
	int decision_logged;	/* the running hook logged its decision */
	int store_failed;	/* a store call of the running hook failed */
	size_t verdict_plugin;	/* who gave the last terminal verdict */
	int verdict_forced;	/* ... tempfail for a failed store call */

	/* connection */
	struct lg_arena conn_arena;
	void **conn_slots;
	char client_addr[64];
	char *client_name;
	char *helo;
	int family;
	unsigned char addr[16];
	int trusted;
	int can_change_sender;	/* the MTA offered SMFIF_CHGFROM */

	/* message: reset at MAIL, end of message and abort */
	struct lg_arena msg_arena;
	void **msg_slots;
	int in_message;
	char *sender;			/* normalised, "" for <> */
	char *sender_domain;
	char *auth_user;
	enum lg_sender_class sender_class;
	char queue_id[64];
	struct lg_rcpt_info **rcpts;
	size_t n_rcpts, cap_rcpts;
	struct lg_header *headers;
	size_t n_headers, cap_headers;
	size_t body_size;
	struct lg_edit *edits;
	size_t n_edits, cap_edits;
	int edit_failed;		/* out of memory while queueing */
	struct lg_reply reply;
	int have_reply;
	struct lg_tap_slot taps[LG_MSG_TAPS_MAX];	/* session_tap.c */
	size_t n_taps;
	int holding;			/* eom: decisions wait (session_log.c) */
	struct lg_held_decision *held, **held_tail;

	/* the steps (session_steps.c) */
	unsigned quiet;			/* LG_STEP_*: no answer expected */
	enum lg_verdict kept;		/* a verdict given at a quiet step */
	int kept_for_connection;	/* ... at connect or HELO */
	struct lg_reply kept_reply;
	int kept_have_reply;
	unsigned char *body_done;	/* per plugin, this message */
};

/* lg_session_kept - 1 when an earlier quiet step decided already:
 * *v_r is the answer for this step (LG_CONTINUE while quiet, then the
 * kept verdict with its reply); 0 when the step runs as usual */
int lg_session_kept(struct lg_ctx *s, unsigned step, enum lg_verdict *v_r);

/* lg_session_settle - the answer for STEP: at a quiet step a verdict
 * is kept for the next step that answers, and LG_CONTINUE returned */
enum lg_verdict lg_session_settle(struct lg_ctx *s, unsigned step,
				  enum lg_verdict v);

/* lg_session_steps_reset - the message ended: forget its kept verdict
 * and who is done with its body */
void lg_session_steps_reset(struct lg_ctx *s);

/* lg_session_tap_attach etc. - session_tap.c */
int lg_session_tap_attach(struct lg_ctx *s, const struct lg_msg_tap *tap,
			  void *state);
void *lg_session_tap_state(const struct lg_ctx *s,
			   const struct lg_msg_tap *tap);
void lg_session_taps_header(struct lg_ctx *s, const char *name,
			    const char *value);
void lg_session_taps_eoh(struct lg_ctx *s);
void lg_session_taps_body(struct lg_ctx *s, const unsigned char *chunk,
			  size_t len);
void lg_session_taps_eom(struct lg_ctx *s);
void lg_session_taps_reset(struct lg_ctx *s);

/* lg_session_queue_edit - called by host.c; 0 or -1 */
int lg_session_queue_edit(struct lg_ctx *s, enum lg_edit_kind kind,
			  const char *name, const char *value, int n);

/* lg_session_apply_edits - edits.c: apply the queued edits in a safe
 * order through the sink; 0, or -1 after logging why */
int lg_session_apply_edits(struct lg_ctx *s);

/* lg_session_decision - log and count a decision line, or hold it
 * while end of message runs (session_log.c) */
void lg_session_decision(struct lg_ctx *s, const char *plugin,
			 const char *action, const char *line);

/* lg_session_flush_decisions - end of message is over: log and count
 * what really happened. terminal: the plugin whose reject, tempfail or
 * discard ended the message (LG_NO_PLUGIN if none); applied: the
 * queued edits reached the MTA. */
void lg_session_flush_decisions(struct lg_ctx *s, size_t terminal,
				int applied);

/* lg_session_note_mta_rejected - a recipient the MTA refused itself:
 * note, once an hour, when it leaves the catch-all inactive */
void lg_session_note_mta_rejected(struct lg_ctx *s,
				  const struct lg_rcpt_info *r);

/* lg_session_macro - a macro from the MTA, or NULL (session_rcpt.c) */
const char *lg_session_macro(struct lg_ctx *s, const char *name);

/* lg_session_classify_rcpt - a recipient record for RAW, in the
 * message's arena; *bad_local_r: unparsable in a local domain;
 * *dir_failed_r: the directory could not tell. NULL: out of memory */
struct lg_rcpt_info *lg_session_classify_rcpt(struct lg_ctx *s,
					      const char *raw,
					      int *bad_local_r,
					      int *dir_failed_r);

/* lg_session_in_eom - 1 while the end-of-message hooks run */
int lg_session_in_eom(const struct lg_ctx *s);

/* lg_session_sender_changed - 1 if a sender change is queued already */
int lg_session_sender_changed(const struct lg_ctx *s);

/* lg_session_untag - session_rcpt.c: ask the plugins whether LOCAL@DOMAIN
 * is a tag on an address; 1 and its base local part in BASE, or 0 */
int lg_session_untag(struct lg_ctx *s, const char *local, const char *domain,
		     char *base, size_t size);

/* lg_session_queue_id - the MTA's queue id, or "NOQUEUE" */
const char *lg_session_queue_id(struct lg_ctx *s);

#endif
