// SPDX-License-Identifier: GPL-2.0-only
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "behave.h"

/* ---- sampled observations ---- */

static uint32_t fnv1a(const char *p, size_t n)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < n; i++) {
		h ^= (uint8_t)p[i];
		h *= 16777619u;
	}
	return h;
}

bool bw_behave_is_static(const char *path, size_t len)
{
	static const char *const ext[] = {
		".css", ".js", ".mjs", ".png", ".jpg", ".jpeg", ".gif", ".svg", ".ico",
		".webp", ".avif", ".woff", ".woff2", ".ttf", ".otf", ".eot", ".map",
		".mp4", ".webm", ".mp3", ".wasm",
	};
	size_t dot;

	/* the last segment's extension */
	for (dot = len; dot > 0 && path[dot - 1] != '.' && path[dot - 1] != '/'; dot--)
		;
	if (!dot || path[dot - 1] != '.' || len - dot + 1 > 6)
		return false;
	for (size_t i = 0; i < sizeof(ext) / sizeof(*ext); i++)
		if (strlen(ext[i]) == len - dot + 1 &&
		    !strncasecmp(ext[i], path + dot - 1, len - dot + 1))
			return true;
	return false;
}

void bw_behave_observe(struct bw_behave_obs *o, const struct bw_http_req *req)
{
	const char *p = req->target.p;
	size_t n = req->target.len, q;
	uint32_t h;

	for (q = 0; q < n && p[q] != '?' && p[q] != '#'; q++)
		;
	n = q;
	if (o->samples && bw_http_get(req, "Cookie"))
		o->cookie_later++;
	o->samples++;
	if (bw_behave_is_static(p, n))
		o->static_hits++;
	if (n == 11 && !memcmp(p, "/robots.txt", 11))
		o->robots++;
	h = fnv1a(p, n);
	for (uint32_t i = 0; i < o->ndistinct; i++)
		if (o->paths[i] == h)
			return;
	if (o->ndistinct < BW_BEHAVE_PATHS)
		o->paths[o->ndistinct++] = h;
	else
		o->distinct_saturated = true;
}

/* ---- the score ---- */

static double clampd(double v, double lo, double hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/*
 * A logistic model over a few features, weights set by hand from the
 * shapes below (docs/scoring.md explains each):
 *   regularity  (0.5 - cv) / 0.5 in [-1, 1]   x 3.5  periodic clients are scripts
 *   rate        log10(req/s) in [-1, 2]      x 1.2  sustained over the span
 *   both scaled by the confidence of the count: log10(count)/2 in [0.5, 1]
 *   static      1 - 5 x share in [-2, 1]     x 1.0  pages without their assets
 *   robots.txt  fetched                       +2.5  browsers never ask for it
 *   cookies     returned on a later request   -1.5  a cookie jar
 *   one path    >= 10 samples, <= 2 paths     +1.0  polling
 *   crawl       >= 10 samples, >= 90% distinct, < 10% assets  +1.0
 *   bias -2.0 (p = 0.12 with nothing else)
 */
void bw_behave_score(const struct bw_src_stats *st, const struct bw_behave_obs *obs,
		     struct bw_behave *out)
{
	double z = -2.0, conf, var, p;

	memset(out, 0, sizeof(*out));
	out->cv = -1;
	if (!st) {
		out->why = "no request statistics for this source";
		return;
	}
	out->have_stats = true;
	out->count = st->count;
	out->span_s = st->last_ns > st->first_ns ? (double)(st->last_ns - st->first_ns) / 1e9 : 0;
	out->iat_mean_ms = (double)st->iat_mean_us / 1000.0;
	if (st->count > 1 && out->span_s > 0)
		out->rate = (double)(st->count - 1) / out->span_s;
	if (st->count > 2 && st->iat_mean_us > 0) {
		var = (double)st->iat_m2 / (double)(st->count - 2);
		out->cv = sqrt(var) / (double)st->iat_mean_us;
	}
	if (obs && obs->samples) {
		out->samples = obs->samples;
		out->distinct = obs->ndistinct;
		out->distinct_saturated = obs->distinct_saturated;
		out->static_share = (double)obs->static_hits / obs->samples;
		out->robots = obs->robots > 0;
		out->cookie_later = obs->cookie_later;
		out->have_obs = obs->samples >= BW_BEHAVE_MIN_SAMPLES;
	}
	if (st->count < BW_BEHAVE_MIN_COUNT) {
		out->why = "insufficient history: fewer than 10 requests";
		return;
	}
	if (st->last_ns - st->first_ns < BW_BEHAVE_MIN_SPAN_NS || st->last_ns < st->first_ns) {
		out->why = "insufficient history: less than 2 seconds";
		return;
	}

	conf = clampd(log10((double)st->count) / 2.0, 0.5, 1.0);
	if (out->cv >= 0)
		z += conf * 3.5 * clampd((0.5 - out->cv) / 0.5, -1, 1);
	if (out->rate > 0)
		z += conf * 1.2 * clampd(log10(out->rate), -1, 2);
	if (out->have_obs) {
		double distinct_share = (double)obs->ndistinct / obs->samples;

		z += 1.0 * clampd(1.0 - 5.0 * out->static_share, -2, 1);
		if (out->robots)
			z += 2.5;
		if (out->cookie_later)
			z -= 1.5;
		if (obs->samples >= 10 && obs->ndistinct <= 2 && !obs->distinct_saturated)
			z += 1.0;
		if (obs->samples >= 10 && out->static_share < 0.1 &&
		    (obs->distinct_saturated || distinct_share >= 0.9))
			z += 1.0;
	}
	out->z = z;
	p = 1.0 / (1.0 + exp(-z));
	out->known = true;
	out->prob = (uint8_t)clampd(floor(p * 100.0 + 0.5), 1, 100);
	out->level = out->prob >= BW_BEHAVE_HIGH ? BW_BEHAVE_HI :
		     out->prob >= BW_BEHAVE_MODERATE ? BW_BEHAVE_MOD : BW_BEHAVE_LOW;
}

const char *bw_behave_level_name(enum bw_behave_level l)
{
	static const char *const n[] = { "unknown", "low", "moderate", "high" };

	return (unsigned int)l < 4 ? n[l] : "unknown";
}

/* ---- the daemon's table ---- */

#define WAYS 4

struct slot {
	struct bw_addr addr;
	uint64_t seen_ns;          /* 0: free */
	struct bw_behave_obs obs;
};

struct bw_behave_table {
	size_t nsets;              /* power of two */
	uint64_t evictions;
	struct slot *slots;        /* nsets * WAYS */
};

struct bw_behave_table *bw_behave_table_new(size_t capacity)
{
	struct bw_behave_table *t = calloc(1, sizeof(*t));
	size_t sets = 1;

	if (!t)
		return NULL;
	while (sets * WAYS < capacity && sets < (1u << 20))
		sets <<= 1;
	t->nsets = sets;
	t->slots = calloc(sets * WAYS, sizeof(*t->slots));
	if (!t->slots) {
		free(t);
		return NULL;
	}
	return t;
}

void bw_behave_table_free(struct bw_behave_table *t)
{
	if (!t)
		return;
	free(t->slots);
	free(t);
}

static struct slot *set_of(const struct bw_behave_table *t, const struct bw_addr *a)
{
	uint32_t h = fnv1a((const char *)a->b, sizeof(a->b));

	return &t->slots[(h & (t->nsets - 1)) * WAYS];
}

const struct bw_behave_obs *bw_behave_table_find(const struct bw_behave_table *t,
						 const struct bw_addr *a)
{
	struct slot *s = set_of(t, a);

	for (int i = 0; i < WAYS; i++)
		if (s[i].seen_ns && !memcmp(&s[i].addr, a, sizeof(*a)))
			return &s[i].obs;
	return NULL;
}

struct bw_behave_obs *bw_behave_table_get(struct bw_behave_table *t, const struct bw_addr *a,
					  uint64_t now_ns)
{
	struct slot *s = set_of(t, a), *victim = NULL;

	if (!now_ns)
		now_ns = 1;
	for (int i = 0; i < WAYS; i++) {
		if (s[i].seen_ns && !memcmp(&s[i].addr, a, sizeof(*a))) {
			s[i].seen_ns = now_ns;
			return &s[i].obs;
		}
		if (!victim || (victim->seen_ns && (!s[i].seen_ns || s[i].seen_ns < victim->seen_ns)))
			victim = &s[i];
	}
	if (victim->seen_ns)
		t->evictions++;
	memset(victim, 0, sizeof(*victim));
	victim->addr = *a;
	victim->seen_ns = now_ns;
	return &victim->obs;
}

uint64_t bw_behave_table_evictions(const struct bw_behave_table *t)
{
	return t->evictions;
}

size_t bw_behave_table_capacity(const struct bw_behave_table *t)
{
	return t->nsets * WAYS;
}
