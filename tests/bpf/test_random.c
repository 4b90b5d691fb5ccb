// SPDX-License-Identifier: GPL-2.0-only
/*
 * A million random and mutated packets through BPF_PROG_TEST_RUN, each
 * compared with a userspace reference model of parse + lookup + policy
 * written independently of bpf/botwall.bpf.c and of user/ltable.c (the
 * lists are matched by a plain per-length hash over the generated
 * prefixes, not by the datapath's tables).
 *
 * Per packet: the XDP action; for XDP_TX the RST's essentials (length,
 * MACs, addresses, ports, seq/ack, flags, both checksums); for XDP_PASS an
 * unchanged frame; whether a sample was emitted and its list mask/action.
 * Every 64th packet: the exact delta of every packet counter. At the end:
 * the totals of every packet counter and every per-list counter.
 *
 *   BW_RANDOM_SEED=N     reproduce a run (the seed is printed)
 *   BW_RANDOM_PACKETS=N  packets (default 1000000)
 *
 * The reference is everything between "reference model" and "end of the
 * reference model" below: extend it there when the datapath's semantics
 * change (SYN traits, sampling shares, flood guard, list rate limits).
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "botwall.skel.h"
#include "bpf_test.h"
#include "check.h"
#include "ltable.h"
#include "maps.h"

typedef __u8 u8;
typedef __u16 u16;
typedef __u32 u32;
typedef __u64 u64;

#define MAX_FRAME 3300   /* below BPF_PROG_TEST_RUN's XDP limit (~3.5k) */

/* ---- PRNG (splitmix64: seeded, reproducible) ---- */

static u64 rng_state;
static u64 rnd64(void)
{
	u64 z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}
static u32 rnd(void) { return (u32)(rnd64() >> 32); }
static u32 below(u32 n) { return n ? (u32)(((u64)rnd() * n) >> 32) : 0; }
static int chance(u32 percent) { return below(100) < percent; }

static u16 rd16(const u8 *p) { return (u16)(p[0] << 8 | p[1]); }
static u32 rd32(const u8 *p) { return (u32)p[0] << 24 | (u32)p[1] << 16 | (u32)p[2] << 8 | p[3]; }
static void wr16(u8 *p, u16 v) { p[0] = (u8)(v >> 8); p[1] = (u8)v; }
static void wr32(u8 *p, u32 v) { wr16(p, (u16)(v >> 16)); wr16(p + 2, (u16)v); }

static void mask_addr(u8 *a, unsigned int len)
{
	for (unsigned int b = 0; b < 16; b++) {
		unsigned int keep = len >= 8 * (b + 1) ? 8 : len > 8 * b ? len - 8 * b : 0;

		a[b] &= (u8)(0xff00 >> keep);
	}
}

static int is_mapped(const u8 *a)
{
	static const u8 pfx[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	return !memcmp(a, pfx, 12);
}

/* ==================== reference model ==================== */

/* A plain hash set of (length, masked address) -> mask of lists that hold
 * exactly that prefix. Independent of user/ltable.c. */
struct pfx_slot {
	u8 used, len;
	u8 addr[16];
	u64 mask;
};

struct pfx_hash {
	struct pfx_slot *s;
	u32 cap;                 /* power of two */
	u8 lens_used[129];       /* lengths present */
};

static u32 pfx_h(const u8 *a, u8 len)
{
	u64 h = 0xcbf29ce484222325ull ^ len;

	for (int i = 0; i < 16; i++)
		h = (h ^ a[i]) * 0x100000001b3ull;
	return (u32)(h ^ (h >> 32));
}

static struct pfx_slot *pfx_find(struct pfx_hash *t, const u8 *a, u8 len, int add)
{
	for (u32 i = pfx_h(a, len) & (t->cap - 1);; i = (i + 1) & (t->cap - 1)) {
		struct pfx_slot *s = &t->s[i];

		if (!s->used) {
			if (!add)
				return NULL;
			s->used = 1;
			s->len = len;
			memcpy(s->addr, a, 16);
			t->lens_used[len] = 1;
			return s;
		}
		if (s->len == len && !memcmp(s->addr, a, 16))
			return s;
	}
}

/* Every prefix covering a: the union of their masks. family 4 or 6 keeps
 * only that family's prefixes (the datapath looks IPv4 packets up in the
 * v4 tables only and vice versa); -1 takes any (an LPM trie on 16 bytes). */
static u64 pfx_union(struct pfx_hash *t, const u8 *a, int family)
{
	u64 m = 0;

	for (unsigned int len = 0; len <= 128; len++) {
		u8 x[16];
		struct pfx_slot *s;

		if (!t->lens_used[len])
			continue;
		memcpy(x, a, 16);
		mask_addr(x, len);
		s = pfx_find(t, x, (u8)len, 0);
		if (!s)
			continue;
		/* a v4 list entry is a ::ffff:0:0/96+N prefix; IPv6 packets
		 * are never looked up in the v4 tables and vice versa */
		if (family >= 0 && (family == 4) != (len >= 96 && is_mapped(s->addr)))
			continue;
		m |= s->mask;
	}
	return m;
}

#define NLISTS 5
static const struct {
	u32 id;
	const char *name;
	u8 action;
	u32 n;              /* prefixes */
} list_spec[NLISTS] = {
	{ 0,  "drop",    BW_LACT_DROP,       3000 },
	{ 9,  "monitor", BW_LACT_MONITOR,    2000 },
	{ 21, "allow",   BW_LACT_ALLOW,      300 },
	{ 40, "ratelim", BW_LACT_RATE_LIMIT, 1500 },
	{ 63, "drop2",   BW_LACT_DROP,       1500 },
};

/* Strength of a list action: a source in several lists gets the strongest
 * (docs/datapath.md: allow > drop > rate_limit > monitor). */
static int lact_rank(u8 a)
{
	switch (a) {
	case BW_LACT_ALLOW: return 4;
	case BW_LACT_DROP: return 3;
	case BW_LACT_RATE_LIMIT: return 2;
	case BW_LACT_MONITOR: return 1;
	}
	return 0;
}

static u8 lists_action(u64 mask)
{
	u8 best = BW_LACT_NONE;

	for (int l = 0; l < NLISTS; l++)
		if ((mask >> list_spec[l].id & 1) && lact_rank(list_spec[l].action) > lact_rank(best))
			best = list_spec[l].action;
	return best;
}

/* Verdicts: exact address -> verdict (the reference copy of what was
 * written into bw_verdicts). */
struct ref_verdict {
	u8 addr[16];
	struct bw_verdict v;
};

#define NVERDICTS 400
static struct ref_verdict verdicts[NVERDICTS];
static struct pfx_hash lists_ref, manual_allow, manual_block, verdict_idx;

static struct ref_verdict *verdict_of(const u8 *a)
{
	struct pfx_slot *s = pfx_find(&verdict_idx, a, 128, 0);

	return s ? &verdicts[s->mask] : NULL;
}

struct ref_cfg {
	u16 ports[2];
	int sampling;        /* BW_CFG_F_SAMPLING */
	int manual;          /* BW_LS_F_MANUAL: the LPM tries are probed */
	int v6_sub_first;    /* BW_LS_F_V6SUB0: the /48 before the /32 */
	u32 sample_cap;
};

struct ref_pkt {
	int family;
	u8 src[16], dst[16];
	u32 l3, l4, l3_payload;
	u8 l4proto;
	int later_fragment;
};

struct ref_out {
	int xdp;
	u64 cnt[BW_CNT__MAX];    /* packets expected on each counter */
	u64 mask;                /* lists matched (and counted)      */
	u8 lact;
	int lists_counted, list_drop, sample;
	struct ref_pkt p;
};

/* 0 IP, 1 not IP, -1 malformed. Follows the documented parser: Ethernet,
 * up to two 802.1Q/802.1ad tags, IPv4 (options, fragments) or IPv6 with
 * at most BW_IPV6_EXT_MAX extension headers skipped. */
static int ref_parse(const u8 *f, u32 len, struct ref_pkt *p)
{
	u32 pos = 14;
	u16 proto;

	memset(p, 0, sizeof(*p));
	if (len < 14)
		return -1;
	proto = rd16(f + 12);
	for (int i = 0; i < 2 && (proto == 0x8100 || proto == 0x88a8); i++) {
		if (pos + 4 > len)
			return -1;
		proto = rd16(f + pos + 2);
		pos += 4;
	}
	if (proto == 0x0800) {
		u32 ihl, tot;

		if (pos + 20 > len)
			return -1;
		ihl = (f[pos] & 15u) * 4;
		tot = rd16(f + pos + 2);
		if (f[pos] >> 4 != 4 || ihl < 20 || tot < ihl || pos + ihl > len)
			return -1;
		p->family = 4;
		p->l3 = pos;
		p->l4proto = f[pos + 9];
		p->later_fragment = (rd16(f + pos + 6) & 0x1fff) != 0;
		p->src[10] = p->src[11] = p->dst[10] = p->dst[11] = 0xff;
		memcpy(p->src + 12, f + pos + 12, 4);
		memcpy(p->dst + 12, f + pos + 16, 4);
		p->l4 = pos + ihl;
		p->l3_payload = tot - ihl;
		return 0;
	}
	if (proto == 0x86dd) {
		u32 plen;
		u8 nh;

		if (pos + 40 > len || f[pos] >> 4 != 6)
			return -1;
		p->family = 6;
		p->l3 = pos;
		memcpy(p->src, f + pos + 8, 16);
		memcpy(p->dst, f + pos + 24, 16);
		plen = rd16(f + pos + 4);
		nh = f[pos + 6];
		pos += 40;
		for (int i = 0; i < BW_IPV6_EXT_MAX; i++) {
			u32 elen;

			if (nh != 0 && nh != 43 && nh != 60 && nh != 44 && nh != 51)
				break;
			if (pos + 2 > len)
				return -1;
			if (nh == 44) {
				if (pos + 8 > len)
					return -1;
				if (rd16(f + pos + 2) & 0xfff8)
					p->later_fragment = 1;
				elen = 8;
			} else if (nh == 51) {
				elen = (f[pos + 1] + 2u) * 4;
			} else {
				elen = (f[pos + 1] + 1u) * 8;
			}
			if (elen > plen)
				return -1;
			plen -= elen;
			nh = f[pos];
			pos += elen;
			if (pos > len)
				return -1;
		}
		p->l4proto = nh;
		p->l4 = pos;
		p->l3_payload = plen;
		return 0;
	}
	return 1;
}

/* Would the reset action turn this TCP segment into an RST (XDP_TX)? No IP
 * options / extension headers, both headers present, a sane data offset,
 * and never an RST for an RST. */
static int ref_rst_ok(const u8 *f, u32 len, const struct ref_pkt *p)
{
	u32 hl = p->family == 4 ? 20 : 40, thlen;

	if (p->l4 != p->l3 + hl || p->l3 > 22 || p->l3 + hl + 20 > len)
		return 0;
	thlen = (f[p->l4 + 12] >> 4) * 4u;
	if (thlen < 20 || thlen > p->l3_payload)
		return 0;
	return !(f[p->l4 + 13] & 0x04);
}

static int ref_http_method(const u8 *m)
{
	static const char *const meth[] = { "GET ", "HEAD ", "POST ", "PUT ", "DELETE ",
					    "OPTIONS ", "CONNECT ", "TRACE ", "PATCH " };

	for (size_t i = 0; i < sizeof(meth) / sizeof(*meth); i++)
		if (!memcmp(m, meth[i], strlen(meth[i])))
			return 1;
	return 0;
}

static void ref_policy(const u8 *f, u32 len, const struct ref_cfg *c, u64 now, struct ref_out *o)
{
	struct ref_pkt *p = &o->p;
	struct ref_verdict *rv;
	int rc, monitored = 0;
	u32 thlen, poff, plen;
	u16 dport;

	memset(o, 0, sizeof(*o));
	o->cnt[BW_CNT_RX] = 1;
	o->xdp = XDP_PASS;
	rc = ref_parse(f, len, p);
	if (rc) {
		o->cnt[rc > 0 ? BW_CNT_PASS_NON_IP : BW_CNT_PASS_MALFORMED] = 1;
		return;
	}
	if (c->manual) {
		if (pfx_union(&manual_allow, p->src, -1)) {
			o->cnt[BW_CNT_PASS_ALLOWLIST] = 1;
			return;
		}
		if (pfx_union(&manual_block, p->src, -1)) {
			o->cnt[BW_CNT_DROP_BLOCKLIST] = 1;
			o->xdp = XDP_DROP;
			return;
		}
	}
	o->mask = pfx_union(&lists_ref, p->src, p->family);
	o->lact = lists_action(o->mask);
	if (o->mask) {
		o->lists_counted = 1;
		if (o->lact == BW_LACT_ALLOW) {
			o->cnt[BW_CNT_PASS_ALLOWLIST] = 1;
			return;
		}
		if (o->lact == BW_LACT_DROP) {
			o->list_drop = 1;
			o->cnt[BW_CNT_DROP_BLOCKLIST] = 1;
			o->xdp = XDP_DROP;
			return;
		}
	}
	rv = verdict_of(p->src);
	if (rv && rv->v.action != BW_ACT_NONE) {
		if (rv->v.expires_ns && rv->v.expires_ns <= now) {
			o->cnt[BW_CNT_EV_VERDICT_EXPIRED] = 1;
		} else if (rv->v.action == BW_ACT_DROP) {
			o->cnt[BW_CNT_DROP_VERDICT] = 1;
			o->xdp = XDP_DROP;
			return;
		} else if (rv->v.action == BW_ACT_RESET) {
			if (p->l4proto == 6 && !p->later_fragment && ref_rst_ok(f, len, p)) {
				o->cnt[BW_CNT_DROP_RESET] = 1;
				o->xdp = XDP_TX;
			} else {
				o->cnt[BW_CNT_DROP_VERDICT] = 1;
				o->xdp = XDP_DROP;
			}
			return;
		} else if (rv->v.action == BW_ACT_RATE_LIMIT) {
			/* Token bucket: rate 0 drops all; the other verdicts here
			 * have a rate (1e8 pps) no test run can exceed. */
			if (rv->v.rate_pps == 0) {
				o->cnt[BW_CNT_DROP_RATE_LIMIT] = 1;
				o->xdp = XDP_DROP;
				return;
			}
		} else if (rv->v.action == BW_ACT_MONITOR) {
			monitored = 1;
		}
	}
	/* A rate_limit list's bucket runs at 1e8 packets/s here: it passes. */
	if (o->lact == BW_LACT_MONITOR)
		monitored = 1;
	if (monitored)
		o->cnt[BW_CNT_EV_MONITORED] = 1;
	if (p->l4proto != 6 || p->later_fragment) {
		o->cnt[BW_CNT_PASS_NON_TCP] = 1;
		return;
	}
	if (p->l4 > 1024 || p->l4 + 20 > len) {
		o->cnt[BW_CNT_PASS_MALFORMED] = 1;
		return;
	}
	thlen = (f[p->l4 + 12] >> 4) * 4u;
	poff = p->l4 + thlen;
	if (thlen < 20 || thlen > p->l3_payload || poff > len) {
		o->cnt[BW_CNT_PASS_MALFORMED] = 1;
		return;
	}
	plen = p->l3_payload - thlen;
	if (plen > len - poff)
		plen = len - poff;
	dport = rd16(f + p->l4 + 2);
	if (!dport || (dport != c->ports[0] && dport != c->ports[1])) {
		o->cnt[BW_CNT_PASS_TCP] = 1;
		return;
	}
	/* A SYN without ACK to a watched port: its traits are recorded (the
	 * flood guard is off here), and it is never an HTTP request start,
	 * even with data. */
	if ((f[p->l4 + 13] & 0x12) == 0x02) {
		o->cnt[BW_CNT_EV_SYN_RECORDED] = 1;
		o->cnt[BW_CNT_PASS_TCP] = 1;
		return;
	}
	if (plen < 8 || !ref_http_method(f + poff)) {
		o->cnt[BW_CNT_PASS_TCP] = 1;
		return;
	}
	/* Sampled share 100 %, no budget, no flood guard (set_cfg): every
	 * request qualifies, so sampling on or a monitored source decides. */
	o->sample = c->sampling || monitored;
	if (o->sample)
		o->cnt[BW_CNT_EV_SAMPLED] = 1;
	o->cnt[BW_CNT_PASS_HTTP] = 1;
}

/* ==================== end of the reference model ==================== */

/* RFC 1071, over big-endian 16-bit words. */
static u32 sum16(const u8 *p, u32 n, u32 s)
{
	for (u32 i = 0; i + 1 < n; i += 2)
		s += (u32)p[i] << 8 | p[i + 1];
	if (n & 1)
		s += (u32)p[n - 1] << 8;
	return s;
}
static u16 fold(u32 s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (u16)~s;
}

/* The RST that answers segment 'in': returns NULL if out is right, else
 * what is wrong. */
static const char *check_rst(const u8 *in, const u8 *out, u32 out_len, const struct ref_pkt *p)
{
	u32 hl = p->family == 4 ? 20 : 40, l4 = p->l4, thlen, plen, seq, ack;
	const u8 *ti = in + l4, *to = out + l4;
	u8 flags = ti[13];
	u32 s;

	if (out_len != l4 + 20)
		return "length";
	if (memcmp(out, in + 6, 6) || memcmp(out + 6, in, 6))
		return "MACs not swapped";
	if (memcmp(out + 12, in + 12, p->l3 - 12))
		return "VLAN tags / ethertype changed";
	if (p->family == 4) {
		const u8 *ip = out + p->l3;

		if (ip[0] != 0x45 || rd16(ip + 2) != 40 || ip[9] != 6 || ip[8] != 64 ||
		    (rd16(ip + 6) & 0x3fff))
			return "IPv4 header fields";
		if (memcmp(ip + 12, in + p->l3 + 16, 4) || memcmp(ip + 16, in + p->l3 + 12, 4))
			return "IPv4 addresses not swapped";
		if (fold(sum16(ip, 20, 0)) != 0)
			return "IPv4 header checksum";
		s = sum16(ip + 12, 8, 0);
	} else {
		const u8 *ip = out + p->l3;

		if (ip[0] >> 4 != 6 || rd16(ip + 4) != 20 || ip[6] != 6 || ip[7] != 64)
			return "IPv6 header fields";
		if (memcmp(ip + 8, in + p->l3 + 24, 16) || memcmp(ip + 24, in + p->l3 + 8, 16))
			return "IPv6 addresses not swapped";
		s = sum16(ip + 8, 32, 0);
	}
	s += 6 + 20;
	if (fold(sum16(to, 20, s)) != 0)
		return "TCP checksum";
	if (rd16(to) != rd16(ti + 2) || rd16(to + 2) != rd16(ti))
		return "ports not swapped";
	if (to[12] >> 4 != 5)
		return "data offset";
	thlen = (ti[12] >> 4) * 4u;
	plen = p->l3_payload - thlen;
	if (flags & 0x10) {
		seq = rd32(ti + 8);
		ack = 0;
		if (to[13] != 0x04)
			return "flags (want RST)";
	} else {
		seq = 0;
		ack = rd32(ti + 4) + plen + !!(flags & 0x02) + !!(flags & 0x01);
		if (to[13] != 0x14)
			return "flags (want RST|ACK)";
	}
	if (rd32(to + 4) != seq)
		return "seq";
	if ((flags & 0x10) == 0 && rd32(to + 8) != ack)
		return "ack";
	(void)hl;
	return NULL;
}

/* ---- generation: lists, verdicts, sources, frames ---- */

static struct bw_lpm_key *all_pfx;     /* every list prefix, for sources */
static u32 n_all_pfx;

/*
 * Crowded regions (198.48.0.0/12, 2001:db8:0:0::/40) get many nested,
 * overlapping prefixes of /20 (IPv6: /44) and longer, so that a source often sits in
 * several lists; short prefixes (v4 /12-/19, v6 /20-/44) are rare and only
 * outside them (they would swallow the whole region), which still
 * exercises the tbl24 painting and the v6 bucket expansion.
 */
static void rand_prefix(struct bw_lpm_key *k, int v4)
{
	int crowd = chance(50);

	memset(k, 0, sizeof(*k));
	if (v4) {
		static const u8 lens[] = { 32, 32, 32, 32, 32, 32, 24, 24, 24, 24, 25, 26,
					   27, 28, 29, 30, 31, 20, 22 };
		u32 len = lens[below(sizeof(lens))], ip;

		if (crowd) {
			ip = 0xC6300000u | (rnd() & 0xfffff);
		} else {
			ip = 0x01000000u + below(0xdf000000u);
			if (chance(2))
				len = 12 + below(8);
		}
		k->addr[10] = k->addr[11] = 0xff;
		wr32(k->addr + 12, ip);
		k->prefixlen = 96 + len;
	} else {
		static const u8 lens[] = { 48, 52, 56, 60, 64, 64, 64, 68, 80, 96, 104, 112,
					   120, 127, 128, 128, 128, 128 };
		u32 len = lens[below(sizeof(lens))];

		for (int i = 0; i < 16; i++)
			k->addr[i] = (u8)rnd();
		if (crowd) {
			k->addr[0] = 0x20; k->addr[1] = 0x01; k->addr[2] = 0x0d;
			k->addr[3] = 0xb8; k->addr[4] = 0;
			k->addr[6] &= 1; k->addr[7] &= 3; k->addr[8] &= 1;
			/* /65-/95: BW_V6P_HASH ignores the few low-order lo
			 * bits such a prefix has, so more than four of them
			 * under one /64 cannot be placed (see
			 * test_long_prefixes_under_one_64): spread them. */
			if (len > 64 && len < 96)
				k->addr[6] = (u8)rnd(), k->addr[7] = (u8)rnd();
			/* now and then a /44-/47 inside the crowd: covers
			 * of /48 buckets, and probed where a /48 has none */
			if (chance(3))
				len = 44 + below(4);
		} else {
			k->addr[0] = (u8)(0x20 | (k->addr[0] & 0x0f));
			if (chance(2)) {
				static const u8 s[] = { 20, 24, 28, 32, 36, 40, 44 };

				len = s[below(sizeof(s))];
			}
		}
		k->prefixlen = len;
	}
	mask_addr(k->addr, k->prefixlen);
}

/* A random address inside k (or just outside it: edge = 1 below, 2 above). */
static void addr_in(u8 *a, const struct bw_lpm_key *k, int edge)
{
	unsigned int len = k->prefixlen;

	memcpy(a, k->addr, 16);
	for (unsigned int b = len / 8; b < 16; b++)
		a[b] |= (u8)(rnd() & (b == len / 8 ? 0xff >> (len % 8) : 0xff));
	if (edge) {
		u8 hi[16];
		int carry = 1;

		memcpy(hi, k->addr, 16);
		for (unsigned int b = len / 8; b < 16; b++)
			hi[b] |= (u8)(b == len / 8 ? 0xff >> (len % 8) : 0xff);
		memcpy(a, edge == 1 ? k->addr : hi, 16);
		for (int b = 15; b >= 0 && carry; b--) {   /* -1 or +1 */
			if (edge == 1)
				carry = a[b]-- == 0;
			else
				carry = ++a[b] == 0;
		}
	}
}

static void pick_source(u8 *a, int *family)
{
	u32 r = below(100);

	memset(a, 0, 16);
	if (r < 35) {
		addr_in(a, &all_pfx[below(n_all_pfx)], 0);
	} else if (r < 45) {
		addr_in(a, &all_pfx[below(n_all_pfx)], 1 + (int)below(2));
	} else if (r < 60) {
		memcpy(a, verdicts[below(NVERDICTS)].addr, 16);
	} else if (r < 85) {
		u32 ip = chance(50) ? 0xC6300000u | (rnd() & 0xfffff) : rnd();

		a[10] = a[11] = 0xff;
		wr32(a + 12, ip);
	} else {
		for (int i = 0; i < 16; i++)
			a[i] = (u8)rnd();
		if (chance(70)) {
			a[0] = 0x20; a[1] = 0x01; a[2] = 0x0d; a[3] = 0xb8; a[4] = 0;
		}
	}
	*family = is_mapped(a) ? 4 : 6;
	/* now and then an IPv6 packet from a v4-mapped source */
	if (*family == 4 && chance(1))
		*family = 6;
}

static const char *const http_starts[] = {
	"GET / HTTP/1.1\r\nHost: shop.test\r\nUser-Agent: curl/8.5\r\n\r\n",
	"HEAD /x HTTP/1.1\r\n", "POST /login HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc",
	"PUT /a HTTP/1.0\r\n", "DELETE /b HTTP/1.1\r\n", "OPTIONS * HTTP/1.1\r\n",
	"CONNECT a:443 HTTP/1.1\r\n", "TRACE / HTTP/1.1\r\n", "PATCH /p HTTP/1.1\r\n",
	/* near misses */
	"GET/ HTTP/1.1\r\n", "get / HTTP/1.1\r\n", "POSTX / HTTP/1.1\r\n", "GET ",
	"OPTION / HTTP/1.1\r\n", "PATC /\r\n", "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",
};

/* Layer boundaries of the frame being built, for truncations. */
static u32 bounds[16], nbounds;

static u32 build_frame(u8 *f, const u8 *src, int family)
{
	u32 pos = 12, l3, l4, ip_len_at = 0, l4len;
	u8 l4proto, mac[12];
	int vl = chance(70) ? 0 : chance(65) ? 1 : 2;

	nbounds = 0;
	for (int i = 0; i < 12; i++)
		mac[i] = (u8)rnd();
	mac[0] &= 0xfe;
	mac[6] &= 0xfe;
	memcpy(f, mac, 12);
	for (int i = 0; i < vl; i++) {
		wr16(f + pos, chance(50) ? 0x8100 : 0x88a8);
		wr16(f + pos + 2, (u16)(rnd() & 0x0fff));
		pos += 4;
		bounds[nbounds++] = pos;
	}
	if (chance(3)) {                             /* ARP, LLDP, ... */
		wr16(f + pos, chance(50) ? 0x0806 : 0x88cc);
		pos += 2;
		for (u32 i = 0; i < 46; i++)
			f[pos++] = (u8)rnd();
		return pos;
	}
	wr16(f + pos, family == 4 ? 0x0800 : 0x86dd);
	pos += 2;
	l3 = pos;
	bounds[nbounds++] = l3;

	r_l4:
	l4proto = chance(75) ? 6 : chance(50) ? 17 : chance(60) ? (family == 4 ? 1 : 58) : (u8)rnd();
	if (l4proto == 0 || l4proto == 43 || l4proto == 60 || l4proto == 44 || l4proto == 51)
		goto r_l4;  /* an extension header number as L4: chosen below instead */

	if (family == 4) {
		u32 ihl = chance(85) ? 5 : 6 + below(10);
		u8 *ip = f + pos;
		u16 frag = 0;

		memset(ip, 0, ihl * 4);
		ip[0] = (u8)(0x40 | ihl);
		ip[1] = (u8)rnd();
		wr16(ip + 4, (u16)rnd());
		if (chance(15))
			frag = chance(40) ? 0x2000 : (u16)(1 + below(0x1fff)) | (chance(50) ? 0x2000 : 0);
		else if (chance(50))
			frag = 0x4000;
		wr16(ip + 6, frag);
		ip[8] = (u8)(1 + below(255));
		ip[9] = l4proto;
		memcpy(ip + 12, src + 12, 4);
		wr32(ip + 16, 0xC0000200u | (rnd() & 0xff));  /* 192.0.2.x */
		for (u32 i = 20; i < ihl * 4; i++)              /* options: NOPs, noise */
			ip[i] = chance(60) ? 1 : (u8)rnd();
		ip_len_at = pos + 2;
		pos += ihl * 4;
	} else {
		u8 *ip = f + pos, *nhp;
		int next = chance(65) ? 0 : 1 + (int)below(6);  /* ext headers */

		memset(ip, 0, 40);
		ip[0] = (u8)(0x60 | (rnd() & 15));
		ip[1] = (u8)rnd(); ip[2] = (u8)rnd(); ip[3] = (u8)rnd();
		ip[7] = (u8)(1 + below(255));
		memcpy(ip + 8, src, 16);
		memcpy(ip + 24, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0", 15);
		ip[39] = (u8)rnd();
		ip_len_at = pos + 4;
		nhp = ip + 6;
		pos += 40;
		for (int e = 0; e < next; e++) {
			static const u8 kinds[] = { 0, 43, 60, 44, 51 };
			u8 k = kinds[below(5)];
			u32 elen;

			*nhp = k;
			bounds[nbounds < 15 ? nbounds++ : nbounds] = pos;
			if (k == 44) {
				elen = 8;
				memset(f + pos, 0, 8);
				wr16(f + pos + 2, chance(30) ? (u16)(below(0x2000) << 3) : (u16)(rnd() & 1));
				wr32(f + pos + 4, rnd());
			} else {
				u32 hl = chance(92) ? below(4) : chance(50) ? 120 + below(20) : below(256);

				elen = k == 51 ? (hl + 2) * 4 : (hl + 1) * 8;
				if (pos + elen > MAX_FRAME - 400)
					hl = 0, elen = k == 51 ? 8 : 8;
				for (u32 i = 0; i < elen; i++)
					f[pos + i] = chance(70) ? 0 : (u8)rnd();
				f[pos + 1] = (u8)hl;
			}
			nhp = f + pos;
			pos += elen;
		}
		*nhp = l4proto;
	}
	l4 = pos;
	bounds[nbounds++] = l4;
	if (l4proto == 6) {
		u32 doff = chance(60) ? 5 : 6 + below(10);
		u8 *th = f + pos;
		u16 dport = chance(55) ? (chance(70) ? 80 : 8080) : (u16)rnd();
		const char *pl;
		u32 plen = 0;

		wr16(th, (u16)(1024 + below(60000)));
		wr16(th + 2, dport);
		wr32(th + 4, rnd());
		wr32(th + 8, rnd());
		th[12] = (u8)(doff << 4);
		{
			static const u8 fl[] = { 0x18, 0x10, 0x02, 0x12, 0x11, 0x19, 0x04, 0x14, 0x01, 0x00 };

			th[13] = chance(85) ? fl[below(sizeof(fl))] : (u8)rnd();
		}
		wr16(th + 14, (u16)rnd());
		wr16(th + 16, (u16)rnd());   /* checksum: not checked by XDP */
		wr16(th + 18, 0);
		for (u32 i = 20; i < doff * 4;) {  /* options */
			u32 r = below(5);

			if (r == 0 && i + 4 <= doff * 4) {
				th[i] = 2; th[i + 1] = 4; wr16(th + i + 2, 1460); i += 4;
			} else if (r == 1 && i + 3 <= doff * 4) {
				th[i] = 3; th[i + 1] = 3; th[i + 2] = 7; i += 3;
			} else if (r == 2 && i + 10 <= doff * 4) {
				th[i] = 8; th[i + 1] = 10; wr32(th + i + 2, rnd()); wr32(th + i + 6, 0); i += 10;
			} else if (r == 3 && i + 2 <= doff * 4) {
				th[i] = 4; th[i + 1] = 2; i += 2;
			} else {
				th[i++] = 1;
			}
		}
		pos += doff * 4;
		bounds[nbounds++] = pos;
		if (chance(45)) {
			pl = http_starts[chance(75) ? below(9) : below(sizeof(http_starts) / sizeof(*http_starts))];
			plen = (u32)strlen(pl);
			memcpy(f + pos, pl, plen);
		} else if (chance(50)) {
			plen = below(300);
			for (u32 i = 0; i < plen; i++)
				f[pos + i] = (u8)rnd();
		}
		pos += plen;
	} else {
		u32 plen = 8 + below(120);

		for (u32 i = 0; i < plen; i++)
			f[pos + i] = (u8)rnd();
		if (l4proto == 17)
			wr16(f + pos + 4, (u16)plen);
		pos += plen;
	}
	l4len = pos - l4;
	if (family == 4)
		wr16(f + ip_len_at, (u16)(pos - l3));
	else
		wr16(f + ip_len_at, (u16)(pos - l3 - 40));
	(void)l4len;
	/* Ethernet minimum: pad (the IP length stays, as on the wire) */
	if (pos < 60 && chance(30)) {
		memset(f + pos, 0, 60 - pos);
		pos = 60;
	}
	return pos;
}

static u32 mutate(u8 *f, u32 len)
{
	if (chance(10)) {                    /* byte flips */
		int n = 1 + (int)below(4);

		for (int i = 0; i < n; i++) {
			u32 at = chance(70) && len > 80 ? below(80) : below(len);

			f[at] ^= (u8)(1u << below(8));
		}
	}
	if (chance(4)) {                     /* a length or version field */
		u32 at = nbounds > 0 ? bounds[below(nbounds)] : 14;

		if (at + 6 < len)
			f[at + below(6)] = (u8)rnd();
	}
	if (chance(15)) {                    /* truncation */
		u32 cut;

		if (chance(60) && nbounds) {
			cut = bounds[below(nbounds)] + below(9) - 4;
			cut += below(2) ? 20 * below(3) : 0;
		} else {
			cut = below(len + 1);
		}
		if (cut < 14)
			cut = 14;   /* BPF_PROG_TEST_RUN refuses less than an Ethernet header */
		if (cut < len)
			len = cut;
	}
	return len;
}

/* ---- the BPF side ---- */

static struct botwall_bpf *skel;
static int prog_fd, cnt_fd, lstats_fd;
static struct bw_test_samples smp;

static void set_cfg(const struct ref_cfg *c)
{
	struct bw_config bc = { .http_ports = { c->ports[0], c->ports[1] },
				.sample_cap = c->sample_cap,
				/* the verdict filter is trusted, as the daemon sets
				 * it after its rebuild (setup_verdicts) */
				.flags = (c->sampling ? BW_CFG_F_SAMPLING : 0) | BW_CFG_F_VFILTER,
				/* every source in the share; no budget, no flood
				 * guard: those rules have tests/bpf/test_sampling.c */
				.sample_share = BW_SHARE_ONE, .sample_budget = 0, .flood_pps = 0 };
	__u32 zero = 0;

	bpf_map_update_elem(bpf_map__fd(skel->maps.bw_config), &zero, &bc, BPF_ANY);
	/* Both IPv6 lookup orders answer from the same tables: the one the
	 * build chose and the other (set for both generations; one is used). */
	__u32 sub = (BW_LS_F_V6SUB0 | BW_LS_F_V6SUB0 << 1);
	__u32 on = (c->manual ? BW_LS_F_MANUAL : 0) | (c->v6_sub_first ? sub : 0);

	bw_lstate_flags(bpf_map__fd(skel->maps.bw_lstate), on, (BW_LS_F_MANUAL | sub) & ~on);
}

static int setup_lists(void)
{
	struct bw_prefix_set sets[NLISTS] = {};
	struct bw_list_def defs[NLISTS];
	struct bw_ltable_fds fds = bw_test_ltable_fds(skel);
	struct bw_ltable_stats st;
	char err[256];
	u32 total = 0;
	int rc;

	for (int l = 0; l < NLISTS; l++)
		total += list_spec[l].n;
	lists_ref.cap = 1u << 15;
	while (lists_ref.cap < 2 * total)
		lists_ref.cap <<= 1;
	lists_ref.s = calloc(lists_ref.cap, sizeof(*lists_ref.s));
	all_pfx = calloc(total, sizeof(*all_pfx));
	for (int l = 0; l < NLISTS; l++) {
		for (u32 i = 0; i < list_spec[l].n; i++) {
			struct bw_lpm_key k;

			rand_prefix(&k, chance(55));
			bw_prefix_set_add(&sets[l], &k);
			pfx_find(&lists_ref, k.addr, (u8)k.prefixlen, 1)->mask |= 1ull << list_spec[l].id;
			all_pfx[n_all_pfx++] = k;
		}
		bw_prefix_set_finish(&sets[l]);
		defs[l] = (struct bw_list_def){ .id = list_spec[l].id, .action = list_spec[l].action,
						.rate_pps = 100000000u,
						.category = BW_LCAT_CUSTOM, .set = &sets[l] };
		snprintf(defs[l].name, sizeof(defs[l].name), "%s", list_spec[l].name);
	}
	rc = bw_ltable_apply(&fds, defs, NLISTS, &st, err, sizeof(err));
	if (rc)
		printf("  bw_ltable_apply: %s\n", err);
	else
		printf("  lists: %u prefixes in %d lists (%zu v4, %zu v6, %zu /48 buckets under %zu split /32s; %zu classes)\n",
		       n_all_pfx, NLISTS, st.v4_prefixes, st.v6_prefixes, st.v6_sub, st.v6_split,
		       st.classes);
	for (int l = 0; l < NLISTS; l++)
		bw_prefix_set_free(&sets[l]);
	return rc;
}

/* The manual (CLI) LPM tries: a few prefixes, mostly over list space. */
static void setup_manual(void)
{
	manual_allow.cap = manual_block.cap = 1024;
	manual_allow.s = calloc(1024, sizeof(struct pfx_slot));
	manual_block.s = calloc(1024, sizeof(struct pfx_slot));
	for (int i = 0; i < 60; i++) {
		struct pfx_hash *t = i < 20 ? &manual_allow : &manual_block;
		struct bpf_map *m = i < 20 ? skel->maps.bw_allow : skel->maps.bw_block;
		struct bw_list_entry v = { .list_id = 0 };
		struct bw_lpm_key k;

		if (chance(50)) {
			k = all_pfx[below(n_all_pfx)];
		} else {
			rand_prefix(&k, chance(50));
		}
		if (bpf_map_update_elem(bpf_map__fd(m), &k, &v, BPF_ANY))
			printf("  manual list add: %s\n", strerror(errno));
		pfx_find(t, k.addr, (u8)k.prefixlen, 1)->mask = 1;
	}
}

static void setup_verdicts(void)
{
	int fd = bpf_map__fd(skel->maps.bw_verdicts);
	u64 now = bw_now_ns();

	verdict_idx.cap = 2048;
	verdict_idx.s = calloc(verdict_idx.cap, sizeof(struct pfx_slot));
	for (u32 i = 0; i < NVERDICTS; i++) {
		struct ref_verdict *rv = &verdicts[i];
		u32 r = below(100);
		struct bw_addr key;

		do {
			memset(rv->addr, 0, 16);
			if (chance(60)) {
				addr_in(rv->addr, &all_pfx[below(n_all_pfx)], 0);
			} else if (chance(60)) {
				rv->addr[10] = rv->addr[11] = 0xff;
				wr32(rv->addr + 12, rnd());
			} else {
				for (int b = 0; b < 16; b++)
					rv->addr[b] = (u8)rnd();
				rv->addr[0] = 0x20; rv->addr[1] = 0x01; rv->addr[2] = 0x0d; rv->addr[3] = 0xb8;
			}
		} while (verdict_of(rv->addr));
		memset(&rv->v, 0, sizeof(rv->v));
		rv->v.action = r < 30 ? BW_ACT_DROP : r < 55 ? BW_ACT_RESET : r < 75 ? BW_ACT_MONITOR :
			       r < 95 ? BW_ACT_RATE_LIMIT : BW_ACT_NONE;
		if (rv->v.action == BW_ACT_RATE_LIMIT)
			rv->v.rate_pps = chance(50) ? 0 : 100000000u;
		r = below(100);
		rv->v.expires_ns = r < 70 ? 0 : r < 85 ? 1 : now + 3600ull * 1000000000ull;
		rv->v.score = 90;
		rv->v.created_ns = now;
		memcpy(key.b, rv->addr, 16);
		if (bpf_map_update_elem(fd, &key, &rv->v, BPF_ANY))
			printf("  verdict add: %s\n", strerror(errno));
		pfx_find(&verdict_idx, rv->addr, 128, 1)->mask = i;
	}
	/* Written around the filter, like verdicts pinned before an upgrade:
	 * the daemon's start-up rebuild makes them visible. */
	{
		struct bw_verdict_fds vf = { fd, bpf_map__fd(skel->maps.bw_vfilter) };

		if (bw_vfilter_rebuild(&vf) < 0)
			printf("  verdict filter rebuild: %s\n", strerror(errno));
	}
}

static void hexdump(const u8 *p, u32 n)
{
	for (u32 i = 0; i < n; i++)
		printf("%s%02x", i % 32 == 0 ? (i ? "\n    " : "    ") : " ", p[i]);
	printf("\n");
}

static u64 seed;
static int failures;

static void fail(u64 idx, const u8 *f, u32 len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void fail(u64 idx, const u8 *f, u32 len, const char *fmt, ...)
{
	va_list ap;

	if (failures++ >= 10)
		return;
	printf("  MISMATCH seed=%llu packet=%llu len=%u: ", (unsigned long long)seed,
	       (unsigned long long)idx, len);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	hexdump(f, len);
}

static const char *xdp_name(int a)
{
	return a == XDP_PASS ? "PASS" : a == XDP_DROP ? "DROP" : a == XDP_TX ? "TX" : "other";
}

static void test_random_packets(void)
{
	static u8 frame[MAX_FRAME + 64], out[4096];
	static struct bw_counter c0[BW_CNT__MAX], c1[BW_CNT__MAX], k0[BW_CNT__MAX], k1[BW_CNT__MAX];
	static u64 want_tot[BW_CNT__MAX], hits[BW_LISTS_MAX], drops[BW_LISTS_MAX];
	struct bw_list_counter l0[BW_LISTS_MAX], l1[BW_LISTS_MAX];
	const char *e = getenv("BW_RANDOM_PACKETS");
	u64 npk = e ? strtoull(e, NULL, 0) : 1000000, sampled_checks = 0;
	u64 by_xdp[4] = { 0 };
	struct ref_cfg cfg = { .ports = { 80, 8080 }, .sample_cap = 256 };
	struct timespec t0, t1;
	double secs;

	if (!npk)
		npk = 1;
	bw_read_counters(cnt_fd, k0);
	bw_read_list_counters(lstats_fd, l0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (u64 i = 0; i < npk; i++) {
		struct ref_out want;
		u8 src[16];
		int fam, check_cnt = (i & 63) == 0;
		u32 len;

		/* eight phases: sampling off/on, the IPv6 /48 looked up
		 * after/before the /32, manual tries off/on */
		if (i % (npk / 8 ? npk / 8 : 1) == 0) {
			u64 q = i / (npk / 8 ? npk / 8 : 1);

			cfg.sampling = (int)(q & 1);
			cfg.v6_sub_first = (int)(q >> 1 & 1);
			cfg.manual = q >= 4;
			set_cfg(&cfg);
		}
		pick_source(src, &fam);
		len = build_frame(frame, src, fam);
		len = mutate(frame, len);
		ref_policy(frame, len, &cfg, bw_now_ns(), &want);

		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame, .data_size_in = len,
			    .data_out = out, .data_size_out = sizeof(out), .repeat = 1);
		if (check_cnt)
			bw_read_counters(cnt_fd, c0);
		smp.n = 0;
		if (bpf_prog_test_run_opts(prog_fd, &o)) {
			fail(i, frame, len, "BPF_PROG_TEST_RUN: %s", strerror(errno));
			continue;
		}
		ring_buffer__consume(smp.rb);
		if ((int)o.retval != want.xdp) {
			fail(i, frame, len, "XDP %s, reference %s", xdp_name((int)o.retval), xdp_name(want.xdp));
			continue;
		}
		by_xdp[o.retval & 3]++;
		if (want.xdp == XDP_TX) {
			const char *why = check_rst(frame, out, o.data_size_out, &want.p);

			if (why) {
				fail(i, frame, len, "RST out: %s", why);
				hexdump(out, o.data_size_out);
			}
		} else if (want.xdp == XDP_PASS && (o.data_size_out != len || memcmp(out, frame, len))) {
			fail(i, frame, len, "a passed frame was modified");
		}
		if (smp.n != want.sample) {
			fail(i, frame, len, "%d samples, reference %d", smp.n, want.sample);
		} else if (want.sample && (smp.last.list_mask != want.mask ||
					   smp.last.list_action != want.lact ||
					   memcmp(smp.last.saddr.b, want.p.src, 16))) {
			fail(i, frame, len, "sample: mask %llx action %u, reference %llx %u",
			     (unsigned long long)smp.last.list_mask, smp.last.list_action,
			     (unsigned long long)want.mask, want.lact);
		}
		for (int c = 0; c < BW_CNT__MAX; c++)
			want_tot[c] += want.cnt[c];
		if (want.lists_counted)
			for (int b = 0; b < BW_LISTS_MAX; b++)
				if (want.mask >> b & 1) {
					hits[b]++;
					drops[b] += want.list_drop;
				}
		if (check_cnt) {
			sampled_checks++;
			bw_read_counters(cnt_fd, c1);
			for (int c = 0; c < BW_CNT__MAX; c++)
				if (c1[c].packets - c0[c].packets != want.cnt[c]) {
					fail(i, frame, len, "counter %d moved %llu, reference %llu", c,
					     (unsigned long long)(c1[c].packets - c0[c].packets),
					     (unsigned long long)want.cnt[c]);
					break;
				}
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;

	bw_read_counters(cnt_fd, k1);
	for (int c = 0; c < BW_CNT__MAX; c++) {
		if (k1[c].packets - k0[c].packets != want_tot[c] && failures++ < 10)
			printf("  MISMATCH seed=%llu: counter %d total %llu, reference %llu\n",
			       (unsigned long long)seed, c,
			       (unsigned long long)(k1[c].packets - k0[c].packets),
			       (unsigned long long)want_tot[c]);
	}
	bw_read_list_counters(lstats_fd, l1);
	for (int b = 0; b < BW_LISTS_MAX; b++) {
		if ((l1[b].hits - l0[b].hits != hits[b] || l1[b].drops - l0[b].drops != drops[b]) &&
		    failures++ < 10)
			printf("  MISMATCH seed=%llu: list %d hits/drops %llu/%llu, reference %llu/%llu\n",
			       (unsigned long long)seed, b, (unsigned long long)(l1[b].hits - l0[b].hits),
			       (unsigned long long)(l1[b].drops - l0[b].drops),
			       (unsigned long long)hits[b], (unsigned long long)drops[b]);
	}
	printf("  seed=%llu: %llu packets in %.1f s (%.1f us each): pass %llu, drop %llu, tx %llu; "
	       "%llu counter checks\n", (unsigned long long)seed, (unsigned long long)npk, secs,
	       secs * 1e6 / (double)npk, (unsigned long long)by_xdp[XDP_PASS],
	       (unsigned long long)by_xdp[XDP_DROP], (unsigned long long)by_xdp[XDP_TX],
	       (unsigned long long)sampled_checks);
	printf("  outcomes: non_ip %llu malformed %llu allow %llu non_tcp %llu tcp %llu http %llu "
	       "block %llu verdict %llu ratelimit %llu reset %llu; monitored %llu expired %llu sampled %llu\n",
	       (unsigned long long)want_tot[BW_CNT_PASS_NON_IP], (unsigned long long)want_tot[BW_CNT_PASS_MALFORMED],
	       (unsigned long long)want_tot[BW_CNT_PASS_ALLOWLIST], (unsigned long long)want_tot[BW_CNT_PASS_NON_TCP],
	       (unsigned long long)want_tot[BW_CNT_PASS_TCP], (unsigned long long)want_tot[BW_CNT_PASS_HTTP],
	       (unsigned long long)want_tot[BW_CNT_DROP_BLOCKLIST], (unsigned long long)want_tot[BW_CNT_DROP_VERDICT],
	       (unsigned long long)want_tot[BW_CNT_DROP_RATE_LIMIT], (unsigned long long)want_tot[BW_CNT_DROP_RESET],
	       (unsigned long long)want_tot[BW_CNT_EV_MONITORED], (unsigned long long)want_tot[BW_CNT_EV_VERDICT_EXPIRED],
	       (unsigned long long)want_tot[BW_CNT_EV_SAMPLED]);
	if (failures)
		printf("  %d mismatches; reproduce with BW_RANDOM_SEED=%llu BW_RANDOM_PACKETS=%llu\n",
		       failures, (unsigned long long)seed, (unsigned long long)npk);
	CHECK_EQ(failures, 0);
	/* The generator reached every outcome (otherwise the mix is broken). */
	if (npk >= 100000) {
		for (int c = BW_CNT_PASS_NON_IP; c < BW_CNT__MAX; c++) {
			/* Not configured to happen here (test_sampling covers them). */
			if (c == BW_CNT_EV_FLOOD_SKIPPED || c == BW_CNT_EV_SAMPLE_BUDGET ||
			    c == BW_CNT_EV_NOT_SELECTED)
				continue;
			if (c != BW_CNT_EV_RINGBUF_FULL && !want_tot[c]) {
				printf("  outcome/event %d never produced\n", c);
				CHECK(want_tot[c] > 0);
			}
		}
	}
}

/*
 * Found by this test: prefixes /65-/95 under one /64 differ only in the
 * top bits of the low half, which BW_V6P_HASH (botwall_abi.h) folds into
 * bits its >> 32 discards for tables below 2^16 cells: eight /80s under one
 * /64 get the same two cells (4 slots) and the whole list load is refused.
 * A plain, realistic list (a provider's /80s, /72s) must load.
 */
static void test_long_prefixes_under_one_64(void)
{
	struct bw_ltable_fds fds = bw_test_ltable_fds(skel);
	struct bw_prefix_set set = {};
	struct bw_list_def d = { .id = 3, .name = "v6-80s", .action = BW_LACT_DROP, .set = &set };
	struct bw_ltable_stats st;
	char err[256];
	int rc;

	for (int i = 0; i < 8; i++) {
		struct bw_lpm_key k = { .prefixlen = 80 };
		char txt[64];

		snprintf(txt, sizeof(txt), "2001:db8:1:2:%x::/80", 0x100 * (i + 1));
		if (bw_parse_prefix(txt, &k, err, sizeof(err)) == 0)
			bw_prefix_set_add(&set, &k);
	}
	rc = bw_ltable_apply(&fds, &d, 1, &st, err, sizeof(err));
	if (rc)
		printf("  8 /80s under 2001:db8:1:2::/64: %s\n", err);
	CHECK_EQ(rc, 0);
	bw_prefix_set_free(&set);
}

int main(void)
{
	const char *s = getenv("BW_RANDOM_SEED");
	int skip;

	if (s && *s) {
		seed = strtoull(s, NULL, 0);
	} else {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		seed = (u64)ts.tv_sec * 1000003u ^ (u64)ts.tv_nsec ^ (u64)getpid() << 20;
	}
	rng_state = seed;
	printf("  test_random: seed %llu (set BW_RANDOM_SEED to reproduce)\n", (unsigned long long)seed);

	skel = bw_test_load("test_random", &skip);
	if (!skel)
		return skip ? 0 : 1;
	prog_fd = bpf_program__fd(skel->progs.botwall_xdp);
	cnt_fd = bpf_map__fd(skel->maps.bw_counters);
	lstats_fd = bpf_map__fd(skel->maps.bw_lstats);
	if (bw_test_samples_open(skel, &smp, "test_random") || setup_lists()) {
		printf("FAIL test_random_setup\n");
		return 1;
	}
	setup_manual();
	setup_verdicts();

	RUN(test_random_packets);
	RUN(test_long_prefixes_under_one_64);

	ring_buffer__free(smp.rb);
	botwall_bpf__destroy(skel);
	return CHECK_EXIT();
}
