/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Request scoring: header flags -> 0-100 suspicion score (seed 000 scale).
 *
 * Flags are defined for the request's context. Browsers send Sec-Fetch-*,
 * client hints and br/zstd only to potentially trustworthy origins (https,
 * localhost, loopback literals); XDP sees plaintext HTTP, so to a named host
 * their absence is normal and their presence is a sign of replayed headers.
 */
#ifndef BW_SCORE_H
#define BW_SCORE_H

#include <stdbool.h>
#include <stdint.h>

#include "botwall_abi.h"
#include "http.h"

enum bw_browser {
	BW_BROWSER_NONE = 0,
	BW_BROWSER_CHROMIUM,   /* Chrome, Edge, Opera, ... (Chrome/ token) */
	BW_BROWSER_FIREFOX,
	BW_BROWSER_SAFARI,
};

struct bw_ua_info {
	enum bw_browser browser;
	unsigned int major;    /* browser major version, 0 if unknown */
	bool mobile;
	const char *os;        /* "Windows", "macOS", "Linux", "Android", "iOS", "Chrome OS" or NULL */
};

struct bw_score {
	uint32_t flags;                /* bit per enum bw_flag          */
	unsigned int score;            /* 0-100                         */
	uint8_t contrib[BW_FLAG__MAX]; /* points each flag added        */
	int top_flag;                  /* flag with most points, or -1  */
	bool trustworthy;              /* request to a trustworthy origin */
	bool truncated;                /* header block cut by the sample  */
	struct bw_ua_info ua;
};

/* Default weight of each flag (points, 0-100). */
extern const uint8_t bw_flag_weight_default[BW_FLAG__MAX];

void bw_ua_parse(struct bw_slice ua, struct bw_ua_info *out);
/* Scores a parsed request; status is what bw_http_parse returned. */
void bw_score_request(const struct bw_http_req *req, enum bw_http_status status,
		      struct bw_score *out);

#endif
