// SPDX-License-Identifier: GPL-2.0-only
/*
 * botwall XDP datapath.
 *
 * Per packet: parse L2 (up to two VLAN tags), L3 (IPv4, IPv6 with a bounded
 * walk over extension headers), then apply, in order:
 *   allowlist (pass) -> blocklist (drop) -> daemon verdict (drop until it
 *   expires) -> HTTP request sampling -> pass.
 * The lists and verdicts apply to every IP packet of a source, not only TCP.
 * Anything we cannot parse passes untouched and is counted: a filter must
 * never black-hole traffic it does not understand.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include <xdp/xdp_helpers.h>

#include "botwall_abi.h"

char LICENSE[] SEC("license") = "GPL";

/* Behind libxdp's dispatcher: run before other programs (lower runs
 * first), and let the chain go on only for packets we pass. */
struct {
	__uint(priority, 10);
	__uint(XDP_PASS, 1);
} XDP_RUN_CONFIG(botwall_xdp);

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, BW_CNT__MAX);
	__type(key, __u32);
	__type(value, struct bw_counter);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} bw_counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, BW_LIST_MAX);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct bw_lpm_key);
	__type(value, struct bw_list_entry);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} bw_allow SEC(".maps"), bw_block SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, BW_VERDICT_MAX);
	__type(key, struct bw_addr);
	__type(value, struct bw_verdict);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} bw_verdicts SEC(".maps");

/* BW_VF_WORDS is fixed, so the verifier inlines this array's lookup. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, BW_VF_WORDS);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} bw_vfilter SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, BW_RATELIM_MAX);
	__type(key, struct bw_addr);
	__type(value, struct bw_ratelim);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} bw_ratelim SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, BW_SRCSTATS_MAX);
	__type(key, struct bw_addr);
	__type(value, struct bw_src_stats);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} bw_srcstats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, BW_SYN_MAX);
	__type(key, struct bw_addr);
	__type(value, struct bw_syn_traits);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} bw_syn SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bw_cpu_state);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} bw_cpustate SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, BW_RINGBUF_BYTES);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} bw_samples SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bw_config);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} bw_config SEC(".maps");

/* Written by the daemon only; declared here so it is created and pinned with
 * the rest and carries BTF for bpftool. The datapath never touches it. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bw_score_stats);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} bw_scorestats SEC(".maps");

/* Daemon self-description, also written by the daemon only. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bw_daemon_state);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} bw_daemon SEC(".maps");

/* ---- scalable lists (layout and rationale: botwall_abi.h, docs/datapath.md) ---- */

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bw_lstate);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} bw_lstate SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2 * BW_CLASS_MAX);
	__type(key, __u32);
	__type(value, struct bw_list_class);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} bw_lclass SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, BW_LISTS_MAX);
	__type(key, __u32);
	__type(value, struct bw_list_info);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} bw_lists SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, BW_LISTS_MAX);
	__type(key, __u32);
	__type(value, struct bw_list_counter);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} bw_lstats SEC(".maps");

/* The list tables: one array of two inner maps each, the inner map of
 * generation 0 and of generation 1 (docs/datapath.md "Atomic reload"),
 * pinned by name. Their inner templates give sizes, not BTF types: clang
 * emits the value structs only as forward declarations here, and the
 * inner maps are created by the daemon anyway (their layout is in
 * botwall_abi.h).
 *
 * The tbl24 has one fixed size, and without BPF_F_INNER_MAP the verifier
 * inlines its lookup (the allowed packet's path). */
struct t24_inner {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, BW_T24_CHUNKS);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(struct bw_t24_chunk));
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 2);
	__type(key, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__array(values, struct t24_inner);
} bw_v4t24 SEC(".maps");

/* The others have BPF_F_INNER_MAP: the daemon sizes each generation's
 * array to its contents (cells of the given type). */
#define BW_GEN_TABLE(name, cell)                                                   	struct name##_inner {                                                      		__uint(type, BPF_MAP_TYPE_ARRAY);                                  		__uint(max_entries, 1);                                            		__uint(map_flags, BPF_F_INNER_MAP);                                		__uint(key_size, sizeof(__u32));                                   		__uint(value_size, sizeof(cell));                                  	};                                                                         	struct {                                                                   		__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);                          		__uint(max_entries, 2);                                            		__type(key, __u32);                                                		__uint(pinning, LIBBPF_PIN_BY_NAME);                               		__array(values, struct name##_inner);                              	} name SEC(".maps")

BW_GEN_TABLE(bw_v4t8, struct bw_t8_group);       /* IPv4 tbl8 groups           */
BW_GEN_TABLE(bw_v4host, struct bw_host_bucket);  /* IPv4 /32 host buckets      */
BW_GEN_TABLE(bw_v6bkt, struct bw_v6b_cell);      /* IPv6 /32 buckets           */
BW_GEN_TABLE(bw_v6pfx, struct bw_v6p_cell);      /* IPv6 prefixes /33-/128     */
BW_GEN_TABLE(bw_v6sub, struct bw_v6s_cell);      /* IPv6 /48 buckets           */

/* Fixed size, so the verifier inlines its lookup. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2 * BW_V6PBF_WORDS);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} bw_v6pbf SEC(".maps");

/* Fixed size, so the verifier inlines its lookup. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2 * BW_V6SPF_WORDS);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} bw_v6spf SEC(".maps");

#ifndef ETH_P_8021AD
#define ETH_P_8021AD 0x88A8
#endif
#define BW_L4_OFF_MAX 1024
#define IP_MF 0x2000
#define IP_OFFSET 0x1FFF

struct vlan_hdr {
	__be16 tci;
	__be16 proto;
};

struct ipv6_ext {
	__u8 nexthdr;
	__u8 hdrlen;
};

struct ipv6_frag {
	__u8 nexthdr;
	__u8 reserved;
	__be16 frag_off; /* offset << 3 | M */
	__be32 id;
};

/* Everything the parser learned about one packet. */
struct pkt {
	struct bw_addr saddr;
	struct bw_addr daddr;
	__u32 l3_off;       /* offset of the IP header from data      */
	__u32 l4_off;       /* offset of the L4 header from data      */
	__u32 l3_payload;   /* L4 length claimed by the IP header     */
	__u8 family;
	__u8 l4proto;
	__u8 ttl;
	__u8 later_fragment;/* non-first fragment: no L4 header here  */
};

static __always_inline void count(__u32 id, __u64 bytes)
{
	struct bw_counter *c = bpf_map_lookup_elem(&bw_counters, &id);

	if (c) {
		c->packets++;
		c->bytes += bytes;
	}
}

/* Most sources have no verdict: a clear presence bit proves it without the
 * hash lookup. Until the daemon has rebuilt the filter, every source may. */
static __always_inline int verdict_may_exist(const struct bw_config *cfg, const struct bw_addr *a)
{
	__u32 vb, w;
	__u64 *vw;

	if (!(cfg->flags & BW_CFG_F_VFILTER))
		return 1;
	vb = bw_vf_bit(a);
	w = vb >> BW_VF_WORD_BITS;
	vw = bpf_map_lookup_elem(&bw_vfilter, &w);
	return vw && (*vw >> (vb & 63)) & 1;
}

static __always_inline void v4_mapped(struct bw_addr *a, __be32 ip)
{
	__builtin_memset(a->b, 0, 10);
	a->b[10] = 0xff;
	a->b[11] = 0xff;
	__builtin_memcpy(&a->b[12], &ip, 4);
}

/* Returns 0 and fills *p, 1 for "not IP", -1 for malformed. */
static __always_inline int parse_l2_l3(void *data, void *data_end, struct pkt *p)
{
	struct ethhdr *eth = data;
	void *pos;
	__u16 proto;
	int i;

	if ((void *)(eth + 1) > data_end)
		return -1;
	proto = eth->h_proto;
	pos = eth + 1;

#pragma unroll
	for (i = 0; i < 2; i++) {
		struct vlan_hdr *vh = pos;

		if (proto != bpf_htons(ETH_P_8021Q) && proto != bpf_htons(ETH_P_8021AD))
			break;
		if ((void *)(vh + 1) > data_end)
			return -1;
		proto = vh->proto;
		pos = vh + 1;
	}

	if (proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *iph = pos;
		__u32 ihl, tot;

		if ((void *)(iph + 1) > data_end)
			return -1;
		ihl = iph->ihl * 4;
		tot = bpf_ntohs(iph->tot_len);
		if (iph->version != 4 || ihl < sizeof(*iph) || tot < ihl)
			return -1;
		if (pos + ihl > data_end)
			return -1;
		p->family = 4;
		p->l3_off = pos - data;
		p->l4proto = iph->protocol;
		p->ttl = iph->ttl;
		p->later_fragment = (bpf_ntohs(iph->frag_off) & IP_OFFSET) != 0;
		v4_mapped(&p->saddr, iph->saddr);
		v4_mapped(&p->daddr, iph->daddr);
		p->l4_off = (pos + ihl) - data;
		p->l3_payload = tot - ihl;
		return 0;
	}

	if (proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = pos;
		__u32 plen;
		__u8 nh;

		if ((void *)(ip6 + 1) > data_end)
			return -1;
		if (ip6->version != 6)
			return -1;
		p->family = 6;
		p->l3_off = pos - data;
		p->ttl = ip6->hop_limit;
		p->later_fragment = 0;
		__builtin_memcpy(p->saddr.b, &ip6->saddr, 16);
		__builtin_memcpy(p->daddr.b, &ip6->daddr, 16);
		plen = bpf_ntohs(ip6->payload_len);
		nh = ip6->nexthdr;
		pos = ip6 + 1;

		/* Skip a bounded number of extension headers; what is still an
		 * extension header after that is treated as "not TCP". */
#pragma unroll
		for (i = 0; i < BW_IPV6_EXT_MAX; i++) {
			struct ipv6_ext *ext = pos;
			__u32 len;

			if (nh != IPPROTO_HOPOPTS && nh != IPPROTO_ROUTING &&
			    nh != IPPROTO_DSTOPTS && nh != IPPROTO_FRAGMENT &&
			    nh != IPPROTO_AH)
				break;
			if ((void *)(ext + 1) > data_end)
				return -1;
			if (nh == IPPROTO_FRAGMENT) {
				struct ipv6_frag *fh = pos;

				if ((void *)(fh + 1) > data_end)
					return -1;
				if (bpf_ntohs(fh->frag_off) & 0xFFF8)
					p->later_fragment = 1;
				len = sizeof(*fh);
			} else if (nh == IPPROTO_AH) {
				len = ((__u32)ext->hdrlen + 2) * 4;
			} else {
				len = ((__u32)ext->hdrlen + 1) * 8;
			}
			if (len > plen)
				return -1;
			plen -= len;
			nh = ext->nexthdr;
			pos += len;
			if (pos > data_end)
				return -1;
		}
		p->l4proto = nh;
		p->l4_off = pos - data;
		p->l3_payload = plen;
		return 0;
	}
	return 1;
}


/* Searches one bucket of the host table. Found: class << 2 (a listed
 * host's class is never 0). Not found: the bucket's BW_HS_OVERFLOW bit
 * (2 or 0), telling the caller whether the h2 bucket may hold it. */
static __always_inline __u32 host_find(void *inner, __u32 ip, __u32 b)
{
	struct bw_host_bucket *bk = bpf_map_lookup_elem(inner, &b);
	__u64 want = (__u64)ip << 32;
	int i;

	if (!bk)
		return 0;
#pragma unroll
	for (i = 0; i < BW_HOST_SLOTS; i++) {
		__u64 s = bk->s[i];

		if ((s & 0xffffffff00000000ull) == want && (s & BW_HS_USED))
			return (((__u32)s >> 16) & BW_T24_INDEX) << 2;
	}
	return (__u32)(bk->s[0] & BW_HS_OVERFLOW);
}

/* The /32 and /25-/31 part of an IPv4 lookup, for a tbl24 entry e that
 * points there. Inline: with feeds that are mostly /32s, a good share of
 * the /24s a flood comes from hold listed hosts, and a call costs a return,
 * which is not free on CPUs with return-stack mitigations (SRSO). The
 * verifier pays ~4k more instructions for it (docs/datapath.md "Costs"). */
static __always_inline __u32 bw_lookup_v4_long(__u32 gen, __u32 ip, __u32 host_mask, __u32 e)
{
	struct bw_t8_group *grp;
	void *inner;
	__u32 g, c;

	gen &= 1;
	if (e & BW_T24_HOST) {
		inner = bpf_map_lookup_elem(&bw_v4host, &gen);
		if (inner) {
			c = host_find(inner, ip, BW_HOST_HASH(ip, BW_HOST_K1) & host_mask);
			if (c == BW_HS_OVERFLOW)
				c = host_find(inner, ip, BW_HOST_HASH(ip, BW_HOST_K2) & host_mask);
			if (c > BW_HS_OVERFLOW)
				return c >> 2;
		}
	}
	if (!(e & BW_T24_GROUP))
		return e & BW_T24_INDEX;
	inner = bpf_map_lookup_elem(&bw_v4t8, &gen);
	if (!inner)
		return 0;
	g = e & BW_T24_INDEX;
	grp = bpf_map_lookup_elem(inner, &g);
	if (!grp)
		return 0;
	return grp->e[ip & 255];
}

/* IPv4 list lookup (ip in host order): one tbl24 chunk read, inline (the
 * tbl24 arrays have one fixed size, so the verifier inlines both array
 * lookups); the host table and tbl8 groups only when the entry says so.
 * Returns a class, 0 = none. */
static __always_inline __u32 bw_lookup_v4(__u32 gen, __u32 ip, __u32 host_mask)
{
	struct bw_t24_chunk *ch;
	__u32 ci = ip >> 12;
	void *t24;
	__u16 e;

	gen &= 1;
	t24 = bpf_map_lookup_elem(&bw_v4t24, &gen);
	if (!t24)
		return 0;
	ch = bpf_map_lookup_elem(t24, &ci);
	if (!ch)
		return 0;
	e = ch->e[(ip >> 8) & (BW_T24_PER_CHUNK - 1)];
	if (!(e & (BW_T24_HOST | BW_T24_GROUP)))
		return e & BW_T24_INDEX;
	return bw_lookup_v4_long(gen, ip, host_mask, e);
}

/* State of one IPv6 probe loop (bpf_loop callback context). */
struct v6_probe {
	__u64 hi, lo, lens0, lens1;
	void *pf;
	__u32 pmask;
	__u32 cls;
	__u32 pbf;      /* first bw_v6pbf word of this gen | BW_V6P_PBF_ON */
};

/* bw_lookup_v6_long's first argument: gen, whether the gen's prefix
 * filter is trusted, and the cell mask (five arguments at most). */
#define BW_V6P_GEN     0x80000000u
#define BW_V6P_PBF_ON  0x40000000u
#define BW_V6P_MASK    0x3fffffffu
#define BW_V6_INLINE_PROBES 4

/* The address (two host-order halves) cut to len bits, 33 <= len <= 128. */
static __always_inline void v6_cut(__u64 hi, __u64 lo, __u32 len, __u64 *h, __u64 *l)
{
	if (len <= 64) {
		*h = hi & (~0ull << ((64 - len) & 63));
		*l = 0;
	} else {
		*h = hi;
		*l = lo & (~0ull << ((128 - len) & 63));
	}
}

/* Searches one prefix cell: class << 2 if found, else its overflow bit. */
static __always_inline __u32 v6p_find(void *pf, __u64 hi, __u64 lo, __u32 len, __u32 idx)
{
	struct bw_v6p_cell *c = bpf_map_lookup_elem(pf, &idx);

	if (!c)
		return 0;
	if (c->s[0].used && c->s[0].hi == hi && c->s[0].lo == lo && c->s[0].len == len)
		return (__u32)(c->s[0].cls & BW_T24_INDEX) << 2;
	if (c->s[1].used && c->s[1].hi == hi && c->s[1].lo == lo && c->s[1].len == len)
		return (__u32)(c->s[1].cls & BW_T24_INDEX) << 2;
	return (__u32)(c->flags & BW_HS_OVERFLOW);
}

/* One step of a binary search for the top set bit (BPF has no clz),
 * without branches, so the verifier walks one path, not one per bit:
 * with x < 2^2K, ((x >> K) + 2^K - 1) >> K is 1 iff x >= 2^K. */
#define STEP_TOP_BIT(x, bit, k)                                                    \
	do {                                                                       \
		__u64 s_ = (((x) >> (k)) + ((1ull << (k)) - 1)) >> (k);           \
		(x) >>= s_ * (k);                                                  \
		(bit) += (__u32)(s_ * (k));                                        \
	} while (0)

/* Is bit (its low 6 bits) clear in word *k of a filter array? A word
 * that cannot be read proves nothing. */
static __always_inline int filter_bit_clear(void *filter, __u32 *k, __u32 bit)
{
	__u64 *fw = bpf_map_lookup_elem(filter, k);

	return fw && !((*fw >> (bit & 63)) & 1);
}

/* Does this generation's half of bw_v6pbf (base: its first word) prove
 * the key (h, l, len) absent? k: the caller's map key slot. */
static __always_inline int v6_pbf_absent(__u32 base, __u64 h, __u64 l, __u32 len, __u32 *k)
{
	__u32 fb = BW_V6PBF_BIT(h, l, len);

	*k = base + (fb >> 6);
	return filter_bit_clear(&bw_v6pbf, k, fb);
}

/* Does this generation's half of bw_v6spf prove that the /32 top has no
 * /48 buckets? k: the caller's map key slot. */
static __always_inline int v6_spf_absent(__u32 gen, __u32 top, __u32 *k)
{
	__u32 fb = BW_V6SPF_BIT(top);

	*k = (gen & 1) * BW_V6SPF_WORDS + (fb >> 6);
	return filter_bit_clear(&bw_v6spf, k, fb);
}

/* Index of the top set bit of x != 0, 0..63. */
static __always_inline __u32 top_bit(__u64 x)
{
	__u32 bit = 0;

	STEP_TOP_BIT(x, bit, 32);
	STEP_TOP_BIT(x, bit, 16);
	STEP_TOP_BIT(x, bit, 8);
	STEP_TOP_BIT(x, bit, 4);
	STEP_TOP_BIT(x, bit, 2);
	STEP_TOP_BIT(x, bit, 1);
	return bit & 63;
}

/* One probe: the longest length still set in the bucket's bitmap.
 * Returns 1 to stop. */
static __always_inline long v6_probe_step(struct v6_probe *st)
{
	__u64 h, l;
	__u32 bit, len, c, w;

	if (!(st->lens0 | st->lens1))
		return 1;
	bit = top_bit(st->lens1 ? st->lens1 : st->lens0);
	if (st->lens1) {
		st->lens1 &= ~(1ull << bit);
		bit += 64;
	} else {
		st->lens0 &= ~(1ull << bit);
	}
	len = 33 + bit;
	if (len > 128)
		return 1;
	v6_cut(st->hi, st->lo, len, &h, &l);
	if ((st->pbf & BW_V6P_PBF_ON) && v6_pbf_absent(st->pbf & BW_V6P_MASK, h, l, len, &w))
		return 0;                      /* no such prefix: next length */
	c = v6p_find(st->pf, h, l, len, BW_V6P_HASH(h, l, len, BW_V6_K1) & st->pmask);
	if (c == BW_HS_OVERFLOW)
		c = v6p_find(st->pf, h, l, len, BW_V6P_HASH(h, l, len, BW_V6_K2) & st->pmask);
	if (c <= BW_HS_OVERFLOW)
		return 0;
	st->cls = c >> 2;
	return 1;
}

static long v6_probe_one(__u32 idx, void *arg)
{
	(void)idx;
	return v6_probe_step(arg);
}

/* A /32 with several longer prefixes: the lengths in its bitmap are probed
 * in bw_v6pfx, longest first (each stored class already includes every
 * covering prefix, so the first hit is the complete answer), each behind
 * the generation's filter bw_v6pbf when it is trusted. Returns that class,
 * or 0: none matched, the bucket's own class stands. */
__attribute__((noinline)) __u32 bw_lookup_v6_long(__u32 gen_pmask, __u64 hi, __u64 lo,
						  __u64 lens0, __u64 lens1)
{
	__u32 gen = !!(gen_pmask & BW_V6P_GEN);
	struct v6_probe st;

	st.pf = bpf_map_lookup_elem(&bw_v6pfx, &gen);
	if (!st.pf)
		return 0;
	st.pmask = gen_pmask & BW_V6P_MASK;
	st.pbf = gen * BW_V6PBF_WORDS | (gen_pmask & BW_V6P_PBF_ON);
	st.hi = hi;                            /* host order */
	st.lo = lo;
	st.lens0 = lens0;
	st.lens1 = lens1;
	st.cls = 0;
	/* Most such /32s hold a handful of lengths: the first BW_V6_INLINE_PROBES
	 * are probed inline, without bpf_loop's callback per length (each a
	 * return, which costs: see bw_lookup_v4_long above); the rest, if
	 * any, in bpf_loop, which keeps the verifier's work bounded. */
#pragma unroll
	for (int i = 0; i < BW_V6_INLINE_PROBES; i++)
		if (v6_probe_step(&st))
			return st.cls;
	if (st.lens0 | st.lens1)
		bpf_loop(96 - BW_V6_INLINE_PROBES, v6_probe_one, &st, 0);
	return st.cls;
}

/* The bucket of this /32 in one cell, if there. */
static __always_inline struct bw_v6_bucket *v6b_match(struct bw_v6b_cell *c, __u32 top)
{
	if (c->s[0].used && c->s[0].top == top)
		return &c->s[0];
	if (c->s[1].used && c->s[1].top == top)
		return &c->s[1];
	return NULL;
}

/* The bucket of this /48 in one cell, if there. */
static __always_inline struct bw_v6_sub *v6s_match(struct bw_v6s_cell *c, __u64 key)
{
	if (c->s[0].used && c->s[0].key == key)
		return &c->s[0];
	if (c->s[1].used && c->s[1].key == key)
		return &c->s[1];
	return NULL;
}

/* The /48 bucket of a split /32's address, or NULL: no prefix >= /48 lies
 * under this /48. The generation's filter (the /48s are in it as /48
 * prefixes) answers most misses from cache. k: the caller's map key slot
 * (one for every lookup: the program's frame is at its limit on 6.1). */
static __always_inline struct bw_v6_sub *v6s_find(__u32 gen, __u64 hi, const struct bw_lstate *ls,
						  __u32 *k)
{
	__u64 key = hi >> 16;
	__u32 smask = ls->v6s_mask[gen & 1];
	struct bw_v6s_cell *sc;
	struct bw_v6_sub *s;
	void *sm;

	if ((ls->flags & (BW_LS_F_V6PBF0 << (gen & 1))) &&
	    v6_pbf_absent((gen & 1) * BW_V6PBF_WORDS, key << 16, 0, 48, k))
		return NULL;
	*k = gen & 1;
	sm = bpf_map_lookup_elem(&bw_v6sub, k);
	if (!sm)
		return NULL;
	*k = BW_V6S_HASH(key, BW_V6_K1) & smask;
	sc = bpf_map_lookup_elem(sm, k);
	if (!sc)
		return NULL;
	s = v6s_match(sc, key);
	if (!s && (sc->flags & BW_HS_OVERFLOW)) {
		*k = BW_V6S_HASH(key, BW_V6_K2) & smask;
		sc = bpf_map_lookup_elem(sm, k);
		if (!sc)
			return NULL;
		s = v6s_match(sc, key);
	}
	return s;
}

/* IPv6 (address as two host-order halves): the /32 bucket, and in it either
 * the only longer prefix under that /32 (one cache line for the whole
 * lookup) or the bitmap bw_lookup_v6_long probes; for a split /32 the /48
 * bucket, which again holds its only longer prefix or a bitmap.
 *
 * When most of the generation's IPv6 prefixes are in /48 buckets
 * (BW_LS_F_V6SUB0, set by bw_ltable_apply), the /48 is looked up first: a
 * /48 bucket holds everything that decides for its addresses (its class has
 * every cover <= /48, the /32's included), so a listed source under a
 * crowded /32 costs the filter bit and its /48 bucket, not the /32 bucket
 * before them; any other source pays the filter bit, mostly a cache hit.
 * Inline, like the tbl24 part of bw_lookup_v4: most lookups end here
 * without a call. */
static __always_inline __u32 bw_lookup_v6(__u32 gen, __u64 hi, __u64 lo,
					  const struct bw_lstate *ls)
{
	__u32 top = (__u32)(hi >> 32), bmask, k, len, c, cls;
	__u64 h, l, lens0, lens1;
	struct bw_v6_sub *s = NULL;
	struct bw_v6_bucket *b;
	struct bw_v6b_cell *bc;
	int sub_first;
	void *bk;

	gen &= 1;
	sub_first = !!(ls->flags & (BW_LS_F_V6SUB0 << gen));
	/* The small split-/32 filter first: most unlisted sources are not
	 * under a split /32 and go straight to the /32 bucket. */
	if (sub_first && !((ls->flags & (BW_LS_F_V6SPF0 << gen)) && v6_spf_absent(gen, top, &k)))
		s = v6s_find(gen, hi, ls, &k);
	if (!s) {
		bmask = ls->v6b_mask[gen];
		/* One key slot k for every lookup (the program's frame is at
		 * its 512-byte limit with the callees on 6.1); gen itself is
		 * never stored there, so it stays a bounded scalar. */
		k = gen;
		bk = bpf_map_lookup_elem(&bw_v6bkt, &k);
		if (!bk)
			return 0;
		k = BW_HOST_HASH(top, BW_HOST_K1) & bmask;
		bc = bpf_map_lookup_elem(bk, &k);
		if (!bc)
			return 0;
		b = v6b_match(bc, top);
		if (!b && (bc->flags & BW_HS_OVERFLOW)) {
			k = BW_HOST_HASH(top, BW_HOST_K2) & bmask;
			bc = bpf_map_lookup_elem(bk, &k);
			if (!bc)
				return 0;
			b = v6b_match(bc, top);
		}
		if (!b)
			return 0;
		len = b->one_len;
		if (len) {
			v6_cut(hi, lo, len, &h, &l);
			if ((__u32)h == b->one.mid && l == b->one.lo)
				return b->one.cls & BW_T24_INDEX;
			return b->cls & BW_T24_INDEX;
		}
		cls = b->cls;
		lens0 = b->lens[0];
		lens1 = b->lens[1];
		/* Under a split /32 with no /48 bucket for this address, only
		 * the /33-/47 lengths left in lens can match. */
		if ((b->used & BW_V6B_SPLIT) && !sub_first)
			s = v6s_find(gen, hi, ls, &k);
	}
	if (s) {
		/* Everything <= /48 covering it is in s->cls. */
		cls = s->cls;
		len = s->one_len;
		if (len) {
			v6_cut(hi, lo, len, &h, &l);
			if ((__u16)h == s->mid && l == s->lo)
				return s->one_cls & BW_T24_INDEX;
			return cls & BW_T24_INDEX;
		}
		/* Lengths 49-128 into bw_lookup_v6_long's bit order
		 * (bit i: length 33 + i). */
		lens0 = (__u64)s->mid << 16 | s->lo << 32;
		lens1 = s->lo >> 32;
	}
	if (!(lens0 | lens1))
		return cls & BW_T24_INDEX;
	c = bw_lookup_v6_long((gen ? BW_V6P_GEN : 0) |
			      (ls->flags & (BW_LS_F_V6PBF0 << gen) ? BW_V6P_PBF_ON : 0) |
			      (ls->v6p_mask[gen] & BW_V6P_MASK), hi, lo, lens0, lens1);
	return c ? c : cls & BW_T24_INDEX;
}

/* Per-list hit (and drop) counters for every list in the mask. */
__attribute__((noinline)) int bw_count_lists(__u64 mask, int dropped)
{
	struct bw_list_counter *c;
	__u32 i;

	for (i = 0; i < BW_LISTS_MAX && mask; i++, mask >>= 1) {
		if (!(mask & 1))
			continue;
		c = bpf_map_lookup_elem(&bw_lstats, &i);
		if (c) {
			c->hits++;
			if (dropped)
				c->drops++;
		}
	}
	return 0;
}

/* Most listed sources are in one list: count that one inline (the drop
 * path of a flood), and leave several to bw_count_lists. */
static __always_inline void count_lists(__u64 mask, int dropped)
{
	struct bw_list_counter *c;
	__u32 bit;

	if (!mask)
		return;
	if (mask & (mask - 1)) {
		bw_count_lists(mask, dropped);
		return;
	}
	bit = top_bit(mask);
	c = bpf_map_lookup_elem(&bw_lstats, &bit);
	if (c) {
		c->hits++;
		if (dropped)
			c->drops++;
	}
}


/* ---- verdict actions ---- */

/* Token bucket per source: rate_pps tokens a second, burst of one second.
 * Returns 1 if the packet may pass. */
static __always_inline int rl_allow(const struct bw_addr *src, __u32 rate, __u64 now)
{
	const __u64 one = 1000000000ull;       /* one packet, in 1e-9 packets */
	struct bw_ratelim *rl, fresh;
	__u64 cap, elapsed;

	if (!rate)
		return 0;
	cap = (__u64)rate * one;
	rl = bpf_map_lookup_elem(&bw_ratelim, src);
	if (!rl) {
		fresh.tokens = cap - one;      /* this packet spends one */
		fresh.last_ns = now;
		bpf_map_update_elem(&bw_ratelim, src, &fresh, BPF_ANY);
		return 1;
	}
	elapsed = now - rl->last_ns;
	if (elapsed > one)                     /* caps the product, too */
		elapsed = one;
	rl->tokens += elapsed * rate;
	if (rl->tokens > cap)
		rl->tokens = cap;
	rl->last_ns = now;
	if (rl->tokens < one)
		return 0;
	rl->tokens -= one;
	return 1;
}

static __always_inline __u32 csum_words(const __u16 *w, int n, __u32 sum)
{
	int i;

#pragma unroll
	for (i = 0; i < n; i++)
		sum += w[i];
	return sum;
}

static __always_inline __u16 csum_fold(__u32 sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

#define BW_L3_OFF_MAX 22  /* Ethernet + two VLAN tags */

/*
 * Turns a TCP segment into the RST that answers it (RFC 9293 3.10.7.1:
 * if the segment has ACK, seq = its ack; else seq 0 and ACK of everything it
 * occupied), shrinks the frame to the bare headers and sends it back out the
 * interface. IPv4 with options and IPv6 with extension headers are dropped
 * instead (returns XDP_DROP): an RST must not echo options back.
 */
__attribute__((noinline)) int bw_send_rst(struct xdp_md *ctx, __u32 l3, __u32 l4,
					  __u32 family, __u32 l3_payload)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 seq, ack, plen, thlen, sum;
	union {                 /* one family per packet: one stack area */
		struct { struct iphdr ip; struct tcphdr th; } v4;
		struct { struct ipv6hdr ip; struct tcphdr th; } v6;
	} h;
	struct tcphdr *th, *rst;
	__u16 proto_len[2];
	__u8 flags, mac[ETH_ALEN];
	struct ethhdr *eth;
	void *l3p;

	if (l4 != l3 + (family == 4 ? sizeof(struct iphdr) : sizeof(struct ipv6hdr)))
		return XDP_DROP;
	/* Hide l3's history from the compiler so the bound below is the one
	 * the verifier sees on the register used for the pointer. */
	asm volatile("" : "+r"(l3));
	if (l3 > BW_L3_OFF_MAX)
		return XDP_DROP;
	l3p = data + l3;
	/* Both header stacks are read from the packet into the stack here;
	 * everything is then computed on the copies. */
	if (family == 4) {
		if (l3p + sizeof(h.v4) > data_end)
			return XDP_DROP;
		__builtin_memcpy(&h.v4, l3p, sizeof(h.v4));
		th = &h.v4.th;
		rst = &h.v4.th;
	} else {
		if (l3p + sizeof(h.v6) > data_end)
			return XDP_DROP;
		__builtin_memcpy(&h.v6, l3p, sizeof(h.v6));
		th = &h.v6.th;
		rst = &h.v6.th;
	}
	thlen = th->doff * 4;
	if (thlen < sizeof(*th) || thlen > l3_payload)
		return XDP_DROP;
	flags = ((__u8 *)th)[13];
	if (flags & 0x04)                      /* never answer an RST */
		return XDP_DROP;
	plen = l3_payload - thlen;
	seq = bpf_ntohl(th->seq);
	ack = bpf_ntohl(th->ack_seq);
	{
		__be16 sport = th->source, dport = th->dest;

		__builtin_memset(rst, 0, sizeof(*rst));
		rst->source = dport;
		rst->dest = sport;
	}
	rst->doff = 5;
	rst->rst = 1;
	if (flags & 0x10) {                    /* ACK set: seq = its ack */
		rst->seq = bpf_htonl(ack);
	} else {                               /* SYN and FIN take one each */
		rst->ack = 1;
		rst->ack_seq = bpf_htonl(seq + plen + !!(flags & 0x02) + !!(flags & 0x01));
	}
	proto_len[0] = bpf_htons(IPPROTO_TCP);
	proto_len[1] = bpf_htons(sizeof(*rst));
	if (family == 4) {
		__be32 a = h.v4.ip.saddr;

		h.v4.ip.saddr = h.v4.ip.daddr;
		h.v4.ip.daddr = a;
		h.v4.ip.tos = 0;
		h.v4.ip.tot_len = bpf_htons(sizeof(h.v4));
		h.v4.ip.id = 0;
		h.v4.ip.frag_off = bpf_htons(0x4000);  /* DF */
		h.v4.ip.ttl = 64;
		h.v4.ip.protocol = IPPROTO_TCP;
		h.v4.ip.check = 0;
		h.v4.ip.check = csum_fold(csum_words((__u16 *)&h.v4.ip, 10, 0));
		sum = csum_words((__u16 *)&h.v4.ip.saddr, 4, 0);
	} else {
		struct in6_addr a = h.v6.ip.saddr;

		h.v6.ip.saddr = h.v6.ip.daddr;
		h.v6.ip.daddr = a;
		h.v6.ip.payload_len = bpf_htons(sizeof(h.v6.th));
		h.v6.ip.nexthdr = IPPROTO_TCP;
		h.v6.ip.hop_limit = 64;
		sum = csum_words((__u16 *)&h.v6.ip.saddr, 16, 0);
	}
	sum = csum_words(proto_len, 2, sum);
	sum = csum_words((__u16 *)rst, 10, sum);
	rst->check = csum_fold(sum);

	/* Shrink to the bare headers, then write them. (The length is taken
	 * as a plain number first: no arithmetic between packet pointers and
	 * the unbounded l4.) */
	{
		__u64 cur = (__u64)(data_end - data);

		asm volatile("" : "+r"(cur));
		if (bpf_xdp_adjust_tail(ctx, (int)(l4 + sizeof(*rst)) - (int)cur))
			return XDP_DROP;
	}
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	eth = data;
	if ((void *)(eth + 1) > data_end)
		return XDP_DROP;
	__builtin_memcpy(mac, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, eth->h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, mac, ETH_ALEN);
	l3p = data + l3;
	if (family == 4) {
		if (l3p + sizeof(h.v4) > data_end)
			return XDP_DROP;
		__builtin_memcpy(l3p, &h.v4, sizeof(h.v4));
	} else {
		if (l3p + sizeof(h.v6) > data_end)
			return XDP_DROP;
		__builtin_memcpy(l3p, &h.v6, sizeof(h.v6));
	}
	return XDP_TX;
}


/* Per-source request statistics (bw_src_stats in botwall_abi.h). The
 * address comes as its two raw (network order) halves. Returns 1 for a
 * source seen for the first time (no stats yet), else 0. */
__attribute__((noinline)) int bw_src_stats_update(__u64 a0, __u64 a1, __u64 now)
{
	struct bw_src_stats *st, fresh = {};
	struct bw_addr key;
	__u64 x;

	__builtin_memcpy(key.b, &a0, 8);
	__builtin_memcpy(&key.b[8], &a1, 8);
	st = bpf_map_lookup_elem(&bw_srcstats, &key);
	if (!st) {
		fresh.count = 1;
		fresh.first_ns = now;
		fresh.last_ns = now;
		bpf_map_update_elem(&bw_srcstats, &key, &fresh, BPF_ANY);
		return 1;
	}
	x = now > st->last_ns ? (now - st->last_ns) / 1000 : 0;
	if (x > BW_IAT_CAP_US)
		x = BW_IAT_CAP_US;
	st->count++;
	st->last_ns = now;
	/* The (count - 1)-th interval. */
	bw_welford_step(&st->iat_mean_us, &st->iat_m2, x, st->count - 1);
	return 0;
}

/* Packets this CPU has finished so far: the sum of its outcome counters
 * (BW_CNT_RX is not stored, see botwall_abi.h). Unrolled; the constant
 * mask test folds away. */
static __always_inline __u64 cpu_packets(void)
{
	__u64 n = 0;
	__u32 id;

#pragma unroll
	for (id = 1; id < BW_CNT__MAX; id++) {
		__u32 key = id;        /* the loop variable must not be address-taken */
		struct bw_counter *c;

		if (!(BW_CNT_OUTCOMES & 1u << id))
			continue;
		c = bpf_map_lookup_elem(&bw_counters, &key);
		if (c)
			n += c->packets;
	}
	return n;
}

/*
 * Per-CPU window of the flood guard and the sample budget (bw_config in
 * botwall_abi.h). Called only on the expensive paths, which read the clock
 * anyway; the packet count comes from this CPU's outcome counters, so the
 * cheap path pays nothing for it. Returns 1 while the CPU is over flood_pps.
 */
static __always_inline int cpu_window(const struct bw_config *cfg, struct bw_cpu_state *cs,
				      __u64 now)
{
	__u64 rx = cpu_packets();
	__u64 elapsed = now - cs->win_start_ns, pkts = rx - cs->win_start_rx;
	__u64 pps = cfg->flood_pps;

	if (elapsed >= BW_FLOOD_WINDOW_NS) {
		/* Over the window just ended: pkts / elapsed > pps / 1e9. A long
		 * quiet gap is no flood (and would overflow the product). */
		cs->flood = pps && elapsed < 10000000000ull &&
			    pkts * 1000000000ull > pps * elapsed;
		cs->win_start_ns = now;
		cs->win_start_rx = rx;
		cs->win_samples = 0;
	} else if (pps && pkts * BW_WINDOWS_PER_SEC > pps) {
		cs->flood = 1;                 /* over budget before the window ends */
	}
	return cs->flood;
}

/* Key of a rate-limit bucket shared by a /24 (IPv4) or /64 (IPv6): the
 * prefix with a marker no real source has (ff00::/8 in front of a mapped
 * IPv4 /24; an all-ones interface id under the /64). */
static __always_inline void aggregate_key(struct bw_addr *k, const struct bw_addr *a,
					  __u8 family)
{
	*k = *a;
	if (family == 4) {
		k->b[0] = 0xff;
		k->b[15] = 0;
	} else {
		__builtin_memset(&k->b[8], 0xff, 8);
	}
}

/* State of the SYN option walk (bpf_loop callback context). */
struct syn_opts {
	__u8 th[64];                 /* the TCP header with its options */
	struct bw_syn_traits t;
	__u32 off, thlen, n, eol;
};

/* One step: one option, or after EOL one padding byte (non-zero padding
 * is p0f's opt+). Returns 1 to stop. A global function, so the verifier
 * checks it once instead of once per combination of option values. */
__attribute__((noinline)) int bw_syn_opt_step(struct syn_opts *st)
{
	struct bw_syn_traits *t;
	__u32 off, len, x;
	__u8 kind;

	if (!st)
		return 1;
	t = &st->t;
	off = st->off;
	if (off >= st->thlen || off >= 60)
		return 1;
	kind = st->th[off & 63];
	if (st->eol) {
		if (kind)
			t->quirks |= BW_SQ_OPT_TAIL;
		st->off = off + 1;
		return 0;
	}
	if (st->n < BW_SYN_OPTS_MAX)
		t->opts[st->n & (BW_SYN_OPTS_MAX - 1)] = kind;
	st->n++;
	if (kind == 0) {                       /* EOL: the rest is padding */
		t->eol_pad = st->thlen - off - 1;
		st->eol = 1;
		st->off = off + 1;
		return 0;
	}
	if (kind == 1) {                       /* NOP */
		st->off = off + 1;
		return 0;
	}
	if (off + 1 >= st->thlen) {
		t->quirks |= BW_SQ_BAD_OPT;
		return 1;
	}
	len = st->th[(off + 1) & 63];
	if (len < 2 || off + len > st->thlen) {
		t->quirks |= BW_SQ_BAD_OPT;
		return 1;
	}
	if (kind == 2 && len == 4) {
		t->mss = (__u16)st->th[(off + 2) & 63] << 8 | st->th[(off + 3) & 63];
	} else if (kind == 3 && len == 3) {
		t->wscale = st->th[(off + 2) & 63];
		t->has_wscale = 1;
		if (t->wscale > 14)
			t->quirks |= BW_SQ_WS_BIG;
	} else if (kind == 8 && len == 10) {
		x = st->th[(off + 2) & 63] | st->th[(off + 3) & 63] | st->th[(off + 4) & 63] |
		    st->th[(off + 5) & 63];
		if (!x)
			t->quirks |= BW_SQ_TS1_ZERO;
		x = st->th[(off + 6) & 63] | st->th[(off + 7) & 63] | st->th[(off + 8) & 63] |
		    st->th[(off + 9) & 63];
		if (x)
			t->quirks |= BW_SQ_TS2_NZ;
	}
	st->off = off + len;
	return 0;
}

/*
 * Records the SYN traits of a source (struct bw_syn_traits): IP fields, TCP
 * header fields and the option layout, read with bpf_xdp_load_bytes into
 * the stack so no packet pointer arithmetic is needed. l3_fam is the IP
 * header's offset from data | the family << 16 (BPF functions take five
 * arguments at most); l4 the TCP header's; l3_payload the L4 length the IP
 * header claims.
 */
__attribute__((noinline)) int bw_syn_record(struct xdp_md *ctx, __u32 l3_fam, __u32 l4,
					    __u32 l3_payload, __u64 now)
{
	__u32 l3 = l3_fam & 0xffff, family = l3_fam >> 16;
	struct syn_opts st = {};
	struct bw_syn_traits *t = &st.t;
	struct bw_addr key;
	__u8 ip[20];
	__u32 thlen;
	__u8 flags, *th = st.th;

	if (l3 > BW_L4_OFF_MAX || l4 > BW_L4_OFF_MAX)
		return 0;
	t->family = family == 4 ? 4 : 6;
	if (family == 4) {
		__u16 frag;

		if (bpf_xdp_load_bytes(ctx, l3, ip, 20) < 0)
			return 0;
		t->ttl = ip[8];
		frag = (__u16)ip[6] << 8 | ip[7];
		if (frag & 0x4000)
			t->quirks |= BW_SQ_DF;
		if (frag & 0x8000)
			t->quirks |= BW_SQ_MBZ;
		if (ip[4] | ip[5])
			t->quirks |= BW_SQ_ID_NZ;
		if (ip[1] & 3)
			t->quirks |= BW_SQ_ECN;
		t->ip_olen = (ip[0] & 15) * 4 - 20;
		__builtin_memset(key.b, 0, 10);
		key.b[10] = 0xff;
		key.b[11] = 0xff;
		__builtin_memcpy(&key.b[12], &ip[12], 4);
	} else {
		if (bpf_xdp_load_bytes(ctx, l3, ip, 8) < 0 ||
		    bpf_xdp_load_bytes(ctx, l3 + 8, key.b, 16) < 0)
			return 0;
		t->ttl = ip[7];
		if (((ip[1] >> 4) & 3))        /* ECN: low bits of traffic class */
			t->quirks |= BW_SQ_ECN;
		if ((ip[1] & 15) | ip[2] | ip[3])
			t->quirks |= BW_SQ_FLOW;
	}

	if (bpf_xdp_load_bytes(ctx, l4, th, 20) < 0)
		return 0;
	thlen = (__u32)(th[12] >> 4) * 4;
	if (thlen < 20 || thlen > l3_payload)
		return 0;
	/* The whole header with its options; the mask only shows the
	 * verifier the bound it already has (20-60). */
	if (thlen > 20 && bpf_xdp_load_bytes(ctx, l4, th, ((thlen - 1) & 63) + 1) < 0)
		return 0;
	flags = th[13];
	t->window = (__u16)th[14] << 8 | th[15];
	if (!(th[4] | th[5] | th[6] | th[7]))
		t->quirks |= BW_SQ_SEQ_ZERO;
	if ((th[8] | th[9] | th[10] | th[11]) && !(flags & 0x10))
		t->quirks |= BW_SQ_ACK_NZ;
	if ((th[18] | th[19]) && !(flags & 0x20))
		t->quirks |= BW_SQ_UPTR_NZ;
	if (flags & 0x20)
		t->quirks |= BW_SQ_URG;
	if (flags & 0x08)
		t->quirks |= BW_SQ_PUSH;
	if (flags & 0xc0)                      /* ECE, CWR */
		t->quirks |= BW_SQ_ECN;
	t->payload = l3_payload > thlen;

	/* Options, in order: at most 40 bytes, each option at least one, so
	 * 40 steps. */
	st.off = 20;
	st.thlen = thlen;
	for (int i = 0; i < 40; i++)
		if (bw_syn_opt_step(&st))
			break;
	t->nopts = st.n < BW_SYN_OPTS_MAX ? st.n : BW_SYN_OPTS_MAX;
	t->ts_ns = now;
	bpf_map_update_elem(&bw_syn, &key, t, BPF_ANY);
	return 1;
}

static __always_inline int is_watched_port(const struct bw_config *cfg, __u16 port)
{
	int i;

#pragma unroll
	for (i = 0; i < BW_MAX_PORTS; i++)
		if (cfg->http_ports[i] && cfg->http_ports[i] == port)
			return 1;
	return 0;
}

/* The payload starts with an HTTP/1.x method token and a space. */
static __always_inline int is_http_method(const __u8 m[8])
{
	switch (m[0]) {
	case 'G':
		return m[1] == 'E' && m[2] == 'T' && m[3] == ' ';
	case 'H':
		return m[1] == 'E' && m[2] == 'A' && m[3] == 'D' && m[4] == ' ';
	case 'D':
		return m[1] == 'E' && m[2] == 'L' && m[3] == 'E' && m[4] == 'T' &&
		       m[5] == 'E' && m[6] == ' ';
	case 'O':
		return m[1] == 'P' && m[2] == 'T' && m[3] == 'I' && m[4] == 'O' &&
		       m[5] == 'N' && m[6] == 'S' && m[7] == ' ';
	case 'C':
		return m[1] == 'O' && m[2] == 'N' && m[3] == 'N' && m[4] == 'E' &&
		       m[5] == 'C' && m[6] == 'T' && m[7] == ' ';
	case 'T':
		return m[1] == 'R' && m[2] == 'A' && m[3] == 'C' && m[4] == 'E' &&
		       m[5] == ' ';
	case 'P':
		if (m[1] == 'U')
			return m[2] == 'T' && m[3] == ' ';
		if (m[1] == 'O')
			return m[2] == 'S' && m[3] == 'T' && m[4] == ' ';
		if (m[1] == 'A')
			return m[2] == 'T' && m[3] == 'C' && m[4] == 'H' && m[5] == ' ';
		return 0;
	}
	return 0;
}

/* What the request path needs of a packet, handed to a global function
 * (pointers into the packet cannot cross that boundary). */
struct req_info {
	struct bw_addr saddr, daddr;
	__u64 list_mask;
	__u32 payload_off, payload_len;
	__be16 sport, dport;
	__u8 family, ttl, tcp_flags, list_action;
	__u8 monitored;
	__u8 pad[7];
};

/* Copy the request into the ring buffer. Never blocks the packet: a full
 * ring buffer only costs the sample, and that is counted. */
static __always_inline void sample(struct xdp_md *ctx, const struct req_info *ri,
				   __u32 cap, __u64 now, __u8 why)
{
	struct bw_syn_traits *syn;
	struct bw_sample *s;
	__u32 payload_len = ri->payload_len;

	s = bpf_ringbuf_reserve(&bw_samples, sizeof(*s), 0);
	if (!s) {
		count(BW_CNT_EV_RINGBUF_FULL, 0);
		return;
	}
	if (cap > payload_len)
		cap = payload_len;
	if (cap > BW_SAMPLE_CAP)
		cap = BW_SAMPLE_CAP;
	if (cap < 1) {
		bpf_ringbuf_discard(s, 0);
		return;
	}
	/* Same value for 1..BW_SAMPLE_CAP, but written so that the verifier
	 * sees the bound even if the compiler spills cap in between. */
	cap = ((cap - 1) & (BW_SAMPLE_CAP - 1)) + 1;
	if (bpf_xdp_load_bytes(ctx, ri->payload_off, s->payload, cap) < 0) {
		bpf_ringbuf_discard(s, 0);
		return;
	}
	s->ts_ns = now;
	s->saddr = ri->saddr;
	s->daddr = ri->daddr;
	s->sport = bpf_ntohs(ri->sport);
	s->dport = bpf_ntohs(ri->dport);
	s->ifindex = ctx->ingress_ifindex;
	s->pkt_len = bpf_xdp_get_buff_len(ctx);
	s->payload_len = payload_len > 0xffff ? 0xffff : payload_len;
	s->cap_len = cap;
	s->family = ri->family;
	s->ttl = ri->ttl;
	s->tcp_flags = ri->tcp_flags;
	s->list_action = ri->list_action;
	s->established = 0;
	{
		/* Seen from the local socket: remote = packet source. */
		struct bpf_sock_tuple t = {};
		struct bpf_sock *sk;
		__u32 tlen;

		if (ri->family == 4) {
			__builtin_memcpy(&t.ipv4.saddr, &ri->saddr.b[12], 4);
			__builtin_memcpy(&t.ipv4.daddr, &ri->daddr.b[12], 4);
			t.ipv4.sport = ri->sport;
			t.ipv4.dport = ri->dport;
			tlen = sizeof(t.ipv4);
		} else {
			__builtin_memcpy(t.ipv6.saddr, ri->saddr.b, 16);
			__builtin_memcpy(t.ipv6.daddr, ri->daddr.b, 16);
			t.ipv6.sport = ri->sport;
			t.ipv6.dport = ri->dport;
			tlen = sizeof(t.ipv6);
		}
		sk = bpf_skc_lookup_tcp(ctx, &t, tlen, BPF_F_CURRENT_NETNS, 0);
		if (sk) {
			s->established = sk->state == BPF_TCP_ESTABLISHED;
			bpf_sk_release(sk);
		}
	}
	__builtin_memset(s->pad, 0, sizeof(s->pad));
	s->list_mask = ri->list_mask;
	{
		/* Helpers take map keys from the stack, not from a global
		 * function's argument memory (6.1's verifier refuses that). */
		struct bw_addr key = ri->saddr;

		syn = bpf_map_lookup_elem(&bw_syn, &key);
	}
	if (syn)
		s->syn = *syn;
	else
		__builtin_memset(&s->syn, 0, sizeof(s->syn));
	s->why = why;
	__builtin_memset(s->pad2, 0, sizeof(s->pad2));
	bpf_ringbuf_submit(s, 0);
	count(BW_CNT_EV_SAMPLED, 0);
}

/*
 * An HTTP request start on a watched port: per-source request stats, then
 * the sampling decision (bw_config in botwall_abi.h), unless the flood
 * guard is on. A global function: verified once, not once per parser path.
 */
__attribute__((noinline)) int bw_on_request(struct xdp_md *ctx, struct req_info *ri)
{
	struct bw_config *cfg;
	struct bw_cpu_state *cs;
	__u32 zero = 0;
	__u64 now, a0, a1;
	__u8 why = 0;

	if (!ri)
		return 0;
	cfg = bpf_map_lookup_elem(&bw_config, &zero);
	cs = bpf_map_lookup_elem(&bw_cpustate, &zero);
	if (!cfg || !cs)
		return 0;
	now = bpf_ktime_get_boot_ns();
	if (cpu_window(cfg, cs, now)) {
		/* Flood guard: no per-source state, no sample; filtering goes on. */
		count(BW_CNT_EV_FLOOD_SKIPPED, 0);
		return 0;
	}
	__builtin_memcpy(&a0, ri->saddr.b, 8);
	__builtin_memcpy(&a1, &ri->saddr.b[8], 8);
	if (bw_src_stats_update(a0, a1, now))
		why |= BW_SW_NEW;
	if (bw_share_hash(a0, a1, cfg->sample_salt) < cfg->sample_share)
		why |= BW_SW_SHARE;
	if (ri->monitored)
		why |= BW_SW_MONITOR;
	if (!(cfg->flags & BW_CFG_F_SAMPLING) && !ri->monitored)
		return 0;                      /* filter only */
	if (!why) {
		count(BW_CNT_EV_NOT_SELECTED, 0);
		return 0;
	}
	if (cfg->sample_budget &&
	    cs->win_samples >= (cfg->sample_budget + BW_WINDOWS_PER_SEC - 1) / BW_WINDOWS_PER_SEC) {
		count(BW_CNT_EV_SAMPLE_BUDGET, 0);
		return 0;
	}
	cs->win_samples++;
	sample(ctx, ri, cfg->sample_cap, now, why);
	return 1;
}

/* A SYN (no ACK) to a watched port: record its traits unless the flood
 * guard is on. Returns 1 if recorded. */
__attribute__((noinline)) int bw_on_syn(struct xdp_md *ctx, __u32 l3_fam, __u32 l4,
					__u32 l3_payload)
{
	struct bw_config *cfg;
	struct bw_cpu_state *cs;
	__u32 zero = 0;
	__u64 now;

	cfg = bpf_map_lookup_elem(&bw_config, &zero);
	cs = bpf_map_lookup_elem(&bw_cpustate, &zero);
	if (!cfg || !cs)
		return 0;
	now = bpf_ktime_get_boot_ns();
	if (cpu_window(cfg, cs, now)) {
		count(BW_CNT_EV_FLOOD_SKIPPED, 0);
		return 0;
	}
	if (!bw_syn_record(ctx, l3_fam, l4, l3_payload, now))
		return 0;
	count(BW_CNT_EV_SYN_RECORDED, 0);
	return 1;
}

/* A source matched by a rate_limit list (its class's rate_pps): a token
 * bucket per source, or per /24 or /64 while the flood guard is on so
 * spoofed sources neither get a fresh burst each nor churn the LRU.
 * Returns 1 if the packet may pass. */
__attribute__((noinline)) int bw_list_rate_ok(__u64 a0, __u64 a1, __u32 family, __u32 rate)
{
	struct bw_config *cfg;
	struct bw_cpu_state *cs;
	struct bw_addr src, key;
	__u32 zero = 0;
	__u64 now = bpf_ktime_get_boot_ns();
	int flood = 0;

	__builtin_memcpy(src.b, &a0, 8);
	__builtin_memcpy(&src.b[8], &a1, 8);
	cfg = bpf_map_lookup_elem(&bw_config, &zero);
	cs = bpf_map_lookup_elem(&bw_cpustate, &zero);
	if (cfg && cs)
		flood = cpu_window(cfg, cs, now);
	if (flood)
		aggregate_key(&key, &src, (__u8)family);
	else
		key = src;
	return rl_allow(&key, rate, now);
}

SEC("xdp")
int botwall_xdp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	/* Not an xdp.frags program: every packet is linear, so this is the
	 * whole length without the cost of bpf_xdp_get_buff_len(). */
	__u64 bytes = data_end - data;
	struct bw_verdict *v;
	struct bw_config *cfg;
	struct pkt p;       /* every field set by parse_l2_l3 when it returns 0:
			     * not zeroed, this is every packet's path */
	struct tcphdr *th;
	__u32 zero = 0, thlen, payload_off, payload_len, cls = 0;
	struct bw_list_class *lc = NULL;
	struct bw_lstate *ls;
	__u64 list_mask = 0;
	__u8 list_action = BW_LACT_NONE, monitored = 0;
	__u8 method[8];
	__u64 now;
	int rc;

	rc = parse_l2_l3(data, data_end, &p);
	if (rc > 0) {
		count(BW_CNT_PASS_NON_IP, bytes);
		return XDP_PASS;
	}
	if (rc < 0) {
		count(BW_CNT_PASS_MALFORMED, bytes);
		return XDP_PASS;
	}

	ls = bpf_map_lookup_elem(&bw_lstate, &zero);
	if (!ls)
		return XDP_PASS;
	/* The manual (CLI-edited) lists are small LPM tries, probed only
	 * when something may be in them. */
	if (ls->flags & BW_LS_F_MANUAL) {
		struct bw_lpm_key key = {};

		key.prefixlen = 128;
		__builtin_memcpy(key.addr, p.saddr.b, 16);
		if (bpf_map_lookup_elem(&bw_allow, &key)) {
			count(BW_CNT_PASS_ALLOWLIST, bytes);
			return XDP_PASS;
		}
		if (bpf_map_lookup_elem(&bw_block, &key)) {
			count(BW_CNT_DROP_BLOCKLIST, bytes);
			return XDP_DROP;
		}
	}

	/* Read the generation once: every table below is of that one. */
	{
		__u32 gen = ls->gen & 1, ip4;

		if (p.family == 4) {
			__builtin_memcpy(&ip4, &p.saddr.b[12], 4);
			cls = bw_lookup_v4(gen, bpf_ntohl(ip4), ls->host_mask[gen]);
		} else {
			__u64 hi, lo;

			__builtin_memcpy(&hi, p.saddr.b, 8);
			__builtin_memcpy(&lo, &p.saddr.b[8], 8);
			cls = bw_lookup_v6(gen, bpf_be64_to_cpu(hi), bpf_be64_to_cpu(lo), ls);
		}
		if (cls) {
			cls = (cls & BW_T24_INDEX) + gen * BW_CLASS_MAX;
			lc = bpf_map_lookup_elem(&bw_lclass, &cls);
		}
	}

	if (lc && lc->mask) {
		list_mask = lc->mask;
		list_action = lc->action;
		if (list_action == BW_LACT_RATE_LIMIT) {
			__u64 a0, a1;

			__builtin_memcpy(&a0, p.saddr.b, 8);
			__builtin_memcpy(&a1, &p.saddr.b[8], 8);
			if (!bw_list_rate_ok(a0, a1, p.family, lc->rate_pps)) {
				count_lists(list_mask, 1);
				count(BW_CNT_DROP_RATE_LIMIT, bytes);
				return XDP_DROP;
			}
		}
		count_lists(list_mask, list_action == BW_LACT_DROP);
		if (list_action == BW_LACT_ALLOW) {
			count(BW_CNT_PASS_ALLOWLIST, bytes);
			return XDP_PASS;
		}
		if (list_action == BW_LACT_DROP) {
			count(BW_CNT_DROP_BLOCKLIST, bytes);
			return XDP_DROP;
		}
	}

	cfg = bpf_map_lookup_elem(&bw_config, &zero);
	if (!cfg)
		return XDP_PASS;
	v = verdict_may_exist(cfg, &p.saddr) ? bpf_map_lookup_elem(&bw_verdicts, &p.saddr) : NULL;
	if (v && v->action != BW_ACT_NONE) {
		now = bpf_ktime_get_boot_ns();
		if (v->expires_ns && v->expires_ns <= now) {
			count(BW_CNT_EV_VERDICT_EXPIRED, 0);
		} else if (v->action == BW_ACT_DROP) {
			count(BW_CNT_DROP_VERDICT, bytes);
			return XDP_DROP;
		} else if (v->action == BW_ACT_RESET) {
			if (p.l4proto == IPPROTO_TCP && !p.later_fragment &&
			    bw_send_rst(ctx, p.l3_off, p.l4_off, p.family, p.l3_payload) == XDP_TX) {
				count(BW_CNT_DROP_RESET, bytes);
				return XDP_TX;
			}
			count(BW_CNT_DROP_VERDICT, bytes);
			return XDP_DROP;
		} else if (v->action == BW_ACT_RATE_LIMIT) {
			if (!rl_allow(&p.saddr, v->rate_pps, now)) {
				count(BW_CNT_DROP_RATE_LIMIT, bytes);
				return XDP_DROP;
			}
		} else if (v->action == BW_ACT_MONITOR) {
			monitored = 1;
		}
	}
	if (list_action == BW_LACT_MONITOR)
		monitored = 1;
	if (monitored)
		count(BW_CNT_EV_MONITORED, 0);

	if (p.l4proto != IPPROTO_TCP || p.later_fragment) {
		count(BW_CNT_PASS_NON_TCP, bytes);
		return XDP_PASS;
	}

	/* The verifier tracks packet bounds only through a bounded offset;
	 * no sane header stack puts L4 beyond this. */
	if (p.l4_off > BW_L4_OFF_MAX) {
		count(BW_CNT_PASS_MALFORMED, bytes);
		return XDP_PASS;
	}
	th = data + p.l4_off;
	if ((void *)(th + 1) > data_end) {
		count(BW_CNT_PASS_MALFORMED, bytes);
		return XDP_PASS;
	}
	thlen = th->doff * 4;
	if (thlen < sizeof(*th) || thlen > p.l3_payload) {
		count(BW_CNT_PASS_MALFORMED, bytes);
		return XDP_PASS;
	}
	payload_off = p.l4_off + thlen;
	if (payload_off > bytes) {      /* TCP options cut off */
		count(BW_CNT_PASS_MALFORMED, bytes);
		return XDP_PASS;
	}
	/* Never trust the IP length beyond what was actually received. */
	payload_len = p.l3_payload - thlen;
	if (payload_len > bytes - payload_off)
		payload_len = bytes - payload_off;

	if (!is_watched_port(cfg, bpf_ntohs(th->dest))) {
		count(BW_CNT_PASS_TCP, bytes);
		return XDP_PASS;
	}

	/* A connection opening: keep the sender's SYN traits for its requests. */
	if ((((__u8 *)th)[13] & 0x12) == 0x02) {
		bw_on_syn(ctx, p.l3_off | (__u32)p.family << 16, p.l4_off, p.l3_payload);
		count(BW_CNT_PASS_TCP, bytes);
		return XDP_PASS;
	}

	if (payload_len < sizeof(method) ||
	    bpf_xdp_load_bytes(ctx, payload_off, method, sizeof(method)) < 0 ||
	    !is_http_method(method)) {
		count(BW_CNT_PASS_TCP, bytes);
		return XDP_PASS;
	}

	{
		/* Scoped so its stack slots can be shared with the early ones:
		 * this frame plus bw_send_rst's must stay within 512 bytes. */
		struct req_info ri = {};

		ri.saddr = p.saddr;
		ri.daddr = p.daddr;
		ri.list_mask = list_mask;
		ri.payload_off = payload_off;
		ri.payload_len = payload_len;
		ri.sport = th->source;
		ri.dport = th->dest;
		ri.family = p.family;
		ri.ttl = p.ttl;
		ri.tcp_flags = ((__u8 *)th)[13];
		ri.list_action = list_action;
		ri.monitored = monitored;
		bw_on_request(ctx, &ri);
	}
	count(BW_CNT_PASS_HTTP, bytes);
	return XDP_PASS;
}
