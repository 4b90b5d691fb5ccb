// SPDX-License-Identifier: GPL-2.0-only
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "maps.h"

static int open_pinned(const char *dir, const char *name, int *fd, char *err, size_t errlen)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	*fd = bpf_obj_get(path);
	if (*fd < 0) {
		snprintf(err, errlen, "%s: %s (is botwalld running, or was it started with this --pin-dir?)",
			 path, strerror(errno));
		return -1;
	}
	return 0;
}

int bw_maps_open(const char *pin_dir, struct bw_maps *m, char *err, size_t errlen)
{
	memset(m, 0xff, sizeof(*m)); /* every fd -1 */
	if (open_pinned(pin_dir, BW_MAP_COUNTERS, &m->counters, err, errlen) ||
	    open_pinned(pin_dir, BW_MAP_ALLOW, &m->allow, err, errlen) ||
	    open_pinned(pin_dir, BW_MAP_BLOCK, &m->block, err, errlen) ||
	    open_pinned(pin_dir, BW_MAP_VERDICTS, &m->verdicts, err, errlen) ||
	    open_pinned(pin_dir, BW_MAP_SAMPLES, &m->samples, err, errlen) ||
	    open_pinned(pin_dir, BW_MAP_CONFIG, &m->config, err, errlen) ||
	    open_pinned(pin_dir, BW_MAP_SCORESTATS, &m->scorestats, err, errlen) ||
	    open_pinned(pin_dir, BW_MAP_DAEMON, &m->daemon, err, errlen) ||
	    open_pinned(pin_dir, BW_MAP_LSTATE, &m->lstate, err, errlen) ||
	    open_pinned(pin_dir, BW_MAP_LCLASS, &m->lclass, err, errlen) ||
	    open_pinned(pin_dir, BW_MAP_LISTS, &m->lists, err, errlen) ||
	    open_pinned(pin_dir, BW_MAP_LSTATS, &m->lstats, err, errlen) ||
	    open_pinned(pin_dir, BW_MAP_V4T24, &m->v4t24, err, errlen) ||
	    open_pinned(pin_dir, BW_MAP_V4T8, &m->v4t8, err, errlen) ||
	    open_pinned(pin_dir, BW_MAP_V4HOST, &m->v4host, err, errlen) ||
	    open_pinned(pin_dir, BW_MAP_V6BKT, &m->v6bkt, err, errlen) ||
	    open_pinned(pin_dir, BW_MAP_V6PFX, &m->v6pfx, err, errlen) ||
	    open_pinned(pin_dir, BW_MAP_V6SUB, &m->v6sub, err, errlen) ||
	    open_pinned(pin_dir, BW_MAP_V6PBF, &m->v6pbf, err, errlen) ||
	    open_pinned(pin_dir, BW_MAP_V6SPF, &m->v6spf, err, errlen) ||
	    open_pinned(pin_dir, BW_MAP_VFILTER, &m->vfilter, err, errlen)) {
		bw_maps_close(m);
		return -1;
	}
	return 0;
}

void bw_maps_close(struct bw_maps *m)
{
	int *fds = (int *)m;

	for (size_t i = 0; i < sizeof(*m) / sizeof(int); i++)
		if (fds[i] >= 0)
			close(fds[i]);
	memset(m, 0xff, sizeof(*m));
}

int bw_read_counters(int fd, struct bw_counter out[BW_CNT__MAX])
{
	int ncpu = libbpf_num_possible_cpus();
	struct bw_counter *per;

	if (ncpu <= 0)
		return -1;
	per = calloc((size_t)ncpu, sizeof(*per));
	if (!per)
		return -1;
	out[BW_CNT_RX].packets = out[BW_CNT_RX].bytes = 0;
	for (__u32 id = 1; id < BW_CNT__MAX; id++) {   /* BW_CNT_RX: derived */
		out[id].packets = out[id].bytes = 0;
		if (bpf_map_lookup_elem(fd, &id, per)) {
			free(per);
			return -1;
		}
		for (int c = 0; c < ncpu; c++) {
			out[id].packets += per[c].packets;
			out[id].bytes += per[c].bytes;
		}
		if (BW_CNT_OUTCOMES & 1u << id) {
			out[BW_CNT_RX].packets += out[id].packets;
			out[BW_CNT_RX].bytes += out[id].bytes;
		}
	}
	free(per);
	return 0;
}

int bw_read_scorestats(int fd, struct bw_score_stats *out)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(fd, &zero, out);
}

int bw_write_scorestats(int fd, const struct bw_score_stats *in)
{
	__u32 zero = 0;

	return bpf_map_update_elem(fd, &zero, in, BPF_ANY);
}

const char *const bw_map_names[] = {
	BW_MAP_COUNTERS, BW_MAP_ALLOW, BW_MAP_BLOCK, BW_MAP_VERDICTS,
	BW_MAP_SAMPLES, BW_MAP_CONFIG, BW_MAP_SCORESTATS, BW_MAP_DAEMON,
	BW_MAP_LSTATE, BW_MAP_LCLASS, BW_MAP_LISTS, BW_MAP_LSTATS,
	BW_MAP_V4T24, BW_MAP_V4T8, BW_MAP_V4HOST, BW_MAP_V6BKT, BW_MAP_V6PFX, BW_MAP_V6SUB,
	BW_MAP_V6PBF, BW_MAP_V6SPF,
	BW_MAP_RATELIM, BW_MAP_SRCSTATS, BW_MAP_SYN, BW_MAP_CPUSTATE, BW_MAP_VFILTER,
};
const size_t bw_map_count_names = sizeof(bw_map_names) / sizeof(bw_map_names[0]);

int bw_read_daemon_state(int fd, struct bw_daemon_state *out)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(fd, &zero, out);
}

int bw_write_daemon_state(int fd, const struct bw_daemon_state *in)
{
	__u32 zero = 0;

	return bpf_map_update_elem(fd, &zero, in, BPF_ANY);
}

long bw_map_count(int fd, size_t key_size)
{
	unsigned char cur[64], next[64];
	void *prev = NULL;
	long n = 0;

	if (key_size > sizeof(cur))
		return -1;
	while (bpf_map_get_next_key(fd, prev, next) == 0) {
		memcpy(cur, next, key_size);
		prev = cur;
		n++;
	}
	return n;
}

uint64_t bw_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int bw_verdict_sweep(int fd, uint64_t now_ns)
{
	struct bw_addr cur, next, *expired = NULL;
	size_t n = 0, cap = 0;
	struct bw_verdict v;
	void *prev = NULL;
	int removed = 0;

	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		cur = next;
		prev = &cur;
		if (bpf_map_lookup_elem(fd, &cur, &v) || !v.expires_ns || v.expires_ns > now_ns)
			continue;
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 64;
			struct bw_addr *ne = realloc(expired, nc * sizeof(*ne));

			if (!ne)
				break;
			expired = ne;
			cap = nc;
		}
		expired[n++] = cur;
	}
	for (size_t i = 0; i < n; i++)
		if (!bpf_map_delete_elem(fd, &expired[i]))
			removed++;
	free(expired);
	return removed;
}

int bw_read_list_counters(int fd, struct bw_list_counter out[BW_LISTS_MAX])
{
	int ncpu = libbpf_num_possible_cpus();
	struct bw_list_counter *per;

	if (ncpu <= 0)
		return -1;
	per = calloc((size_t)ncpu, sizeof(*per));
	if (!per)
		return -1;
	for (__u32 id = 0; id < BW_LISTS_MAX; id++) {
		out[id].hits = out[id].drops = 0;
		if (bpf_map_lookup_elem(fd, &id, per)) {
			free(per);
			return -1;
		}
		for (int c = 0; c < ncpu; c++) {
			out[id].hits += per[c].hits;
			out[id].drops += per[c].drops;
		}
	}
	free(per);
	return 0;
}

int bw_lstate_flags(int fd, __u32 set, __u32 clear)
{
	struct bw_lstate ls;
	__u32 zero = 0;

	if (bpf_map_lookup_elem(fd, &zero, &ls))
		return -1;
	ls.flags = (ls.flags & ~clear) | set;
	return bpf_map_update_elem(fd, &zero, &ls, BPF_ANY);
}

/* Under the lock: read-modify-write of one word is safe, the datapath only
 * reads (a torn 8-byte copy could only show old or new bytes, both with
 * every needed bit set). */
static int vf_set(int fd, const struct bw_addr *addr)
{
	__u32 bit = bw_vf_bit(addr), w = bit >> BW_VF_WORD_BITS;
	__u64 word;

	if (bpf_map_lookup_elem(fd, &w, &word))
		return -1;
	if (word & (1ull << (bit & 63)))
		return 0;
	word |= 1ull << (bit & 63);
	return bpf_map_update_elem(fd, &w, &word, BPF_ANY);
}

int bw_verdict_put_action(const struct bw_verdict_fds *vf, const struct bw_addr *addr,
			  unsigned int ttl_sec, uint8_t action, uint32_t rate_pps, uint8_t reason,
			  uint8_t score, uint8_t top_flag)
{
	struct bw_verdict v = {};
	uint64_t now = bw_now_ns();

	v.created_ns = now;
	v.expires_ns = ttl_sec ? now + (uint64_t)ttl_sec * 1000000000ull : 0;
	v.action = action;
	v.rate_pps = rate_pps;
	v.reason = reason;
	v.score = score;
	v.top_flag = top_flag;
	/* The bit first: a verdict must never be in the table unseen. */
	if (vf_set(vf->vfilter, addr))
		return -1;
	return bpf_map_update_elem(vf->verdicts, addr, &v, BPF_ANY);
}

/* The whole filter in one batched read. */
static int read_words(int fd, __u64 *words)
{
	/* calloc: valgrind does not know the batch command's writes. */
	__u32 *keys = calloc(BW_VF_WORDS, sizeof(*keys)), out = 0, count = BW_VF_WORDS;
	int rc;

	if (!keys)
		return -1;
	rc = bpf_map_lookup_batch(fd, NULL, &out, keys, words, &count, NULL);
	if ((!rc || errno == ENOENT) && count == BW_VF_WORDS) {
		/* Array batches come back in key order; check rather than trust. */
		rc = 0;
		for (__u32 i = 0; i < BW_VF_WORDS; i++)
			if (keys[i] != i) {
				errno = EIO;
				rc = -1;
				break;
			}
	} else if (!rc) {
		errno = EIO;
		rc = -1;
	}
	free(keys);
	return rc;
}

long bw_vfilter_rebuild(const struct bw_verdict_fds *vf)
{
	__u64 *want = calloc(BW_VF_WORDS, sizeof(*want)), *have;
	struct bw_addr cur, next;
	void *prev = NULL;
	long set = 0;
	int saved = 0;

	if (!want)
		return -1;
	while (bpf_map_get_next_key(vf->verdicts, prev, &next) == 0) {
		__u32 bit = bw_vf_bit(&next);

		cur = next;
		prev = &cur;
		if (!(want[bit >> BW_VF_WORD_BITS] & (1ull << (bit & 63))))
			set++;
		want[bit >> BW_VF_WORD_BITS] |= 1ull << (bit & 63);
	}
	/* Only changed words are written; with the lock held no writer adds
	 * a bit meanwhile, so each write only clears stale bits. */
	have = calloc(BW_VF_WORDS, sizeof(*have));
	if (!have || read_words(vf->vfilter, have)) {
		saved = have ? errno : ENOMEM;
		set = -1;
	}
	for (__u32 w = 0; set >= 0 && w < BW_VF_WORDS; w++)
		if (have[w] != want[w] && bpf_map_update_elem(vf->vfilter, &w, &want[w], BPF_ANY)) {
			saved = errno;
			set = -1;
		}
	free(have);
	free(want);
	if (set < 0)
		errno = saved;
	return set;
}

int bw_verdict_action_parse(const char *s, uint8_t *action, uint32_t *rate_pps)
{
	char *end;
	unsigned long r;

	*rate_pps = 0;
	if (!strcmp(s, "drop"))
		*action = BW_ACT_DROP;
	else if (!strcmp(s, "monitor"))
		*action = BW_ACT_MONITOR;
	else if (!strcmp(s, "reset"))
		*action = BW_ACT_RESET;
	else if (!strncmp(s, "rate_limit:", 11) && s[11] >= '0' && s[11] <= '9') {
		errno = 0;
		r = strtoul(s + 11, &end, 10);
		if (errno || *end || r > 10000000)
			return -1;
		*action = BW_ACT_RATE_LIMIT;
		*rate_pps = (uint32_t)r;
	} else {
		return -1;
	}
	return 0;
}
