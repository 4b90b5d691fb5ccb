/* SPDX-License-Identifier: GPL-2.0-only */
/* The daemon's side of the store: one row per scored sample, queued. */
#ifndef BW_RECORD_H
#define BW_RECORD_H

#include "botwall_abi.h"
#include "geo.h"
#include "http.h"
#include "score.h"
#include "sites.h"
#include "store.h"

struct bw_recorder {
	struct bw_store *store;
	struct bw_sites sites;
	struct bw_geo *geo;
	const char *sites_path;
};

/* Opens the store (read-write, writer thread started), the sites file and
 * the country database; sites_path and geoip_path may be NULL. Returns 0,
 * or -1 with err set (nothing left open). */
int bw_recorder_open(struct bw_recorder *r, const char *store_path, const char *sites_path,
		     const char *geoip_path, char *err, size_t errlen);
/* Re-reads the sites file; on error the old mapping stays. */
int bw_recorder_reload(struct bw_recorder *r, char *err, size_t errlen);
/* Queues one row; never blocks on the database. */
void bw_recorder_hit(struct bw_recorder *r, const struct bw_sample *s,
		     const struct bw_http_req *req, enum bw_http_status st,
		     const struct bw_score *sc, const char *action);
/* The same with the policy that matched (user/policy.h) and its action
 * ("shadow:block" for a would-be action). */
void bw_recorder_hit_policy(struct bw_recorder *r, const struct bw_sample *s,
			    const struct bw_http_req *req, enum bw_http_status st,
			    const struct bw_score *sc, const char *policy, const char *action);
void bw_recorder_close(struct bw_recorder *r);

#endif
