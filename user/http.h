/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Bounded HTTP/1.x request-head parser for sampled packets.
 *
 * The input is whatever the datapath copied: possibly cut anywhere, possibly
 * hostile. Nothing is copied; the result points into the caller's buffer.
 * A header block without its terminating blank line is "truncated": the
 * complete headers before the cut are returned and req->complete is false.
 */
#ifndef BW_HTTP_H
#define BW_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BW_HTTP_MAX_HEADERS 64
#define BW_HTTP_MAX_TARGET  8192

struct bw_slice {
	const char *p;
	size_t len;
};

struct bw_http_header {
	struct bw_slice name;
	struct bw_slice value;  /* surrounding white space removed */
};

struct bw_http_req {
	struct bw_slice method, target;
	uint8_t http_major, http_minor;
	bool complete;           /* the blank line ending the head was seen */
	unsigned int n_headers;
	unsigned int dropped_headers; /* beyond BW_HTTP_MAX_HEADERS        */
	struct bw_http_header headers[BW_HTTP_MAX_HEADERS];
};

enum bw_http_status {
	BW_HTTP_OK = 0,
	BW_HTTP_ERR_EMPTY,         /* nothing to parse                     */
	BW_HTTP_ERR_METHOD,        /* method is not a token                */
	BW_HTTP_ERR_TARGET,        /* bad or over-long request target      */
	BW_HTTP_ERR_VERSION,       /* not HTTP/1.0 or HTTP/1.1             */
	BW_HTTP_ERR_LINE_CUT,      /* request line cut by the sample cap   */
	BW_HTTP_ERR_HEADER,        /* a header line is not "name: value"   */
};

/* Parses buf[0..len). Returns BW_HTTP_OK or an error status; on error
 * req holds what was parsed before the error. */
enum bw_http_status bw_http_parse(const char *buf, size_t len, struct bw_http_req *req);
const char *bw_http_strerror(enum bw_http_status st);

/* First header with this name (case-insensitive), or NULL. */
const struct bw_slice *bw_http_get(const struct bw_http_req *req, const char *name);
/* Does any header name start with this prefix (case-insensitive)? */
bool bw_http_has_prefix(const struct bw_http_req *req, const char *prefix);

bool bw_slice_eq_ci(struct bw_slice s, const char *lit);
bool bw_slice_contains_ci(struct bw_slice s, const char *needle);
bool bw_slice_starts_with(struct bw_slice s, const char *lit);

#endif
