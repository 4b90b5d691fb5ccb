// SPDX-License-Identifier: GPL-2.0-only
#include <ctype.h>
#include <errno.h>
#include <string.h>

#include "text.h"

char *bw_trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

/* Byte by byte (getc_unlocked is a macro over the stdio buffer): unlike
 * fgets, this knows a line's true length, so a NUL byte inside a line is
 * an error rather than the silent end of the line, and a line of exactly
 * size - 1 bytes at the end of a file without a newline is accepted. */
int bw_lines_next(struct bw_lines *r, char **line, char *err, size_t errlen)
{
	for (;;) {
		size_t n = 0;
		char *p;
		int c = getc_unlocked(r->f);

		if (c == EOF) {
			if (ferror(r->f)) {
				snprintf(err, errlen, "%s: read error: %s", r->name, strerror(errno));
				return -1;
			}
			return 0;
		}
		r->lineno++;
		for (; c != EOF && c != '\n'; c = getc_unlocked(r->f)) {
			if (c == '\0') {
				snprintf(err, errlen, "%s:%lu: NUL byte", r->name, r->lineno);
				return -1;
			}
			if (n == r->size - 1) {
				snprintf(err, errlen, "%s:%lu: line longer than %zu bytes", r->name,
					 r->lineno, r->size - 1);
				return -1;
			}
			r->buf[n++] = (char)c;
		}
		if (c == EOF && ferror(r->f)) {
			snprintf(err, errlen, "%s: read error: %s", r->name, strerror(errno));
			return -1;
		}
		r->buf[n] = '\0';
		p = r->buf;
		if (r->comment)
			p[strcspn(p, r->comment)] = '\0';
		p = bw_trim(p);
		if (*p) {
			*line = p;
			return 1;
		}
	}
}
