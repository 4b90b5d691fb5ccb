/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Compiling prefix lists into the datapath's lookup tables (DIR-24-8 for
 * IPv4, /32 buckets plus per-length hashes for IPv6) and switching to them
 * atomically. Design and numbers: docs/datapath.md.
 */
#ifndef BW_LTABLE_H
#define BW_LTABLE_H

#include <stdbool.h>
#include <stddef.h>

#include "botwall_abi.h"
#include "lists.h"

struct bw_ltable_fds {
	int lstate, lclass, lists;
	int v4t24, v4t8, v4host, v6bkt, v6pfx, v6sub;
	int v6pbf, v6spf;               /* plain arrays, both gens' halves */
};

struct bpf_object;
struct bw_maps;
/* The table fds of a loaded object (tests, benches: maps looked up by
 * name), or of the pinned maps the daemon opened. 0, or -1 with err. */
int bw_ltable_fds_of_obj(const struct bpf_object *obj, struct bw_ltable_fds *fds, char *err,
			 size_t errlen);
struct bw_ltable_fds bw_ltable_fds_of_maps(const struct bw_maps *m);

struct bw_list_def {
	__u32 id;                       /* 0..BW_LISTS_MAX-1, its mask bit */
	char name[BW_LIST_NAME_MAX];
	__u8 category;                  /* enum bw_list_category */
	__u8 action;                    /* enum bw_list_action   */
	__u32 rate_pps;                 /* BW_LACT_RATE_LIMIT: packets/s (0: BW_LIST_RATE_DEFAULT) */
	const struct bw_prefix_set *set;
};

/* Rate of a rate_limit list given without one. */
#define BW_LIST_RATE_DEFAULT 50

struct bw_ltable_stats {
	size_t v4_prefixes, v4_hosts, t8_groups;
	size_t v6_prefixes, v6_buckets, v6_long;  /* v6_long: in the prefix table */
	size_t v6_one;       /* buckets holding their only prefix > /32 */
	size_t v6_split;     /* crowded /32s split into /48 buckets ... */
	size_t v6_sub, v6_sub_one;  /* ... the /48 buckets, those holding their
	                             * only prefix > /48 */
	bool v6_sub_first;   /* the datapath reads the /48 bucket first */
	size_t classes;
	size_t map_bytes;               /* value+key bytes of the new generation */
	double build_ms, write_ms;
	__u32 gen;                      /* generation now in force */
};

/*
 * Builds every list into the generation not in use, then flips to it. On
 * any error nothing the datapath reads has changed (the old generation
 * stays in force) and err says why.
 */
int bw_ltable_apply(const struct bw_ltable_fds *fds, const struct bw_list_def *lists,
		    size_t n, struct bw_ltable_stats *st, char *err, size_t errlen);

/*
 * Frees the generation not in force (its maps leave the outer arrays). Call
 * it a while after bw_ltable_apply -- the daemon waits BW_LTABLE_GRACE_MS:
 * a packet that read the old gen just before the flip must have finished
 * (a program run takes microseconds; kernels before 6.8 also free a removed
 * inner map without waiting for an RCU grace period).
 */
#define BW_LTABLE_GRACE_MS 2000
int bw_ltable_release_old(const struct bw_ltable_fds *fds, char *err, size_t errlen);

/* The same lookup in userspace, on the lists directly (reference for tests):
 * mask of lists whose prefixes contain addr, and the strongest action. */
__u64 bw_ltable_ref_lookup(const struct bw_list_def *lists, size_t n,
			   const struct bw_addr *addr, __u8 *action);

/* Names of categories and actions (CLI, options, JSON); -1 if unknown. */
const char *bw_lcat_name(unsigned int c);
const char *bw_lact_name(unsigned int a);
int bw_lcat_parse(const char *s);
int bw_lact_parse(const char *s);

#endif
