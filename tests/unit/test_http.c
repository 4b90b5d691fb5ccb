// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for the bounded HTTP request-head parser. */
#include <stdlib.h>

#include "check.h"
#include "http.h"

static enum bw_http_status parse(const char *s, struct bw_http_req *r)
{
	return bw_http_parse(s, strlen(s), r);
}

static void test_full_request(void)
{
	struct bw_http_req r;
	const struct bw_slice *v;

	CHECK_EQ(parse("GET /a?b=1 HTTP/1.1\r\nHost: www.shop.test\r\n"
		       "User-Agent:   curl/7.88.1  \r\nAccept: */*\r\n\r\n", &r), BW_HTTP_OK);
	CHECK(bw_slice_eq_ci(r.method, "GET"));
	CHECK(bw_slice_eq_ci(r.target, "/a?b=1"));
	CHECK_EQ(r.http_minor, 1);
	CHECK_EQ(r.n_headers, 3);
	CHECK(r.complete);
	v = bw_http_get(&r, "user-agent");
	CHECK(v && bw_slice_eq_ci(*v, "curl/7.88.1")); /* white space trimmed */
	CHECK(bw_http_get(&r, "Accept-Language") == NULL);
	/* header names keep their order and case */
	CHECK(r.headers[0].name.len == 4 && !memcmp(r.headers[0].name.p, "Host", 4));
}

static void test_truncated_head(void)
{
	struct bw_http_req r;

	/* cut in the middle of the third header: it is dropped, not half-read */
	CHECK_EQ(parse("GET / HTTP/1.1\r\nHost: a\r\nUser-Agent: x\r\nAccept-Lang", &r), BW_HTTP_OK);
	CHECK(!r.complete);
	CHECK_EQ(r.n_headers, 2);
	CHECK(bw_http_get(&r, "Accept-Lang") == NULL);
}

static void test_request_line_errors(void)
{
	struct bw_http_req r;

	CHECK_EQ(bw_http_parse("", 0, &r), BW_HTTP_ERR_EMPTY);
	CHECK_EQ(parse("GET / HTTP/1.1", &r), BW_HTTP_ERR_LINE_CUT);
	CHECK_EQ(parse("G@T / HTTP/1.1\r\n\r\n", &r), BW_HTTP_ERR_METHOD);
	CHECK_EQ(parse(" GET / HTTP/1.1\r\n\r\n", &r), BW_HTTP_ERR_METHOD);
	CHECK_EQ(parse("GET  HTTP/1.1\r\n\r\n", &r), BW_HTTP_ERR_TARGET);
	CHECK_EQ(parse("GET /\x01 HTTP/1.1\r\n\r\n", &r), BW_HTTP_ERR_TARGET);
	CHECK_EQ(parse("GET / HTTP/2.0\r\n\r\n", &r), BW_HTTP_ERR_VERSION);
	CHECK_EQ(parse("GET / HTTP/1.1x\r\n\r\n", &r), BW_HTTP_ERR_VERSION);
	CHECK_EQ(parse("GET /\r\n\r\n", &r), BW_HTTP_ERR_TARGET);
}

static void test_header_errors(void)
{
	struct bw_http_req r;

	CHECK_EQ(parse("GET / HTTP/1.1\r\nNoColonHere\r\n\r\n", &r), BW_HTTP_ERR_HEADER);
	CHECK_EQ(parse("GET / HTTP/1.1\r\nHost : a\r\n\r\n", &r), BW_HTTP_ERR_HEADER);
	CHECK_EQ(parse("GET / HTTP/1.1\r\nA: b\r\n folded\r\n\r\n", &r), BW_HTTP_ERR_HEADER);
	CHECK_EQ(parse("GET / HTTP/1.1\r\nA: b\x01\r\n\r\n", &r), BW_HTTP_ERR_HEADER);
	CHECK_EQ(bw_http_parse("GET / HTTP/1.1\r\nA: b\0c\r\n\r\n", 26, &r), BW_HTTP_ERR_HEADER);
}

static void test_bare_lf_and_http10(void)
{
	struct bw_http_req r;

	CHECK_EQ(parse("HEAD /x HTTP/1.0\nA: 1\n\n", &r), BW_HTTP_OK);
	CHECK_EQ(r.http_minor, 0);
	CHECK(r.complete);
	CHECK_EQ(r.n_headers, 1);
}

static void test_too_many_headers(void)
{
	char buf[8192];
	struct bw_http_req r;
	size_t n = (size_t)snprintf(buf, sizeof(buf), "GET / HTTP/1.1\r\n");

	for (int i = 0; i < BW_HTTP_MAX_HEADERS + 10; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "X-%d: v\r\n", i);
	n += (size_t)snprintf(buf + n, sizeof(buf) - n, "\r\n");
	CHECK_EQ(bw_http_parse(buf, n, &r), BW_HTTP_OK);
	CHECK_EQ(r.n_headers, BW_HTTP_MAX_HEADERS);
	CHECK_EQ(r.dropped_headers, 10);
	CHECK(r.complete);
}

/* Property: on random and mutated input the parser never reads or points
 * outside the buffer (run under ASan by `make test-asan` too). */
static void test_random_input_stays_in_bounds(void)
{
	static const char seed[] = "GET / HTTP/1.1\r\nHost: a\r\nUser-Agent: b\r\n\r\n";
	unsigned int state = 12345;
	char buf[256];
	struct bw_http_req r;

	for (int iter = 0; iter < 200000; iter++) {
		size_t len = sizeof(seed) - 1;

		memcpy(buf, seed, len);
		for (int k = 0; k < 4; k++) {
			state = state * 1103515245u + 12345u;
			buf[(state >> 8) % len] = (char)(state >> 16);
		}
		state = state * 1103515245u + 12345u;
		len = (state >> 8) % (len + 1);
		bw_http_parse(buf, len, &r);
		for (unsigned int i = 0; i < r.n_headers; i++) {
			const struct bw_http_header *h = &r.headers[i];

			if (h->name.p < buf || h->name.p + h->name.len > buf + len ||
			    h->value.p < buf || h->value.p + h->value.len > buf + len) {
				CHECK(!"header slice outside the buffer");
				return;
			}
		}
	}
}

int main(void)
{
	RUN(test_full_request);
	RUN(test_truncated_head);
	RUN(test_request_line_errors);
	RUN(test_header_errors);
	RUN(test_bare_lf_and_http10);
	RUN(test_too_many_headers);
	RUN(test_random_input_stays_in_bounds);
	return CHECK_EXIT();
}
