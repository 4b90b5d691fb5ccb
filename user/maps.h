/* SPDX-License-Identifier: GPL-2.0-only */
/* Access to botwall's pinned maps, shared by the daemon, the CLI and tests. */
#ifndef BW_MAPS_H
#define BW_MAPS_H

#include <stdint.h>

#include "botwall_abi.h"

struct bw_maps {
	int counters, allow, block, verdicts, samples, config, scorestats, daemon;
	/* scalable lists (user/ltable.h) */
	int lstate, lclass, lists, lstats, v4t24, v4t8, v4host, v6bkt, v6pfx;
};

/* Opens every pinned map under pin_dir. Returns 0, or -1 with a message
 * in err naming the map that is missing. */
int bw_maps_open(const char *pin_dir, struct bw_maps *m, char *err, size_t errlen);
void bw_maps_close(struct bw_maps *m);

/* Sums the per-CPU counters into out[BW_CNT__MAX]. */
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

/* Writes a drop verdict for addr lasting ttl_sec (0 = until removed). */
int bw_verdict_put(int fd, const struct bw_addr *addr, unsigned int ttl_sec,
		   uint8_t reason, uint8_t score, uint8_t top_flag);
/* Writes a verdict with any action (enum bw_action); rate_pps is used by
 * BW_ACT_RATE_LIMIT. */
int bw_verdict_put_action(int fd, const struct bw_addr *addr, unsigned int ttl_sec,
			  uint8_t action, uint32_t rate_pps, uint8_t reason, uint8_t score,
			  uint8_t top_flag);
/* "drop", "monitor", "reset" or "rate_limit:PPS"; 0 or -1. */
int bw_verdict_action_parse(const char *s, uint8_t *action, uint32_t *rate_pps);

/* Deletes expired verdicts; returns how many, or -1. */
int bw_verdict_sweep(int fd, uint64_t now_ns);

/* Sums the per-CPU per-list counters into out[BW_LISTS_MAX]. */
int bw_read_list_counters(int fd, struct bw_list_counter out[BW_LISTS_MAX]);
/* Sets or clears flag bits in bw_lstate (read-modify-write). */
int bw_lstate_flags(int fd, __u32 set, __u32 clear);

#endif
