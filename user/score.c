// SPDX-License-Identifier: GPL-2.0-only
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "score.h"

/*
 * First-version weights. A tool's UA alone (known_bot_pattern) is not enough
 * to block at the default threshold of 80; with the missing browser headers
 * that always come with it, it is.
 */
const uint8_t bw_flag_weight_default[BW_FLAG__MAX] = {
	[BW_FLAG_MISSING_CLIENT_HINTS]       = 15,
	[BW_FLAG_PLATFORM_MISMATCH]          = 35,
	[BW_FLAG_MOBILE_MISMATCH]            = 25,
	[BW_FLAG_MISSING_ACCEPT_LANGUAGE]    = 25,
	[BW_FLAG_INCOMPLETE_ACCEPT_ENCODING] = 15,
	[BW_FLAG_MISSING_SEC_FETCH]          = 20,
	[BW_FLAG_SEC_FETCH_INCONSISTENT]     = 30,
	[BW_FLAG_SUSPICIOUS_USER_AGENT]      = 30,
	[BW_FLAG_EMPTY_USER_AGENT]           = 60,
	[BW_FLAG_KNOWN_BOT_PATTERN]          = 55,
	[BW_FLAG_HEADLESS_USER_AGENT]        = 80,
	[BW_FLAG_SECURE_HEADERS_ON_PLAINTEXT] = 40,
	[BW_FLAG_MALFORMED_REQUEST]          = 50,
};

/* User-agent substrings of HTTP libraries, tools and crawlers (case-
 * insensitive). A first version: the scoring issue replaces this with
 * maintained datasets. */
static const char *const bot_patterns[] = {
	"bot", "crawl", "spider", "slurp", "curl/", "wget/", "python-requests",
	"python-urllib", "python/", "aiohttp", "httpx", "go-http-client", "java/",
	"okhttp", "libwww-perl", "scrapy", "axios/", "node-fetch", "httpclient",
	"guzzlehttp", "ruby", "powershell", "postmanruntime", "insomnia",
};

static const char *const suspicious_ua_patterns[] = {
	"${", "<script", "() {", "../", "' or ", "union select", "\\x",
};

static unsigned int parse_major(const char *p, const char *end)
{
	unsigned int v = 0;

	while (p < end && isdigit((unsigned char)*p) && v < 100000)
		v = v * 10 + (unsigned int)(*p++ - '0');
	return v;
}

/* Finds token (case-sensitive) in s; returns the position after it. */
static const char *find_tok(struct bw_slice s, const char *tok)
{
	size_t n = strlen(tok);

	for (size_t i = 0; i + n <= s.len; i++)
		if (!memcmp(s.p + i, tok, n))
			return s.p + i + n;
	return NULL;
}

void bw_ua_parse(struct bw_slice ua, struct bw_ua_info *out)
{
	const char *end = ua.p + ua.len, *v;

	memset(out, 0, sizeof(*out));
	if ((v = find_tok(ua, "Chrome/")) || (v = find_tok(ua, "HeadlessChrome/"))) {
		out->browser = BW_BROWSER_CHROMIUM;
		out->major = parse_major(v, end);
	} else if ((v = find_tok(ua, "Firefox/")) && find_tok(ua, "Gecko")) {
		out->browser = BW_BROWSER_FIREFOX;
		out->major = parse_major(v, end);
	} else if (find_tok(ua, "Safari/") && (v = find_tok(ua, "Version/"))) {
		out->browser = BW_BROWSER_SAFARI;
		out->major = parse_major(v, end);
	}
	if (find_tok(ua, "Android"))
		out->os = "Android";
	else if (find_tok(ua, "iPhone") || find_tok(ua, "iPad"))
		out->os = "iOS";
	else if (find_tok(ua, "Windows"))
		out->os = "Windows";
	else if (find_tok(ua, "Macintosh") || find_tok(ua, "Mac OS X"))
		out->os = "macOS";
	else if (find_tok(ua, "CrOS"))
		out->os = "Chrome OS";
	else if (find_tok(ua, "Linux"))
		out->os = "Linux";
	out->mobile = find_tok(ua, "Mobile") != NULL;
}

/* Host header names a potentially trustworthy origin (localhost or a
 * loopback literal), where browsers send their secure-context headers. */
static bool host_is_trustworthy(const struct bw_slice *host)
{
	struct bw_slice h;
	size_t n;

	if (!host)
		return false;
	h = *host;
	if (h.len && h.p[0] == '[')
		return bw_slice_starts_with(h, "[::1]");
	/* strip :port */
	for (n = 0; n < h.len && h.p[n] != ':'; n++)
		;
	h.len = n;
	if (bw_slice_eq_ci(h, "localhost"))
		return true;
	if (h.len > 10 && !strncasecmp(h.p + h.len - 10, ".localhost", 10))
		return true;
	return h.len >= 4 && !memcmp(h.p, "127.", 4);
}

/* Does a browser of this version send Sec-Fetch-* to trustworthy origins? */
static bool sends_sec_fetch(const struct bw_ua_info *ua)
{
	return (ua->browser == BW_BROWSER_CHROMIUM && ua->major >= 76) ||
	       (ua->browser == BW_BROWSER_FIREFOX && ua->major >= 90) ||
	       (ua->browser == BW_BROWSER_SAFARI && ua->major >= 17);
}

static bool value_in(const struct bw_slice *v, const char *const *set)
{
	for (; *set; set++)
		if (bw_slice_eq_ci(*v, *set))
			return true;
	return false;
}

static bool sec_fetch_inconsistent(const struct bw_http_req *req)
{
	static const char *const sites[] = { "same-origin", "same-site", "cross-site", "none", NULL };
	static const char *const modes[] = { "navigate", "cors", "no-cors", "same-origin", "websocket", NULL };
	static const char *const nav_dests[] = { "document", "iframe", "frame", "embed", "object", NULL };
	const struct bw_slice *site = bw_http_get(req, "Sec-Fetch-Site");
	const struct bw_slice *mode = bw_http_get(req, "Sec-Fetch-Mode");
	const struct bw_slice *dest = bw_http_get(req, "Sec-Fetch-Dest");
	const struct bw_slice *user = bw_http_get(req, "Sec-Fetch-User");
	bool navigate = mode && bw_slice_eq_ci(*mode, "navigate");

	if (site && !value_in(site, sites))
		return true;
	if (mode && !value_in(mode, modes))
		return true;
	if (user && (!bw_slice_eq_ci(*user, "?1") || (mode && !navigate)))
		return true;
	if (navigate && dest && !value_in(dest, nav_dests))
		return true;
	if (dest && bw_slice_eq_ci(*dest, "document") && mode && !navigate)
		return true;
	return false;
}

/* sec-ch-ua-platform is a quoted string such as "Windows". */
static bool platform_mismatch(const struct bw_slice *plat, const char *os)
{
	struct bw_slice p = *plat;

	if (!os)
		return false;
	if (p.len >= 2 && p.p[0] == '"' && p.p[p.len - 1] == '"') {
		p.p++;
		p.len -= 2;
	}
	if (bw_slice_eq_ci(p, "Unknown") || !p.len)
		return false;
	return !bw_slice_eq_ci(p, os);
}

void bw_score_request(const struct bw_http_req *req, enum bw_http_status status,
		      struct bw_score *out)
{
	const struct bw_slice *ua, *al, *ae, *host, *ch_ua, *plat, *mob;
	bool complete, sec_fetch, modern;
	unsigned int sum = 0, best = 0;
	uint32_t f = 0;
	size_t i;

	memset(out, 0, sizeof(*out));
	out->top_flag = -1;
	if (status != BW_HTTP_OK) {
		f |= 1u << BW_FLAG_MALFORMED_REQUEST;
		goto total;
	}

	complete = req->complete;
	out->truncated = !complete;
	ua = bw_http_get(req, "User-Agent");
	al = bw_http_get(req, "Accept-Language");
	ae = bw_http_get(req, "Accept-Encoding");
	host = bw_http_get(req, "Host");
	ch_ua = bw_http_get(req, "sec-ch-ua");
	plat = bw_http_get(req, "sec-ch-ua-platform");
	mob = bw_http_get(req, "sec-ch-ua-mobile");
	sec_fetch = bw_http_has_prefix(req, "Sec-Fetch-");
	out->trustworthy = host_is_trustworthy(host);
	if (ua)
		bw_ua_parse(*ua, &out->ua);
	modern = sends_sec_fetch(&out->ua);

	/* User agent. A missing one is only known when the head is complete. */
	if ((ua && !ua->len) || (!ua && complete))
		f |= 1u << BW_FLAG_EMPTY_USER_AGENT;
	if (ua && ua->len) {
		for (i = 0; i < sizeof(bot_patterns) / sizeof(*bot_patterns); i++)
			if (bw_slice_contains_ci(*ua, bot_patterns[i])) {
				f |= 1u << BW_FLAG_KNOWN_BOT_PATTERN;
				break;
			}
		if (bw_slice_contains_ci(*ua, "headless") || bw_slice_contains_ci(*ua, "phantomjs"))
			f |= 1u << BW_FLAG_HEADLESS_USER_AGENT;
		for (i = 0; i < sizeof(suspicious_ua_patterns) / sizeof(*suspicious_ua_patterns); i++)
			if (bw_slice_contains_ci(*ua, suspicious_ua_patterns[i]))
				f |= 1u << BW_FLAG_SUSPICIOUS_USER_AGENT;
		if (out->ua.browser != BW_BROWSER_NONE &&
		    (!bw_slice_starts_with(*ua, "Mozilla/5.0 (") ||
		     (out->ua.browser == BW_BROWSER_CHROMIUM && out->ua.major < 70) ||
		     (out->ua.browser == BW_BROWSER_FIREFOX && out->ua.major < 60)))
			f |= 1u << BW_FLAG_SUSPICIOUS_USER_AGENT;
	}

	/* Accept-Language / Accept-Encoding: absence counts only if complete. */
	if ((al && !al->len) || (!al && complete))
		f |= 1u << BW_FLAG_MISSING_ACCEPT_LANGUAGE;
	if ((!ae && complete) || (ae && !bw_slice_contains_ci(*ae, "gzip")) ||
	    (ae && modern && out->trustworthy && !bw_slice_contains_ci(*ae, "br")))
		f |= 1u << BW_FLAG_INCOMPLETE_ACCEPT_ENCODING;

	/* Secure-context headers: expected at trustworthy origins only. */
	if (out->trustworthy) {
		if (complete && modern && !sec_fetch)
			f |= 1u << BW_FLAG_MISSING_SEC_FETCH;
		if (complete && out->ua.browser == BW_BROWSER_CHROMIUM &&
		    out->ua.major >= 89 && !ch_ua)
			f |= 1u << BW_FLAG_MISSING_CLIENT_HINTS;
	} else if (sec_fetch || ch_ua || plat || mob ||
		   (ae && (bw_slice_contains_ci(*ae, "br") || bw_slice_contains_ci(*ae, "zstd")))) {
		f |= 1u << BW_FLAG_SECURE_HEADERS_ON_PLAINTEXT;
	}
	if (sec_fetch && sec_fetch_inconsistent(req))
		f |= 1u << BW_FLAG_SEC_FETCH_INCONSISTENT;
	if (plat && platform_mismatch(plat, out->ua.os))
		f |= 1u << BW_FLAG_PLATFORM_MISMATCH;
	if (mob && ua && (bw_slice_eq_ci(*mob, "?1") != out->ua.mobile))
		f |= 1u << BW_FLAG_MOBILE_MISMATCH;

total:
	out->flags = f;
	for (i = 0; i < BW_FLAG__MAX; i++) {
		if (!(f & (1u << i)))
			continue;
		out->contrib[i] = bw_flag_weight_default[i];
		sum += bw_flag_weight_default[i];
		if (bw_flag_weight_default[i] > best) {
			best = bw_flag_weight_default[i];
			out->top_flag = (int)i;
		}
	}
	out->score = sum > 100 ? 100 : sum;
}
