// SPDX-License-Identifier: GPL-2.0-only
#include <bpf/bpf.h>
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "decide.h"
#include "http.h"
#include "maps.h"
#include "names.h"
#include "score.h"

/* What the edge knows about an address. */
struct edge {
	bool allowlisted, blocklisted, verdict;
	unsigned int verdict_score;
};

static void edge_lookup(const struct bw_decide_ctx *ctx, const struct bw_addr *a, struct edge *e)
{
	struct bw_lpm_key k = { .prefixlen = 128 };
	struct bw_list_entry le;
	struct bw_verdict v;

	memset(e, 0, sizeof(*e));
	memcpy(k.addr, a->b, 16);
	if (ctx->allow_fd >= 0 && bpf_map_lookup_elem(ctx->allow_fd, &k, &le) == 0)
		e->allowlisted = true;
	if (ctx->block_fd >= 0 && bpf_map_lookup_elem(ctx->block_fd, &k, &le) == 0)
		e->blocklisted = true;
	if (ctx->verdicts_fd >= 0 && bpf_map_lookup_elem(ctx->verdicts_fd, a, &v) == 0 &&
	    v.action == BW_ACT_DROP && (v.expires_ns == 0 || v.expires_ns > bw_now_ns())) {
		e->verdict = true;
		e->verdict_score = v.score;
	}
}

/* A string field: absent is fine unless required; present must be a bounded
 * string without control characters (they would forge header lines). */
static int str_field(const cJSON *obj, const char *name, const char *path, bool required,
		     const char **out, char *err, size_t errlen)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
	size_t n;

	*out = NULL;
	if (!v || cJSON_IsNull(v)) {
		if (required) {
			snprintf(err, errlen, "%s%s is required", path, name);
			return -1;
		}
		return 0;
	}
	if (!cJSON_IsString(v)) {
		snprintf(err, errlen, "%s%s must be a string", path, name);
		return -1;
	}
	n = strlen(v->valuestring);
	if (n > BW_DECIDE_FIELD_MAX) {
		snprintf(err, errlen, "%s%s is longer than %d bytes", path, name, BW_DECIDE_FIELD_MAX);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)v->valuestring[i];

		if (c < 0x20 || c == 0x7f) {
			snprintf(err, errlen, "%s%s contains control characters", path, name);
			return -1;
		}
	}
	*out = v->valuestring;
	return 0;
}

static int bool_field(const cJSON *obj, const char *name, const char *path, int *out,
		      char *err, size_t errlen)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);

	*out = -1;
	if (!v || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsBool(v)) {
		snprintf(err, errlen, "%s%s must be true or false", path, name);
		return -1;
	}
	*out = cJSON_IsTrue(v);
	return 0;
}

/* Host and path of an absolute URL ("" when absent). */
static void split_url(const char *url, char *host, size_t hl, char *path, size_t pl, bool *https)
{
	const char *p = url ? strstr(url, "://") : NULL;
	size_t n;

	*https = url && !strncasecmp(url, "https://", 8);
	host[0] = '\0';
	snprintf(path, pl, "/");
	if (!p)
		return;
	p += 3;
	n = strcspn(p, "/?#");
	snprintf(host, hl, "%.*s", (int)(n < hl ? n : hl - 1), p);
	p += n;
	if (*p == '/') {
		n = strcspn(p, "?# ");
		snprintf(path, pl, "%.*s", (int)(n < pl ? n : pl - 1), p);
	}
}

static void add_hdr(char *head, size_t *n, size_t cap, const char *name, const char *val)
{
	if (val && *n < cap)
		*n += (size_t)snprintf(head + *n, cap - *n, "%s: %s\r\n", name, val);
}

struct app_req {
	const char *ua, *host, *referer, *accept, *accept_encoding, *accept_language, *url;
};

/*
 * Scores what the application forwarded. The head is built without its
 * closing blank line: the scorer then treats it as cut, so a header the
 * application did not forward is "unknown", not "missing". Requests to an
 * https URL are at a trustworthy origin: browser headers there are normal.
 */
static void score_app(const struct app_req *a, struct bw_score *sc)
{
	char head[6 * (BW_DECIDE_FIELD_MAX + 32) + 600], host[256], path[512];
	struct bw_http_req req;
	enum bw_http_status st;
	bool https;
	size_t n = 0;
	unsigned int sum = 0, best = 0;

	split_url(a->url, host, sizeof(host), path, sizeof(path), &https);
	for (char *p = path; *p; p++)
		if (*p == ' ' || (unsigned char)*p < 0x21)
			*p = '_';
	n += (size_t)snprintf(head + n, sizeof(head) - n, "GET %s HTTP/1.1\r\n", path);
	add_hdr(head, &n, sizeof(head), "Host", a->host ? a->host : host[0] ? host : NULL);
	add_hdr(head, &n, sizeof(head), "User-Agent", a->ua);
	add_hdr(head, &n, sizeof(head), "Accept", a->accept);
	add_hdr(head, &n, sizeof(head), "Accept-Encoding", a->accept_encoding);
	add_hdr(head, &n, sizeof(head), "Accept-Language", a->accept_language);
	add_hdr(head, &n, sizeof(head), "Referer", a->referer);
	if (n >= sizeof(head))
		n = sizeof(head) - 1;
	st = bw_http_parse(head, n, &req);
	bw_score_request(&req, st, sc);
	if (!https)
		return;
	sc->flags &= ~(1u << BW_FLAG_SECURE_HEADERS_ON_PLAINTEXT);
	sc->top_flag = -1;
	for (int i = 0; i < BW_FLAG__MAX; i++) {
		if (!(sc->flags & (1u << i))) {
			sc->contrib[i] = 0;
			continue;
		}
		sum += sc->contrib[i];
		if (sc->contrib[i] > best) {
			best = sc->contrib[i];
			sc->top_flag = i;
		}
	}
	sc->score = sum > 100 ? 100 : sum;
}

/* Flags that name the client a bot whatever the score adds up to. */
#define SURE_BOT ((1u << BW_FLAG_KNOWN_BOT_PATTERN) | (1u << BW_FLAG_HEADLESS_USER_AGENT) | \
		  (1u << BW_FLAG_EMPTY_USER_AGENT))

/* Edge knowledge raises (or, for the allowlist, overrides) the score. */
static unsigned int combine(unsigned int score, const struct edge *e)
{
	if (e->blocklisted)
		score = 100;
	if (e->verdict && e->verdict_score > score)
		score = e->verdict_score;
	return score;
}

static cJSON *parse_body(const char *body, size_t len, char *err, size_t errlen)
{
	cJSON *doc = cJSON_ParseWithLength(body, len);

	if (!doc || !cJSON_IsObject(doc)) {
		snprintf(err, errlen, "request body is not a JSON object");
		cJSON_Delete(doc);
		return NULL;
	}
	return doc;
}

static int parse_ip(const char *ip, const char *path, struct bw_addr *a, char *err, size_t errlen)
{
	char e[128];

	if (bw_parse_addr(ip, a, e, sizeof(e))) {
		snprintf(err, errlen, "%s is not an IPv4 or IPv6 address", path);
		return -1;
	}
	return 0;
}

void bw_device_name(const char *ua, char *out, size_t len)
{
	struct bw_ua_info info;
	const char *browser = NULL, *os;
	char osbuf[32];

	if (!ua || !*ua) {
		snprintf(out, len, "Unknown");
		return;
	}
	bw_ua_parse((struct bw_slice){ ua, strlen(ua) }, &info);
	switch (info.browser) {
	case BW_BROWSER_CHROMIUM:
		browser = strstr(ua, "Edg/") ? "Edge" : strstr(ua, "OPR/") ? "Opera" : "Chrome";
		break;
	case BW_BROWSER_FIREFOX: browser = "Firefox"; break;
	case BW_BROWSER_SAFARI: browser = "Safari"; break;
	default: break;
	}
	if (!browser) {
		/* A tool: its product token ("curl/8.1" -> "curl"). */
		size_t n = strcspn(ua, "/ ;(");

		snprintf(out, len, "%.*s", (int)(n > 40 ? 40 : n), n ? ua : "Unknown");
		return;
	}
	os = info.os;
	if (os && !strcmp(os, "Windows")) {
		static const struct { const char *nt, *name; } win[] = {
			{ "Windows NT 10.0", "Windows 10" }, { "Windows NT 6.3", "Windows 8.1" },
			{ "Windows NT 6.2", "Windows 8" }, { "Windows NT 6.1", "Windows 7" },
		};
		for (size_t i = 0; i < sizeof(win) / sizeof(win[0]); i++)
			if (strstr(ua, win[i].nt)) {
				snprintf(osbuf, sizeof(osbuf), "%s", win[i].name);
				os = osbuf;
				break;
			}
	}
	if (os)
		snprintf(out, len, "%s on %s", browser, os);
	else
		snprintf(out, len, "%s", browser);
}

int bw_decide_bot(const struct bw_decide_ctx *ctx, const char *body, size_t len,
		  cJSON **out, char *err, size_t errlen)
{
	struct app_req a = {};
	const char *ip, *did, *uid, *ho;
	const cJSON *h, *ac;
	struct bw_addr addr;
	struct bw_score sc;
	struct edge e;
	unsigned int score;
	char name[64];
	cJSON *doc = parse_body(body, len, err, errlen), *r, *dev;
	const char *status, *severity;

	if (!doc)
		return 400;
	h = cJSON_GetObjectItemCaseSensitive(doc, "h");
	if (!cJSON_IsObject(h)) {
		snprintf(err, errlen, "h is required and must be an object");
		goto bad;
	}
	ac = cJSON_GetObjectItemCaseSensitive(h, "ac");
	if (ac && !cJSON_IsObject(ac)) {
		snprintf(err, errlen, "h.ac must be an object");
		goto bad;
	}
	if (str_field(doc, "uID", "", false, &uid, err, errlen) ||
	    str_field(doc, "dID", "", false, &did, err, errlen) ||
	    str_field(h, "ip", "h.", true, &ip, err, errlen) ||
	    str_field(h, "ua", "h.", true, &a.ua, err, errlen) ||
	    str_field(h, "ho", "h.", false, &ho, err, errlen) ||
	    str_field(h, "rf", "h.", false, &a.referer, err, errlen) ||
	    str_field(h, "url", "h.", false, &a.url, err, errlen) ||
	    (ac && (str_field(ac, "a", "h.ac.", false, &a.accept, err, errlen) ||
		    str_field(ac, "ae", "h.ac.", false, &a.accept_encoding, err, errlen) ||
		    str_field(ac, "al", "h.ac.", false, &a.accept_language, err, errlen))))
		goto bad;
	if (parse_ip(ip, "h.ip", &addr, err, errlen))
		goto bad;
	a.host = ho;
	score_app(&a, &sc);
	edge_lookup(ctx, &addr, &e);
	score = combine(sc.score, &e);

	/* seed 001: allow / challenge / deny; the allowlist always allows. */
	if (e.allowlisted)
		status = "allow";
	else if (score >= ctx->threshold || e.blocklisted || e.verdict || (sc.flags & SURE_BOT))
		status = "deny";
	else if (score > 30)
		status = "challenge";
	else
		status = "allow";
	severity = score >= ctx->threshold ? "high" : score > 30 ? "medium" : "low";

	r = cJSON_CreateObject();
	cJSON_AddStringToObject(r, "status", status);
	cJSON_AddStringToObject(r, "severity", severity);
	cJSON_AddNumberToObject(r, "risk_score", score);
	cJSON_AddStringToObject(r, "shadow_mode", "0");
	dev = cJSON_AddObjectToObject(r, "device");
	cJSON_AddStringToObject(dev, "device_id", did ? did : "");
	bw_device_name(a.ua, name, sizeof(name));
	cJSON_AddStringToObject(dev, "name", name);
	cJSON_AddStringToObject(dev, "ip", ip);
	cJSON_AddStringToObject(dev, "location", "");
	cJSON_AddStringToObject(r, "message", "Bot Request successfully reached.");
	cJSON_Delete(doc);
	*out = r;
	return 200;
bad:
	cJSON_Delete(doc);
	return 400;
}

struct policy {
	const char *name;
	int threshold;   /* block at this score; 0 = the daemon's --threshold; -1 = never */
};

static const struct policy policies[] = {
	{ "default", 0 },
	{ "strict", 50 },     /* block what seed 000 calls clearly suspicious */
	{ "monitor", -1 },    /* decide and report, never block             */
};

int bw_decide_decision(const struct bw_decide_ctx *ctx, const char *body, size_t len,
		       cJSON **out, char *err, size_t errlen)
{
	struct app_req a = {};
	const char *ip, *et, *pname = "default", *tmp;
	const cJSON *ds, *ts;
	const struct policy *pol = NULL;
	struct bw_addr addr;
	struct bw_score sc;
	struct edge e;
	unsigned int score, threshold;
	int b, pw_match, ev_success;
	bool bot, block;
	cJSON *doc = parse_body(body, len, err, errlen), *r, *cat = NULL;

	if (!doc)
		return 400;
	ds = cJSON_GetObjectItemCaseSensitive(doc, "client_ds");
	if (!cJSON_IsObject(ds)) {
		snprintf(err, errlen, "client_ds is required and must be an object");
		goto bad;
	}
	if (str_field(ds, "ip", "client_ds.", true, &ip, err, errlen) ||
	    str_field(ds, "ua", "client_ds.", true, &a.ua, err, errlen) ||
	    str_field(ds, "et", "client_ds.", true, &et, err, errlen) ||
	    str_field(ds, "url", "client_ds.", true, &a.url, err, errlen) ||
	    str_field(ds, "ref", "client_ds.", false, &a.referer, err, errlen) ||
	    str_field(ds, "endpoint", "client_ds.", false, &tmp, err, errlen) ||
	    str_field(ds, "ck", "client_ds.", false, &tmp, err, errlen) ||
	    str_field(ds, "si", "client_ds.", false, &tmp, err, errlen) ||
	    str_field(ds, "ti", "client_ds.", false, &tmp, err, errlen) ||
	    str_field(ds, "ui", "client_ds.", false, &tmp, err, errlen) ||
	    str_field(ds, "username", "client_ds.", false, &tmp, err, errlen) ||
	    bool_field(ds, "pw_match", "client_ds.", &pw_match, err, errlen) ||
	    bool_field(ds, "event_success", "client_ds.", &ev_success, err, errlen) ||
	    bool_field(ds, "user_exists", "client_ds.", &b, err, errlen) ||
	    bool_field(ds, "client_error", "client_ds.", &b, err, errlen) ||
	    bool_field(ds, "server_error", "client_ds.", &b, err, errlen) ||
	    bool_field(ds, "validation_error", "client_ds.", &b, err, errlen))
		goto bad;
	/* et: "0" to "12" (seed 003's event types). */
	if (!*et || strlen(et) > 2 || !isdigit((unsigned char)et[0]) ||
	    (et[1] && !isdigit((unsigned char)et[1])) || atoi(et) > 12) {
		snprintf(err, errlen, "client_ds.et must be an event type \"0\"-\"12\"");
		goto bad;
	}
	ts = cJSON_GetObjectItemCaseSensitive(ds, "timestamp");
	if (!cJSON_IsNumber(ts) || ts->valuedouble < 0 || ts->valuedouble > 9e15 ||
	    ts->valuedouble != (double)(long long)ts->valuedouble) {
		snprintf(err, errlen, "client_ds.timestamp is required: Unix milliseconds");
		goto bad;
	}
	if (cJSON_GetObjectItemCaseSensitive(ds, "custom") &&
	    !cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(ds, "custom"))) {
		snprintf(err, errlen, "client_ds.custom must be an object");
		goto bad;
	}
	if (str_field(doc, "policy_name", "", false, &tmp, err, errlen))
		goto bad;
	if (tmp && *tmp)
		pname = tmp;
	for (size_t i = 0; i < sizeof(policies) / sizeof(policies[0]); i++)
		if (!strcmp(policies[i].name, pname))
			pol = &policies[i];
	if (!pol) {
		snprintf(err, errlen, "policy_name: unknown policy (default, strict, monitor)");
		goto bad;
	}
	if (parse_ip(ip, "client_ds.ip", &addr, err, errlen))
		goto bad;

	score_app(&a, &sc);
	edge_lookup(ctx, &addr, &e);
	score = combine(sc.score, &e);
	threshold = pol->threshold > 0 ? (unsigned int)pol->threshold : ctx->threshold;
	bot = !e.allowlisted && (score >= threshold || e.blocklisted || e.verdict ||
				 (sc.flags & SURE_BOT));
	block = bot && pol->threshold >= 0;

	r = cJSON_CreateObject();
	cJSON_AddBoolToObject(r, "bot", bot);
	cJSON_AddStringToObject(r, "action", block ? "block" : "allow");
	if (bot) {
		char key[64];

		cat = cJSON_CreateObject();
		if (e.blocklisted)
			cJSON_AddTrueToObject(cat, "EDGE-BLOCKLIST");
		if (e.verdict)
			cJSON_AddTrueToObject(cat, "EDGE-VERDICT");
		for (int i = 0; i < BW_FLAG__MAX; i++) {
			if (!(sc.flags & (1u << i)))
				continue;
			snprintf(key, sizeof(key), "BOT-%s", bw_flag_name(i));
			for (char *p = key; *p; p++)
				*p = (char)toupper((unsigned char)*p);
			cJSON_AddTrueToObject(cat, key);
		}
		cJSON_AddItemToObject(r, "threat_category", cat);
	} else {
		cJSON_AddNullToObject(r, "threat_category");
	}
	/* VAL valid, NSD suspicious (score > 30) but not a bot, BOT. */
	cJSON_AddStringToObject(r, "threat_profile", bot ? "BOT" : (!e.allowlisted && score > 30) ? "NSD" : "VAL");
	cJSON_AddStringToObject(r, "policy_name", pname);
	cJSON_Delete(doc);
	*out = r;
	return 200;
bad:
	cJSON_Delete(doc);
	return 400;
}
