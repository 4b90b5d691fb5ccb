/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Header-order fingerprint (botwall's own design; not JA4H) and the
 * per-browser header profiles learned from tests/corpus/.
 *
 * Fingerprint "ge11cr-en-1a2b3c4d":
 *   ge     first two letters of the method, lower case
 *   11     HTTP version (10 or 11)
 *   c / n  Cookie present / not
 *   r / n  Referer present / not
 *   en     first two letters of the first Accept-Language tag ("xx": none)
 *   hash   FNV-1a 32 of the header names in order, with their case, joined
 *          by ','; Cookie and Referer are left out (their presence is above),
 *          so the same client gives one hash with and without them.
 */
#ifndef BW_HORDER_H
#define BW_HORDER_H

#include <stdbool.h>

#include "http.h"

#define BW_HORDER_STRLEN 24

enum bw_profile_id {
	BW_PROFILE_NONE = 0,
	BW_PROFILE_CHROMIUM_PLAIN,
	BW_PROFILE_CHROMIUM_SECURE,
	BW_PROFILE_FIREFOX_PLAIN,
	BW_PROFILE_FIREFOX_SECURE,
	BW_PROFILE__MAX,
};

struct bw_profile {
	const char *name;              /* "chromium-plain" */
	const char *const *headers;    /* names in order, exact case, NULL-terminated */
};

extern const struct bw_profile bw_profiles[BW_PROFILE__MAX];

void bw_horder_fingerprint(const struct bw_http_req *req, char out[BW_HORDER_STRLEN]);

struct bw_profile_check {
	bool mismatch;       /* a profile header out of order or in another case */
	bool full;           /* every profile header present, in order, exact case */
	char why[96];        /* first difference, for the explanation           */
};
void bw_profile_check(const struct bw_http_req *req, enum bw_profile_id id,
		      struct bw_profile_check *out);

#endif
