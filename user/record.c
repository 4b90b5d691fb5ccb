// SPDX-License-Identifier: GPL-2.0-only
#include <stdio.h>
#include <string.h>

#include "addr.h"
#include "record.h"

int bw_recorder_open(struct bw_recorder *r, const char *store_path, const char *sites_path,
		     const char *geoip_path, char *err, size_t errlen)
{
	memset(r, 0, sizeof(*r));
	r->sites_path = sites_path;
	if (sites_path && bw_sites_load(sites_path, &r->sites, err, errlen))
		return -1;
	if (geoip_path && !(r->geo = bw_geo_open(geoip_path, err, errlen)))
		goto fail;
	r->store = bw_store_open(store_path, false, err, errlen);
	if (!r->store)
		goto fail;
	if (bw_store_writer_start(r->store, BW_STORE_QUEUE_DEFAULT)) {
		snprintf(err, errlen, "%s: cannot start the writer thread", store_path);
		goto fail;
	}
	return 0;
fail:
	bw_recorder_close(r);
	return -1;
}

int bw_recorder_reload(struct bw_recorder *r, char *err, size_t errlen)
{
	struct bw_sites s;

	if (!r->sites_path)
		return 0;
	if (bw_sites_load(r->sites_path, &s, err, errlen))
		return -1;
	/* The sampling thread is the only reader of the mapping. */
	bw_sites_free(&r->sites);
	r->sites = s;
	return 0;
}

void bw_recorder_hit(struct bw_recorder *r, const struct bw_sample *s,
		     const struct bw_http_req *req, enum bw_http_status st,
		     const struct bw_score *sc, const char *action)
{
	bw_recorder_hit_policy(r, s, req, st, sc, "default", action);
}

void bw_recorder_hit_policy(struct bw_recorder *r, const struct bw_sample *s,
			    const struct bw_http_req *req, enum bw_http_status st,
			    const struct bw_score *sc, const char *policy, const char *action)
{
	struct bw_hit h;
	char addr[BW_PREFIX_STRLEN];

	if (!r->store)
		return;
	bw_format_addr(&s->saddr, addr, sizeof(addr));
	bw_hit_fill(&h, r->store, &r->sites, addr, req, st, sc, policy, action,
		    bw_realtime_ms());
	bw_geo_country(r->geo, &s->saddr, h.country);
	bw_store_enqueue(r->store, &h);
}

void bw_recorder_close(struct bw_recorder *r)
{
	bw_store_close(r->store);
	bw_geo_close(r->geo);
	bw_sites_free(&r->sites);
	r->store = NULL;
	r->geo = NULL;
}
