/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The hit store: one SQLite row per scored request, per-day rollups, seed
 * 000's overview and suspicious sessions. Inserts go through a bounded queue
 * drained by a writer thread; a full queue drops (and counts) rows instead of
 * blocking the sampling path. See docs/store.md.
 */
#ifndef BW_STORE_H
#define BW_STORE_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "botwall_abi.h"
#include "http.h"
#include "score.h"
#include "sites.h"

#define BW_STORE_DEFAULT_PATH   "/var/lib/botwall/botwall.db"
#define BW_STORE_RETENTION_DAYS 14   /* hits (seed 000)                    */
#define BW_STORE_ROLLUP_DAYS    90   /* daily rollups: the longest overview */
#define BW_STORE_SESSION_DAYS   7    /* suspicious-sessions window         */
#define BW_STORE_QUEUE_DEFAULT  8192
#define BW_DAY_MS               86400000LL

struct bw_hit {
	int64_t ts_ms;                  /* CLOCK_REALTIME, milliseconds       */
	char site[BW_SITE_ID_MAX];
	char addr[46];
	char session_id[24];
	uint8_t score;
	uint32_t flags;                 /* bit per enum bw_flag               */
	char policy[32];
	char action[24];               /* "block", "shadow:rate_limit", ... */
	char user_agent[256];
	char path[256];
	char hfp[64];                   /* header-order fingerprint, "" for now */
	char country[3];                /* "" when unknown                    */
};

struct bw_store_counters {
	uint64_t written;     /* rows committed                     */
	uint64_t dropped;     /* rows dropped: queue full or failed */
	uint64_t queued;      /* rows waiting now                   */
	uint64_t queue_cap;
	int64_t oldest_queued_ms; /* ts of the oldest waiting row, 0 if none */
	uint64_t expired;     /* rows removed by retention          */
};

struct bw_store;

/* Opens (read-write: creates) the store. Returns NULL with err set. */
struct bw_store *bw_store_open(const char *path, bool readonly, char *err, size_t errlen);
/* Stops the writer (draining the queue) and closes. */
void bw_store_close(struct bw_store *st);

/* Synchronous insert of n rows in one transaction (the writer uses it;
 * tests call it with injected timestamps). Returns 0 or -1. */
int bw_store_insert(struct bw_store *st, const struct bw_hit *h, size_t n);
/* Deletes hits older than 14 days and rollups older than 90 days before
 * now_ms. Returns the number of hit rows removed, or -1. */
long bw_store_retention(struct bw_store *st, int64_t now_ms);

/* Writer thread with a queue of cap rows. */
int bw_store_writer_start(struct bw_store *st, size_t cap);
/* Never blocks on the database; false (and counted) when the queue is full. */
bool bw_store_enqueue(struct bw_store *st, const struct bw_hit *h);
void bw_store_get_counters(struct bw_store *st, struct bw_store_counters *c);

/* Fills a row from a scored request: site from Host, session id from a
 * session cookie or address + user agent. */
void bw_hit_fill(struct bw_hit *h, const struct bw_store *st, const struct bw_sites *sites,
		 const char *addr, const struct bw_http_req *req, enum bw_http_status status,
		 const struct bw_score *sc, const char *policy, const char *action, int64_t ts_ms);
/* The session id alone (exposed for tests). */
void bw_store_session_id(const struct bw_store *st, const char *site, const char *addr,
			 const struct bw_http_req *req, bool parsed, char out[24]);

/* Seed-000 documents {"success":true,"data":...}. NULL with err on failure. */
cJSON *bw_store_overview(struct bw_store *st, const char *site, int days, int64_t now_ms,
			 char *err, size_t errlen);
cJSON *bw_store_sessions(struct bw_store *st, const char *site, int min_score, int limit,
			 int64_t now_ms, char *err, size_t errlen);

int64_t bw_realtime_ms(void);

#endif
