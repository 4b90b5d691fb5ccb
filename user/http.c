// SPDX-License-Identifier: GPL-2.0-only
#include <string.h>
#include <strings.h>

#include "http.h"

/* RFC 9110 tchar */
static const bool tchar_tab[256] = {
	['!'] = 1, ['#'] = 1, ['$'] = 1, ['%'] = 1, ['&'] = 1, ['\''] = 1, ['*'] = 1, ['+'] = 1,
	['-'] = 1, ['.'] = 1, ['^'] = 1, ['_'] = 1, ['`'] = 1, ['|'] = 1, ['~'] = 1,
	['0' ... '9'] = 1, ['A' ... 'Z'] = 1, ['a' ... 'z'] = 1,
};

static inline bool is_tchar(unsigned char c)
{
	return tchar_tab[c];
}

/* Field value characters: visible ASCII, SP, HTAB and obs-text. */
static bool is_vchar_or_ws(unsigned char c)
{
	return c == '\t' || (c >= 0x20 && c != 0x7f);
}

/* Finds the end of the line starting at p: returns the length of the line
 * content, and *next the index after its LF; -1 if no LF before end. */
static long line_len(const char *buf, size_t pos, size_t len, size_t *next)
{
	const char *lf = memchr(buf + pos, '\n', len - pos);
	size_t n;

	if (!lf)
		return -1;
	n = (size_t)(lf - (buf + pos));
	*next = pos + n + 1;
	if (n && buf[pos + n - 1] == '\r')
		n--;
	return (long)n;
}

enum bw_http_status bw_http_parse(const char *buf, size_t len, struct bw_http_req *req)
{
	size_t pos = 0, next, i;
	const char *l;
	long n;

	memset(req, 0, sizeof(*req));
	if (!buf || !len)
		return BW_HTTP_ERR_EMPTY;

	n = line_len(buf, 0, len, &next);
	if (n < 0)
		return BW_HTTP_ERR_LINE_CUT;
	l = buf;

	/* method SP request-target SP HTTP-version */
	for (i = 0; i < (size_t)n && is_tchar((unsigned char)l[i]); i++)
		;
	if (i == 0 || i >= (size_t)n || l[i] != ' ')
		return BW_HTTP_ERR_METHOD;
	req->method = (struct bw_slice){ l, i };
	pos = i + 1;
	for (i = pos; i < (size_t)n && (unsigned char)l[i] > 0x20 && l[i] != 0x7f; i++)
		;
	if (i == pos || i >= (size_t)n || l[i] != ' ' || i - pos > BW_HTTP_MAX_TARGET)
		return BW_HTTP_ERR_TARGET;
	req->target = (struct bw_slice){ l + pos, i - pos };
	pos = i + 1;
	if ((size_t)n - pos != 8 || memcmp(l + pos, "HTTP/1.", 7) ||
	    (l[pos + 7] != '0' && l[pos + 7] != '1'))
		return BW_HTTP_ERR_VERSION;
	req->http_major = 1;
	req->http_minor = (uint8_t)(l[pos + 7] - '0');

	pos = next;
	while (pos < len) {
		struct bw_http_header h;
		size_t colon, vs, ve;

		n = line_len(buf, pos, len, &next);
		if (n < 0)
			break; /* cut inside a header line: drop the fragment */
		if (n == 0) {
			req->complete = true;
			break;
		}
		l = buf + pos;
		/* Obsolete line folding is refused, as RFC 9112 allows. */
		if (l[0] == ' ' || l[0] == '\t')
			return BW_HTTP_ERR_HEADER;
		for (colon = 0; colon < (size_t)n && is_tchar((unsigned char)l[colon]); colon++)
			;
		if (colon == 0 || colon >= (size_t)n || l[colon] != ':')
			return BW_HTTP_ERR_HEADER;
		for (i = colon + 1; i < (size_t)n; i++)
			if (!is_vchar_or_ws((unsigned char)l[i]))
				return BW_HTTP_ERR_HEADER;
		vs = colon + 1;
		ve = (size_t)n;
		while (vs < ve && (l[vs] == ' ' || l[vs] == '\t'))
			vs++;
		while (ve > vs && (l[ve - 1] == ' ' || l[ve - 1] == '\t'))
			ve--;
		h.name = (struct bw_slice){ l, colon };
		h.value = (struct bw_slice){ l + vs, ve - vs };
		if (req->n_headers < BW_HTTP_MAX_HEADERS)
			req->headers[req->n_headers++] = h;
		else
			req->dropped_headers++;
		pos = next;
	}
	return BW_HTTP_OK;
}

const char *bw_http_strerror(enum bw_http_status st)
{
	switch (st) {
	case BW_HTTP_OK: return "ok";
	case BW_HTTP_ERR_EMPTY: return "empty request";
	case BW_HTTP_ERR_METHOD: return "request line: method is not a token";
	case BW_HTTP_ERR_TARGET: return "request line: bad request target";
	case BW_HTTP_ERR_VERSION: return "request line: not HTTP/1.0 or HTTP/1.1";
	case BW_HTTP_ERR_LINE_CUT: return "request line cut by the sample cap";
	case BW_HTTP_ERR_HEADER: return "header line is not 'name: value'";
	}
	return "unknown error";
}

bool bw_slice_eq_ci(struct bw_slice s, const char *lit)
{
	size_t n = strlen(lit);

	/* the first byte before the call: most names differ there */
	return s.len == n && (!n || ((s.p[0] ^ lit[0]) & ~0x20) == 0) && !strncasecmp(s.p, lit, n);
}

bool bw_slice_starts_with(struct bw_slice s, const char *lit)
{
	size_t n = strlen(lit);

	return s.len >= n && !memcmp(s.p, lit, n);
}

static inline unsigned char lower_ascii(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c | 0x20) : c;
}

/* ASCII case-insensitive search (what strncasecmp does in the C locale the
 * programs run in): scan for the first byte, then compare the rest. The
 * hot path of the scorer (docs/benchmarks.md, "Scoring"). */
bool bw_slice_contains_ci(struct bw_slice s, const char *needle)
{
	size_t n = strlen(needle);
	unsigned char c0;

	if (!n)
		return true;
	if (n > s.len)
		return false;
	c0 = lower_ascii((unsigned char)needle[0]);
	for (size_t i = 0; i + n <= s.len; i++) {
		size_t k;

		if (lower_ascii((unsigned char)s.p[i]) != c0)
			continue;
		for (k = 1; k < n && lower_ascii((unsigned char)s.p[i + k]) ==
				     lower_ascii((unsigned char)needle[k]); k++)
			;
		if (k == n)
			return true;
	}
	return false;
}

const struct bw_slice *bw_http_get(const struct bw_http_req *req, const char *name)
{
	for (unsigned int i = 0; i < req->n_headers; i++)
		if (bw_slice_eq_ci(req->headers[i].name, name))
			return &req->headers[i].value;
	return NULL;
}

bool bw_http_has_prefix(const struct bw_http_req *req, const char *prefix)
{
	size_t n = strlen(prefix);

	for (unsigned int i = 0; i < req->n_headers; i++)
		if (req->headers[i].name.len >= n &&
		    !strncasecmp(req->headers[i].name.p, prefix, n))
			return true;
	return false;
}
