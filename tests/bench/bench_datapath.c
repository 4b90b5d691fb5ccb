// SPDX-License-Identifier: GPL-2.0-only
/*
 * make bench, datapath part: ns per packet through BPF_PROG_TEST_RUN for the
 * botwall program with 1M IPv4 + 200k IPv6 generated prefixes loaded, next
 * to an empty XDP program and a plain LPM trie holding the same prefixes,
 * all in one run; plus map memory and list load / reload times.
 * Method and results: docs/benchmarks.md ("Datapath").
 */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "bench_ref.skel.h"
#include "feed_mix.h"
#include "lists.h"
#include "ltable.h"
#include "maps.h"

static unsigned long n4 = 1000000, n6 = 200000;
static int rounds = 11;     /* odd: the median is one of them */

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Does prefix k cover any of the addresses the bench sends as "unlisted"? */
static struct bw_addr clean[8];
static int nclean;

static bool covers_clean(const struct bw_lpm_key *k)
{
	for (int i = 0; i < nclean; i++) {
		__u8 x[16];
		unsigned int len = k->prefixlen;

		memcpy(x, clean[i].b, 16);
		for (unsigned int b = 0; b < 16; b++) {
			unsigned int keep = len >= 8 * (b + 1) ? 8 : len > 8 * b ? len - 8 * b : 0;

			x[b] &= (__u8)(0xff00 >> keep);
		}
		if (!memcmp(x, k->addr, 16))
			return true;
	}
	return false;
}

static void mask_key(struct bw_lpm_key *k)
{
	unsigned int len = k->prefixlen;

	for (unsigned int b = 0; b < 16; b++) {
		unsigned int keep = len >= 8 * (b + 1) ? 8 : len > 8 * b ? len - 8 * b : 0;

		k->addr[b] &= (__u8)(0xff00 >> keep);
	}
}

static void gen(struct bw_prefix_set *s4, struct bw_prefix_set *s6)
{
	while (s4->n < n4) {
		struct bw_lpm_key k = { .prefixlen = 96 + v4_len() };
		__u32 ip = 0x01000000u + rnd() % 0xdf000000u;

		k.addr[10] = k.addr[11] = 0xff;
		k.addr[12] = ip >> 24; k.addr[13] = ip >> 16; k.addr[14] = ip >> 8; k.addr[15] = ip;
		mask_key(&k);
		if (!covers_clean(&k))
			bw_prefix_set_add(s4, &k);
	}
	while (s6->n < n6) {
		struct bw_lpm_key k = { .prefixlen = v6_len() };

		for (int b = 0; b < 16; b++)
			k.addr[b] = (__u8)rnd();
		k.addr[0] = 0x20 | (k.addr[0] & 0x0f);
		mask_key(&k);
		if (!covers_clean(&k))
			bw_prefix_set_add(s6, &k);
	}
}

/* The same length mix, but clustered as cloud and hosting ranges are:
 * about 20 prefixes under each of n6 / 20 provider /32s, so a listed /32
 * holds several lengths and lookups take the prefix-table probes. */
static void gen_clustered(struct bw_prefix_set *s6)
{
	__u32 ntop = n6 / 20 ? (__u32)(n6 / 20) : 1, *tops = calloc(ntop, sizeof(*tops));

	if (!tops)
		exit(1);
	for (__u32 i = 0; i < ntop; i++)
		tops[i] = (0x20u | (rnd() & 0x0f)) << 24 | (rnd() & 0xffffff);
	while (s6->n < n6) {
		struct bw_lpm_key k = { .prefixlen = v6_len() };
		__u32 top = tops[rnd() % ntop];

		if (k.prefixlen < 32)
			k.prefixlen = 32;
		for (int b = 0; b < 16; b++)
			k.addr[b] = (__u8)rnd();
		k.addr[0] = (__u8)(top >> 24); k.addr[1] = (__u8)(top >> 16);
		k.addr[2] = (__u8)(top >> 8); k.addr[3] = (__u8)top;
		mask_key(&k);
		if (!covers_clean(&k))
			bw_prefix_set_add(s6, &k);
	}
	free(tops);
}

/* ---- packets ---- */

static size_t pkt(__u8 *buf, const char *src, const char *payload)
{
	size_t plen = payload ? strlen(payload) : 0, off = sizeof(struct ethhdr);
	struct ethhdr *eth = (struct ethhdr *)buf;
	struct tcphdr *th;
	bool v6 = strchr(src, ':') != NULL;

	memset(buf, 0, 1600);
	if (!v6) {
		struct iphdr *ip = (struct iphdr *)(buf + off);

		eth->h_proto = htons(ETH_P_IP);
		ip->version = 4; ip->ihl = 5; ip->ttl = 64; ip->protocol = IPPROTO_TCP;
		ip->tot_len = htons((__u16)(40 + plen));
		inet_pton(AF_INET, src, &ip->saddr);
		inet_pton(AF_INET, "192.0.2.10", &ip->daddr);
		off += 20;
	} else {
		struct ipv6hdr *ip6 = (struct ipv6hdr *)(buf + off);

		eth->h_proto = htons(ETH_P_IPV6);
		ip6->version = 6; ip6->hop_limit = 64; ip6->nexthdr = IPPROTO_TCP;
		ip6->payload_len = htons((__u16)(20 + plen));
		inet_pton(AF_INET6, src, &ip6->saddr);
		inet_pton(AF_INET6, "2001:db8::10", &ip6->daddr);
		off += 40;
	}
	th = (struct tcphdr *)(buf + off);
	th->source = htons(40000); th->dest = htons(80); th->doff = 5; th->ack = 1;
	th->psh = plen > 0;
	off += 20;
	memcpy(buf + off, payload ? payload : "", plen);
	if (off + plen < 60)
		return 60;
	return off + plen;
}

static struct ring_buffer *rb;
static int on_sample(void *c, void *d, size_t l) { (void)c; (void)d; (void)l; return 0; }

#define MAX_ROUNDS 31

/* One packet case of the per-packet table. */
struct run_case {
	const char *what;
	int prog, want;
	const __u8 *pkt;
	size_t len;
	__u32 repeat;
	double v[MAX_ROUNDS];   /* kernel's average ns per run, per round */
};

static double median(const double *in, int n)
{
	double v[MAX_ROUNDS];

	memcpy(v, in, n * sizeof(*v));
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && v[j] < v[j - 1]; j--) {
			double t = v[j];

			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	return v[n / 2];
}

/*
 * Each round runs every case once, in order: cases are measured side by
 * side in time, so a burst of load from a neighbour on this shared machine
 * lands on all of them in that round instead of on whichever case ran
 * during it, and a ratio can be taken round by round.
 *
 * The kernel's duration, in whole ns per run: timing the syscall instead
 * would add its fixed cost (with repeat > 1 the kernel switches the XDP
 * dispatcher to the program and back, 0.25-1 ms per call here, not
 * steady enough to subtract).
 */
static void run_rounds(struct run_case *c, int nc)
{
	for (int r = 0; r < rounds; r++)
		for (int i = 0; i < nc; i++) {
			LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = c[i].pkt,
				    .data_size_in = (__u32)c[i].len, .repeat = c[i].repeat);
			if (c[i].prog < 0)     /* a reference that did not load */
				continue;
			if (bpf_prog_test_run_opts(c[i].prog, &o)) {
				fprintf(stderr, "bench: %s: test_run: %s\n", c[i].what, strerror(errno));
				exit(1);
			}
			if ((int)o.retval != c[i].want && !getenv("BW_BENCH_NOCHECK")) {
				fprintf(stderr, "bench: %s: verdict %u, expected %d\n", c[i].what,
					o.retval, c[i].want);
				exit(1);
			}
			c[i].v[r] = o.duration;
			if (rb)
				ring_buffer__consume(rb);
		}
}

/* Median over rounds of a/b taken within each round. */
static double median_ratio(const struct run_case *a, const struct run_case *b)
{
	double q[MAX_ROUNDS];

	for (int r = 0; r < rounds; r++)
		q[r] = b->v[r] > 0 ? a->v[r] / b->v[r] : 0;
	return median(q, rounds);
}

/* Which sources the cache-cold lookups use (BW_BENCH_ADDRS): by default
 * half drawn from listed prefixes and half uniformly random; "listed" or
 * "unlisted" measures one kind alone. */
static enum { MIX_HALF, MIX_LISTED, MIX_UNLISTED } addr_mix;

/* Fill bench_addrs: drawn from listed prefixes (random host bits) or
 * uniformly random, as addr_mix says; v6 selects the family. */
static void fill_addrs(int fd, const struct bw_prefix_set *s, bool v6)
{
	for (__u32 i = 0; i < 65536; i++) {
		struct bw_addr a;

		if (addr_mix == MIX_LISTED || (addr_mix == MIX_HALF && (i & 1))) {
			const struct bw_lpm_key *k = &s->keys[rnd() % s->n];

			memcpy(a.b, k->addr, 16);
			for (unsigned int b = k->prefixlen / 8; b < 16; b++)
				a.b[b] |= (__u8)(rnd() & (b == k->prefixlen / 8 ? 0xff >> (k->prefixlen % 8) : 0xff));
		} else if (!v6) {
			__u32 ip = 0x01000000u + rnd() % 0xdf000000u;

			memset(a.b, 0, 10);
			a.b[10] = a.b[11] = 0xff;
			a.b[12] = ip >> 24; a.b[13] = ip >> 16; a.b[14] = ip >> 8; a.b[15] = ip;
		} else {
			for (int b = 0; b < 16; b++)
				a.b[b] = (__u8)rnd();
			a.b[0] = 0x20 | (a.b[0] & 0x0f);
		}
		bpf_map_update_elem(fd, &i, &a, BPF_ANY);
	}
}

/* ns per lookup of 65536 different addresses in one run, loop cost removed. */
static double per_lookup(int prog, int none, double *hits, __u64 *bss_hits)
{
	static const __u8 p[64];
	/* The empty loop first in each round: both programs write bench_hits,
	 * and the count read below must be the lookup's. */
	struct run_case c[2] = {
		{ "lookups none", none, XDP_PASS, p, sizeof(p), 1, { 0 } },
		{ "lookups", prog, XDP_PASS, p, sizeof(p), 1, { 0 } },
	};
	double d[MAX_ROUNDS];

	run_rounds(c, 2);
	*hits = (double)*bss_hits / 65536.0;
	for (int r = 0; r < rounds; r++)
		d[r] = c[1].v[r] - c[0].v[r];
	return median(d, rounds) / 65536.0;
}

/* ---- xdp-filter, the reference filter of this field ---- */

#ifndef BW_XDPFILTER_OBJ
#define BW_XDPFILTER_OBJ "/usr/lib/x86_64-linux-gnu/bpf/xdpfilt_alw_ip.o"
#endif

/* xdp-tools' xdp-filter as an IP blocklist (xdpfilt_alw_ip.o from the
 * xdp-tools package: policy allow, listed addresses dropped): parse, look
 * the source and the destination up in its per-CPU hashes, count. Loaded
 * unpinned, its IPv4 hash filled to its capacity with random addresses
 * (none the bench's). Returns the program fd, or -1 (the row is then left
 * out, with the reason). */
static int load_xdp_filter(struct bpf_object **objp)
{
	const char *path = getenv("BW_XDPFILTER_OBJ") ? getenv("BW_XDPFILTER_OBJ") : BW_XDPFILTER_OBJ;
	struct bpf_object *obj = bpf_object__open_file(path, NULL);
	struct bpf_program *prog;
	struct bpf_map *m;
	int ncpu = libbpf_num_possible_cpus(), fd;
	__u64 *vals;

	*objp = NULL;
	if (!obj) {
		fprintf(stderr, "bench: xdp-filter row left out: %s: %s\n", path, strerror(errno));
		return -1;
	}
	bpf_object__for_each_map(m, obj)
		bpf_map__set_pin_path(m, NULL);
	prog = bpf_object__next_program(obj, NULL);
	if (!prog || bpf_object__load(obj) || ncpu < 1) {
		fprintf(stderr, "bench: xdp-filter row left out: %s does not load\n", path);
		bpf_object__close(obj);
		return -1;
	}
	fd = bpf_object__find_map_fd_by_name(obj, "filter_ipv4");
	m = bpf_object__find_map_by_name(obj, "filter_ipv4");
	vals = calloc(ncpu, sizeof(*vals));
	for (__u32 i = 0; vals && m && i < bpf_map__max_entries(m); i++) {
		__u32 h = 0x01000000u + rnd() % 0xdf000000u, ip = htonl(h);

		if (h >> 8 == 0xc00002 || h >> 8 == 0xcb0071)   /* the bench's sources */
			continue;
		for (int c = 0; c < ncpu; c++)
			vals[c] = 1;           /* its MAP_FLAG_SRC */
		if (bpf_map_update_elem(fd, &ip, vals, BPF_ANY))
			break;
	}
	free(vals);
	*objp = obj;
	return bpf_program__fd(prog);
}

/* ---- memory ---- */

static size_t memlock(int fd)
{
	char path[64], line[256];
	size_t v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "memlock: %zu", &v) == 1)
			break;
	fclose(f);
	return v;
}

/* Memory of the inner maps of one generation of an array-of-maps. */
static size_t inner_mem(int outer, __u32 gen)
{
	__u32 id;
	size_t m;
	int fd;

	if (bpf_map_lookup_elem(outer, &gen, &id))
		return 0;
	fd = bpf_map_get_fd_by_id(id);
	if (fd < 0)
		return 0;
	m = memlock(fd);
	close(fd);
	return m;
}

static void write_list(const char *path, const struct bw_prefix_set *s)
{
	FILE *f = fopen(path, "w");
	char buf[BW_PREFIX_STRLEN];

	if (!f) {
		perror(path);
		exit(1);
	}
	for (size_t i = 0; i < s->n; i++) {
		bw_format_prefix(&s->keys[i], buf, sizeof(buf));
		fprintf(f, "%s\n", buf);
	}
	fclose(f);
}

int main(int argc, char **argv)
{
	struct bw_prefix_set s4 = {}, s6 = {}, p4 = {}, p6 = {}, s6c = {};
	struct bench_ref_bpf *ref;
	struct bw_ltable_fds fds;
	struct bw_ltable_stats st, st2, st6c;
	struct bw_list_def defs[2];
	struct bpf_map *m;
	char err[256], f4[64], f6[64];
	__u8 P[12][1600];
	size_t L[12];
	double t0, t_gen, t_parse, t_apply, t_reload, t_lpm;
	__u32 zero = 0;
	int bw, empty, lpm, lpm_fd, xf;
	struct bpf_object *xf_obj;
	size_t mem_bw = 0, mem_lpm, mem6c = 0;
	static const char *const http =
		"GET /products?page=2 HTTP/1.1\r\nHost: www.shop.test\r\nUser-Agent: Mozilla/5.0 "
		"(X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36\r\n"
		"Accept: text/html,application/xhtml+xml\r\nAccept-Language: en-US,en;q=0.9\r\n"
		"Accept-Encoding: gzip, deflate, br\r\nConnection: keep-alive\r\n\r\n";

	if (argc > 1 && !strcmp(argv[1], "--quick")) {   /* smoke run */
		n4 = 20000;
		n6 = 4000;
		rounds = 5;
	}
	if (getenv("BW_BENCH_ROUNDS")) {                  /* more rounds: tighter medians */
		char *end;
		long v = strtol(getenv("BW_BENCH_ROUNDS"), &end, 10);

		rounds = *end ? 0 : (int)v;
		if (rounds < 1 || rounds > MAX_ROUNDS) {
			fprintf(stderr, "bench: BW_BENCH_ROUNDS: 1 to %d\n", MAX_ROUNDS);
			return 2;
		}
	}
	if (getenv("BW_BENCH_ADDRS")) {
		const char *v = getenv("BW_BENCH_ADDRS");

		if (!strcmp(v, "listed"))
			addr_mix = MIX_LISTED;
		else if (!strcmp(v, "unlisted"))
			addr_mix = MIX_UNLISTED;
		else if (strcmp(v, "half")) {
			fprintf(stderr, "bench: BW_BENCH_ADDRS: half, listed or unlisted, not \"%s\"\n", v);
			return 2;
		}
	}
	libbpf_set_print(NULL);

	/* Sources sent as "unlisted": no generated prefix may cover them. */
	{
		static const char *c[] = { "192.0.2.1", "203.0.113.1", "192.0.2.99",
					   "2001:db8:77::1", "2001:db8:bad:1::1" };

		for (int i = 0; i < 5; i++)
			bw_parse_addr(c[i], &clean[nclean++], err, sizeof(err));
	}
	t0 = now_ms();
	gen(&s4, &s6);
	/* Known members: a /32 next to an unlisted source (so its /24 has
	 * host entries) and a /48 in the unlisted sources' IPv6 /32. */
	{
		struct bw_lpm_key k;

		bw_parse_prefix("203.0.113.2", &k, err, sizeof(err));
		bw_prefix_set_add(&s4, &k);
		bw_parse_prefix("198.51.100.1", &k, err, sizeof(err));
		bw_prefix_set_add(&s4, &k);
		bw_parse_prefix("2001:db8:bad::/48", &k, err, sizeof(err));
		bw_prefix_set_add(&s6, &k);
	}
	t_gen = now_ms() - t0;

	/* Through the list file parser, as the daemon would load them. */
	snprintf(f4, sizeof(f4), "/tmp/bwbench-%d-v4.list", getpid());
	snprintf(f6, sizeof(f6), "/tmp/bwbench-%d-v6.list", getpid());
	write_list(f4, &s4);
	write_list(f6, &s6);
	t0 = now_ms();
	if (bw_list_parse_file(f4, &p4, err, sizeof(err)) || bw_list_parse_file(f6, &p6, err, sizeof(err))) {
		fprintf(stderr, "bench: %s\n", err);
		return 1;
	}
	t_parse = now_ms() - t0;
	unlink(f4);
	unlink(f6);

	ref = bench_ref_bpf__open();
	if (!ref) {
		fprintf(stderr, "bench: cannot open the BPF objects\n");
		return 1;
	}
	bpf_object__for_each_map(m, ref->obj)
		bpf_map__set_pin_path(m, NULL);
	if (bench_ref_bpf__load(ref)) {
		fprintf(stderr, "bench: load: %s (root needed)\n", strerror(errno));
		return 1;
	}
	bw = bpf_program__fd(ref->progs.botwall_xdp);
	empty = bpf_program__fd(ref->progs.empty_xdp);
	lpm = bpf_program__fd(ref->progs.lpm_xdp);
	lpm_fd = bpf_map__fd(ref->maps.ref_lpm);
	xf = load_xdp_filter(&xf_obj);
	if (bw_ltable_fds_of_obj(ref->obj, &fds, err, sizeof(err))) {
		fprintf(stderr, "bench: %s\n", err);
		return 1;
	}
	{
		struct bw_config c = { .http_ports = { 80 }, .sample_cap = BW_SAMPLE_CAP,
				       .flags = BW_CFG_F_SAMPLING | BW_CFG_F_VFILTER,
				       .sample_share = BW_SHARE_ONE };

		bpf_map_update_elem(bpf_map__fd(ref->maps.bw_config), &zero, &c, BPF_ANY);
	}
	rb = ring_buffer__new(bpf_map__fd(ref->maps.bw_samples), on_sample, NULL, NULL);

	defs[0] = (struct bw_list_def){ .id = 0, .name = "feed-v4", .category = BW_LCAT_BLOCKLIST,
					.action = BW_LACT_DROP, .set = &p4 };
	defs[1] = (struct bw_list_def){ .id = 1, .name = "feed-v6", .category = BW_LCAT_BLOCKLIST,
					.action = BW_LACT_DROP, .set = &p6 };
	t0 = now_ms();
	if (bw_ltable_apply(&fds, defs, 2, &st, err, sizeof(err))) {
		fprintf(stderr, "bench: apply: %s\n", err);
		return 1;
	}
	t_apply = now_ms() - t0;
	t0 = now_ms();
	if (bw_ltable_apply(&fds, defs, 2, &st2, err, sizeof(err))) {
		fprintf(stderr, "bench: reload: %s\n", err);
		return 1;
	}
	t_reload = now_ms() - t0;

	/* The same prefixes in a plain LPM trie. */
	t0 = now_ms();
	for (int l = 0; l < 2; l++) {
		const struct bw_prefix_set *s = l ? &p6 : &p4;
		struct bw_list_entry v = { .list_id = (__u32)l };

		for (size_t i = 0; i < s->n; i++)
			if (bpf_map_update_elem(lpm_fd, &s->keys[i], &v, BPF_ANY)) {
				fprintf(stderr, "bench: lpm: %s\n", strerror(errno));
				return 1;
			}
	}
	t_lpm = now_ms() - t0;

	/* A verdict for one unlisted source, written as the daemon does (its
	 * presence bit first: the datapath trusts the filter here). */
	{
		struct bw_verdict_fds vf = { bpf_map__fd(ref->maps.bw_verdicts),
					     bpf_map__fd(ref->maps.bw_vfilter) };
		struct bw_addr a;

		bw_parse_addr("192.0.2.99", &a, err, sizeof(err));
		if (bw_verdict_put_action(&vf, &a, 0, BW_ACT_DROP, 0, BW_VR_MANUAL, 90, BW_FLAG__MAX)) {
			fprintf(stderr, "bench: verdict: %s\n", strerror(errno));
			return 1;
		}
	}

	L[0] = pkt(P[0], "192.0.2.1", NULL);          /* allowed, clean /24     */
	L[1] = pkt(P[1], "203.0.113.1", NULL);        /* allowed, /24 has hosts */
	L[2] = pkt(P[2], "2001:db8:77::1", NULL);     /* allowed v6, bucket /48 */
	L[3] = pkt(P[3], "2001:db9:1::1", NULL);      /* allowed v6, no bucket  */
	L[4] = pkt(P[4], "198.51.100.1", NULL);       /* listed v4 /32          */
	L[5] = pkt(P[5], "2001:db8:bad::1", NULL);    /* listed v6 /48          */
	L[6] = pkt(P[6], "192.0.2.99", NULL);         /* verdict hit            */
	L[7] = pkt(P[7], "192.0.2.1", http);          /* HTTP, sampled          */
	/* A listed address from the middle of the generated v4 feed (/24). */
	{
		char a[BW_PREFIX_STRLEN];
		size_t i;

		for (i = 0; i < s4.n && s4.keys[i].prefixlen != 96 + 24; i++)
			;
		bw_format_prefix(&s4.keys[i], a, sizeof(a));
		*strchr(a, '/') = '\0';
		L[8] = pkt(P[8], a, NULL);
	}

	{
		const __u32 R = 200000, RL = 50000, RS = 1000;
		enum { E, XF, A4, A4H, A6, A6N, B4, B4R, B6, VH, HS, L4, L6, LB4, LB6, NCASES };
		struct run_case rc[NCASES] = {
			[E] = { "empty", empty, XDP_PASS, P[0], L[0], R, { 0 } },
			[XF] = { "xdp-filter allowed v4", xf, XDP_PASS, P[0], L[0], R, { 0 } },
			[A4] = { "allowed v4", bw, XDP_PASS, P[0], L[0], R, { 0 } },
			[A4H] = { "allowed v4 host /24", bw, XDP_PASS, P[1], L[1], R, { 0 } },
			[A6] = { "allowed v6", bw, XDP_PASS, P[2], L[2], R, { 0 } },
			[A6N] = { "allowed v6 no bucket", bw, XDP_PASS, P[3], L[3], R, { 0 } },
			[B4] = { "listed v4", bw, XDP_DROP, P[4], L[4], R, { 0 } },
			[B4R] = { "listed v4 /24", bw, XDP_DROP, P[8], L[8], R, { 0 } },
			[B6] = { "listed v6", bw, XDP_DROP, P[5], L[5], R, { 0 } },
			[VH] = { "verdict", bw, XDP_DROP, P[6], L[6], R, { 0 } },
			[HS] = { "http sampled", bw, XDP_PASS, P[7], L[7], RS, { 0 } },
			[L4] = { "lpm allowed v4", lpm, XDP_PASS, P[0], L[0], RL, { 0 } },
			[L6] = { "lpm allowed v6", lpm, XDP_PASS, P[2], L[2], RL, { 0 } },
			[LB4] = { "lpm listed v4", lpm, XDP_DROP, P[4], L[4], RL, { 0 } },
			[LB6] = { "lpm listed v6", lpm, XDP_DROP, P[5], L[5], RL, { 0 } },
		};
		double m[NCASES], e;

		run_rounds(rc, NCASES);
		for (int i = 0; i < NCASES; i++)
			m[i] = median(rc[i].v, rounds);
		e = m[E];

		double c4, c6, cl4, cl6, h4, h6, hl4, hl6, c6c, cl6c, h6c, hl6c, fl, hfl;
		int none = bpf_program__fd(ref->progs.lookup_none);
		int lbw = bpf_program__fd(ref->progs.lookup_bw);
		int llpm = bpf_program__fd(ref->progs.lookup_lpm);
		int lfloor = bpf_program__fd(ref->progs.lookup_floor);
		int addrs = bpf_map__fd(ref->maps.bench_addrs);

		fill_addrs(addrs, &s4, false);
		c4 = per_lookup(lbw, none, &h4, &ref->bss->bench_hits);
		cl4 = per_lookup(llpm, none, &hl4, &ref->bss->bench_hits);
		fill_addrs(addrs, &s6, true);
		c6 = per_lookup(lbw, none, &h6, &ref->bss->bench_hits);
		cl6 = per_lookup(llpm, none, &hl6, &ref->bss->bench_hits);

		for (int o = 0; o < 6; o++) {
			int outer[] = { fds.v4t24, fds.v4t8, fds.v4host, fds.v6bkt, fds.v6pfx, fds.v6sub };

			mem_bw += inner_mem(outer[o], st2.gen);
		}
		mem_bw += memlock(fds.lclass) / 2;      /* one generation's half */
		mem_bw += memlock(fds.v6pbf) / 2;       /* of both */
		mem_bw += memlock(fds.v6spf) / 2;
		mem_lpm = memlock(lpm_fd);

		/* The clustered IPv6 feed, in both structures instead of the
		 * first one (the IPv4 prefixes stay). */
		gen_clustered(&s6c);
		defs[1].set = &s6c;
		if (bw_ltable_apply(&fds, defs, 2, &st6c, err, sizeof(err))) {
			fprintf(stderr, "bench: clustered apply: %s\n", err);
			return 1;
		}
		for (size_t i = 0; i < p6.n; i++)
			bpf_map_delete_elem(lpm_fd, &p6.keys[i]);
		for (size_t i = 0; i < s6c.n; i++) {
			struct bw_list_entry v = { .list_id = 1 };

			if (bpf_map_update_elem(lpm_fd, &s6c.keys[i], &v, BPF_ANY)) {
				fprintf(stderr, "bench: lpm: %s\n", strerror(errno));
				return 1;
			}
		}
		/* Its IPv6 tables alone (/32 and /48 buckets, prefixes). */
		for (int o = 3; o < 6; o++) {
			int outer[] = { -1, -1, -1, fds.v6bkt, fds.v6pfx, fds.v6sub };

			mem6c += inner_mem(outer[o], st6c.gen);
		}
		fill_addrs(addrs, &s6c, true);
		c6c = per_lookup(lbw, none, &h6c, &ref->bss->bench_hits);
		cl6c = per_lookup(llpm, none, &hl6c, &ref->bss->bench_hits);
		fl = per_lookup(lfloor, none, &hfl, &ref->bss->bench_hits);
		printf("Datapath bench: %lu IPv4 + %lu IPv6 generated prefixes, median of %d interleaved rounds\n",
		       s4.n, s6.n, rounds);
		printf("  IPv4: %zu prefixes -> %zu host entries, %zu tbl8 groups; %zu classes\n",
		       st.v4_prefixes, st.v4_hosts, st.t8_groups, st.classes);
		printf("  IPv6 spread: %zu prefixes -> %zu /32 buckets, %zu of them holding their only "
		       "longer prefix, %zu split into %zu /48 buckets, %zu prefixes in the prefix table; "
		       "/48 looked up %s\n",
		       st.v6_prefixes, st.v6_buckets, st.v6_one, st.v6_split, st.v6_sub, st.v6_long,
		       st.v6_sub_first ? "first" : "after the /32");
		printf("  IPv6 clustered (~20 per /32): %zu prefixes -> %zu buckets, %zu holding their "
		       "only longer prefix, %zu split into %zu /48 buckets (%zu holding their only "
		       "longer prefix), %zu in the prefix table; /48 looked up %s\n",
		       st6c.v6_prefixes, st6c.v6_buckets, st6c.v6_one, st6c.v6_split, st6c.v6_sub,
		       st6c.v6_sub_one, st6c.v6_long, st6c.v6_sub_first ? "first" : "after the /32");
		printf("\n%-44s %9s %9s\n", "case (BPF_PROG_TEST_RUN)", "ns/pkt", "x empty");
#define ROW(name, i) printf("%-44s %9.1f %9.2f\n", name, m[i], median_ratio(&rc[i], &rc[E]))
		ROW("empty XDP_PASS program (baseline)", E);
		if (xf >= 0)
			ROW("xdp-filter (IP blocklist): allowed v4", XF);
		ROW("botwall: allowed v4 (clean /24)", A4);
		ROW("botwall: allowed v4 (/24 with listed hosts)", A4H);
		ROW("botwall: allowed v6 (/32 with listed /48)", A6);
		ROW("botwall: allowed v6 (no list in its /32)", A6N);
		ROW("botwall: blocklisted v4 /32", B4);
		ROW("botwall: blocklisted v4 /24", B4R);
		ROW("botwall: blocklisted v6 /48", B6);
		ROW("botwall: verdict hit", VH);
		ROW("botwall: HTTP request sampled (ring buffer)", HS);
		ROW("plain LPM trie: allowed v4", L4);
		ROW("plain LPM trie: allowed v6", L6);
		ROW("plain LPM trie: listed v4 /32", LB4);
		ROW("plain LPM trie: listed v6 /48", LB6);
		printf("\nratios, each the median of the per-round ratios: allowed v4 / empty = %.2f "
		       "(goal <= 1.5); LPM / botwall allowed: v4 %.1fx, v6 %.1fx (goal >= 10)\n",
		       median_ratio(&rc[A4], &rc[E]), median_ratio(&rc[L4], &rc[A4]),
		       median_ratio(&rc[L6], &rc[A6]));
		printf("        botwall allowed minus empty: v4 %.1f ns, v6 %.1f ns; LPM lookup minus empty: "
		       "v4 %.1f ns, v6 %.1f ns\n", m[A4] - e, m[A6] - e, m[L4] - e, m[L6] - e);
		if (xf >= 0)
			printf("        xdp-filter allowed v4 minus empty: %.1f ns; botwall allowed v4 / "
			       "xdp-filter = %.2f\n", m[XF] - e, median_ratio(&rc[A4], &rc[XF]));
		printf("\nlookup only, 65536 different random sources per run (%s):\n",
		       addr_mix == MIX_LISTED ? "all inside a listed prefix" :
		       addr_mix == MIX_UNLISTED ? "all uniformly random" : "half inside a listed prefix");
		printf("%-44s %9s %9s %9s\n", "structure", "ns/lookup", "matched", "LPM/this");
		printf("%-44s %9.1f %8.0f%% %9.1f\n", "botwall tables, IPv4", c4, h4 * 100, cl4 / c4);
		printf("%-44s %9.1f %8.0f%% %9.1f\n", "plain LPM trie, IPv4", cl4, hl4 * 100, 1.0);
		printf("%-44s %9.1f %8.0f%% %9.1f\n", "botwall tables, IPv6 spread", c6, h6 * 100, cl6 / c6);
		printf("%-44s %9.1f %8.0f%% %9.1f\n", "plain LPM trie, IPv6 spread", cl6, hl6 * 100, 1.0);
		printf("%-44s %9.1f %8.0f%% %9.1f\n", "botwall tables, IPv6 clustered", c6c, h6c * 100,
		       cl6c / c6c);
		printf("%-44s %9.1f %8.0f%% %9.1f\n", "plain LPM trie, IPv6 clustered", cl6c, hl6c * 100, 1.0);
		printf("%-44s %9.1f %9s %9s\n", "one random read of a 16 MiB array (floor)", fl, "-", "-");
		printf("        a structure reading one cold line per lookup would be at: LPM/floor IPv4 %.1fx, "
		       "IPv6 spread %.1fx, IPv6 clustered %.1fx\n", cl4 / fl, cl6 / fl, cl6c / fl);
		printf("\nmemory (kernel memlock): botwall tables %.1f MiB (%.1f MiB for the "
		       "2 s after a reload, while both generations exist); LPM trie %.1f MiB\n",
		       mem_bw / 1048576.0, 2 * mem_bw / 1048576.0, mem_lpm / 1048576.0);
		printf("        the clustered IPv6 feed's tables (/32 and /48 buckets, prefixes): %.1f MiB (plus the "
		       "1 MiB prefix filter half and the 64 KiB split-/32 filter half)\n", mem6c / 1048576.0);
		{
			struct bpf_prog_info pi = {};
			__u32 pl = sizeof(pi);

			if (!bpf_obj_get_info_by_fd(bw, &pi, &pl))
				printf("verifier: botwall_xdp needed %u instructions processed (limit 1000000)\n",
				       pi.verified_insns);
		}
		printf("load: generate %.0f ms, parse files %.0f ms (%.0f ns/line); first apply %.0f ms "
		       "(build %.0f + write %.0f); reload %.0f ms (build %.0f + write %.0f); "
		       "LPM fill %.0f ms\n",
		       t_gen, t_parse, t_parse * 1e6 / (double)(s4.n + s6.n), t_apply, st.build_ms,
		       st.write_ms, t_reload, st2.build_ms, st2.write_ms, t_lpm);
	}
	ring_buffer__free(rb);
	bench_ref_bpf__destroy(ref);
	bpf_object__close(xf_obj);
	bw_prefix_set_free(&s4);
	bw_prefix_set_free(&s6);
	bw_prefix_set_free(&p4);
	bw_prefix_set_free(&p6);
	bw_prefix_set_free(&s6c);
	return 0;
}
