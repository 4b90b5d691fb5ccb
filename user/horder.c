// SPDX-License-Identifier: GPL-2.0-only
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "horder.h"

/* From tests/corpus/ (Chromium 156, Firefox ESR 153): a top-level navigation.
 * Client hints are listed but checked for case only, not order: Chromium
 * moves sec-ch-ua-platform on subresource requests. */
static const char *const chromium_plain[] = {
	"Host", "Connection", "Upgrade-Insecure-Requests", "User-Agent", "Accept",
	"Accept-Encoding", "Accept-Language", NULL,
};
static const char *const chromium_secure[] = {
	"Host", "Connection", "sec-ch-ua", "sec-ch-ua-mobile", "sec-ch-ua-platform",
	"Upgrade-Insecure-Requests", "User-Agent", "Accept", "Sec-Fetch-Site",
	"Sec-Fetch-Mode", "Sec-Fetch-User", "Sec-Fetch-Dest", "Accept-Encoding",
	"Accept-Language", NULL,
};
static const char *const firefox_plain[] = {
	"Host", "User-Agent", "Accept", "Accept-Language", "Accept-Encoding",
	"Connection", "Upgrade-Insecure-Requests", "Priority", NULL,
};
static const char *const firefox_secure[] = {
	"Host", "User-Agent", "Accept", "Accept-Language", "Accept-Encoding",
	"Connection", "Upgrade-Insecure-Requests", "Sec-Fetch-Dest", "Sec-Fetch-Mode",
	"Sec-Fetch-Site", "Sec-Fetch-User", "Priority", NULL,
};

const struct bw_profile bw_profiles[BW_PROFILE__MAX] = {
	[BW_PROFILE_NONE] = { "none", NULL },
	[BW_PROFILE_CHROMIUM_PLAIN] = { "chromium-plain", chromium_plain },
	[BW_PROFILE_CHROMIUM_SECURE] = { "chromium-secure", chromium_secure },
	[BW_PROFILE_FIREFOX_PLAIN] = { "firefox-plain", firefox_plain },
	[BW_PROFILE_FIREFOX_SECURE] = { "firefox-secure", firefox_secure },
};

static bool floating(const char *name)
{
	return !strncasecmp(name, "sec-ch-ua", 9);
}

void bw_horder_fingerprint(const struct bw_http_req *req, char out[BW_HORDER_STRLEN])
{
	uint32_t h = 0x811c9dc5u;
	bool cookie = false, referer = false;
	char lang[3] = "xx", m[3] = "--";
	const struct bw_slice *al = bw_http_get(req, "Accept-Language");

	for (unsigned int i = 0; i < req->n_headers; i++) {
		struct bw_slice n = req->headers[i].name;

		if (bw_slice_eq_ci(n, "Cookie")) {
			cookie = true;
			continue;
		}
		if (bw_slice_eq_ci(n, "Referer")) {
			referer = true;
			continue;
		}
		for (size_t k = 0; k < n.len; k++)
			h = (h ^ (unsigned char)n.p[k]) * 0x01000193u;
		h = (h ^ ',') * 0x01000193u;
	}
	for (size_t k = 0; k < 2 && k < req->method.len; k++) {
		char c = req->method.p[k];

		m[k] = (char)((c >= 'A' && c <= 'Z') ? c + 32 : (c >= 'a' && c <= 'z') ? c : '_');
	}
	if (al && al->len >= 2) {
		for (int k = 0; k < 2; k++) {
			char c = al->p[k];

			lang[k] = (char)((c >= 'A' && c <= 'Z') ? c + 32 : (c >= 'a' && c <= 'z') ? c : '_');
		}
	}
	/* "%s%u%u%c%c-%s-%08x" by hand: this runs for every sample
	 * (docs/benchmarks.md, "Scoring"); versions are one digit (HTTP/1.x). */
	{
		static const char hex[] = "0123456789abcdef";
		char *o = out;

		*o++ = m[0];
		*o++ = m[1];
		*o++ = (char)('0' + req->http_major % 10);
		*o++ = (char)('0' + req->http_minor % 10);
		*o++ = cookie ? 'c' : 'n';
		*o++ = referer ? 'r' : 'n';
		*o++ = '-';
		*o++ = lang[0];
		*o++ = lang[1];
		*o++ = '-';
		for (int k = 28; k >= 0; k -= 4)
			*o++ = hex[(h >> k) & 0xf];
		*o = '\0';
	}
}

void bw_profile_check(const struct bw_http_req *req, enum bw_profile_id id,
		      struct bw_profile_check *out)
{
	const char *const *p;
	int last = -1, seen = 0, total = 0;

	memset(out, 0, sizeof(*out));
	if (id <= BW_PROFILE_NONE || id >= BW_PROFILE__MAX)
		return;
	p = bw_profiles[id].headers;
	while (p[total])
		total++;
	for (unsigned int i = 0; i < req->n_headers; i++) {
		struct bw_slice n = req->headers[i].name;

		for (int k = 0; k < total; k++) {
			if (!bw_slice_eq_ci(n, p[k]))
				continue;
			seen++;
			if (n.len != strlen(p[k]) || memcmp(n.p, p[k], n.len)) {
				if (!out->mismatch)
					snprintf(out->why, sizeof(out->why), "'%.*s' where %s sends '%s'",
						 (int)(n.len > 40 ? 40 : n.len), n.p,
						 bw_profiles[id].name, p[k]);
				out->mismatch = true;
			} else if (!floating(p[k])) {
				if (k < last && !out->mismatch) {
					snprintf(out->why, sizeof(out->why), "%s after %s",
						 p[k], p[last]);
					out->mismatch = true;
				}
				if (k > last)
					last = k;
			}
			break;
		}
	}
	out->full = !out->mismatch && seen == total;
}
