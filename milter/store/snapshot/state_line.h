/*
 * NAME
 *	state_line.h - the text form of store entries: state export/import
 * SYNOPSIS
 *	#include "state_line.h"
 *
 *	n = lg_state_format(&rec, buf, sizeof(buf));
 *	rc = lg_state_header(line, len, err, sizeof(err));
 *	rc = lg_state_parse(line, len, now, &parsed, err, sizeof(err));
 * DESCRIPTION
 *	The file "loopguardctl state export" writes and "state import"
 *	reads, and the lines that travel over the control socket between
 *	them. Plain text, one line per entry, so a file can be read,
 *	grepped and cut by hand:
 *
 *	    loopguard-state<TAB>1
 *	    entry<TAB>KEY<TAB>PLUGIN<TAB>COUNT<TAB>SIZE<TAB>CREATED<TAB>
 *	        EXPIRES<TAB>FROM<TAB>TO<TAB>CLIENT<TAB>STATUS
 *
 *	The first line names the format and its version; any other
 *	version is refused. Lines that are empty or start with "#" are
 *	comments. COUNT and SIZE are decimal integers (SIZE may be -1);
 *	CREATED and EXPIRES are absolute times, seconds since the epoch
 *	(0 .. 4294967295), so what is left of an entry's time to live is
 *	the same wherever it is read. Text fields are escaped as log lines
 *	are (escape.h: \\, \t, \n, \r, \xHH); the parser takes exactly
 *	those escapes and no raw control byte, and refuses \x00.
 *
 *	Bounds: a line is at most LG_STATE_LINE_MAX bytes (the newline
 *	excluded); KEY 1 .. LG_STORE_KEY_MAX bytes once unescaped, PLUGIN
 *	up to LG_STORE_PLUGIN_MAX, the other text fields up to
 *	LG_STORE_FIELD_MAX. lg_state_format() cuts longer fields to those
 *	sizes, so what it writes always parses.
 *
 *	lg_state_format() writes one entry line (no newline) into BUF,
 *	which needs LG_STATE_LINE_MAX + 1 bytes to hold any record; it
 *	returns the length, or 0 when BUF is too small or the key is
 *	empty or too long. lg_state_header() checks a first line: 0, or
 *	-1 with the reason in ERR. lg_state_parse() reads one line: 1 and
 *	the record in *OUT (its strings point into OUT), 0 for a comment
 *	or an empty line, -1 with the reason in ERR. A record whose
 *	EXPIRES is not after NOW is parsed all the same and flagged
 *	expired in OUT; the caller skips it. All three are pure.
 */
#ifndef LG_STATE_LINE_H
#define LG_STATE_LINE_H

#include <stddef.h>
#include <time.h>

/* Store library. */
#include "store.h"
#include "snapshot.h"

#define LG_STATE_HEADER		"loopguard-state\t1"
#define LG_STATE_LINE_MAX	24576

/* One parsed line; rec's strings point into the buffers. */
struct lg_state_line {
	struct lg_store_record rec;
	int expired;			/* expires not after now */
	char key[LG_STORE_KEY_MAX + 1];
	char plugin[LG_STORE_PLUGIN_MAX + 1];
	char from[LG_STORE_FIELD_MAX + 1];
	char to[LG_STORE_FIELD_MAX + 1];
	char client[LG_STORE_FIELD_MAX + 1];
	char status[LG_STORE_FIELD_MAX + 1];
};

size_t lg_state_format(const struct lg_store_record *rec, char *buf,
		       size_t size);
int lg_state_header(const char *line, size_t len, char *err,
		    size_t errsize);
int lg_state_parse(const char *line, size_t len, time_t now,
		   struct lg_state_line *out, char *err, size_t errsize);

#endif
