// SPDX-License-Identifier: GPL-2.0-only
/*
 * Programs for make bench, in one object with the real datapath (included
 * below, so the bench measures exactly bpf/botwall.bpf.c):
 *  - empty_xdp: the floor of BPF_PROG_TEST_RUN;
 *  - lpm_xdp: drops sources found in a plain BPF LPM trie, the structure
 *    botwall's list tables replace;
 *  - lookup_bw / lookup_lpm / lookup_none: BENCH_N lookups of different
 *    random addresses in one run (bpf_loop), so caches are as cold as the
 *    table size makes them; the same packet repeated would keep the few
 *    cache lines of one lookup path hot and flatter any structure.
 */
#include "../../bpf/botwall.bpf.c"

#define BENCH_ADDRS 65536
#define BENCH_N     65536

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 2 * BW_LIST_MAX);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct bw_lpm_key);
	__type(value, struct bw_list_entry);
} ref_lpm SEC(".maps");

SEC("xdp")
int empty_xdp(struct xdp_md *ctx)
{
	(void)ctx;
	return XDP_PASS;
}

SEC("xdp")
int lpm_xdp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct bw_lpm_key key = { .prefixlen = 128 };

	if ((void *)(eth + 1) > data_end)
		return XDP_PASS;
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = (void *)(eth + 1);

		if ((void *)(ip + 1) > data_end)
			return XDP_PASS;
		key.addr[10] = 0xff;
		key.addr[11] = 0xff;
		__builtin_memcpy(&key.addr[12], &ip->saddr, 4);
	} else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = (void *)(eth + 1);

		if ((void *)(ip6 + 1) > data_end)
			return XDP_PASS;
		__builtin_memcpy(key.addr, &ip6->saddr, 16);
	} else {
		return XDP_PASS;
	}
	return bpf_map_lookup_elem(&ref_lpm, &key) ? XDP_DROP : XDP_PASS;
}

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, BENCH_ADDRS);
	__type(key, __u32);
	__type(value, struct bw_addr);
} bench_addrs SEC(".maps");

__u64 bench_hits;

/* The floor of any table that does not fit in the caches: one read of a
 * random 64-byte line of an array of BENCH_FLOOR_LINES lines (16 MiB, the
 * size class of the IPv6 tables), the line picked by a hash of the address
 * (so the read depends on the address read before it, as a lookup's does). */
#define BENCH_FLOOR_LINES (1u << 18)

struct bench_line {
	__u64 w[8];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, BENCH_FLOOR_LINES);
	__type(key, __u32);
	__type(value, struct bench_line);
} bench_floor SEC(".maps");

struct lctx {
	struct bw_lstate ls;    /* a copy, read once */
	__u32 gen;
	__u32 kind;     /* 0 none, 1 botwall tables, 2 LPM trie, 3 one read */
	__u64 hits;
};

static long lookup_one(__u32 i, void *arg)
{
	struct lctx *c = arg;
	__u32 k = i & (BENCH_ADDRS - 1), ip;
	struct bw_addr *a = bpf_map_lookup_elem(&bench_addrs, &k);

	if (!a)
		return 1;
	if (c->kind == 1) {
		if (a->b[10] == 0xff && a->b[11] == 0xff && !a->b[0]) {
			__builtin_memcpy(&ip, &a->b[12], 4);
			c->hits += bw_lookup_v4(c->gen, bpf_ntohl(ip), c->ls.host_mask[c->gen & 1]) != 0;
		} else {
			__u64 hi, lo;

			__builtin_memcpy(&hi, a->b, 8);
			__builtin_memcpy(&lo, &a->b[8], 8);
			c->hits += bw_lookup_v6(c->gen, bpf_be64_to_cpu(hi), bpf_be64_to_cpu(lo),
						&c->ls) != 0;
		}
	} else if (c->kind == 2) {
		struct bw_lpm_key key = { .prefixlen = 128 };

		__builtin_memcpy(key.addr, a->b, 16);
		c->hits += bpf_map_lookup_elem(&ref_lpm, &key) != NULL;
	} else if (c->kind == 3) {
		__u64 hi, lo;
		struct bench_line *l;

		__builtin_memcpy(&hi, a->b, 8);
		__builtin_memcpy(&lo, &a->b[8], 8);
		k = BW_V6P_HASH(hi, lo, 128, BW_V6_K1) & (BENCH_FLOOR_LINES - 1);
		l = bpf_map_lookup_elem(&bench_floor, &k);
		if (l)
			c->hits += l->w[0] & 1;
	} else {
		c->hits += a->b[15] & 1;
	}
	return 0;
}

static __always_inline int run_lookups(__u32 kind)
{
	struct lctx c = { .kind = kind };
	__u32 zero = 0;
	struct bw_lstate *ls = bpf_map_lookup_elem(&bw_lstate, &zero);

	if (ls) {
		c.ls = *ls;
		c.gen = ls->gen & 1;
	}
	bpf_loop(BENCH_N, lookup_one, &c, 0);
	bench_hits = c.hits;
	return XDP_PASS;
}

SEC("xdp")
int lookup_none(struct xdp_md *ctx)
{
	(void)ctx;
	return run_lookups(0);
}

SEC("xdp")
int lookup_bw(struct xdp_md *ctx)
{
	(void)ctx;
	return run_lookups(1);
}

SEC("xdp")
int lookup_lpm(struct xdp_md *ctx)
{
	(void)ctx;
	return run_lookups(2);
}

SEC("xdp")
int lookup_floor(struct xdp_md *ctx)
{
	(void)ctx;
	return run_lookups(3);
}
