// SPDX-License-Identifier: GPL-2.0-only
#define PCRE2_CODE_UNIT_WIDTH 8
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <pcre2.h>
#include <yaml.h>

#include "uadb.h"

/* One uap-core rule: the regex and up to 4 replacements (family/v1/v2/v3,
 * os/v1/v2/v3 or device/brand/model). */
struct uap_rule {
	pcre2_code *re;
	char *repl[4];
};

struct bot_rule {
	pcre2_code *re;
	char name[32];
	uint8_t cat;
};

struct cache_slot {
	uint64_t hash;
	uint16_t len;          /* 0 = empty */
	char key[BW_UA_CACHE_KEY];
	struct bw_ua_result res;
};

struct bw_uadb {
	struct uap_rule *rules[3];
	size_t n_rules[3];
	struct bot_rule *bots;
	size_t n_bots;
	pcre2_match_context *mctx;
	pcre2_match_data *md;
	struct cache_slot *cache;
	struct bw_uadb_stats st;
};

enum { P_UA, P_OS, P_DEV };

static const char *const cat_names[BW_BOTCAT__MAX] = {
	"none", "search", "ai_training", "ai_assistant", "seo", "monitoring",
	"library", "scanner", "other",
};

const char *bw_bot_cat_name(unsigned int cat)
{
	return cat < BW_BOTCAT__MAX ? cat_names[cat] : "unknown";
}

static pcre2_code *compile(const char *re, bool caseless)
{
	int errcode;
	PCRE2_SIZE off;
	pcre2_code *c = pcre2_compile((PCRE2_SPTR)re, PCRE2_ZERO_TERMINATED,
				      caseless ? PCRE2_CASELESS : 0, &errcode, &off, NULL);

	if (c)
		pcre2_jit_compile(c, PCRE2_JIT_COMPLETE); /* falls back to the interpreter */
	return c;
}

/* ---- uap-core regexes.yaml, read with libyaml's event API ---- */

static int slot_of(int parser, const char *key)
{
	static const char *const k[3][4] = {
		{ "family_replacement", "v1_replacement", "v2_replacement", "v3_replacement" },
		{ "os_replacement", "os_v1_replacement", "os_v2_replacement", "os_v3_replacement" },
		{ "device_replacement", "brand_replacement", "model_replacement", NULL },
	};
	for (int i = 0; i < 4; i++)
		if (k[parser][i] && !strcmp(k[parser][i], key))
			return i;
	return -1;
}

static int load_uap(struct bw_uadb *db, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	yaml_parser_t p;
	yaml_event_t ev;
	int parser = -1, depth = 0, rc = -1;
	char key[64] = "", *regex = NULL, *repl[4] = { 0 };
	bool caseless = false, in_key = true, done = false;
	size_t cap[3] = { 0 };

	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	yaml_parser_initialize(&p);
	yaml_parser_set_input_file(&p, f);
	/* depth: 1 top mapping, 2 parser sequence, 3 rule mapping */
	while (!done) {
		if (!yaml_parser_parse(&p, &ev)) {
			snprintf(err, errlen, "%s:%zu: %s", path, p.problem_mark.line + 1,
				 p.problem ? p.problem : "YAML error");
			goto out;
		}
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		case YAML_MAPPING_START_EVENT:
		case YAML_SEQUENCE_START_EVENT:
			depth++;
			in_key = true;
			if (depth == 3) {
				regex = NULL;
				caseless = false;
				memset(repl, 0, sizeof(repl));
			}
			break;
		case YAML_MAPPING_END_EVENT:
		case YAML_SEQUENCE_END_EVENT:
			if (depth == 3 && parser >= 0 && regex) {
				pcre2_code *c = compile(regex, caseless);
				struct uap_rule *r;

				if (!c) {
					snprintf(err, errlen, "%s:%zu: regex does not compile",
						 path, ev.start_mark.line + 1);
					free(regex);
					for (int i = 0; i < 4; i++)
						free(repl[i]);
					yaml_event_delete(&ev);
					goto out;
				}
				if (db->n_rules[parser] == cap[parser]) {
					size_t nc = cap[parser] ? cap[parser] * 2 : 256;
					void *n = realloc(db->rules[parser], nc * sizeof(*r));

					if (!n) {
						pcre2_code_free(c);
						yaml_event_delete(&ev);
						goto out;
					}
					db->rules[parser] = n;
					cap[parser] = nc;
				}
				r = &db->rules[parser][db->n_rules[parser]++];
				r->re = c;
				memcpy(r->repl, repl, sizeof(repl));
				free(regex);
				regex = NULL;
				memset(repl, 0, sizeof(repl));
			} else if (depth == 3) {
				free(regex);
				regex = NULL;
				for (int i = 0; i < 4; i++)
					free(repl[i]);
				memset(repl, 0, sizeof(repl));
			}
			depth--;
			in_key = true;
			break;
		case YAML_SCALAR_EVENT: {
			const char *v = (const char *)ev.data.scalar.value;

			if (depth == 1 && in_key) {
				parser = !strcmp(v, "user_agent_parsers") ? P_UA :
					 !strcmp(v, "os_parsers") ? P_OS :
					 !strcmp(v, "device_parsers") ? P_DEV : -1;
			} else if (depth == 3 && in_key) {
				snprintf(key, sizeof(key), "%s", v);
			} else if (depth == 3 && parser >= 0) {
				int s;

				if (!strcmp(key, "regex")) {
					free(regex);
					regex = strdup(v);
				} else if (!strcmp(key, "regex_flag")) {
					caseless = strchr(v, 'i') != NULL;
				} else if ((s = slot_of(parser, key)) >= 0) {
					free(repl[s]);
					repl[s] = strdup(v);
				}
			}
			in_key = !in_key;
			break;
		}
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	if (!db->n_rules[P_UA] || !db->n_rules[P_OS]) {
		snprintf(err, errlen, "%s: no user_agent_parsers/os_parsers", path);
		goto out;
	}
	rc = 0;
out:
	free(regex);
	for (int i = 0; i < 4; i++)
		free(repl[i]);
	yaml_parser_delete(&p);
	fclose(f);
	return rc;
}

/* ---- crawler-user-agents JSON ---- */

static uint8_t cat_of(const cJSON *tags, const char *pattern)
{
	const cJSON *t;

	cJSON_ArrayForEach(t, tags) {
		const char *s = cJSON_GetStringValue(t);

		if (!s)
			continue;
		if (!strcmp(s, "search-engine") || !strcmp(s, "advertising"))
			return BW_BOTCAT_SEARCH;
		if (!strcmp(s, "ai-crawler"))
			/* fetchers acting for one user's prompt vs training crawlers */
			return (strstr(pattern, "-User") || strstr(pattern, "Assist") ||
				strstr(pattern, "User\\/")) ? BW_BOTCAT_AI_ASSISTANT
							    : BW_BOTCAT_AI_TRAINING;
		if (!strcmp(s, "seo"))
			return BW_BOTCAT_SEO;
		if (!strcmp(s, "monitoring"))
			return BW_BOTCAT_MONITORING;
		if (!strcmp(s, "http-library") || !strcmp(s, "browser-automation"))
			return BW_BOTCAT_LIBRARY;
		if (!strcmp(s, "scanner"))
			return BW_BOTCAT_SCANNER;
	}
	return BW_BOTCAT_OTHER;
}

/* A readable bot name from a pattern: its leading literal run. */
static void name_of(const char *pattern, char *out, size_t len)
{
	size_t n = 0;

	if (*pattern == '^')
		pattern++;
	for (; *pattern && n + 1 < len; pattern++) {
		unsigned char c = (unsigned char)*pattern;

		if (c == '\\')
			continue;
		if (!isalnum(c) && c != '-' && c != '_' && c != ' ' && c != '.')
			break;
		out[n++] = (char)c;
	}
	out[n] = 0;
	if (n < 2)
		snprintf(out, len, "%.*s", (int)len - 1, pattern);
}

static int load_bots(struct bw_uadb *db, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long sz;
	cJSON *root = NULL, *e;
	int rc = -1, i = 0;

	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fseek(f, 0, SEEK_END) || (sz = ftell(f)) < 0 || sz > (64 << 20) ||
	    fseek(f, 0, SEEK_SET) || !(buf = malloc((size_t)sz + 1)) ||
	    fread(buf, 1, (size_t)sz, f) != (size_t)sz) {
		snprintf(err, errlen, "%s: cannot read", path);
		goto out;
	}
	buf[sz] = 0;
	root = cJSON_Parse(buf);
	if (!cJSON_IsArray(root)) {
		snprintf(err, errlen, "%s: not a JSON array of {pattern, tags}", path);
		goto out;
	}
	db->bots = calloc((size_t)cJSON_GetArraySize(root) + 1, sizeof(*db->bots));
	if (!db->bots)
		goto out;
	cJSON_ArrayForEach(e, root) {
		const char *pat = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "pattern"));
		struct bot_rule *b = &db->bots[db->n_bots];

		i++;
		if (!pat) {
			snprintf(err, errlen, "%s: entry %d: no \"pattern\"", path, i);
			goto out;
		}
		/* The dataset's patterns are case-sensitive by its own rules. */
		b->re = compile(pat, false);
		if (!b->re) {
			snprintf(err, errlen, "%s: entry %d: pattern does not compile: %s", path, i, pat);
			goto out;
		}
		b->cat = cat_of(cJSON_GetObjectItemCaseSensitive(e, "tags"), pat);
		name_of(pat, b->name, sizeof(b->name));
		db->n_bots++;
	}
	rc = 0;
out:
	cJSON_Delete(root);
	free(buf);
	fclose(f);
	return rc;
}

/* ---- built-in fallbacks (dataset missing) ---- */

static const struct {
	const char *tok;
	uint8_t cat;
} builtin_bots[] = {
	{ "Googlebot", BW_BOTCAT_SEARCH }, { "bingbot", BW_BOTCAT_SEARCH },
	{ "GPTBot", BW_BOTCAT_AI_TRAINING }, { "ClaudeBot", BW_BOTCAT_AI_TRAINING },
	{ "CCBot", BW_BOTCAT_AI_TRAINING }, { "ChatGPT-User", BW_BOTCAT_AI_ASSISTANT },
	{ "AhrefsBot", BW_BOTCAT_SEO }, { "SemrushBot", BW_BOTCAT_SEO },
	{ "curl/", BW_BOTCAT_LIBRARY }, { "Wget/", BW_BOTCAT_LIBRARY },
	{ "python-requests", BW_BOTCAT_LIBRARY }, { "Python-urllib", BW_BOTCAT_LIBRARY },
	{ "aiohttp", BW_BOTCAT_LIBRARY }, { "httpx", BW_BOTCAT_LIBRARY },
	{ "Go-http-client", BW_BOTCAT_LIBRARY }, { "Java/", BW_BOTCAT_LIBRARY },
	{ "okhttp", BW_BOTCAT_LIBRARY }, { "libwww-perl", BW_BOTCAT_LIBRARY },
	{ "Scrapy", BW_BOTCAT_LIBRARY }, { "axios/", BW_BOTCAT_LIBRARY },
	{ "node-fetch", BW_BOTCAT_LIBRARY }, { "HttpClient", BW_BOTCAT_LIBRARY },
	{ "Nmap", BW_BOTCAT_SCANNER }, { "masscan", BW_BOTCAT_SCANNER },
	{ "zgrab", BW_BOTCAT_SCANNER }, { "Nikto", BW_BOTCAT_SCANNER },
	{ "bot", BW_BOTCAT_OTHER }, { "crawl", BW_BOTCAT_OTHER },
	{ "spider", BW_BOTCAT_OTHER },
};

static bool contains_ci(const char *s, size_t n, const char *tok)
{
	size_t k = strlen(tok);

	for (size_t i = 0; i + k <= n; i++)
		if (!strncasecmp(s + i, tok, k))
			return true;
	return false;
}

/* ---- matching ---- */

/* Expands $1..$9 in repl from the match (or copies group `grp` if no repl). */
static void expand(const char *subj, const PCRE2_SIZE *ov, int rc, const char *repl,
		   int grp, char *out, size_t len)
{
	size_t n = 0;

	out[0] = 0;
	if (!repl) {
		if (grp < rc && ov[2 * grp] != PCRE2_UNSET)
			snprintf(out, len, "%.*s", (int)(ov[2 * grp + 1] - ov[2 * grp]),
				 subj + ov[2 * grp]);
		return;
	}
	for (const char *r = repl; *r && n + 1 < len; r++) {
		if (r[0] == '$' && r[1] >= '1' && r[1] <= '9') {
			int g = r[1] - '0';

			r++;
			if (g < rc && ov[2 * g] != PCRE2_UNSET)
				for (PCRE2_SIZE i = ov[2 * g]; i < ov[2 * g + 1] && n + 1 < len; i++)
					out[n++] = subj[i];
			continue;
		}
		out[n++] = *r;
	}
	out[n] = 0;
	/* trim: replacements may leave spaces around an unset group */
	while (n && out[n - 1] == ' ')
		out[--n] = 0;
	if (out[0] == ' ')
		memmove(out, out + 1, n);
}

static int match(struct bw_uadb *db, pcre2_code *re, const char *s, size_t n)
{
	int rc = pcre2_match(re, (PCRE2_SPTR)s, n, 0, 0, db->md, db->mctx);

	if (rc < 0 && rc != PCRE2_ERROR_NOMATCH)
		db->st.match_errors++; /* match limit: treated as no match */
	return rc;
}

static int run_parser(struct bw_uadb *db, int parser, const char *s, size_t n,
		      char (*out)[32], int nout)
{
	for (size_t i = 0; i < db->n_rules[parser]; i++) {
		struct uap_rule *r = &db->rules[parser][i];
		int rc = match(db, r->re, s, n);
		const PCRE2_SIZE *ov;

		if (rc <= 0)
			continue;
		ov = pcre2_get_ovector_pointer(db->md);
		for (int k = 0; k < nout; k++)
			expand(s, ov, rc, r->repl[k], k + 1, out[k], sizeof(out[k]));
		return 1;
	}
	return 0;
}

static void classify(struct bw_uadb *db, const char *s, size_t n, struct bw_ua_result *o)
{
	char ua[4][32], os[4][32], dev[3][32];

	memset(o, 0, sizeof(*o));
	snprintf(o->family, sizeof(o->family), "Other");
	snprintf(o->os, sizeof(o->os), "Other");
	snprintf(o->device, sizeof(o->device), "Other");
	if (db->st.have_uap) {
		if (run_parser(db, P_UA, s, n, ua, 4)) {
			snprintf(o->family, sizeof(o->family), "%s", ua[0]);
			snprintf(o->major, sizeof(o->major), "%.11s", ua[1]);
		}
		if (run_parser(db, P_OS, s, n, os, 2)) {
			snprintf(o->os, sizeof(o->os), "%s", os[0]);
			snprintf(o->os_major, sizeof(o->os_major), "%.11s", os[1]);
		}
		if (run_parser(db, P_DEV, s, n, dev, 1))
			snprintf(o->device, sizeof(o->device), "%s", dev[0]);
		o->spider = !strcmp(o->device, "Spider");
	}
	if (db->st.have_bots) {
		for (size_t i = 0; i < db->n_bots; i++)
			if (match(db, db->bots[i].re, s, n) > 0) {
				snprintf(o->bot, sizeof(o->bot), "%s", db->bots[i].name);
				o->bot_cat = db->bots[i].cat;
				break;
			}
	} else {
		for (size_t i = 0; i < sizeof(builtin_bots) / sizeof(*builtin_bots); i++)
			if (contains_ci(s, n, builtin_bots[i].tok)) {
				snprintf(o->bot, sizeof(o->bot), "%s", builtin_bots[i].tok);
				o->bot_cat = builtin_bots[i].cat;
				break;
			}
	}
	if (o->spider && !o->bot_cat) {
		o->bot_cat = BW_BOTCAT_OTHER;
		snprintf(o->bot, sizeof(o->bot), "%s", o->family);
	}
	if (strcmp(o->os, "Other"))
		snprintf(o->name, sizeof(o->name), "%s on %s%s%s", o->family, o->os,
			 o->os_major[0] ? " " : "", o->os_major);
	else
		snprintf(o->name, sizeof(o->name), "%s", o->family);
}

static uint64_t fnv1a(const char *s, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 0x100000001b3ull;
	return h;
}

void bw_uadb_lookup(struct bw_uadb *db, const char *ua, size_t len, struct bw_ua_result *out)
{
	struct cache_slot *c;
	uint64_t h;

	if (len > BW_UA_MATCH_MAX)
		len = BW_UA_MATCH_MAX;
	if (len > BW_UA_CACHE_KEY || !len) {
		db->st.uncacheable++;
		classify(db, ua, len, out);
		return;
	}
	h = fnv1a(ua, len);
	c = &db->cache[h & (BW_UA_CACHE_SLOTS - 1)];
	if (c->len == len && c->hash == h && !memcmp(c->key, ua, len)) {
		db->st.hits++;
		*out = c->res;
		out->from_cache = true;
		return;
	}
	db->st.misses++;
	classify(db, ua, len, out);
	if (c->len)
		db->st.evictions++;
	c->hash = h;
	c->len = (uint16_t)len;
	memcpy(c->key, ua, len);
	c->res = *out;
}

void bw_uadb_flush(struct bw_uadb *db)
{
	for (size_t i = 0; i < BW_UA_CACHE_SLOTS; i++)
		db->cache[i].len = 0;
}

void bw_uadb_get_stats(const struct bw_uadb *db, struct bw_uadb_stats *st)
{
	*st = db->st;
	st->n_ua = db->n_rules[P_UA];
	st->n_os = db->n_rules[P_OS];
	st->n_dev = db->n_rules[P_DEV];
	st->n_bots = db->n_bots;
}

static void free_rules(struct bw_uadb *db)
{
	for (int p = 0; p < 3; p++) {
		for (size_t i = 0; i < db->n_rules[p]; i++) {
			pcre2_code_free(db->rules[p][i].re);
			for (int k = 0; k < 4; k++)
				free(db->rules[p][i].repl[k]);
		}
		free(db->rules[p]);
		db->rules[p] = NULL;
		db->n_rules[p] = 0;
	}
}

static void free_bots(struct bw_uadb *db)
{
	for (size_t i = 0; i < db->n_bots; i++)
		pcre2_code_free(db->bots[i].re);
	free(db->bots);
	db->bots = NULL;
	db->n_bots = 0;
}

struct bw_uadb *bw_uadb_open(const char *uap_path, const char *crawlers_path,
			     char *warn, size_t warnlen)
{
	struct bw_uadb *db = calloc(1, sizeof(*db));
	char err[512] = "", err2[512] = "";
	const char *env = getenv("BOTWALL_CRAWLERS");

	if (warn && warnlen)
		warn[0] = 0;
	if (!db)
		return NULL;
	db->cache = calloc(BW_UA_CACHE_SLOTS, sizeof(*db->cache));
	db->mctx = pcre2_match_context_create(NULL);
	db->md = pcre2_match_data_create(16, NULL);
	if (!db->cache || !db->mctx || !db->md) {
		bw_uadb_close(db);
		return NULL;
	}
	pcre2_set_match_limit(db->mctx, BW_UA_MATCH_LIMIT);
	pcre2_set_depth_limit(db->mctx, 1000);

	if (load_uap(db, uap_path ? uap_path : BW_UAP_DEFAULT_PATH, err, sizeof(err)))
		free_rules(db);
	else
		db->st.have_uap = true;

	if (!crawlers_path)
		crawlers_path = env && *env ? env :
			!access(BW_CRAWLERS_BUILD_PATH, R_OK) ? BW_CRAWLERS_BUILD_PATH :
			BW_CRAWLERS_SYSTEM_PATH;
	if (load_bots(db, crawlers_path, err2, sizeof(err2)))
		free_bots(db);
	else
		db->st.have_bots = true;

	if (warn && (err[0] || err2[0]))
		snprintf(warn, warnlen, "%s%s%s%s%s%s",
			 err[0] ? "user-agent parser: " : "", err,
			 err[0] ? " (using built-in browser tokens)" : "",
			 err[0] && err2[0] ? "; " : "",
			 err2[0] ? "known bots: " : "", err2[0] ? err2 : "");
	if (warn && err2[0] && strlen(warn) + 32 < warnlen)
		strcat(warn, " (using built-in bot patterns)");
	return db;
}

void bw_uadb_close(struct bw_uadb *db)
{
	if (!db)
		return;
	free_rules(db);
	free_bots(db);
	pcre2_match_data_free(db->md);
	pcre2_match_context_free(db->mctx);
	free(db->cache);
	free(db);
}
