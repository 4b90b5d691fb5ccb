// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for the line reader every line-based file goes through
 * (user/text.c): what it cuts, how it counts lines, and its bounds. */
#include <stdlib.h>

#include "check.h"
#include "text.h"

/* Reads all of text (len bytes, NULs allowed) with a buffer of `size`
 * bytes (lines of up to size - 1), joining the lines it returns as
 * "N:line|". Returns bw_lines_next's last result. */
static int read_sized(const char *text, size_t len, const char *comment, size_t size, char *out,
		      size_t outlen, char *err, size_t errlen)
{
	FILE *f = fmemopen((void *)text, len, "r");
	char buf[64], *line;
	struct bw_lines r = BW_LINES_INIT(f, "t.conf", comment, buf);
	int rc;

	if (size < r.size)
		r.size = size;

	out[0] = '\0';
	while ((rc = bw_lines_next(&r, &line, err, errlen)) > 0)
		snprintf(out + strlen(out), outlen - strlen(out), "%lu:%s|", r.lineno, line);
	fclose(f);
	return rc;
}

#define read_all(text, len, comment, out, outlen, err, errlen) \
	read_sized(text, len, comment, 64, out, outlen, err, errlen)
#define read_8(text, len, out, outlen, err, errlen) \
	read_sized(text, len, NULL, 8, out, outlen, err, errlen)

static void test_trim(void)
{
	char a[] = " \t a b \r\n", b[] = "   ", c[] = "x";

	CHECK_STR(bw_trim(a), "a b");
	CHECK_STR(bw_trim(b), "");
	CHECK_STR(bw_trim(c), "x");
}

static void test_lines_cut_and_count(void)
{
	char out[256], err[128] = "";
	static const char t[] = "a\n\n  # all comment\nb ; c\r\n d#e \n;x\n";

	/* Blank and comment-only lines are skipped but counted; CR LF ends
	 * are white space. */
	CHECK_EQ(read_all(t, strlen(t), "#;", out, sizeof(out), err, sizeof(err)), 0);
	CHECK_STR(out, "1:a|4:b|5:d|");
	/* No comment characters: everything but the white space stays. */
	CHECK_EQ(read_all(t, strlen(t), NULL, out, sizeof(out), err, sizeof(err)), 0);
	CHECK_STR(out, "1:a|3:# all comment|4:b ; c|5:d#e|6:;x|");
	/* The last line needs no newline. */
	CHECK_EQ(read_all("a\nb", 3, NULL, out, sizeof(out), err, sizeof(err)), 0);
	CHECK_STR(out, "1:a|2:b|");
	CHECK_EQ(read_all("", 0, NULL, out, sizeof(out), err, sizeof(err)), 0);
	CHECK_STR(out, "");
}

static void test_lines_bounds(void)
{
	char out[256], err[128] = "";

	/* 7 bytes fit an 8-byte buffer, with or without the newline. */
	CHECK_EQ(read_8("1234567\n", 8, out, sizeof(out), err, sizeof(err)), 0);
	CHECK_STR(out, "1:1234567|");
	CHECK_EQ(read_8("x\n1234567", 9, out, sizeof(out), err, sizeof(err)), 0);
	CHECK_STR(out, "1:x|2:1234567|");
	/* 8 do not, and the error names the line; white space counts (the
	 * buffer holds the raw line). */
	CHECK_EQ(read_8("x\n12345678\ny\n", 13, out, sizeof(out), err, sizeof(err)), -1);
	CHECK_STR(out, "1:x|");
	CHECK_STR(err, "t.conf:2: line longer than 7 bytes");
	CHECK_EQ(read_8("       x\n", 9, out, sizeof(out), err, sizeof(err)), -1);
	CHECK_STR(err, "t.conf:1: line longer than 7 bytes");
	/* A NUL byte inside a line is an error, not the end of the line. */
	CHECK_EQ(read_8("a\nb\0c\n", 6, out, sizeof(out), err, sizeof(err)), -1);
	CHECK_STR(out, "1:a|");
	CHECK_STR(err, "t.conf:2: NUL byte");
}

int main(void)
{
	RUN(test_trim);
	RUN(test_lines_cut_and_count);
	RUN(test_lines_bounds);
	return check_any_failed;
}
