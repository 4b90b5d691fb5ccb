/* SPDX-License-Identifier: GPL-2.0-only */
/* Access to botwall's pinned maps, shared by the daemon, the CLI and tests. */
#ifndef BW_MAPS_H
#define BW_MAPS_H

#include <stdint.h>

#include "botwall_abi.h"

struct bw_maps {
	int counters, allow, block, verdicts, samples, config, scorestats, daemon;
	int vfilter;   /* verdict presence bits (BW_MAP_VFILTER) */
	/* scalable lists (user/ltable.h) */
	int lstate, lclass, lists, lstats, v4t24, v4t8, v4host, v6bkt, v6pfx, v6sub, v6pbf, v6spf;
};

/* Opens every pinned map under pin_dir. Returns 0, or -1 with a message
 * in err naming the map that is missing. */
int bw_maps_open(const char *pin_dir, struct bw_maps *m, char *err, size_t errlen);
void bw_maps_close(struct bw_maps *m);

/* Sums the per-CPU counters into out[BW_CNT__MAX]; out[BW_CNT_RX] is the
 * sum of the outcome counters (the datapath does not store it). */
int bw_read_counters(int fd, struct bw_counter out[BW_CNT__MAX]);
int bw_read_scorestats(int fd, struct bw_score_stats *out);
int bw_write_scorestats(int fd, const struct bw_score_stats *in);
int bw_read_daemon_state(int fd, struct bw_daemon_state *out);
int bw_write_daemon_state(int fd, const struct bw_daemon_state *in);
/* Number of entries in a hash/LRU map (walks the keys). */
long bw_map_count(int fd, size_t key_size);

/* Every map name, for unpinning and status. */
extern const char *const bw_map_names[];
extern const size_t bw_map_count_names;

/* CLOCK_BOOTTIME in ns: the clock of bpf_ktime_get_boot_ns(). */
uint64_t bw_now_ns(void);

/*
 * Verdict writers. Every write sets the source's bit in bw_vfilter before
 * the verdict itself (the datapath skips the table when the bit is clear).
 * Callers hold the map lock (bw_map_lock(), user/lock.h), as does the
 * filter rebuild: a bit's read-modify-write must not race another writer,
 * and a rebuild must not clear the bit of a verdict being written. Tests
 * on private maps, with no other writer, need no lock.
 */
struct bw_verdict_fds {
	int verdicts, vfilter;
};

static inline struct bw_verdict_fds bw_verdict_fds_of(const struct bw_maps *m)
{
	return (struct bw_verdict_fds){ m->verdicts, m->vfilter };
}

/* Writes a verdict with any action (enum bw_action) for addr lasting
 * ttl_sec (0 = until removed); rate_pps is used by BW_ACT_RATE_LIMIT.
 * 0, or -1 with errno. */
int bw_verdict_put_action(const struct bw_verdict_fds *vf, const struct bw_addr *addr,
			  unsigned int ttl_sec, uint8_t action, uint32_t rate_pps, uint8_t reason,
			  uint8_t score, uint8_t top_flag);
/* Recomputes bw_vfilter from the verdicts in the table, clearing the bits
 * of verdicts gone since (expired, deleted, evicted). Returns the number
 * of bits set, or -1 with errno. */
long bw_vfilter_rebuild(const struct bw_verdict_fds *vf);
/* "drop", "monitor", "reset" or "rate_limit:PPS"; 0 or -1. */
int bw_verdict_action_parse(const char *s, uint8_t *action, uint32_t *rate_pps);

/* Deletes expired verdicts; returns how many, or -1. */
int bw_verdict_sweep(int fd, uint64_t now_ns);

/* Sums the per-CPU per-list counters into out[BW_LISTS_MAX]. */
int bw_read_list_counters(int fd, struct bw_list_counter out[BW_LISTS_MAX]);
/* Sets or clears flag bits in bw_lstate (read-modify-write). */
int bw_lstate_flags(int fd, __u32 set, __u32 clear);

#endif
