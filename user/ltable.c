// SPDX-License-Identifier: GPL-2.0-only
/*
 * List compiler: prefix sets -> one generation of lookup tables -> flip.
 *
 * Every stored entry carries the complete answer for the addresses it
 * covers (the union of the masks of all covering prefixes of all lists),
 * so the datapath stops at the first, most specific hit.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "ltable.h"
#include "maps.h"

/* Every table map, by name, and where its fd goes. */
static const struct {
	const char *name;
	size_t off;
} ltable_maps[] = {
	{ BW_MAP_LSTATE, offsetof(struct bw_ltable_fds, lstate) },
	{ BW_MAP_LCLASS, offsetof(struct bw_ltable_fds, lclass) },
	{ BW_MAP_LISTS, offsetof(struct bw_ltable_fds, lists) },
	{ BW_MAP_V4T24, offsetof(struct bw_ltable_fds, v4t24) },
	{ BW_MAP_V4T8, offsetof(struct bw_ltable_fds, v4t8) },
	{ BW_MAP_V4HOST, offsetof(struct bw_ltable_fds, v4host) },
	{ BW_MAP_V6BKT, offsetof(struct bw_ltable_fds, v6bkt) },
	{ BW_MAP_V6PFX, offsetof(struct bw_ltable_fds, v6pfx) },
	{ BW_MAP_V6SUB, offsetof(struct bw_ltable_fds, v6sub) },
	{ BW_MAP_V6PBF, offsetof(struct bw_ltable_fds, v6pbf) },
	{ BW_MAP_V6SPF, offsetof(struct bw_ltable_fds, v6spf) },
};

int bw_ltable_fds_of_obj(const struct bpf_object *obj, struct bw_ltable_fds *fds, char *err,
			 size_t errlen)
{
	for (size_t i = 0; i < sizeof(ltable_maps) / sizeof(ltable_maps[0]); i++) {
		int fd = bpf_object__find_map_fd_by_name(obj, ltable_maps[i].name);

		if (fd < 0) {
			snprintf(err, errlen, "map %s: not in the object or not loaded",
				 ltable_maps[i].name);
			return -1;
		}
		*(int *)((char *)fds + ltable_maps[i].off) = fd;
	}
	return 0;
}

struct bw_ltable_fds bw_ltable_fds_of_maps(const struct bw_maps *m)
{
	return (struct bw_ltable_fds){
		.lstate = m->lstate, .lclass = m->lclass, .lists = m->lists, .v4t24 = m->v4t24,
		.v4t8 = m->v4t8, .v4host = m->v4host, .v6bkt = m->v6bkt, .v6pfx = m->v6pfx,
		.v6sub = m->v6sub, .v6pbf = m->v6pbf, .v6spf = m->v6spf,
	};
}

static const char *const cat_names[BW_LCAT__MAX] = {
	[BW_LCAT_BLOCKLIST] = "blocklist", [BW_LCAT_TOR] = "tor", [BW_LCAT_VPN] = "vpn",
	[BW_LCAT_PROXY] = "proxy", [BW_LCAT_HOSTING] = "hosting",
	[BW_LCAT_AI_CRAWLER_RANGES] = "ai_crawler_ranges",
	[BW_LCAT_GOOD_BOT_RANGES] = "good_bot_ranges", [BW_LCAT_CUSTOM] = "custom",
};
static const char *const act_names[BW_LACT__MAX] = {
	[BW_LACT_NONE] = "none", [BW_LACT_MONITOR] = "monitor",
	[BW_LACT_RATE_LIMIT] = "rate_limit", [BW_LACT_DROP] = "drop", [BW_LACT_ALLOW] = "allow",
};

const char *bw_lcat_name(unsigned int c) { return c < BW_LCAT__MAX ? cat_names[c] : "?"; }
const char *bw_lact_name(unsigned int a) { return a < BW_LACT__MAX ? act_names[a] : "?"; }

int bw_lcat_parse(const char *s)
{
	for (int i = 0; i < BW_LCAT__MAX; i++)
		if (!strcmp(s, cat_names[i]))
			return i;
	return -1;
}

int bw_lact_parse(const char *s)
{
	for (int i = 1; i < BW_LACT__MAX; i++)
		if (!strcmp(s, act_names[i]))
			return i;
	return -1;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	return x ^ (x >> 33);
}

/* ---- classes: distinct list masks ---- */

#define CLS_SLOTS (2 * BW_CLASS_MAX)
#define BW_V6_BUCKETS_MAX (1u << 22)

struct classes {
	__u64 mask[BW_CLASS_MAX];
	__u8 action[BW_CLASS_MAX];
	__u32 rate[BW_CLASS_MAX];   /* lowest rate of its rate_limit lists */
	__u16 slot[CLS_SLOTS];      /* class index, 0 = empty */
	__u32 n;
	__u8 list_action[BW_LISTS_MAX];
	__u32 list_rate[BW_LISTS_MAX];
	bool full;
};

/* Class of a mask, created on first use; 0 for the empty mask or when the
 * table is full (c->full is then set and the build fails). */
static __u16 class_of(struct classes *c, __u64 mask)
{
	__u32 h;

	if (!mask)
		return 0;
	for (h = (__u32)mix64(mask) & (CLS_SLOTS - 1);; h = (h + 1) & (CLS_SLOTS - 1)) {
		__u16 i = c->slot[h];

		if (!i)
			break;
		if (c->mask[i] == mask)
			return i;
	}
	if (c->n >= BW_CLASS_MAX) {
		c->full = true;
		return 0;
	}
	c->slot[h] = (__u16)c->n;
	c->mask[c->n] = mask;
	c->action[c->n] = BW_LACT_NONE;
	c->rate[c->n] = 0;
	for (int b = 0; b < BW_LISTS_MAX; b++) {
		if (!(mask >> b & 1))
			continue;
		if (c->list_action[b] > c->action[c->n])
			c->action[c->n] = c->list_action[b];
		if (c->list_action[b] == BW_LACT_RATE_LIMIT &&
		    (!c->rate[c->n] || c->list_rate[b] < c->rate[c->n]))
			c->rate[c->n] = c->list_rate[b];
	}
	return (__u16)c->n++;
}

/* ---- entries ---- */

struct ent4 {
	__u32 ip;
	__u8 len;
	__u8 id;
};

/* An IPv6 prefix during the build (userspace only). */
struct v6key {
	__u32 len;
	__u8 addr[16];
};

struct ent6 {
	struct v6key k;
	__u64 mask;
};

static int ent4_cmp_len(const void *a, const void *b)
{
	const struct ent4 *x = a, *y = b;

	if (x->len != y->len)
		return x->len - y->len;
	return x->ip < y->ip ? -1 : x->ip > y->ip;
}

/* /25-/31 grouped by /24, then by length (paint order). */
static int ent4_cmp_grp(const void *a, const void *b)
{
	const struct ent4 *x = a, *y = b;

	if (x->ip >> 8 != y->ip >> 8)
		return (x->ip >> 8) < (y->ip >> 8) ? -1 : 1;
	if (x->len != y->len)
		return x->len - y->len;
	return x->ip < y->ip ? -1 : x->ip > y->ip;
}

static int ent6_cmp(const void *a, const void *b)
{
	const struct ent6 *x = a, *y = b;

	if (x->k.len != y->k.len)
		return x->k.len < y->k.len ? -1 : 1;
	return memcmp(x->k.addr, y->k.addr, 16);
}

/* Address bits 0-31 of an IPv6 key (its /32 bucket), host order. */
static __u32 top_of(const struct v6key *k)
{
	return (__u32)k->addr[0] << 24 | (__u32)k->addr[1] << 16 | (__u32)k->addr[2] << 8 | k->addr[3];
}

/* The key's address as two host-order halves, as the datapath reads it. */
static void halves(const struct v6key *k, __u64 *hi, __u64 *lo)
{
	*hi = *lo = 0;
	for (int x = 0; x < 8; x++) {
		*hi = *hi << 8 | k->addr[x];
		*lo = *lo << 8 | k->addr[8 + x];
	}
}

static void mask_addr(__u8 *a, unsigned int len)
{
	for (unsigned int i = 0; i < 16; i++) {
		if (len >= 8) {
			len -= 8;
			continue;
		}
		a[i] &= (__u8)(0xff00 >> len);
		len = 0;
	}
}

/* ---- small open-addressing tables ---- */

/* A /32 bucket (key: bits 0-31) or a /48 one (key: bits 0-47) during the
 * build. lens bit i: length 33 + i, for both. */
struct bkt {
	__u64 key;
	bool used;
	bool split;    /* /32: its prefixes >= /48 go to /48 buckets */
	__u64 mask;    /* full mask of the best prefix <= /32 (/48) covering it */
	__u64 lens[2];
	size_t nlong;  /* prefixes longer than the bucket under it ... */
	size_t one;    /* ... and the index of the last one seen */
};

struct bkt_tab {
	struct bkt *e;
	size_t cap, n;
};

static struct bkt *bkt_get(struct bkt_tab *t, __u64 key, bool create)
{
	size_t h;

	if (create && (t->n + 1) * 2 > t->cap) {
		size_t ncap = t->cap ? t->cap * 2 : 1024;
		struct bkt *ne = calloc(ncap, sizeof(*ne));

		if (!ne)
			return NULL;
		for (size_t i = 0; i < t->cap; i++) {
			if (!t->e[i].used)
				continue;
			for (h = mix64(t->e[i].key) & (ncap - 1); ne[h].used; h = (h + 1) & (ncap - 1))
				;
			ne[h] = t->e[i];
		}
		free(t->e);
		t->e = ne;
		t->cap = ncap;
	}
	if (!t->cap)
		return NULL;
	for (h = mix64(key) & (t->cap - 1); t->e[h].used; h = (h + 1) & (t->cap - 1))
		if (t->e[h].key == key)
			return &t->e[h];
	if (!create)
		return NULL;
	t->e[h].used = true;
	t->e[h].key = key;
	t->n++;
	return &t->e[h];
}

static uint64_t key6_hash(const struct v6key *k)
{
	uint64_t a, b;

	memcpy(&a, k->addr, 8);
	memcpy(&b, &k->addr[8], 8);
	return mix64(a ^ mix64(b ^ k->len));
}

/* Read-only index over the sorted, unique ent6 array (mask = full mask). */
struct pfx_tab {
	__u32 *slot;   /* index + 1 into ents */
	size_t cap;
	const struct ent6 *ents;
};

static int pfx_build(struct pfx_tab *t, const struct ent6 *ents, size_t n)
{
	t->cap = 1024;
	while (t->cap < n * 2)
		t->cap *= 2;
	t->slot = calloc(t->cap, sizeof(*t->slot));
	t->ents = ents;
	return t->slot ? 0 : -ENOMEM;
}

static void pfx_insert(struct pfx_tab *t, size_t i)
{
	size_t h;

	for (h = key6_hash(&t->ents[i].k) & (t->cap - 1); t->slot[h]; h = (h + 1) & (t->cap - 1))
		;
	t->slot[h] = (__u32)i + 1;
}

static const struct ent6 *pfx_find(const struct pfx_tab *t, const struct v6key *k)
{
	for (size_t h = key6_hash(k) & (t->cap - 1); t->slot[h]; h = (h + 1) & (t->cap - 1)) {
		const struct ent6 *e = &t->ents[t->slot[h] - 1];

		if (e->k.len == k->len && !memcmp(e->k.addr, k->addr, 16))
			return e;
	}
	return NULL;
}

/* ---- the build ---- */

struct build {
	struct classes *cls;
	__u16 *t24;                  /* 2^24 entries: class | flags */
	struct bw_t8_group *groups;
	size_t ngroups;
	__u32 *hkeys;                /* v4 /32 hosts ... */
	__u16 *hvals;
	size_t nhosts;
	struct bw_host_bucket *hb;   /* ... placed in buckets */
	size_t nhb;
	struct bw_v6_bucket *bvals;  /* v6 /32 buckets ... */
	size_t nbkts;
	struct bw_v6b_cell *bcells;  /* ... placed in cells */
	size_t nbcells;
	size_t nv6_one;              /* buckets holding their only long prefix */
	struct bw_v6_pslot *pslots;  /* v6 /33-/128 of the other buckets ... */
	size_t npfx;
	struct bw_v6p_cell *pcells;  /* ... placed in cells */
	size_t npcells;
	struct bw_v6_sub *svals;     /* v6 /48 buckets of split /32s ... */
	size_t nsub, nsplit, nsub_one;
	bool sub_first;              /* most v6 prefixes are in /48 buckets */
	struct bw_v6s_cell *scells;  /* ... placed in cells */
	size_t nscells;
	bool any_v4;
};

static void build_free(struct build *b)
{
	free(b->cls);
	free(b->t24);
	free(b->groups);
	free(b->hkeys);
	free(b->hvals);
	free(b->hb);
	free(b->bvals);
	free(b->bcells);
	free(b->pslots);
	free(b->pcells);
	free(b->svals);
	free(b->scells);
	memset(b, 0, sizeof(*b));
}

/* ---- two-choice bucketized cuckoo placement ----
 *
 * The three exact tables (IPv4 hosts, IPv6 /32 buckets, IPv6 prefixes) are
 * arrays of 64-byte cells of a few slots. An item lives in cell h1 or h2;
 * a cell whose items were pushed to their h2 carries BW_HS_OVERFLOW, so a
 * lookup reads one cache line, two only behind that flag. Insertion evicts
 * (random walk) when both cells are full, which keeps loads of 80-90 %
 * reachable; on failure the table doubles.
 */
typedef void (*hash2_fn)(const void *items, size_t i, __u32 mask, __u32 out[2]);

struct placed {
	__u32 *slot;     /* nb * slots: item index + 1, 0 = empty */
	__u8 *ovf;       /* per cell */
	size_t nb;
};

static void placed_free(struct placed *p)
{
	free(p->slot);
	free(p->ovf);
	memset(p, 0, sizeof(*p));
}

static int cuckoo_place(struct placed *p, const void *items, size_t n, unsigned int slots,
			double load, hash2_fn hf)
{
	__u64 rs = 0x2545F4914F6CDD1Dull;
	size_t nb = 1;

	memset(p, 0, sizeof(*p));
	while ((double)nb * slots * load < (double)n)
		nb *= 2;
	for (int attempt = 0; attempt < 4; attempt++, nb *= 2) {
		__u32 mask = (__u32)(nb - 1);
		bool ok = true;

		p->slot = calloc(nb * slots, sizeof(*p->slot));
		p->ovf = calloc(nb, 1);
		p->nb = nb;
		if (!p->slot || !p->ovf) {
			placed_free(p);
			return -ENOMEM;
		}
		for (size_t i = 0; i < n && ok; i++) {
			__u32 cur = (__u32)i + 1, h[2];
			int kick;

			for (kick = 0; kick < 500; kick++) {
				bool put = false;

				hf(items, cur - 1, mask, h);
				for (int c = 0; c < 2 && !put; c++)
					for (unsigned int k = 0; k < slots && !put; k++)
						if (!p->slot[(size_t)h[c] * slots + k]) {
							p->slot[(size_t)h[c] * slots + k] = cur;
							if (h[c] != h[0])
								p->ovf[h[0]] = 1;
							put = true;
						}
				if (put)
					break;
				/* Both full: take a random slot of a random choice. */
				rs ^= rs << 13;
				rs ^= rs >> 7;
				rs ^= rs << 17;
				{
					__u32 c = (__u32)(rs & 1), k = (__u32)((rs >> 1) % slots);
					__u32 victim = p->slot[(size_t)h[c] * slots + k];

					p->slot[(size_t)h[c] * slots + k] = cur;
					if (h[c] != h[0])
						p->ovf[h[0]] = 1;
					cur = victim;
				}
			}
			ok = kick < 500;
		}
		if (ok)
			return 0;
		placed_free(p);
	}
	return -E2BIG;
}

static void host_hash2(const void *items, size_t i, __u32 mask, __u32 out[2])
{
	__u32 ip = ((const __u32 *)items)[i];

	out[0] = BW_HOST_HASH(ip, BW_HOST_K1) & mask;
	out[1] = BW_HOST_HASH(ip, BW_HOST_K2) & mask;
}

static void v6b_hash2(const void *items, size_t i, __u32 mask, __u32 out[2])
{
	__u32 top = ((const struct bw_v6_bucket *)items)[i].top;

	out[0] = BW_HOST_HASH(top, BW_HOST_K1) & mask;
	out[1] = BW_HOST_HASH(top, BW_HOST_K2) & mask;
}

static void v6s_hash2(const void *items, size_t i, __u32 mask, __u32 out[2])
{
	__u64 key = ((const struct bw_v6_sub *)items)[i].key;

	out[0] = BW_V6S_HASH(key, BW_V6_K1) & mask;
	out[1] = BW_V6S_HASH(key, BW_V6_K2) & mask;
}

static void v6p_hash2(const void *items, size_t i, __u32 mask, __u32 out[2])
{
	const struct bw_v6_pslot *x = &((const struct bw_v6_pslot *)items)[i];

	out[0] = BW_V6P_HASH(x->hi, x->lo, x->len, BW_V6_K1) & mask;
	out[1] = BW_V6P_HASH(x->hi, x->lo, x->len, BW_V6_K2) & mask;
}

static int place_hosts(struct build *b)
{
	struct placed p;
	int rc = cuckoo_place(&p, b->hkeys, b->nhosts, BW_HOST_SLOTS, 0.85, host_hash2);

	if (rc)
		return rc;
	b->hb = calloc(p.nb, sizeof(*b->hb));
	if (!b->hb) {
		placed_free(&p);
		return -ENOMEM;
	}
	b->nhb = p.nb;
	for (size_t c = 0; c < p.nb; c++) {
		for (unsigned int k = 0; k < BW_HOST_SLOTS; k++) {
			__u32 it = p.slot[c * BW_HOST_SLOTS + k];

			if (it)
				b->hb[c].s[k] = (__u64)b->hkeys[it - 1] << 32 |
						(__u64)b->hvals[it - 1] << 16 | BW_HS_USED;
		}
		if (p.ovf[c])
			b->hb[c].s[0] |= BW_HS_OVERFLOW;
	}
	placed_free(&p);
	return 0;
}

/* The three IPv6 cell types hold two 24-byte items and then the flags
 * word: one placement for all of them. */
_Static_assert(offsetof(struct bw_v6b_cell, flags) == 2 * sizeof(struct bw_v6_bucket), "v6b");
_Static_assert(offsetof(struct bw_v6p_cell, flags) == 2 * sizeof(struct bw_v6_pslot), "v6p");
_Static_assert(offsetof(struct bw_v6s_cell, flags) == 2 * sizeof(struct bw_v6_sub), "v6s");
_Static_assert(sizeof(struct bw_v6_bucket) == sizeof(struct bw_v6_pslot) &&
	       sizeof(struct bw_v6_pslot) == sizeof(struct bw_v6_sub), "v6 items");
#define V6_ITEM  sizeof(struct bw_v6_bucket)
#define V6_CELL  sizeof(struct bw_v6b_cell)

/* Places n items two per cell; *cells is a new array of *ncells cells
 * (NULL, 0 for no items). */
static int place_v6_cells(const void *items, size_t n, hash2_fn hf, void **cells, size_t *ncells)
{
	struct placed p;
	unsigned char *out;
	int rc;

	*cells = NULL;
	*ncells = 0;
	if (!n)
		return 0;
	rc = cuckoo_place(&p, items, n, 2, 0.8, hf);
	if (rc)
		return rc;
	out = calloc(p.nb, V6_CELL);
	for (size_t c = 0; out && c < p.nb; c++) {
		unsigned char *cell = out + c * V6_CELL;
		__u64 flags = p.ovf[c] ? BW_HS_OVERFLOW : 0;

		for (int k = 0; k < 2; k++)
			if (p.slot[c * 2 + k])
				memcpy(cell + k * V6_ITEM,
				       (const unsigned char *)items + (p.slot[c * 2 + k] - 1) * V6_ITEM,
				       V6_ITEM);
		memcpy(cell + 2 * V6_ITEM, &flags, sizeof(flags));
	}
	if (out) {
		*cells = out;
		*ncells = p.nb;
	}
	placed_free(&p);
	return out ? 0 : -ENOMEM;
}

static int place_v6(struct build *b)
{
	return place_v6_cells(b->bvals, b->nbkts, v6b_hash2, (void **)&b->bcells, &b->nbcells) ||
	       place_v6_cells(b->pslots, b->npfx, v6p_hash2, (void **)&b->pcells, &b->npcells) ||
	       place_v6_cells(b->svals, b->nsub, v6s_hash2, (void **)&b->scells, &b->nscells)
		       ? -1 : 0;
}

#define FAIL(...) do { snprintf(err, errlen, __VA_ARGS__); goto out; } while (0)

/* Distinct /24s holding a prefix of length 25..thr-1 (e sorted by length). */
static size_t groups_needed(const struct ent4 *e, size_t n, unsigned int thr, __u8 *seen)
{
	size_t g = 0;

	for (size_t i = 0; i < n; i++) {
		__u32 s24 = e[i].ip >> 8;

		if (e[i].len < 25 || e[i].len >= thr)
			continue;
		if (!(seen[s24 >> 3] & (1u << (s24 & 7)))) {
			seen[s24 >> 3] |= (__u8)(1u << (s24 & 7));
			g++;
		}
	}
	for (size_t i = 0; i < n; i++)
		seen[e[i].ip >> 11] = 0;
	return g;
}

/*
 * /25-/31 need a 256-entry group per /24, and there are at most
 * BW_T8_GROUPS_MAX groups. The longest of them are cheaper as host
 * entries anyway (a /29 is 8 hosts): expand /29-/31 always, and shorter
 * ones down to /25 (128 hosts) while the groups would not fit.
 */
static int expand_to_hosts(struct ent4 **pe, size_t *pn, char *err, size_t errlen)
{
	struct ent4 *e = *pe, *ne;
	size_t n = *pn, extra = 0, k;
	unsigned int thr = 29;
	__u8 *seen = calloc(1u << 21, 1);

	if (!seen) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	while (thr > 25 && groups_needed(e, n, thr, seen) > BW_T8_GROUPS_MAX)
		thr--;
	free(seen);
	for (size_t i = 0; i < n; i++)
		if (e[i].len >= thr && e[i].len < 32)
			extra += (1u << (32 - e[i].len)) - 1;
	if (!extra)
		return 0;
	ne = realloc(e, (n + extra) * sizeof(*e));
	if (!ne) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	e = ne;
	k = n;
	for (size_t i = 0; i < n; i++) {
		__u32 cnt;

		if (e[i].len < thr || e[i].len >= 32)
			continue;
		cnt = 1u << (32 - e[i].len);
		for (__u32 x = 1; x < cnt; x++)
			e[k++] = (struct ent4){ .ip = e[i].ip + x, .len = 32, .id = e[i].id };
		e[i].len = 32;
	}
	*pe = e;
	*pn = k;
	return 0;
}

static int build_v4(struct build *b, struct ent4 **pe, size_t n, char *err, size_t errlen)
{
	size_t i, j, start, nh = 0, gcap = 0;
	struct ent4 *e;
	int rc = -1;

	b->any_v4 = n > 0;
	if (!n)
		return 0;
	if (expand_to_hosts(pe, &n, err, errlen))
		return -1;
	e = *pe;
	b->t24 = calloc((size_t)1 << 24, sizeof(*b->t24));
	if (!b->t24)
		FAIL("out of memory (tbl24)");
	qsort(e, n, sizeof(*e), ent4_cmp_len);

	/* Lengths 0-24 paint tbl24 ranges, shortest first; OR-ing masks keeps
	 * every covering list. A memo saves the class lookup in long runs. */
	for (i = 0; i < n && e[i].len <= 24; i++) {
		__u32 first = e[i].ip >> 8, cnt = 1u << (24 - e[i].len);
		__u64 bit = 1ull << e[i].id;
		__u16 last_old = 0xffff, last_new = 0;

		for (__u32 x = first; x < first + cnt; x++) {
			if (b->t24[x] != last_old) {
				last_old = b->t24[x];
				last_new = class_of(b->cls, b->cls->mask[last_old] | bit);
			}
			b->t24[x] = last_new;
		}
	}
	if (b->cls->full)
		FAIL("more than %u distinct list combinations", BW_CLASS_MAX);

	/* /25-/31: one 256-entry group per /24 that has any. */
	start = i;
	for (j = start; j < n && e[j].len < 32; j++)
		;
	qsort(e + start, j - start, sizeof(*e), ent4_cmp_grp);
	for (i = start; i < j;) {
		__u32 s24 = e[i].ip >> 8;
		struct bw_t8_group *g;

		if (b->ngroups >= BW_T8_GROUPS_MAX)
			FAIL("more than %u IPv4 /24s hold /25-/31 prefixes", BW_T8_GROUPS_MAX);
		if (b->ngroups == gcap) {
			size_t cap = gcap ? gcap * 2 : 16;
			struct bw_t8_group *ng = realloc(b->groups, cap * sizeof(*ng));

			if (!ng)
				FAIL("out of memory (tbl8)");
			b->groups = ng;
			gcap = cap;
		}
		g = &b->groups[b->ngroups];
		for (int k = 0; k < 256; k++)
			g->e[k] = b->t24[s24];
		for (; i < j && e[i].ip >> 8 == s24; i++) {
			__u32 lo = e[i].ip & 255, cnt = 1u << (32 - e[i].len);
			__u64 bit = 1ull << e[i].id;

			for (__u32 x = lo; x < lo + cnt && x < 256; x++)
				g->e[x] = class_of(b->cls, b->cls->mask[g->e[x]] | bit);
		}
		b->t24[s24] = (__u16)(BW_T24_GROUP | b->ngroups);
		b->ngroups++;
	}
	if (b->cls->full)
		FAIL("more than %u distinct list combinations", BW_CLASS_MAX);

	/* /32: exact hash; merge duplicates, add what covers them. */
	b->hkeys = malloc((n - j + 1) * sizeof(*b->hkeys));
	b->hvals = malloc((n - j + 1) * sizeof(*b->hvals));
	if (!b->hkeys || !b->hvals)
		FAIL("out of memory (hosts)");
	for (i = j; i < n;) {
		__u32 ip = e[i].ip;
		__u16 t = b->t24[ip >> 8], base;
		__u64 own = 0;

		for (; i < n && e[i].ip == ip; i++)
			own |= 1ull << e[i].id;
		base = (t & BW_T24_GROUP) ? b->groups[t & BW_T24_INDEX].e[ip & 255] : (t & BW_T24_INDEX);
		b->hkeys[nh] = ip;
		b->hvals[nh++] = class_of(b->cls, b->cls->mask[base] | own);
		b->t24[ip >> 8] |= BW_T24_HOST;
	}
	b->nhosts = nh;
	if (b->cls->full)
		FAIL("more than %u distinct list combinations", BW_CLASS_MAX);
	if (nh && place_hosts(b))
		FAIL("cannot place %zu IPv4 host entries", nh);
	rc = 0;
out:
	return rc;
}

/* Bit i of lens: length 33 + i. */
static void lens_set(__u64 lens[2], unsigned int len)
{
	lens[(len - 33) / 64] |= 1ull << ((len - 33) % 64);
}

static bool lens_has(const __u64 lens[2], unsigned int len)
{
	return lens[(len - 33) / 64] >> ((len - 33) % 64) & 1;
}

/* Any length >= 48 in lens (bits 15..95)? */
static bool lens_reach_48(const __u64 lens[2])
{
	return (lens[0] >> 15) || lens[1];
}

/* The longest prefix of length lo_len..hi_len (both >= 33) covering addr,
 * among the lengths set in lens (its mask is full: every shorter cover's
 * bits are in it), or NULL. */
static const struct ent6 *best_cover(const struct pfx_tab *pt, const __u64 lens[2],
				     const __u8 *addr, unsigned int lo_len, unsigned int hi_len)
{
	for (unsigned int l = hi_len; l >= lo_len; l--) {
		struct v6key ck;
		const struct ent6 *c;

		if (!lens_has(lens, l))
			continue;
		ck.len = l;
		memcpy(ck.addr, addr, 16);
		mask_addr(ck.addr, l);
		c = pfx_find(pt, &ck);
		if (c)
			return c;
	}
	return NULL;
}

/* Where a prefix > /32 goes: the prefix table, or (alone under its /32 or
 * /48, or a /48 of a split /32) the bucket itself. */
static bool in_prefix_table(const struct ent6 *x, struct bkt_tab *bt, struct bkt_tab *st)
{
	const struct bkt *bk;
	__u64 hi, lo;

	if (x->k.len <= 32)
		return false;
	bk = bkt_get(bt, top_of(&x->k), false);
	if (bk->nlong < 2)
		return false;
	if (!bk->split || x->k.len < 48)
		return true;
	if (x->k.len == 48)
		return false;
	halves(&x->k, &hi, &lo);
	return bkt_get(st, hi >> 16, false)->nlong >= 2;
}

static int build_v6(struct build *b, struct ent6 *e, size_t n, char *err, size_t errlen)
{
	struct bkt_tab bt = {}, st = {};
	struct pfx_tab pt = {};
	size_t i, u = 0, k, nlong = 0, nin_sub = 0;  /* nin_sub: prefixes in /48 buckets */
	int rc = -1;

	if (!n)
		return 0;
	qsort(e, n, sizeof(*e), ent6_cmp);     /* by length: covers come first */
	for (i = 0; i < n; i++) {              /* merge duplicates */
		if (u && e[u - 1].k.len == e[i].k.len && !memcmp(e[u - 1].k.addr, e[i].k.addr, 16))
			e[u - 1].mask |= e[i].mask;
		else
			e[u++] = e[i];
	}
	n = u;
	if (pfx_build(&pt, e, n))
		FAIL("out of memory (ipv6)");
	for (i = 0; i < n; i++) {
		__u32 top = top_of(&e[i].k);
		const struct ent6 *c;
		struct bkt *bk;

		if (e[i].k.len <= 32) {
			__u64 cnt = 1ull << (32 - e[i].k.len);

			for (__u64 x = top; x < (__u64)top + cnt; x++) {
				bk = bkt_get(&bt, x, true);
				if (!bk)
					FAIL("out of memory (ipv6 buckets)");
				bk->mask |= e[i].mask;
			}
			if (bt.n > BW_V6_BUCKETS_MAX)
				FAIL("IPv6 prefixes expand to more than %u /32 buckets", BW_V6_BUCKETS_MAX);
			continue;
		}
		bk = bkt_get(&bt, top, true);
		if (!bk)
			FAIL("out of memory (ipv6 buckets)");
		/* Full mask: own, the bucket's <= /32, the best shorter cover's
		 * (its full mask holds every one shorter still). */
		c = best_cover(&pt, bk->lens, e[i].k.addr, 33, e[i].k.len - 1);
		e[i].mask |= bk->mask | (c ? c->mask : 0);
		lens_set(bk->lens, e[i].k.len);
		bk->nlong++;
		bk->one = i;
		pfx_insert(&pt, i);
	}

	/* Split the crowded /32s that hold prefixes >= /48: one bucket per
	 * such /48 (its best cover <= /48, then its only longer prefix or the
	 * lengths of several). e is sorted by length, so a /48 prefix comes
	 * before the longer ones under it. */
	for (i = 0; i < bt.cap; i++)
		bt.e[i].split = bt.e[i].used && bt.e[i].nlong >= 2 && lens_reach_48(bt.e[i].lens);
	for (i = 0; i < n; i++) {
		const struct ent6 *c;
		struct bkt *bk, *sb;
		__u64 hi, lo;

		if (e[i].k.len < 48)
			continue;
		bk = bkt_get(&bt, top_of(&e[i].k), false);
		if (!bk->split)
			continue;
		halves(&e[i].k, &hi, &lo);
		sb = bkt_get(&st, hi >> 16, false);
		if (!sb) {
			sb = bkt_get(&st, hi >> 16, true);
			if (!sb)
				FAIL("out of memory (ipv6 /48 buckets)");
			c = best_cover(&pt, bk->lens, e[i].k.addr, 33, 47);
			sb->mask = c ? c->mask : bk->mask;
		}
		nin_sub++;
		if (e[i].k.len == 48) {
			sb->mask = e[i].mask;          /* includes every cover */
			continue;
		}
		lens_set(sb->lens, e[i].k.len);
		sb->nlong++;
		sb->one = i;
	}

	for (i = 0; i < n; i++)
		nlong += in_prefix_table(&e[i], &bt, &st);
	b->pslots = calloc(nlong + 1, sizeof(*b->pslots));
	b->bvals = calloc(bt.n + 1, sizeof(*b->bvals));
	b->svals = calloc(st.n + 1, sizeof(*b->svals));
	if (!b->pslots || !b->bvals || !b->svals)
		FAIL("out of memory (ipv6)");
	for (i = 0, k = 0; i < n; i++) {
		struct bw_v6_pslot *ps = &b->pslots[k];

		if (!in_prefix_table(&e[i], &bt, &st))
			continue;
		halves(&e[i].k, &ps->hi, &ps->lo);
		ps->len = (__u8)e[i].k.len;
		ps->used = 1;
		ps->cls = class_of(b->cls, e[i].mask);
		k++;
	}
	b->npfx = k;
	for (i = 0, k = 0; i < bt.cap; i++) {
		const struct bkt *bk = &bt.e[i];
		struct bw_v6_bucket *bv;

		if (!bk->used)
			continue;
		bv = &b->bvals[k++];
		bv->top = (__u32)bk->key;
		bv->used = BW_V6B_USED;
		bv->cls = class_of(b->cls, bk->mask);
		if (bk->nlong == 1) {
			const struct ent6 *o = &e[bk->one];
			__u64 hi;

			halves(&o->k, &hi, &bv->one.lo);
			bv->one.mid = (__u32)hi;
			bv->one.cls = class_of(b->cls, o->mask);
			bv->one_len = (__u8)o->k.len;
			b->nv6_one++;
		} else if (bk->split) {
			bv->used |= BW_V6B_SPLIT;
			bv->lens[0] = bk->lens[0] & 0x7fff;   /* 33-47 only */
			b->nsplit++;
		} else {
			bv->lens[0] = bk->lens[0];
			bv->lens[1] = bk->lens[1];
		}
	}
	b->nbkts = k;
	for (i = 0, k = 0; i < st.cap; i++) {
		const struct bkt *sb = &st.e[i];
		struct bw_v6_sub *sv;

		if (!sb->used)
			continue;
		sv = &b->svals[k++];
		sv->key = sb->key;
		sv->used = 1;
		sv->cls = class_of(b->cls, sb->mask);
		if (sb->nlong == 1) {
			const struct ent6 *o = &e[sb->one];
			__u64 hi;

			halves(&o->k, &hi, &sv->lo);
			sv->mid = (__u16)hi;
			sv->one_cls = class_of(b->cls, o->mask);
			sv->one_len = (__u8)o->k.len;
			b->nsub_one++;
		} else {
			/* Lengths 49-64 (bits 16-31) and 65-128 (bits 32-95). */
			sv->mid = (__u16)(sb->lens[0] >> 16);
			sv->lo = sb->lens[0] >> 32 | sb->lens[1] << 32;
		}
	}
	b->nsub = k;
	/* The datapath reads a source's /48 bucket before its /32 one when
	 * that is where most listed sources end: it saves them the /32
	 * bucket's read and costs every other source a filter bit. */
	b->sub_first = b->nsub && 2 * nin_sub >= n;
	if (b->cls->full)
		FAIL("more than %u distinct list combinations", BW_CLASS_MAX);
	if (place_v6(b))
		FAIL("cannot place %zu IPv6 buckets, %zu /48 buckets and %zu prefixes", b->nbkts,
		     b->nsub, b->npfx);
	rc = 0;
out:
	free(bt.e);
	free(st.e);
	free(pt.slot);
	return rc;
}

/* Splits the lists into v4 and v6 entries and builds both. */
static int build_all(struct build *b, const struct bw_list_def *lists, size_t n,
		     struct bw_ltable_stats *st, char *err, size_t errlen)
{
	size_t n4 = 0, n6 = 0, total = 0;
	struct ent4 *e4 = NULL;
	struct ent6 *e6 = NULL;
	int rc = -1;

	b->cls = calloc(1, sizeof(*b->cls));
	if (!b->cls)
		FAIL("out of memory");
	b->cls->n = 1;                 /* class 0: no list */
	for (size_t l = 0; l < n; l++) {
		if (lists[l].id >= BW_LISTS_MAX)
			FAIL("list %s: id %u out of range (0-%u)", lists[l].name, lists[l].id, BW_LISTS_MAX - 1);
		if (lists[l].action == BW_LACT_NONE || lists[l].action >= BW_LACT__MAX)
			FAIL("list %s: no valid action", lists[l].name);
		b->cls->list_action[lists[l].id] = lists[l].action;
		b->cls->list_rate[lists[l].id] = lists[l].rate_pps ? lists[l].rate_pps
								  : BW_LIST_RATE_DEFAULT;
		total += lists[l].set ? lists[l].set->n : 0;
	}
	e4 = malloc((total + 1) * sizeof(*e4));
	e6 = malloc((total + 1) * sizeof(*e6));
	if (!e4 || !e6)
		FAIL("out of memory");
	for (size_t l = 0; l < n; l++) {
		const struct bw_prefix_set *s = lists[l].set;

		for (size_t i = 0; s && i < s->n; i++) {
			const struct bw_lpm_key *k = &s->keys[i];
			struct bw_addr a;

			memcpy(a.b, k->addr, 16);
			if (k->prefixlen >= 96 && bw_addr_is_v4(&a)) {
				e4[n4].ip = (__u32)k->addr[12] << 24 | (__u32)k->addr[13] << 16 |
					    (__u32)k->addr[14] << 8 | k->addr[15];
				e4[n4].len = (__u8)(k->prefixlen - 96);
				e4[n4].ip &= e4[n4].len ? ~0u << (32 - e4[n4].len) : 0;
				e4[n4++].id = (__u8)lists[l].id;
				continue;
			}
			if (k->prefixlen < BW_V6_SHORTEST || k->prefixlen > 128) {
				char p[BW_PREFIX_STRLEN];

				bw_format_prefix(k, p, sizeof(p));
				FAIL("list %s: %s: IPv6 prefixes shorter than /%d are not supported",
				     lists[l].name, p, BW_V6_SHORTEST);
			}
			e6[n6].k.len = k->prefixlen;
			memcpy(e6[n6].k.addr, k->addr, 16);
			mask_addr(e6[n6].k.addr, k->prefixlen);
			e6[n6++].mask = 1ull << lists[l].id;
		}
	}
	st->v4_prefixes = n4;
	st->v6_prefixes = n6;
	if (build_v4(b, &e4, n4, err, errlen) || build_v6(b, e6, n6, err, errlen))
		goto out;
	rc = 0;
out:
	free(e4);
	free(e6);
	return rc;
}

/* ---- writing a generation ---- */

/* map_flags must match the template in bpf/botwall.bpf.c: the tbl24 has no
 * BPF_F_INNER_MAP (one fixed size, so its lookup is inlined), the other
 * arrays have it (sized to their contents). */
static int new_inner(enum bpf_map_type type, const char *name, __u32 ksz, __u32 vsz,
		     size_t max, __u32 flags, char *err, size_t errlen)
{
	LIBBPF_OPTS(bpf_map_create_opts, o, .map_flags = flags);
	int fd;

	if (max < 1)
		max = 1;
	if (type == BPF_MAP_TYPE_HASH)
		max += max / 8 + 64;   /* room for the per-CPU free lists */
	fd = bpf_map_create(type, name, ksz, vsz, (__u32)max, &o);
	if (fd < 0)
		snprintf(err, errlen, "creating %s (%zu entries): %s", name, max, strerror(errno));
	return fd;
}

/* Batched writes: one syscall per many entries. */
static int put_batch(int fd, const void *keys, const void *vals, size_t ksz, size_t vsz,
		     size_t n, const char *what, char *err, size_t errlen)
{
	const size_t step = 65536;

	for (size_t i = 0; i < n; i += step) {
		__u32 cnt = (__u32)(n - i < step ? n - i : step);

		if (bpf_map_update_batch(fd, (const char *)keys + i * ksz,
					 (const char *)vals + i * vsz, &cnt, NULL)) {
			snprintf(err, errlen, "writing %s: %s", what, strerror(errno));
			return -1;
		}
	}
	return 0;
}

static int put_slot(int outer, __u32 gen, int inner, const char *what, char *err, size_t errlen)
{
	if (inner >= 0) {
		if (bpf_map_update_elem(outer, &gen, &inner, BPF_ANY)) {
			snprintf(err, errlen, "installing %s: %s", what, strerror(errno));
			return -1;
		}
	} else if (bpf_map_delete_elem(outer, &gen) && errno != ENOENT) {
		snprintf(err, errlen, "clearing %s: %s", what, strerror(errno));
		return -1;
	}
	return 0;
}

/* Writes one generation's half (nwords words) of a filter array. */
static int put_filter_half(int fd, __u32 gen, const __u64 *words, __u32 nwords,
			   const char *what, char *err, size_t errlen)
{
	__u32 *keys = malloc(nwords * sizeof(*keys));
	int rc;

	if (!keys) {
		snprintf(err, errlen, "out of memory (%s)", what);
		return -1;
	}
	for (__u32 w = 0; w < nwords; w++)
		keys[w] = gen * nwords + w;
	rc = put_batch(fd, keys, words, sizeof(*keys), sizeof(*words), nwords, what, err, errlen);
	free(keys);
	return rc;
}

static void set_bit(__u64 *words, __u32 bit)
{
	words[bit >> 6] |= 1ull << (bit & 63);
}

/* The new generation's half of bw_v6pbf: one bit per prefix-table key and
 * per /48 bucket (as the /48 prefix). Always written whole (the half may
 * hold an older generation's bits). */
static int write_v6_filter(int fd, __u32 gen, const struct build *b, char *err, size_t errlen)
{
	__u64 *words = calloc(BW_V6PBF_WORDS, sizeof(*words));
	int rc;

	if (!words) {
		snprintf(err, errlen, "out of memory (%s)", BW_MAP_V6PBF);
		return -1;
	}
	for (size_t i = 0; i < b->npfx; i++) {
		const struct bw_v6_pslot *ps = &b->pslots[i];

		set_bit(words, BW_V6PBF_BIT(ps->hi, ps->lo, (__u64)ps->len));
	}
	for (size_t i = 0; i < b->nsub; i++)
		set_bit(words, BW_V6PBF_BIT(b->svals[i].key << 16, 0ull, 48ull));
	rc = put_filter_half(fd, gen, words, BW_V6PBF_WORDS, BW_MAP_V6PBF, err, errlen);
	free(words);
	return rc;
}

/* The new generation's half of bw_v6spf: one bit per split /32. Written
 * whole, like bw_v6pbf's. */
static int write_v6_split_filter(int fd, __u32 gen, const struct build *b, char *err,
				 size_t errlen)
{
	__u64 *words = calloc(BW_V6SPF_WORDS, sizeof(*words));
	int rc;

	if (!words) {
		snprintf(err, errlen, "out of memory (%s)", BW_MAP_V6SPF);
		return -1;
	}
	for (size_t i = 0; i < b->nbkts; i++)
		if (b->bvals[i].used & BW_V6B_SPLIT)
			set_bit(words, BW_V6SPF_BIT(b->bvals[i].top));
	rc = put_filter_half(fd, gen, words, BW_V6SPF_WORDS, BW_MAP_V6SPF, err, errlen);
	free(words);
	return rc;
}

int bw_ltable_apply(const struct bw_ltable_fds *fds, const struct bw_list_def *lists,
		    size_t n, struct bw_ltable_stats *st, char *err, size_t errlen)
{
	int t24 = -1, t8 = -1, host = -1, bkt = -1, pfx = -1, sub = -1, rc = -1;
	struct bw_list_class *cv = NULL;
	struct bw_lstate ls = {};
	struct build b = {};
	__u32 zero = 0, gen, *ck = NULL, *keys = NULL;
	double t0 = now_ms(), t1;

	memset(st, 0, sizeof(*st));
	if (bpf_map_lookup_elem(fds->lstate, &zero, &ls))
		FAIL("reading %s: %s", BW_MAP_LSTATE, strerror(errno));
	gen = (ls.gen & 1) ^ 1;
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			if (lists[i].id == lists[j].id)
				FAIL("lists %s and %s share id %u", lists[i].name, lists[j].name, lists[i].id);
	if (build_all(&b, lists, n, st, err, errlen))
		goto out;
	t1 = now_ms();
	st->build_ms = t1 - t0;

	/* Everything below writes only the generation the datapath does not
	 * read, until the single write of ls.gen at the end. */
	if (b.any_v4) {
		size_t nz = 0;

		keys = malloc(BW_T24_CHUNKS * sizeof(*keys));
		if (!keys)
			FAIL("out of memory");
		/* Compact the non-empty chunks in place (a fresh array reads 0). */
		for (__u32 c = 0; c < BW_T24_CHUNKS; c++) {
			const __u16 *src = &b.t24[(size_t)c * BW_T24_PER_CHUNK];
			bool used = false;

			for (int k = 0; k < BW_T24_PER_CHUNK && !used; k++)
				used = src[k] != 0;
			if (!used)
				continue;
			memmove(&b.t24[nz * BW_T24_PER_CHUNK], src, sizeof(struct bw_t24_chunk));
			keys[nz++] = c;
		}
		t24 = new_inner(BPF_MAP_TYPE_ARRAY, "bw_t24_gen", 4, sizeof(struct bw_t24_chunk),
				BW_T24_CHUNKS, 0, err, errlen);
		if (t24 < 0 || put_batch(t24, keys, b.t24, 4, sizeof(struct bw_t24_chunk), nz,
					 "tbl24", err, errlen))
			goto out;
		st->map_bytes += (size_t)BW_T24_CHUNKS * sizeof(struct bw_t24_chunk);
		if (b.ngroups) {
			for (__u32 g = 0; g < b.ngroups; g++)
				keys[g] = g;
			t8 = new_inner(BPF_MAP_TYPE_ARRAY, "bw_t8_gen", 4, sizeof(struct bw_t8_group),
				       b.ngroups, BPF_F_INNER_MAP, err, errlen);
			if (t8 < 0 || put_batch(t8, keys, b.groups, 4, sizeof(struct bw_t8_group),
						b.ngroups, "tbl8", err, errlen))
				goto out;
			st->map_bytes += b.ngroups * sizeof(struct bw_t8_group);
		}
		if (b.nhosts) {
			__u32 *hk = malloc(b.nhb * sizeof(*hk));

			for (size_t i = 0; hk && i < b.nhb; i++)
				hk[i] = (__u32)i;
			host = hk ? new_inner(BPF_MAP_TYPE_ARRAY, "bw_host_gen", 4,
					      sizeof(struct bw_host_bucket), b.nhb, BPF_F_INNER_MAP, err, errlen) : -1;
			if (!hk)
				snprintf(err, errlen, "out of memory");
			if (host < 0 || put_batch(host, hk, b.hb, 4, sizeof(struct bw_host_bucket),
						  b.nhb, "ipv4 hosts", err, errlen)) {
				free(hk);
				goto out;
			}
			free(hk);
			st->map_bytes += b.nhb * sizeof(struct bw_host_bucket);
		}
	}
	if (b.nbcells || b.npcells || b.nscells) {
		size_t nk = b.nbcells > b.npcells ? b.nbcells : b.npcells;

		if (b.nscells > nk)
			nk = b.nscells;
		free(keys);
		keys = malloc(nk * sizeof(*keys));
		if (!keys)
			FAIL("out of memory");
		for (size_t i = 0; i < nk; i++)
			keys[i] = (__u32)i;
	}
	if (b.nbcells) {
		bkt = new_inner(BPF_MAP_TYPE_ARRAY, "bw_v6b_gen", 4, sizeof(struct bw_v6b_cell),
				b.nbcells, BPF_F_INNER_MAP, err, errlen);
		if (bkt < 0 || put_batch(bkt, keys, b.bcells, 4, sizeof(struct bw_v6b_cell),
					 b.nbcells, "ipv6 buckets", err, errlen))
			goto out;
		st->map_bytes += b.nbcells * sizeof(struct bw_v6b_cell);
	}
	if (b.npcells) {
		pfx = new_inner(BPF_MAP_TYPE_ARRAY, "bw_v6p_gen", 4, sizeof(struct bw_v6p_cell),
				b.npcells, BPF_F_INNER_MAP, err, errlen);
		if (pfx < 0 || put_batch(pfx, keys, b.pcells, 4, sizeof(struct bw_v6p_cell),
					 b.npcells, "ipv6 prefixes", err, errlen))
			goto out;
		st->map_bytes += b.npcells * sizeof(struct bw_v6p_cell);
	}
	if (b.nscells) {
		sub = new_inner(BPF_MAP_TYPE_ARRAY, "bw_v6s_gen", 4, sizeof(struct bw_v6s_cell),
				b.nscells, BPF_F_INNER_MAP, err, errlen);
		if (sub < 0 || put_batch(sub, keys, b.scells, 4, sizeof(struct bw_v6s_cell),
					 b.nscells, "ipv6 /48 buckets", err, errlen))
			goto out;
		st->map_bytes += b.nscells * sizeof(struct bw_v6s_cell);
	}

	/* No prefix table and no /48 buckets, no probes: the filter half is
	 * neither needed nor trusted (its flag is cleared in the flip below),
	 * which spares a 1 MiB write on every reload of lists without crowded
	 * IPv6 /32s. */
	if ((b.npfx || b.nsub) && write_v6_filter(fds->v6pbf, gen, &b, err, errlen))
		goto out;
	/* Read only when the /48 is looked up first; written whenever there
	 * are split /32s (64 KiB), so either order can be in force. */
	if (b.nsplit && write_v6_split_filter(fds->v6spf, gen, &b, err, errlen))
		goto out;

	/* Classes of the new generation. */
	ck = malloc(b.cls->n * sizeof(*ck));
	cv = calloc(b.cls->n, sizeof(*cv));
	if (!ck || !cv)
		FAIL("out of memory");
	for (__u32 i = 0; i < b.cls->n; i++) {
		ck[i] = gen * BW_CLASS_MAX + i;
		cv[i].mask = b.cls->mask[i];
		cv[i].action = b.cls->action[i];
		cv[i].rate_pps = b.cls->rate[i];
	}
	if (put_batch(fds->lclass, ck, cv, 4, sizeof(*cv), b.cls->n, "classes", err, errlen))
		goto out;
	st->map_bytes += 2 * BW_CLASS_MAX * sizeof(*cv);

	if (put_slot(fds->v4t24, gen, t24, "tbl24", err, errlen) ||
	    put_slot(fds->v4t8, gen, t8, "tbl8", err, errlen) ||
	    put_slot(fds->v4host, gen, host, "ipv4 hosts", err, errlen) ||
	    put_slot(fds->v6bkt, gen, bkt, "ipv6 buckets", err, errlen) ||
	    put_slot(fds->v6pfx, gen, pfx, "ipv6 prefixes", err, errlen) ||
	    put_slot(fds->v6sub, gen, sub, "ipv6 /48 buckets", err, errlen))
		goto out;

	/* The flip. The old generation stays installed until the next apply
	 * overwrites it: packets that read the old gen keep working. */
	if (bpf_map_lookup_elem(fds->lstate, &zero, &ls))
		FAIL("reading %s: %s", BW_MAP_LSTATE, strerror(errno));
	ls.gen = gen;
	ls.seq++;
	if (b.npfx || b.nsub)
		ls.flags |= BW_LS_F_V6PBF0 << gen;   /* its filter half is complete */
	else
		ls.flags &= ~(BW_LS_F_V6PBF0 << gen);
	if (b.sub_first)
		ls.flags |= BW_LS_F_V6SUB0 << gen;   /* /48 before /32 */
	else
		ls.flags &= ~(BW_LS_F_V6SUB0 << gen);
	if (b.nsplit)
		ls.flags |= BW_LS_F_V6SPF0 << gen;   /* its split-/32 filter half is complete */
	else
		ls.flags &= ~(BW_LS_F_V6SPF0 << gen);
	ls.host_mask[gen] = b.nhb ? (__u32)(b.nhb - 1) : 0;
	ls.v6b_mask[gen] = b.nbcells ? (__u32)(b.nbcells - 1) : 0;
	ls.v6p_mask[gen] = b.npcells ? (__u32)(b.npcells - 1) : 0;
	ls.v6s_mask[gen] = b.nscells ? (__u32)(b.nscells - 1) : 0;
	if (bpf_map_update_elem(fds->lstate, &zero, &ls, BPF_ANY))
		FAIL("switching generation: %s", strerror(errno));

	/* List names for the CLI (not read by the datapath). */
	for (__u32 id = 0; id < BW_LISTS_MAX; id++) {
		struct bw_list_info info = {};

		for (size_t i = 0; i < n; i++) {
			if (lists[i].id != id)
				continue;
			info.used = 1;
			snprintf(info.name, sizeof(info.name), "%s", lists[i].name);
			info.category = lists[i].category;
			info.action = lists[i].action;
			info.prefixes = lists[i].set ? (__u32)lists[i].set->n : 0;
			info.loaded_sec = (__u64)time(NULL);
			if (lists[i].action == BW_LACT_RATE_LIMIT)
				info.rate_pps = lists[i].rate_pps ? lists[i].rate_pps
								  : BW_LIST_RATE_DEFAULT;
		}
		bpf_map_update_elem(fds->lists, &id, &info, BPF_ANY);
	}
	st->v4_hosts = b.nhosts;
	st->t8_groups = b.ngroups;
	st->v6_buckets = b.nbkts;
	st->v6_long = b.npfx;
	st->v6_one = b.nv6_one;
	st->v6_split = b.nsplit;
	st->v6_sub = b.nsub;
	st->v6_sub_one = b.nsub_one;
	st->v6_sub_first = b.sub_first;
	st->classes = b.cls->n;
	st->gen = gen;
	st->write_ms = now_ms() - t1;
	rc = 0;
out:
	/* The outer maps hold their own references. */
	if (t24 >= 0) close(t24);
	if (t8 >= 0) close(t8);
	if (host >= 0) close(host);
	if (bkt >= 0) close(bkt);
	if (pfx >= 0) close(pfx);
	if (sub >= 0) close(sub);
	free(keys);
	free(ck);
	free(cv);
	build_free(&b);
	return rc;
}

int bw_ltable_release_old(const struct bw_ltable_fds *fds, char *err, size_t errlen)
{
	struct bw_lstate ls;
	__u32 zero = 0, old;

	if (bpf_map_lookup_elem(fds->lstate, &zero, &ls)) {
		snprintf(err, errlen, "reading %s: %s", BW_MAP_LSTATE, strerror(errno));
		return -1;
	}
	old = (ls.gen & 1) ^ 1;
	return put_slot(fds->v4t24, old, -1, "tbl24", err, errlen) ||
	       put_slot(fds->v4t8, old, -1, "tbl8", err, errlen) ||
	       put_slot(fds->v4host, old, -1, "ipv4 hosts", err, errlen) ||
	       put_slot(fds->v6bkt, old, -1, "ipv6 buckets", err, errlen) ||
	       put_slot(fds->v6pfx, old, -1, "ipv6 prefixes", err, errlen) ||
	       put_slot(fds->v6sub, old, -1, "ipv6 /48 buckets", err, errlen) ? -1 : 0;
}

static bool prefix_contains(const struct bw_lpm_key *k, const struct bw_addr *a)
{
	__u8 x[16];

	memcpy(x, a->b, 16);
	mask_addr(x, k->prefixlen);
	return !memcmp(x, k->addr, 16);
}

__u64 bw_ltable_ref_lookup(const struct bw_list_def *lists, size_t n,
			   const struct bw_addr *addr, __u8 *action)
{
	__u64 mask = 0;

	*action = BW_LACT_NONE;
	for (size_t l = 0; l < n; l++) {
		const struct bw_prefix_set *s = lists[l].set;

		for (size_t i = 0; s && i < s->n; i++) {
			if (!prefix_contains(&s->keys[i], addr))
				continue;
			mask |= 1ull << lists[l].id;
			if (lists[l].action > *action)
				*action = lists[l].action;
			break;
		}
	}
	return mask;
}
