/*
 * NAME
 *	bounce_shapes.h - bounce shapes seen in the wild, for the tests
 * SYNOPSIS
 *	#include "bounce_shapes.h"
 * DESCRIPTION
 *	One table shared by check_bounce (through the fake host: each
 *	shape must give its decision) and check_bounce_mime (the parser
 *	alone, cut and damaged). A mail to alice carrying one of these is
 *	judged after alice sent SENT_ID.
 */
#ifndef BOUNCE_SHAPES_H
#define BOUNCE_SHAPES_H

#include <loopguard/plugin.h>

#define SENT_ID "sent-1.42@example.com"
#define OTHER_ID "forged-9@example.com"

#define RPT "multipart/report; report-type=delivery-status; boundary=\"B1\""
#define STATUS "--B1\r\nContent-Type: message/delivery-status\r\n\r\n" \
	"Reporting-MTA: dns; mx.external.test\r\n\r\n" \
	"Final-Recipient: rfc822; bob@external.test\r\nAction: failed\r\n" \
	"Status: 5.1.1\r\n\r\n"
#define TEXT "--B1\r\nContent-Type: text/plain\r\n\r\n" \
	"Your message could not be delivered.\r\n\r\n"
#define ORIG(id) "From: alice@example.com\r\nTo: bob@external.test\r\n" \
	"Subject: hi\r\nMessage-ID: <" id ">\r\n" \
	"Date: Mon, 23 Nov 2026 10:00:00 +0000\r\n"

struct shape {
	const char *name;
	const char *ctype;
	const char *body;
	enum lg_verdict verdict;
	const char *action;	/* in the decision line */
};

static const struct shape shapes[] = {
	{ "rfc3464 message/rfc822, sent here", RPT,
	  TEXT STATUS "--B1\r\nContent-Type: message/rfc822\r\n\r\n"
	  ORIG(SENT_ID) "\r\nhello\r\n--B1--\r\n", LG_CONTINUE, "pass" },
	{ "rfc3464 message/rfc822, forged", RPT,
	  TEXT STATUS "--B1\r\nContent-Type: message/rfc822\r\n\r\n"
	  ORIG(OTHER_ID) "\r\nhello\r\n--B1--\r\n", LG_REJECT, "reject" },
	{ "rfc3464 text/rfc822-headers", RPT,
	  TEXT STATUS "--B1\r\nContent-Type: text/rfc822-headers\r\n\r\n"
	  ORIG(SENT_ID) "--B1--\r\n", LG_CONTINUE, "pass" },
	{ "postfix style, LF only, unquoted boundary",
	  "multipart/report; report-type=delivery-status;\n\tboundary=9F.1/mx",
	  "This is a MIME-encapsulated message.\n\n--9F.1/mx\n"
	  "Content-Description: Notification\nContent-Type: text/plain\n\n"
	  "I'm sorry.\n\n--9F.1/mx\nContent-Description: Undelivered Message\n"
	  "Content-Type: message/rfc822\n\nReturn-Path: <alice@example.com>\n"
	  "Message-Id: <" SENT_ID ">\n\nhello\n\n--9F.1/mx--\n",
	  LG_CONTINUE, "pass" },
	{ "qmail inline copy", NULL,
	  "Hi. This is the qmail-send program at mx.external.test.\r\n"
	  "<bob@external.test>:\r\nSorry, no mailbox here by that name.\r\n\r\n"
	  "--- Below this line is a copy of the message.\r\n\r\n"
	  "Return-Path: <alice@example.com>\r\nReceived: (qmail 1 invoked)\r\n"
	  ORIG(SENT_ID) "\r\nhello\r\n", LG_CONTINUE, "pass" },
	{ "qmail inline copy, forged", NULL,
	  "--- Below this line is a copy of the message.\r\n\r\n"
	  "Return-Path: <alice@example.com>\r\n" ORIG(OTHER_ID) "\r\nhi\r\n",
	  LG_REJECT, "reject" },
	{ "exchange style multipart/mixed", "multipart/mixed; boundary=\"_ex_\"",
	  "--_ex_\r\nContent-Type: text/html\r\n\r\n<p>Delivery has failed</p>\r\n"
	  "--_ex_\r\nContent-Type: message/rfc822\r\n"
	  "Content-Disposition: attachment\r\n\r\n" ORIG(SENT_ID)
	  "\r\nhi\r\n--_ex_--\r\n", LG_CONTINUE, "pass" },
	{ "truncated inside the returned headers", RPT,
	  TEXT STATUS "--B1\r\nContent-Type: message/rfc822\r\n\r\n"
	  "From: alice@example.com\r\nMessage-ID: <" SENT_ID ">\r\nSubj",
	  LG_CONTINUE, "pass" },
	{ "truncated before the returned part", RPT, TEXT STATUS "--B1\r\nCont",
	  LG_REJECT, "reject" },
	{ "nested report in mixed", "multipart/mixed; boundary=OUT",
	  "--OUT\r\nContent-Type: " RPT "\r\n\r\n" TEXT STATUS
	  "--B1\r\nContent-Type: message/rfc822\r\n\r\n" ORIG(SENT_ID)
	  "\r\nx\r\n--B1--\r\n--OUT--\r\n", LG_CONTINUE, "pass" },
	{ "malformed: unterminated quoted boundary",
	  "multipart/report; boundary=\"B1",
	  TEXT STATUS "--B1\r\nContent-Type: message/rfc822\r\n\r\n"
	  ORIG(SENT_ID) "\r\n--B1--\r\n", LG_CONTINUE, "pass" },
	{ "malformed: no boundary parameter", "multipart/report",
	  "garbage\r\n--\r\n--\r\n\r\n", LG_REJECT, "reject" },
	{ "boundary never appears, inline fallback", RPT,
	  "Received: by mx\r\nMessage-ID: <" SENT_ID ">\r\n\r\n",
	  LG_CONTINUE, "pass" },
	{ "boundary of zero-length parts", RPT, "--B1\r\n--B1\r\n--B1--\r\n",
	  LG_REJECT, "reject" },
	{ "no Message-ID in the returned part", RPT,
	  TEXT STATUS "--B1\r\nContent-Type: message/rfc822\r\n\r\n"
	  "From: alice@example.com\r\nSubject: x\r\n\r\nbody\r\n--B1--\r\n",
	  LG_REJECT, "reject" },
	{ "empty body", RPT, "", LG_REJECT, "reject" },
	{ "header block of one line only", NULL,
	  "Message-ID: <" SENT_ID ">\r\n\r\n", LG_REJECT, "reject" },
	{ "Message-ID without angle brackets", NULL,
	  "Received: x\r\nMessage-ID: " SENT_ID "\r\n\r\n",
	  LG_CONTINUE, "pass" },
	{ "Message-ID with a missing >", NULL,
	  "Received: x\r\nMessage-ID: <" SENT_ID "\r\n\r\n",
	  LG_REJECT, "reject" },
	{ "bounce of a bounce: Return-Path <>", RPT,
	  TEXT STATUS "--B1\r\nContent-Type: message/rfc822\r\n\r\n"
	  "Return-Path: <>\r\n" ORIG(SENT_ID) "\r\n--B1--\r\n",
	  LG_DISCARD, "discard" },
	{ "bounce of a bounce: the original is a report", RPT,
	  TEXT STATUS "--B1\r\nContent-Type: message/rfc822\r\n\r\n"
	  "From: MAILER-DAEMON@example.com\r\nMessage-ID: <" SENT_ID ">\r\n"
	  "Content-Type: multipart/report; report-type=delivery-status;\r\n"
	  " boundary=\"inner\"\r\n\r\n--inner\r\n--inner--\r\n--B1--\r\n",
	  LG_DISCARD, "discard" },
	{ "folded Message-ID header", RPT,
	  "--B1\r\nContent-Type: text/rfc822-headers\r\n\r\n"
	  "Message-ID:\r\n <" SENT_ID ">\r\n--B1--\r\n", LG_CONTINUE, "pass" },
	{ "too deep nesting is not followed",
	  "multipart/mixed; boundary=L0",
	  "--L0\r\nContent-Type: multipart/mixed; boundary=L1\r\n\r\n"
	  "--L1\r\nContent-Type: multipart/mixed; boundary=L2\r\n\r\n"
	  "--L2\r\nContent-Type: multipart/mixed; boundary=L3\r\n\r\n"
	  "--L3\r\nContent-Type: multipart/mixed; boundary=L4\r\n\r\n"
	  "--L4\r\nContent-Type: message/rfc822\r\n\r\n"
	  "From: a@example.com\r\nMessage-ID: <" SENT_ID ">\r\n\r\n",
	  LG_REJECT, "reject" },	/* depth 4 is not followed */
	{ "MDN with only Original-Message-ID",
	  "multipart/report; report-type=disposition-notification; boundary=M",
	  "--M\r\nContent-Type: text/plain\r\n\r\nDisplayed.\r\n"
	  "--M\r\nContent-Type: message/disposition-notification\r\n\r\n"
	  "Reporting-UA: mua.external.test\r\n"
	  "Final-Recipient: rfc822; bob@external.test\r\n"
	  "Original-Message-ID: <" SENT_ID ">\r\n"
	  "Disposition: manual-action/MDN-sent-manually; displayed\r\n"
	  "--M--\r\n", LG_CONTINUE, "pass" },
	{ "MDN for a message never sent",
	  "multipart/report; report-type=disposition-notification; boundary=M",
	  "--M\r\nContent-Type: message/disposition-notification\r\n\r\n"
	  "Original-Message-ID: <" OTHER_ID ">\r\n--M--\r\n",
	  LG_REJECT, "reject" },
	{ "binary junk", "multipart/report; boundary=\"\"",
	  "\x01\x02--\xff\xfe\r\n:\r\n \r\n\t:\r\n", LG_REJECT, "reject" },
};

#define N_SHAPES (sizeof(shapes) / sizeof(shapes[0]))

#endif
