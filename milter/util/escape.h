/*
 * NAME
 *	escape.h - make peer text safe for one line of a log or a reply
 * SYNOPSIS
 *	#include "escape.h"
 *
 *	n = lg_escape(text, strlen(text), out, sizeof(out));
 *	if (lg_escape_needed(text, len)) ...
 *	n = lg_escape_one(p, left, piece, &used);
 *	n = lg_unescape_one(p, left, &byte);
 * DESCRIPTION
 *	Text from the SMTP peer (envelope addresses, HELO names, header
 *	values) may hold any byte. Written as it is, ESC sequences reach
 *	the terminal of whoever reads the log, and CR or LF starts a
 *	line the peer wrote. The escaped form is printable, one line,
 *	and tells every byte apart:
 *
 *	backslash	\\
 *	TAB, LF, CR	\t, \n, \r
 *	other control bytes (0x00-0x1f, DEL 0x7f)
 *			\xHH (lower-case hex)
 *	valid UTF-8	kept, except the C1 controls U+0080-U+009F,
 *			whose two bytes become \xc2\xHH
 *	any other byte of 0x80-0xff (a stray continuation byte, an
 *	overlong form, a surrogate, a code point past U+10FFFF, a
 *	sequence cut short)
 *			\xHH, one byte at a time
 *
 *	Everything else (printable ASCII) is kept. Both functions are
 *	pure: the log sink (log.c) and the control socket's table rows
 *	(control_cmd.c) call them, t/util/check_escape.c tests them by
 *	tables, and t/fuzz/fuzz_escape.c checks their promises.
 *
 *	lg_escape_one() escapes one character: the byte at IN, or the
 *	whole UTF-8 sequence that starts there. It writes at most
 *	LG_ESCAPE_MAX bytes and a NUL into OUT, returns their number and
 *	sets *used_r to the bytes of IN it took (at least 1). LEN must be
 *	at least 1.
 *
 *	lg_escape() escapes LEN bytes of IN into OUT of SIZE bytes (SIZE
 *	at least 1). OUT always ends in a NUL; when the whole does not
 *	fit, it stops before the first character whose escaped form does
 *	not fit, so no escape is ever cut in half. It returns the length
 *	written.
 *
 *	lg_escape_needed() is 0 when lg_escape() would copy LEN bytes of
 *	IN unchanged: all printable ASCII and no backslash. Any other byte
 *	makes it 1 (valid UTF-8 too, which lg_escape() may keep).
 *
 *	lg_unescape_one() reads one escape at IN (LEN bytes available):
 *	\\, \t, \n, \r or \xHH (either case). It sets *byte_r to the byte
 *	it stands for and returns the bytes it took (2 or 4), or returns 0
 *	when IN does not start with one of them. Callers decide what a
 *	\x00 means to them.
 */
#ifndef LG_ESCAPE_H
#define LG_ESCAPE_H

#include <stddef.h>

/* The longest escaped form of one character ("\xc2\x9b" is 8). No
 * byte of IN ever takes more than 4 bytes of OUT (a control byte 4, a
 * C1 control's two bytes 8), so OUT of 4 * LEN + 1 bytes always holds
 * the whole. */
#define LG_ESCAPE_MAX	8

/* The OUT size that holds LEN bytes of IN escaped whole. */
#define LG_ESCAPE_SIZE(len)	(4 * (len) + 1)

size_t	lg_escape_one(const char *in, size_t len, char *out, size_t *used_r);
size_t	lg_escape(const char *in, size_t len, char *out, size_t size);
int	lg_escape_needed(const char *in, size_t len);
size_t	lg_unescape_one(const char *in, size_t len, unsigned char *byte_r);

#endif
