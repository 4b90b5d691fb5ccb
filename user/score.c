// SPDX-License-Identifier: GPL-2.0-only
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "score.h"
#include "addr.h"
#include "horder.h"
#include "names.h"
#include "p0f.h"
#include "text.h"
#include "uadb.h"

/*
 * Default weights (points) and groups. A tool's UA alone (known_bot_pattern)
 * is not enough to block at the default threshold of 80; with the missing
 * browser headers that always come with it (a second, independent group),
 * it is. Change them with a weights file (docs/scoring.md).
 */
const uint8_t bw_flag_weight_default[BW_FLAG__MAX] = {
	[BW_FLAG_MISSING_CLIENT_HINTS]       = 15,
	[BW_FLAG_PLATFORM_MISMATCH]          = 35,
	[BW_FLAG_MOBILE_MISMATCH]            = 25,
	[BW_FLAG_MISSING_ACCEPT_LANGUAGE]    = 25,
	[BW_FLAG_INCOMPLETE_ACCEPT_ENCODING] = 15,
	[BW_FLAG_MISSING_SEC_FETCH]          = 20,
	[BW_FLAG_SEC_FETCH_INCONSISTENT]     = 30,
	[BW_FLAG_SUSPICIOUS_USER_AGENT]      = 40,
	[BW_FLAG_EMPTY_USER_AGENT]           = 60,
	[BW_FLAG_KNOWN_BOT_PATTERN]          = 55,
	[BW_FLAG_HEADLESS_USER_AGENT]        = 85,
	[BW_FLAG_SECURE_HEADERS_ON_PLAINTEXT] = 40,
	[BW_FLAG_MALFORMED_REQUEST]          = 50,
	[BW_FLAG_HEADER_ORDER_MISMATCH]      = 35,
	[BW_FLAG_TCP_OS_MISMATCH]            = 20,
	[BW_FLAG_BOT_IMPERSONATION]          = 90,
	[BW_FLAG_IP_TOR]                     = 25,
	[BW_FLAG_IP_VPN]                     = 15,
	[BW_FLAG_IP_PROXY]                   = 20,
	[BW_FLAG_IP_HOSTING]                 = 15,
	[BW_FLAG_IP_AI_CRAWLER]              = 40,
};

const uint8_t bw_flag_group[BW_FLAG__MAX] = {
	[BW_FLAG_MISSING_CLIENT_HINTS]       = BW_G_HEADERS,
	[BW_FLAG_PLATFORM_MISMATCH]          = BW_G_CONSISTENCY,
	[BW_FLAG_MOBILE_MISMATCH]            = BW_G_CONSISTENCY,
	[BW_FLAG_MISSING_ACCEPT_LANGUAGE]    = BW_G_HEADERS,
	[BW_FLAG_INCOMPLETE_ACCEPT_ENCODING] = BW_G_HEADERS,
	[BW_FLAG_MISSING_SEC_FETCH]          = BW_G_HEADERS,
	[BW_FLAG_SEC_FETCH_INCONSISTENT]     = BW_G_CONSISTENCY,
	[BW_FLAG_SUSPICIOUS_USER_AGENT]      = BW_G_ATTACK,
	[BW_FLAG_EMPTY_USER_AGENT]           = BW_G_IDENTITY,
	[BW_FLAG_KNOWN_BOT_PATTERN]          = BW_G_IDENTITY,
	[BW_FLAG_HEADLESS_USER_AGENT]        = BW_G_IDENTITY,
	[BW_FLAG_SECURE_HEADERS_ON_PLAINTEXT] = BW_G_CONSISTENCY,
	[BW_FLAG_MALFORMED_REQUEST]          = BW_G_PROTOCOL,
	[BW_FLAG_HEADER_ORDER_MISMATCH]      = BW_G_CONSISTENCY,
	[BW_FLAG_TCP_OS_MISMATCH]            = BW_G_NETWORK,
	[BW_FLAG_BOT_IMPERSONATION]          = BW_G_IMPERSONATION,
	[BW_FLAG_IP_TOR]                     = BW_G_REPUTATION,
	[BW_FLAG_IP_VPN]                     = BW_G_REPUTATION,
	[BW_FLAG_IP_PROXY]                   = BW_G_REPUTATION,
	[BW_FLAG_IP_HOSTING]                 = BW_G_REPUTATION,
	[BW_FLAG_IP_AI_CRAWLER]              = BW_G_REPUTATION,
};

const char *const bw_group_names[BW_G__MAX] = {
	"identity", "headers", "consistency", "attack", "protocol", "network",
	"impersonation", "reputation", "behaviour",
};

const uint32_t bw_flags_deterministic = (1u << BW_FLAG_HEADLESS_USER_AGENT) |
					(1u << BW_FLAG_BOT_IMPERSONATION);

static const uint8_t group_cap_default[BW_G__MAX] = {
	[BW_G_IDENTITY] = 90, [BW_G_HEADERS] = 35, [BW_G_CONSISTENCY] = 60,
	[BW_G_ATTACK] = 60, [BW_G_PROTOCOL] = 60, [BW_G_NETWORK] = 25,
	[BW_G_IMPERSONATION] = 95, [BW_G_REPUTATION] = 45, [BW_G_BEHAVIOUR] = 60,
};

void bw_weights_default(struct bw_weights *w)
{
	memcpy(w->w, bw_flag_weight_default, sizeof(w->w));
	memcpy(w->cap, group_cap_default, sizeof(w->cap));
	w->damping = 25;
	w->trust_profile = 10;
	w->challenge = 50;
	w->deny = 80;
	/* Behaviour alone (one group) never denies: with perfect browser
	 * headers a high probability reaches challenge (60 - 10 trust). */
	w->behave_high = 60;
	w->behave_moderate = 30;
}

/* User-agent substrings of HTTP libraries, tools and crawlers (case-
 * insensitive). A first version: the scoring issue replaces this with
 * maintained datasets. */
static const char *const bot_patterns[] = {
	"bot", "crawl", "spider", "slurp", "curl/", "wget/", "python-requests",
	"python-urllib", "python/", "aiohttp", "httpx", "go-http-client", "java/",
	"okhttp", "libwww-perl", "scrapy", "axios/", "node-fetch", "httpclient",
	"guzzlehttp", "ruby", "powershell", "postmanruntime", "insomnia",
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
	const char *p = s.p, *end = s.p + s.len;

	/* first byte with memchr, then the rest: cheaper than memmem's setup
	 * for these short tokens (docs/benchmarks.md, "Scoring") */
	while (n && (size_t)(end - p) >= n && (p = memchr(p, tok[0], (size_t)(end - p - (ptrdiff_t)n + 1)))) {
		if (!memcmp(p + 1, tok + 1, n - 1))
			return p + n;
		p++;
	}
	return NULL;
}

/* User-agent substrings checked case-insensitively in one pass: "headless",
 * "phantomjs" (bit 0), then the suspicious patterns (bit 1). */
static unsigned int ua_scan(struct bw_slice ua)
{
	static const struct { const char *s; unsigned char len, bit; } pats[] = {
		{ "headless", 8, 1 }, { "phantomjs", 9, 1 }, { "${", 2, 2 }, { "<script", 7, 2 },
		{ "() {", 4, 2 }, { "../", 3, 2 }, { "' or ", 5, 2 }, { "union select", 12, 2 },
		{ "\\x", 2, 2 },
	};
	/* lower-case first bytes of the patterns */
	static const unsigned char first[256] = {
		['h'] = 1, ['p'] = 1, ['$'] = 1, ['<'] = 1, ['('] = 1, ['.'] = 1, ['\''] = 1,
		['u'] = 1, ['\\'] = 1,
	};
	unsigned int found = 0;
	for (size_t i = 0; i < ua.len; i++) {
		unsigned char c = (unsigned char)ua.p[i];

		if (c >= 'A' && c <= 'Z')
			c |= 0x20;
		if (!first[c])
			continue;
		for (size_t k = 0; k < sizeof(pats) / sizeof(*pats); k++) {
			size_t j;

			if ((unsigned char)pats[k].s[0] != c || i + pats[k].len > ua.len)
				continue;
			for (j = 1; j < pats[k].len; j++) {
				unsigned char d = (unsigned char)ua.p[i + j];

				if ((d >= 'A' && d <= 'Z' ? (d | 0x20) : d) != (unsigned char)pats[k].s[j])
					break;
			}
			if (j == pats[k].len)
				found |= pats[k].bit;
		}
	}
	return found;
}

/* snprintf(dst, size, "%s", src) without the formatting machinery. */
static void copy_str(char *dst, size_t size, const char *src)
{
	size_t n = strnlen(src, size - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
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


/* ---- address sets ---- */

static bool in_prefix(const struct bw_lpm_key *k, const struct bw_addr *a)
{
	unsigned int bits = k->prefixlen > 128 ? 128 : k->prefixlen, full = bits / 8;

	if (memcmp(k->addr, a->b, full))
		return false;
	if (bits % 8) {
		uint8_t m = (uint8_t)(0xff << (8 - bits % 8));

		return (k->addr[full] & m) == (a->b[full] & m);
	}
	return true;
}

const char *bw_rangeset_find(const struct bw_rangeset *rs, const struct bw_addr *a,
			     const char *tag)
{
	const struct bw_range *best = NULL;

	if (!rs || !a)
		return NULL;
	for (size_t i = 0; i < rs->n; i++)
		if ((!tag || !strcmp(rs->r[i].tag, tag)) && in_prefix(&rs->r[i].pfx, a) &&
		    (!best || rs->r[i].pfx.prefixlen > best->pfx.prefixlen))
			best = &rs->r[i];
	return best ? best->tag : NULL;
}

bool bw_rangeset_has_tag(const struct bw_rangeset *rs, const char *tag)
{
	for (size_t i = 0; rs && i < rs->n; i++)
		if (!strcmp(rs->r[i].tag, tag))
			return true;
	return false;
}

/* Crawlers whose operators publish their address ranges: a UA token and the
 * tag their ranges carry in the good_bots set. */
static const struct {
	const char *tok, *op;
} crawler_ops[] = {
	{ "Googlebot", "google" }, { "AdsBot-Google", "google" },
	{ "Mediapartners-Google", "google" }, { "Google-InspectionTool", "google" },
	{ "bingbot", "bing" }, { "BingPreview", "bing" }, { "msnbot", "bing" },
	{ "Applebot", "apple" }, { "DuckDuckBot", "duckduckgo" },
	{ "YandexBot", "yandex" }, { "Baiduspider", "baidu" },
	{ "GPTBot", "openai" }, { "OAI-SearchBot", "openai" }, { "ChatGPT-User", "openai" },
	{ "PerplexityBot", "perplexity" }, { "ClaudeBot", "anthropic" },
};

static const char *claimed_operator(struct bw_slice ua)
{
	for (size_t i = 0; i < sizeof(crawler_ops) / sizeof(*crawler_ops); i++)
		if (find_tok(ua, crawler_ops[i].tok))
			return crawler_ops[i].op;
	return NULL;
}

/* ---- names, codes ---- */

void bw_reason_code(unsigned int flag, char out[8])
{
	snprintf(out, 8, "RP%03u", (flag + 1) % 1000);
}

const char *bw_status_name(enum bw_status s)
{
	return s == BW_STATUS_DENY ? "deny" : s == BW_STATUS_CHALLENGE ? "challenge" : "allow";
}

const char *bw_severity_name(enum bw_severity s)
{
	static const char *const n[] = { "low", "medium", "high", "critical" };

	return (unsigned int)s < 4 ? n[s] : "low";
}

/* uap's OS names for the token-level OS of bw_ua_parse. */
static const char *uap_os_name(const char *os)
{
	if (!os)
		return NULL;
	return !strcmp(os, "macOS") ? "Mac OS X" : os;
}

static bool is_loopback(const struct bw_addr *a)
{
	static const uint8_t v6lo[16] = { [15] = 1 };

	if (!a)
		return false;
	if (bw_addr_is_v4(a))
		return a->b[12] == 127;
	return !memcmp(a->b, v6lo, 16);
}

/* ---- the scorer ---- */

static void decide(const struct bw_weights *w, struct bw_score *out, bool trusted_profile)
{
	unsigned int gmax[BW_G__MAX] = { 0 }, gsum[BW_G__MAX] = { 0 };
	int gtop[BW_G__MAX];
	unsigned int best = 0, total = 0;
	int ngroups = 0;

	for (int g = 0; g < BW_G__MAX; g++)
		gtop[g] = -1;
	/* strongest flag of each group counts in full */
	for (int i = 0; i < BW_FLAG__MAX; i++) {
		int g = bw_flag_group[i];

		if (!(out->flags & (1u << i)) || !w->w[i])
			continue;
		if (gtop[g] < 0 || w->w[i] > gmax[g]) {
			gmax[g] = w->w[i];
			gtop[g] = i;
		}
	}
	/* two passes: each group's strongest flag first, so the cap cuts the rest */
	for (int pass = 0; pass < 2; pass++)
	for (int i = 0; i < BW_FLAG__MAX; i++) {
		int g = bw_flag_group[i];
		unsigned int pts, room;

		if (!(out->flags & (1u << i)) || !w->w[i] || (i == gtop[g]) != (pass == 0))
			continue;
		pts = i == gtop[g] ? w->w[i] : (w->w[i] * w->damping + 50) / 100;
		room = w->cap[g] > gsum[g] ? w->cap[g] - gsum[g] : 0;
		if (pts > room)
			pts = room;
		out->contrib[i] = (uint8_t)pts;
		gsum[g] += pts;
		total += pts;
		if (pts > best) {
			best = pts;
			out->top_flag = i;
		}
	}
	/* Behaviour: one group of its own, independent of the request's bytes. */
	if (out->behave.known && out->behave.level >= BW_BEHAVE_MOD) {
		unsigned int pts = out->behave.level == BW_BEHAVE_HI ? w->behave_high :
				   w->behave_moderate;

		if (pts > w->cap[BW_G_BEHAVIOUR])
			pts = w->cap[BW_G_BEHAVIOUR];
		out->behave_contrib = (uint8_t)pts;
		gsum[BW_G_BEHAVIOUR] += pts;
		total += pts;
	}
	for (int g = 0; g < BW_G__MAX; g++)
		if (gsum[g]) {
			out->groups |= (uint16_t)(1u << g);
			ngroups++;
		}
	out->raw = total;
	/* A full match of the claimed browser's profile is evidence for it,
	 * unless the UA itself already says tool, bot or headless. */
	if (trusted_profile && !(out->groups & (1u << BW_G_IDENTITY)) &&
	    !(out->flags & bw_flags_deterministic))
		out->trust = w->trust_profile;
	total = total > out->trust ? total - out->trust : 0;
	out->score = total > 100 ? 100 : total;
	out->strong = ngroups >= 2 || (out->flags & bw_flags_deterministic);

	out->severity = out->score >= 80 ? BW_SEV_CRITICAL : out->score >= 60 ? BW_SEV_HIGH :
			out->score >= 30 ? BW_SEV_MEDIUM : BW_SEV_LOW;
	if (out->verified_bot)
		out->status = BW_STATUS_ALLOW;
	else if (out->score >= w->deny && out->strong)
		out->status = BW_STATUS_DENY;
	else if (out->score >= w->challenge)
		out->status = BW_STATUS_CHALLENGE;
	else
		out->status = BW_STATUS_ALLOW;
	out->threat_profile = out->status == BW_STATUS_DENY ? "BOT" :
			      (out->status == BW_STATUS_ALLOW && out->score < 30 &&
			       !out->verified_bot) ? "VAL" :
			      out->verified_bot ? "BOT" : "NSD";

	/* seed 003: BOT-<SUBCATEGORY>, null (empty) for a valid request */
	if (!strcmp(out->threat_profile, "VAL"))
		return;
	if (out->flags & (1u << BW_FLAG_BOT_IMPERSONATION))
		snprintf(out->threat_category, sizeof(out->threat_category), "BOT-IMPERSONATION");
	else if (out->flags & (1u << BW_FLAG_HEADLESS_USER_AGENT))
		snprintf(out->threat_category, sizeof(out->threat_category), "BOT-HEADLESS");
	else if (out->bot_cat) {
		char up[24];
		const char *n = bw_bot_cat_name(out->bot_cat);
		size_t k;

		for (k = 0; n[k] && k + 1 < sizeof(up); k++)
			up[k] = (char)toupper((unsigned char)n[k]);
		up[k] = 0;
		snprintf(out->threat_category, sizeof(out->threat_category), "BOT-%s", up);
	} else if (out->flags & (1u << BW_FLAG_SUSPICIOUS_USER_AGENT))
		snprintf(out->threat_category, sizeof(out->threat_category), "BOT-ATTACK");
	else if (out->flags & (1u << BW_FLAG_MALFORMED_REQUEST))
		snprintf(out->threat_category, sizeof(out->threat_category), "BOT-MALFORMED");
	else if (out->flags & (1u << BW_FLAG_EMPTY_USER_AGENT))
		snprintf(out->threat_category, sizeof(out->threat_category), "BOT-NO_USER_AGENT");
	else if (out->groups == (1u << BW_G_BEHAVIOUR))
		snprintf(out->threat_category, sizeof(out->threat_category), "BOT-BEHAVIOUR");
	else
		snprintf(out->threat_category, sizeof(out->threat_category), "BOT-FINGERPRINT");
}

void bw_score_full(const struct bw_scorer *sc, const struct bw_http_req *req,
		   enum bw_http_status status, const struct bw_score_ctx *ctx,
		   struct bw_score *out)
{
	static const struct bw_score_ctx no_ctx;
	const struct bw_slice *ua, *al, *ae, *host, *ch_ua, *plat, *mob;
	bool complete, sec_fetch, modern, browser, trusted_profile = false;
	struct bw_weights wdef;
	const struct bw_weights *w;
	uint32_t f = 0;
	size_t i;

	if (!ctx)
		ctx = &no_ctx;
	if (sc) {
		w = &sc->w;
	} else {
		bw_weights_default(&wdef);
		w = &wdef;
	}
	memset(out, 0, sizeof(*out));
	out->top_flag = -1;
	if (ctx->behave)
		out->behave = *ctx->behave;
	if (status != BW_HTTP_OK) {
		f |= 1u << BW_FLAG_MALFORMED_REQUEST;
		goto total;
	}
	bw_horder_fingerprint(req, out->horder);

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
	/* Trustworthy: Host names loopback; with no Host, a loopback destination. */
	out->trustworthy = host ? host_is_trustworthy(host) : is_loopback(ctx->dst);
	if (ua)
		bw_ua_parse(*ua, &out->ua);
	modern = sends_sec_fetch(&out->ua);
	browser = out->ua.browser == BW_BROWSER_CHROMIUM || out->ua.browser == BW_BROWSER_FIREFOX;

	/* User agent. A missing one is only known when the head is complete. */
	if ((ua && !ua->len) || (!ua && complete))
		f |= 1u << BW_FLAG_EMPTY_USER_AGENT;
	if (ua && ua->len) {
		if (sc && sc->uadb) {
			struct bw_ua_result r;

			bw_uadb_lookup(sc->uadb, ua->p, ua->len, &r);
			copy_str(out->device, sizeof(out->device), r.name);
			copy_str(out->bot, sizeof(out->bot), r.bot);
			out->bot_cat = r.bot_cat;
			if (r.bot_cat || r.spider)
				f |= 1u << BW_FLAG_KNOWN_BOT_PATTERN;
		} else {
			for (i = 0; i < sizeof(bot_patterns) / sizeof(*bot_patterns); i++)
				if (bw_slice_contains_ci(*ua, bot_patterns[i])) {
					f |= 1u << BW_FLAG_KNOWN_BOT_PATTERN;
					snprintf(out->bot, sizeof(out->bot), "%s", bot_patterns[i]);
					out->bot_cat = BW_BOTCAT_OTHER;
					break;
				}
		}
		{
			unsigned int m = ua_scan(*ua);

			if (m & 1)
				f |= 1u << BW_FLAG_HEADLESS_USER_AGENT;
			if (m & 2)
				f |= 1u << BW_FLAG_SUSPICIOUS_USER_AGENT;
		}
		if (out->ua.browser != BW_BROWSER_NONE &&
		    (!bw_slice_starts_with(*ua, "Mozilla/5.0 (") ||
		     (out->ua.browser == BW_BROWSER_CHROMIUM && out->ua.major < 70) ||
		     (out->ua.browser == BW_BROWSER_FIREFOX && out->ua.major < 60)))
			f |= 1u << BW_FLAG_SUSPICIOUS_USER_AGENT;
	}
	if (!out->device[0])
		snprintf(out->device, sizeof(out->device), "%s",
			 out->ua.browser == BW_BROWSER_CHROMIUM ? "Chrome" :
			 out->ua.browser == BW_BROWSER_FIREFOX ? "Firefox" :
			 out->ua.browser == BW_BROWSER_SAFARI ? "Safari" : "Other");

	/* Accept-Language / Accept-Encoding: absence counts only if complete.
	 * Chromium and Firefox send "gzip, deflate" even over plaintext. */
	if ((al && !al->len) || (!al && complete))
		f |= 1u << BW_FLAG_MISSING_ACCEPT_LANGUAGE;
	if ((!ae && complete) || (ae && !bw_slice_contains_ci(*ae, "gzip")) ||
	    (ae && browser && !bw_slice_contains_ci(*ae, "deflate")) ||
	    (ae && modern && out->trustworthy && !bw_slice_contains_ci(*ae, "br")))
		f |= 1u << BW_FLAG_INCOMPLETE_ACCEPT_ENCODING;

	/* Secure-context headers: expected at trustworthy origins only; at a
	 * plaintext named host they are headers replayed from an HTTPS session. */
	if (out->trustworthy) {
		if (complete && modern && !sec_fetch)
			f |= 1u << BW_FLAG_MISSING_SEC_FETCH;
		if (complete && out->ua.browser == BW_BROWSER_CHROMIUM &&
		    out->ua.major >= 89 && !ch_ua)
			f |= 1u << BW_FLAG_MISSING_CLIENT_HINTS;
	} else if (sec_fetch || ch_ua || plat || mob ||
		   (browser && ae && (bw_slice_contains_ci(*ae, "br") ||
				      bw_slice_contains_ci(*ae, "zstd")))) {
		f |= 1u << BW_FLAG_SECURE_HEADERS_ON_PLAINTEXT;
	}
	if (sec_fetch && sec_fetch_inconsistent(req))
		f |= 1u << BW_FLAG_SEC_FETCH_INCONSISTENT;
	if (plat && platform_mismatch(plat, out->ua.os))
		f |= 1u << BW_FLAG_PLATFORM_MISMATCH;
	if (mob && ua && (bw_slice_eq_ci(*mob, "?1") != out->ua.mobile))
		f |= 1u << BW_FLAG_MOBILE_MISMATCH;

	/* Header order: only for a browser claim that is not a known bot (a
	 * crawler that borrows a Chrome token has its own order). */
	if (browser && !(f & (1u << BW_FLAG_KNOWN_BOT_PATTERN))) {
		struct bw_profile_check pc;

		out->profile = out->ua.browser == BW_BROWSER_CHROMIUM ?
			(out->trustworthy ? BW_PROFILE_CHROMIUM_SECURE : BW_PROFILE_CHROMIUM_PLAIN) :
			(out->trustworthy ? BW_PROFILE_FIREFOX_SECURE : BW_PROFILE_FIREFOX_PLAIN);
		bw_profile_check(req, (enum bw_profile_id)out->profile, &pc);
		if (pc.mismatch) {
			f |= 1u << BW_FLAG_HEADER_ORDER_MISMATCH;
			snprintf(out->why_order, sizeof(out->why_order), "%s", pc.why);
		}
		trusted_profile = pc.full && complete;
	}

	/* TCP SYN vs the OS the UA names. */
	if (ctx->syn && sc && sc->p0f) {
		struct bw_syn_class c;

		if (bw_p0f_match(sc->p0f, ctx->syn, &c)) {
			snprintf(out->syn_class, sizeof(out->syn_class), "%s:%s%s%s%s", c.cls,
				 c.os, c.flavor[0] ? ":" : "", c.flavor, c.generic ? " (generic)" : "");
			if (ua && bw_p0f_os_mismatch(&c, uap_os_name(out->ua.os)))
				f |= 1u << BW_FLAG_TCP_OS_MISMATCH;
		} else {
			snprintf(out->syn_class, sizeof(out->syn_class), "unknown");
		}
	}

	/* Addresses: good crawler verification and reputation. */
	if (ctx->src && sc) {
		/* the claimed operator matters only when ranges are known */
		const char *op = ua && ua->len && sc->good_bots.n ? claimed_operator(*ua) : NULL;
		const char *rep = bw_rangeset_find(&sc->reputation, ctx->src, NULL);

		if (op && bw_rangeset_has_tag(&sc->good_bots, op)) {
			if (bw_rangeset_find(&sc->good_bots, ctx->src, op))
				out->verified_bot = true;
			else
				f |= 1u << BW_FLAG_BOT_IMPERSONATION;
		}
		if (rep) {
			if (!strcmp(rep, "tor"))
				f |= 1u << BW_FLAG_IP_TOR;
			else if (!strcmp(rep, "vpn"))
				f |= 1u << BW_FLAG_IP_VPN;
			else if (!strcmp(rep, "proxy"))
				f |= 1u << BW_FLAG_IP_PROXY;
			else if (!strcmp(rep, "hosting"))
				f |= 1u << BW_FLAG_IP_HOSTING;
			else if (!strcmp(rep, "ai_crawler"))
				f |= 1u << BW_FLAG_IP_AI_CRAWLER;
		}
	}

total:
	out->flags = f;
	decide(w, out, trusted_profile);
}

void bw_score_request(const struct bw_http_req *req, enum bw_http_status status,
		      struct bw_score *out)
{
	bw_score_full(NULL, req, status, NULL, out);
}

/* ---- weights file ---- */

int bw_weights_load(const char *path, struct bw_weights *out, char *err, size_t errlen)
{
	struct bw_weights w = *out;
	FILE *f = fopen(path, "r");
	char line[256], *s;
	struct bw_lines r = BW_LINES_INIT(f, path, "#", line);
	int more;

	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while ((more = bw_lines_next(&r, &s, err, errlen)) > 0) {
		char *k, *name, *val, *end, *save = NULL;
		unsigned long ln = r.lineno;
		long v;
		int id;

		k = strtok_r(s, " \t", &save);
		name = strtok_r(NULL, " \t", &save);
		val = strtok_r(NULL, " \t", &save);
		if (!strcmp(k, "damping") || !strcmp(k, "trust_profile_match") ||
		    !strcmp(k, "challenge") || !strcmp(k, "deny") ||
		    !strcmp(k, "behaviour_high") || !strcmp(k, "behaviour_moderate")) {
			val = name;
			name = NULL;
		}
		if (!val || strtok_r(NULL, " \t", &save)) {
			snprintf(err, errlen, "%s:%lu: expected 'weight FLAG N', 'cap GROUP N', "
				 "'damping N', 'trust_profile_match N', 'challenge N', 'deny N', "
				 "'behaviour_high N' or 'behaviour_moderate N'",
				 path, ln);
			goto fail;
		}
		errno = 0;
		v = strtol(val, &end, 10);
		if (*end || errno || v < 0 || v > 100) {
			snprintf(err, errlen, "%s:%lu: '%s': expected a number 0-100", path, ln, val);
			goto fail;
		}
		if (!strcmp(k, "weight")) {
			if ((id = bw_flag_by_name(name)) < 0) {
				snprintf(err, errlen, "%s:%lu: unknown flag '%s'", path, ln, name);
				goto fail;
			}
			w.w[id] = (uint8_t)v;
		} else if (!strcmp(k, "cap")) {
			for (id = 0; id < BW_G__MAX && strcmp(bw_group_names[id], name); id++)
				;
			if (id == BW_G__MAX) {
				snprintf(err, errlen, "%s:%lu: unknown group '%s'", path, ln, name);
				goto fail;
			}
			w.cap[id] = (uint8_t)v;
		} else if (!strcmp(k, "damping")) {
			w.damping = (uint8_t)v;
		} else if (!strcmp(k, "trust_profile_match")) {
			w.trust_profile = (uint8_t)v;
		} else if (!strcmp(k, "challenge")) {
			w.challenge = (uint8_t)v;
		} else if (!strcmp(k, "deny")) {
			w.deny = (uint8_t)v;
		} else if (!strcmp(k, "behaviour_high")) {
			w.behave_high = (uint8_t)v;
		} else if (!strcmp(k, "behaviour_moderate")) {
			w.behave_moderate = (uint8_t)v;
		} else {
			snprintf(err, errlen, "%s:%lu: unknown keyword '%s'", path, ln, k);
			goto fail;
		}
	}
	if (more < 0)
		goto fail;
	fclose(f);
	if (w.challenge > w.deny) {
		snprintf(err, errlen, "%s: challenge (%u) above deny (%u)", path, w.challenge, w.deny);
		return -1;
	}
	*out = w;
	return 0;
fail:
	fclose(f);
	return -1;
}
