/* SPDX-License-Identifier: GPL-2.0-only */
/* Access to botwall's pinned maps, shared by the daemon, the CLI and tests. */
#ifndef BW_MAPS_H
#define BW_MAPS_H

#include <stdint.h>

#include "botwall_abi.h"

struct bw_maps {
	int counters, allow, block, verdicts, samples, config, scorestats, daemon;
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
/* Deletes expired verdicts; returns how many, or -1. */
int bw_verdict_sweep(int fd, uint64_t now_ns);

#endif
