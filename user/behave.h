/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Behaviour score (seed 002): a bot probability 0.01-1.00 per source from
 *  - the request statistics the datapath keeps for every HTTP request start
 *    (bw_srcstats: count, first/last seen, Welford mean and M2 of the
 *    inter-arrival times): sustained rate, regularity (coefficient of
 *    variation of the inter-arrival times), count;
 *  - what the daemon saw in the sampled requests of the source (a bounded
 *    per-source table): distinct paths, share of static assets, robots.txt,
 *    cookies returned on later requests.
 * Without enough history there is no value (known = false) rather than a
 * guess. Pure computation; the daemon owns the table and the map lookup.
 * See docs/scoring.md.
 */
#ifndef BW_BEHAVE_H
#define BW_BEHAVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "botwall_abi.h"
#include "http.h"

#define BW_BEHAVE_MIN_COUNT   10              /* requests before any value   */
#define BW_BEHAVE_MIN_SPAN_NS 2000000000ull   /* and seconds of history (2)  */
#define BW_BEHAVE_MIN_SAMPLES 5               /* sampled requests before the
						 path/asset/cookie features */
#define BW_BEHAVE_PATHS       32              /* distinct path hashes kept   */
#define BW_BEHAVE_HIGH        90              /* seed 002: >= 0.90 high      */
#define BW_BEHAVE_MODERATE    70              /* 0.70-0.89 moderate          */

/* What the daemon saw in the sampled requests of one source. */
struct bw_behave_obs {
	uint32_t samples;          /* sampled requests (valid HTTP)          */
	uint32_t static_hits;      /* of them: static assets (.css, .js, ...) */
	uint32_t cookie_later;     /* of them after the first: a Cookie header */
	uint32_t robots;           /* of them: /robots.txt                   */
	uint32_t ndistinct;        /* distinct paths held (<= BW_BEHAVE_PATHS) */
	bool distinct_saturated;   /* more distinct paths than the set holds */
	uint32_t paths[BW_BEHAVE_PATHS]; /* FNV-1a of the path, no query     */
};

/* Adds one sampled request to obs. */
void bw_behave_observe(struct bw_behave_obs *obs, const struct bw_http_req *req);
/* Is this path (no query) a static asset? Exposed for tests. */
bool bw_behave_is_static(const char *path, size_t len);

enum bw_behave_level { BW_BEHAVE_NONE = 0, BW_BEHAVE_LOW, BW_BEHAVE_MOD, BW_BEHAVE_HI };

struct bw_behave {
	bool known;                /* enough history for a value             */
	const char *why;           /* !known: why not                        */
	uint8_t prob;              /* bot probability in hundredths, 1-100; 0 unknown */
	enum bw_behave_level level;
	/* the inputs, for explanations */
	bool have_stats;
	uint64_t count;            /* requests seen by the datapath          */
	double span_s;             /* last - first seen                      */
	double rate;               /* requests per second over the span      */
	double iat_mean_ms;
	double cv;                 /* -1 when count <= 2                     */
	bool have_obs;             /* enough samples for the sampled features */
	uint32_t samples, distinct;
	bool distinct_saturated;
	double static_share;
	bool robots;
	uint32_t cookie_later;
	double z;                  /* the logit before the logistic          */
};

/* Computes the behaviour from the datapath's stats (NULL: none) and the
 * sampled observations (NULL: none). */
void bw_behave_score(const struct bw_src_stats *st, const struct bw_behave_obs *obs,
		     struct bw_behave *out);
const char *bw_behave_level_name(enum bw_behave_level l);

/*
 * The daemon's per-source table of observations: fixed capacity, 4-way set
 * associative, the least recently seen way of a set is evicted (and
 * counted). Single-threaded.
 */
struct bw_behave_table;

struct bw_behave_table *bw_behave_table_new(size_t capacity);
void bw_behave_table_free(struct bw_behave_table *t);
/* The entry of a source, created (evicting if needed) when absent. */
struct bw_behave_obs *bw_behave_table_get(struct bw_behave_table *t, const struct bw_addr *a,
					  uint64_t now_ns);
/* The entry if present, else NULL (never creates). */
const struct bw_behave_obs *bw_behave_table_find(const struct bw_behave_table *t,
						 const struct bw_addr *a);
uint64_t bw_behave_table_evictions(const struct bw_behave_table *t);
size_t bw_behave_table_capacity(const struct bw_behave_table *t);

#endif
