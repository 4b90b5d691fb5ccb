/* SPDX-License-Identifier: GPL-2.0-only */
/* Text helpers for botwall's line-based files (config, lists, API tokens,
 * sites, score weights, p0f signatures): one reader, so every one of them
 * bounds its lines and names file:line the same way. */
#ifndef BW_TEXT_H
#define BW_TEXT_H

#include <stddef.h>
#include <stdio.h>

/* Cuts the white space off both ends of s, in place: the end by writing
 * NULs, the start by returning the first other character. */
char *bw_trim(char *s);

struct bw_lines {
	FILE *f;
	const char *name;        /* the file, as messages name it            */
	const char *comment;     /* characters that start a comment running
	                          * to the end of the line, or NULL          */
	unsigned long lineno;    /* of the line bw_lines_next returned last  */
	char *buf;
	size_t size;             /* of buf: lines of up to size - 1 bytes    */
};

/* buffer: an array (its size is taken; a pointer does not compile). */
#define BW_LINES_INIT(file, fname, comments, buffer)                               \
	{ .f = (file), .name = (fname), .comment = (comments), .buf = (buffer),    \
	  .size = sizeof(buffer) + BW_MUST_BE_ARRAY(buffer) }
#define BW_MUST_BE_ARRAY(a)                                                        \
	(0 * sizeof(struct {                                                       \
		int not_an_array : __builtin_types_compatible_p(__typeof__(a),     \
								__typeof__(&(a)[0])) ? -1 : 1; \
	}))

/* The next line with something on it, its comment and the white space
 * around it cut. Returns 1 and sets *line (into r->buf), 0 at the end of
 * the file, or -1 with err set: "NAME:LINE: line longer than N bytes",
 * "NAME:LINE: NUL byte", "NAME: read error: ...". */
int bw_lines_next(struct bw_lines *r, char **line, char *err, size_t errlen);

#endif
