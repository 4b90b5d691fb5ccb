// SPDX-License-Identifier: GPL-2.0-only
/*
 * Helper of make bench-live (tests/bench/bench_live.sh; method and results
 * in docs/benchmarks.md "Live: veth vs nftables").
 *
 *   bench_live gen N4 N6 LISTFILE NFT4FILE NFT6FILE
 *       N4 generated IPv4 prefixes and N6 generated IPv6 prefixes
 *       (bench_datapath's length mixes, IPv6 in 2000::/4) plus the sources
 *       the sender uses as listed ones (the 256 /32s of 203.0.113.0/24 and
 *       256 /128s of 2001:db8:bad::/48), as one botwall list file and as
 *       two nftables set files (interval sets bl and bl6). Then reads the
 *       list file back with the list parser and checks it (see check).
 *   bench_live check LISTFILE
 *       fails unless the list holds exactly the 256 + 256 listed sources
 *       inside the documentation ranges and nothing else there: no prefix
 *       may touch the clean sources (198.51.100.128/25, 2001:db8:c1ea::/64)
 *       or the veth addresses.
 *   bench_live botwall IFNAME LISTFILE PINDIR
 *       loads botwall_xdp, compiles the list with the ltable loader
 *       (bw_list_parse_file + bw_ltable_apply, as botwalld --list does),
 *       pins maps and program under PINDIR and attaches in native mode.
 *   bench_live counters PINDIR
 *       prints "rx drop pass" packet totals of bw_counters.
 *   bench_live nftcount TABLE CHAIN
 *       prints "SET PACKETS" for each rule of the netdev chain that looks up
 *       a named set and counts, from the kernel's rule dump (fast: nft list
 *       would fetch all set elements first).
 *   bench_live send BPFOBJ IFNAME FIRST_SRC COUNT SECONDS
 *       sends from COUNT (power of two) consecutive sources starting at
 *       FIRST_SRC through BPF_PROG_TEST_RUN live frames, for SECONDS:
 *       60-byte IPv4/UDP frames to 198.51.100.2, or, if FIRST_SRC is an
 *       IPv6 address, 62-byte IPv6/UDP frames to 2001:db8:1::2. Sources
 *       must lie in documentation ranges. Prints "sent N SECONDS".
 */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <endian.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <linux/udp.h>
#include <net/if.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "botwall.skel.h"
#include "feed_mix.h"
#include "lists.h"
#include "ltable.h"
#include "maps.h"

/* The documentation ranges the bench uses on the wire stay out of the
 * generated part: no generated prefix may cover or lie inside one of them
 * (203.0.113.0/24 and 2001:db8:bad::/48 are then listed host by host). */
static int reserved(__u32 ip, unsigned int len)
{
	static const __u32 nets[] = { 0xC0000200u, 0xC6336400u, 0xCB007100u };
	unsigned int l = len < 24 ? len : 24;   /* overlap: the shorter prefix decides */
	__u32 m = l ? ~0u << (32 - l) : 0;

	for (int i = 0; i < 3; i++)
		if ((nets[i] & m) == (ip & m))
			return 1;
	return 0;
}

static int reserved6(const __u8 *a, unsigned int len)   /* 2001:db8::/32 */
{
	static const __u8 doc[4] = { 0x20, 0x01, 0x0d, 0xb8 };
	unsigned int l = len < 32 ? len : 32;

	for (unsigned int b = 0; b < 4; b++) {
		unsigned int keep = l >= 8 * (b + 1) ? 8 : l > 8 * b ? l - 8 * b : 0;
		__u8 m = (__u8)(0xff00 >> keep);

		if ((a[b] & m) != (doc[b] & m))
			return 0;
	}
	return 1;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Strict unsigned decimal: no sign, no trailing text, at most max. */
static int parse_ul(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	if (!s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	*out = strtoul(s, &end, 10);
	return errno || *end || *out > max ? -1 : 0;
}

/* Prefixes that must (listed sources) or must not (everything else) be in
 * the list, as bw_lpm_keys (IPv4 mapped). */
#define LISTED4 "203.0.113.0"      /* 256 /32s */
#define LISTED6 "2001:db8:bad::100" /* 256 /128s: ::100 - ::1ff */
#define DST4 "198.51.100.2"
#define DST6 "2001:db8:1::2"
static const char *const wire_clean[] = {
	"198.51.100.0/24",      /* veth addresses and clean IPv4 sources (.128/25) */
	"192.0.2.0/24",
	"2001:db8:1::/64",      /* veth addresses */
	"2001:db8:c1ea::/64",   /* clean IPv6 sources */
};
static const char *const wire_listed[] = { "203.0.113.0/24", "2001:db8:bad::/48" };

static int overlaps(const struct bw_lpm_key *a, const struct bw_lpm_key *b)
{
	unsigned int l = a->prefixlen < b->prefixlen ? a->prefixlen : b->prefixlen;

	for (unsigned int i = 0; i < 16; i++) {
		unsigned int keep = l >= 8 * (i + 1) ? 8 : l > 8 * i ? l - 8 * i : 0;
		__u8 m = (__u8)(0xff00 >> keep);

		if ((a->addr[i] & m) != (b->addr[i] & m))
			return 0;
	}
	return 1;
}

static int cmd_check(const char *lf)
{
	struct bw_prefix_set set = {};
	struct bw_lpm_key clean[4], listed[2], doc6;
	size_t nl[2] = { 0, 0 }, n4 = 0, n6 = 0, bad = 0;
	char err[256], buf[BW_PREFIX_STRLEN];

	for (int i = 0; i < 4; i++)
		bw_parse_prefix(wire_clean[i], &clean[i], err, sizeof(err));
	for (int i = 0; i < 2; i++)
		bw_parse_prefix(wire_listed[i], &listed[i], err, sizeof(err));
	bw_parse_prefix("2001:db8::/32", &doc6, err, sizeof(err));
	if (bw_list_parse_file(lf, &set, err, sizeof(err))) {
		fprintf(stderr, "bench_live check: %s\n", err);
		return 1;
	}
	bw_prefix_set_finish(&set);     /* sorted, duplicates gone */
	for (size_t k = 0; k < set.n; k++) {
		const struct bw_lpm_key *p = &set.keys[k];
		int v4 = overlaps(p, &(struct bw_lpm_key){ .prefixlen = 96,
				  .addr = { [10] = 0xff, [11] = 0xff } });
		int hit = 0;

		v4 ? n4++ : n6++;
		for (int i = 0; i < 4; i++)
			hit |= overlaps(p, &clean[i]);
		for (int i = 0; i < 2 && !hit; i++)
			if (overlaps(p, &listed[i])) {
				if (p->prefixlen == 128 && p->prefixlen > listed[i].prefixlen)
					nl[i]++;
				else
					hit = 1;
			}
		/* the rest of 2001:db8::/32 is not used, but stays unlisted too */
		if (!hit && !v4 && overlaps(p, &doc6) && !overlaps(p, &listed[1]))
			hit = 1;
		if (hit) {
			bw_format_prefix(p, buf, sizeof(buf));
			if (bad++ < 5)
				fprintf(stderr, "bench_live check: %s: %s touches an address the "
					"sender uses as clean (or a listed range beyond its hosts)\n", lf, buf);
		}
	}
	bw_prefix_set_free(&set);
	if (bad || nl[0] != 256 || nl[1] != 256) {
		fprintf(stderr, "bench_live check: %s: %zu bad prefixes, %zu of 256 listed IPv4 "
			"sources, %zu of 256 listed IPv6 sources\n", lf, bad, nl[0], nl[1]);
		return 1;
	}
	printf("checked %s: %zu IPv4 + %zu IPv6 distinct prefixes; the 256 + 256 listed sources "
	       "present; none touches 198.51.100.0/24, 192.0.2.0/24, 2001:db8:1::/64, "
	       "2001:db8:c1ea::/64 or the rest of 2001:db8::/32\n", lf, n4, n6);
	return 0;
}

/* nft takes elements in batches of commands */
static void nft_elem(FILE *f, const char *set, unsigned long i, const char *s)
{
	if (i % 10000 == 0)
		fprintf(f, "%sadd element netdev bwk %s { %s", i ? " }\n" : "", set, s);
	else
		fprintf(f, ", %s", s);
}

static int cmd_gen(unsigned long n, unsigned long n6, const char *lf, const char *nf,
		   const char *nf6)
{
	FILE *l = fopen(lf, "w"), *f = fopen(nf, "w"), *f6 = fopen(nf6, "w");
	struct in6_addr base6;
	unsigned long i;

	if (!l || !f || !f6) {
		perror("bench_live gen");
		return 1;
	}
	fprintf(f, "add set netdev bwk bl { type ipv4_addr; flags interval; auto-merge; }\n");
	for (i = 0; i < n + 256; i++) {
		unsigned int len;
		__u32 ip;
		char s[32];

		if (i < n) {
			len = v4_len();
			ip = (0x01000000u + rnd() % 0xdf000000u) & (~0u << (32 - len));
			if (reserved(ip, len)) {
				i--;
				continue;
			}
		} else {
			len = 32;
			ip = 0xCB007100u + (__u32)(i - n);
		}
		snprintf(s, sizeof(s), "%u.%u.%u.%u/%u", ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255,
			 ip & 255, len);
		fprintf(l, "%s\n", s);
		nft_elem(f, "bl", i, s);
	}
	fprintf(f, " }\n");

	inet_pton(AF_INET6, LISTED6, &base6);
	fprintf(f6, "add set netdev bwk bl6 { type ipv6_addr; flags interval; auto-merge; }\n");
	for (i = 0; i < n6 + 256; i++) {
		struct in6_addr a;
		unsigned int len;
		char s[INET6_ADDRSTRLEN + 8];

		if (i < n6) {
			len = v6_len();
			for (int b = 0; b < 16; b++)
				a.s6_addr[b] = (__u8)rnd();
			a.s6_addr[0] = 0x20 | (a.s6_addr[0] & 0x0f);   /* 2000::/4 */
			for (unsigned int b = 0; b < 16; b++) {
				unsigned int keep = len >= 8 * (b + 1) ? 8 : len > 8 * b ? len - 8 * b : 0;

				a.s6_addr[b] &= (__u8)(0xff00 >> keep);
			}
			if (reserved6(a.s6_addr, len)) {
				i--;
				continue;
			}
		} else {
			len = 128;
			a = base6;
			a.s6_addr[14] = (__u8)(1 + ((i - n6) >> 8));
			a.s6_addr[15] = (__u8)(i - n6);
		}
		inet_ntop(AF_INET6, &a, s, sizeof(s));
		snprintf(s + strlen(s), 8, "/%u", len);
		fprintf(l, "%s\n", s);
		nft_elem(f6, "bl6", i, s);
	}
	fprintf(f6, " }\n");
	if (fclose(l) | fclose(f) | fclose(f6)) {
		perror("bench_live gen: write");
		return 1;
	}
	return cmd_check(lf);
}

static int cmd_botwall(const char *ifname, const char *lf, const char *pin)
{
	LIBBPF_OPTS(bpf_object_open_opts, oo, .pin_root_path = pin);
	struct bw_prefix_set set = {};
	struct bw_list_def d = { .id = 0, .name = "bench", .category = BW_LCAT_BLOCKLIST,
				 .action = BW_LACT_DROP, .set = &set };
	struct bw_ltable_stats st;
	struct botwall_bpf *skel;
	struct bw_ltable_fds fds;
	char err[256], path[256];
	int ifindex = (int)if_nametoindex(ifname);
	double t0, t1;

	if (!ifindex) {
		fprintf(stderr, "bench_live: no interface %s\n", ifname);
		return 1;
	}
	t0 = now_s();
	if (bw_list_parse_file(lf, &set, err, sizeof(err))) {
		fprintf(stderr, "bench_live: %s\n", err);
		return 1;
	}
	t1 = now_s();
	mkdir(pin, 0700);
	skel = botwall_bpf__open_opts(&oo);
	if (!skel || botwall_bpf__load(skel)) {
		fprintf(stderr, "bench_live: cannot load botwall_xdp: %s\n", strerror(errno));
		return 1;
	}
	if (bw_ltable_fds_of_obj(skel->obj, &fds, err, sizeof(err))) {
		fprintf(stderr, "bench_live: %s\n", err);
		return 1;
	}
	if (bw_ltable_apply(&fds, &d, 1, &st, err, sizeof(err))) {
		fprintf(stderr, "bench_live: %s\n", err);
		return 1;
	}
	snprintf(path, sizeof(path), "%s/prog", pin);
	if (bpf_program__pin(skel->progs.botwall_xdp, path) ||
	    bpf_xdp_attach(ifindex, bpf_program__fd(skel->progs.botwall_xdp), XDP_FLAGS_DRV_MODE, NULL)) {
		fprintf(stderr, "bench_live: attach to %s (native): %s\n", ifname, strerror(errno));
		return 1;
	}
	printf("botwall: %zu prefixes parsed in %.2f s, tables built and written in %.2f s "
	       "(build %.0f ms, write %.0f ms)\n", set.n, t1 - t0, now_s() - t1, st.build_ms,
	       st.write_ms);
	bw_prefix_set_free(&set);
	return 0;   /* the attachment and the pins keep everything alive */
}

static int cmd_counters(const char *pin)
{
	struct bw_counter c[BW_CNT__MAX];
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", pin, BW_MAP_COUNTERS);
	fd = bpf_obj_get(path);
	if (fd < 0 || bw_read_counters(fd, c)) {
		fprintf(stderr, "bench_live: %s: %s\n", path, strerror(errno));
		return 1;
	}
	printf("%llu %llu %llu\n", (unsigned long long)c[BW_CNT_RX].packets,
	       (unsigned long long)(c[BW_CNT_DROP_BLOCKLIST].packets + c[BW_CNT_DROP_VERDICT].packets),
	       (unsigned long long)(c[BW_CNT_RX].packets - c[BW_CNT_DROP_BLOCKLIST].packets -
				    c[BW_CNT_DROP_VERDICT].packets));
	return 0;
}

/* One's complement sum of 16-bit words in memory order (RFC 1071). */
static __u32 csum_add(__u32 sum, const void *p, size_t len)
{
	const __u8 *b = p;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (__u32)(b[i] << 8 | b[i + 1]);
	return sum;
}

static __u16 csum_fold(__u32 sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

/* Is [first, first + count) inside a documentation range (RFC 5737,
 * RFC 3849)? The network rule of this workplace allows nothing else on
 * the wire. */
static int doc_range(int v6, const __u8 *a, __u32 count)
{
	static const __u8 d4[3][3] = { { 192, 0, 2 }, { 198, 51, 100 }, { 203, 0, 113 } };

	if (v6)
		return a[0] == 0x20 && a[1] == 0x01 && a[2] == 0x0d && a[3] == 0xb8 &&
		       (__u64)((__u32)a[12] << 24 | a[13] << 16 | a[14] << 8 | a[15]) + count - 1 <=
		       0xffffffffull;
	for (int i = 0; i < 3; i++)
		if (!memcmp(a, d4[i], 3) && a[3] + count - 1 <= 255)
			return 1;
	return 0;
}

static int cmd_send(const char *obj_path, const char *ifname, const char *first, __u32 count,
		    double secs)
{
	struct bpf_object *obj;
	struct bpf_program *prog;
	struct bpf_map *srcs, *rodata = NULL, *m;
	__u8 pkt[62] = {}, src[16];
	struct ethhdr *eth = (struct ethhdr *)pkt;
	int ifindex = (int)if_nametoindex(ifname), fd, sfd, v6 = strchr(first, ':') != NULL;
	__u32 size = v6 ? 62 : 60, mask = count - 1, max_runs;
	__u64 sent = 0, runs = 0;
	double t0, t;

	if (!ifindex) {
		fprintf(stderr, "bench_live send: no interface %s\n", ifname);
		return 1;
	}
	if (!count || (count & mask) || count > 65536) {
		fprintf(stderr, "bench_live send: COUNT must be a power of two <= 65536\n");
		return 1;
	}
	if (inet_pton(v6 ? AF_INET6 : AF_INET, first, src) != 1 || !doc_range(v6, src, count)) {
		fprintf(stderr, "bench_live send: %s + %u sources: not an address range inside "
			"192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24 or 2001:db8::/32\n", first, count);
		return 1;
	}
	if (!(secs > 0 && secs <= 60)) {
		fprintf(stderr, "bench_live send: SECONDS must be in (0, 60]\n");
		return 1;
	}
	obj = bpf_object__open_file(obj_path, NULL);
	if (!obj) {
		fprintf(stderr, "bench_live: %s: %s\n", obj_path, strerror(errno));
		return 1;
	}
	bpf_object__for_each_map(m, obj)
		if (strstr(bpf_map__name(m), ".rodata"))
			rodata = m;
	if (!rodata || bpf_map__set_initial_value(rodata, &mask, sizeof(mask)) ||
	    bpf_object__load(obj)) {
		fprintf(stderr, "bench_live: cannot load %s\n", obj_path);
		return 1;
	}
	prog = bpf_object__find_program_by_name(obj, v6 ? "live_tx6" : "live_tx");
	srcs = bpf_object__find_map_by_name(obj, v6 ? "live_srcs6" : "live_srcs");
	if (!prog || !srcs) {
		fprintf(stderr, "bench_live: %s has no live_tx%s / live_srcs%s\n", obj_path,
			v6 ? "6" : "", v6 ? "6" : "");
		return 1;
	}
	fd = bpf_program__fd(prog);
	sfd = bpf_map__fd(srcs);
	for (__u32 i = 0; i < count; i++) {
		int e;

		if (v6) {
			struct in6_addr a;
			__u32 lo;

			memcpy(&a, src, 16);
			memcpy(&lo, &a.s6_addr[12], 4);
			lo = htonl(ntohl(lo) + i);
			memcpy(&a.s6_addr[12], &lo, 4);
			e = bpf_map_update_elem(sfd, &i, &a, BPF_ANY);
		} else {
			__u32 v, a4;

			memcpy(&a4, src, 4);
			v = htonl(ntohl(a4) + i);
			e = bpf_map_update_elem(sfd, &i, &v, BPF_ANY);
		}
		if (e) {
			fprintf(stderr, "bench_live send: source table: %s\n", strerror(errno));
			return 1;
		}
	}
	memset(eth->h_dest, 0xff, ETH_ALEN);
	eth->h_source[0] = 0x02;
	eth->h_source[5] = 0x01;
	if (!v6) {
		/* 60-byte UDP frame from the generator to the receiver (198.51.100.2);
		 * the program writes the source and the header checksum. */
		struct iphdr *ip = (struct iphdr *)(eth + 1);
		struct udphdr *uh = (struct udphdr *)(ip + 1);

		eth->h_proto = htons(ETH_P_IP);
		ip->version = 4;
		ip->ihl = 5;
		ip->ttl = 64;
		ip->protocol = IPPROTO_UDP;
		ip->tot_len = htons(46);
		inet_pton(AF_INET, DST4, &ip->daddr);
		uh->source = htons(40000);
		uh->dest = htons(9);
		uh->len = htons(26);
	} else {
		/* 62-byte IPv6/UDP frame (no payload) to 2001:db8:1::2, from the
		 * first source, with its full UDP checksum; the program then
		 * rewrites the source and updates the checksum (RFC 1624). */
		struct ipv6hdr *ip6 = (struct ipv6hdr *)(eth + 1);
		struct udphdr *uh = (struct udphdr *)(ip6 + 1);
		__u32 sum;

		eth->h_proto = htons(ETH_P_IPV6);
		ip6->version = 6;
		ip6->payload_len = htons(sizeof(*uh));
		ip6->nexthdr = IPPROTO_UDP;
		ip6->hop_limit = 64;
		memcpy(&ip6->saddr, src, 16);
		inet_pton(AF_INET6, DST6, &ip6->daddr);
		uh->source = htons(40000);
		uh->dest = htons(9);
		uh->len = htons(sizeof(*uh));
		sum = csum_add(0, &ip6->saddr, 32);           /* pseudo-header */
		sum += sizeof(*uh) + IPPROTO_UDP;
		sum = csum_add(sum, uh, sizeof(*uh));
		uh->check = htons(csum_fold(sum) ? csum_fold(sum) : 0xffff);
	}
	/* Bounded in time (secs) and in count: 2^18 frames a run cannot take
	 * less than 1 ms here, so more than 1000 runs a second means a fault. */
	max_runs = (__u32)(secs * 1000) + 1;
	t0 = now_s();
	do {
		struct xdp_md ctx = { .data_end = size, .ingress_ifindex = (__u32)ifindex };
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = pkt, .data_size_in = size,
			    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx), .repeat = 1u << 18,
			    .flags = BPF_F_TEST_XDP_LIVE_FRAMES, .batch_size = 64);

		if (bpf_prog_test_run_opts(fd, &o)) {
			fprintf(stderr, "bench_live send: test_run (live frames): %s\n", strerror(errno));
			return 1;
		}
		sent += 1u << 18;
		t = now_s();
	} while (t - t0 < secs && ++runs < max_runs);
	printf("sent %llu %.3f\n", (unsigned long long)sent, t - t0);
	bpf_object__close(obj);
	return 0;
}

/* ---- nftcount: rule counters from the kernel's rule dump ----
 * `nft list chain` fetches the elements of every set of the table first
 * (nft 1.0.6, also with -t): about 20 s for the 1M + 200k prefixes here, per
 * call. NFT_MSG_GETRULE dumps only the rules. */

/* Walks the attributes of [p, p + len); calls fn for each. Bounded by len. */
static void nla_each(const void *p, size_t len, void (*fn)(const struct nlattr *, void *), void *arg)
{
	const char *c = p;

	while (len >= NLA_HDRLEN) {
		const struct nlattr *a = (const void *)c;
		size_t al = a->nla_len, step = NLA_ALIGN(al);

		if (al < NLA_HDRLEN || al > len)
			return;
		fn(a, arg);
		if (step >= len)
			return;
		c += step;
		len -= step;
	}
}

#define NLA_DATA(a) ((const char *)(a) + NLA_HDRLEN)
#define NLA_LEN(a) ((size_t)(a)->nla_len - NLA_HDRLEN)

struct nft_rule_seen {
	char set[64], expr[16];
	unsigned long long packets;
	int has_counter;
};

static void expr_data_attr(const struct nlattr *a, void *arg)
{
	struct nft_rule_seen *r = arg;
	int t = a->nla_type & NLA_TYPE_MASK;

	if (!strcmp(r->expr, "lookup") && t == NFTA_LOOKUP_SET && NLA_LEN(a) < sizeof(r->set))
		snprintf(r->set, sizeof(r->set), "%.*s", (int)NLA_LEN(a), NLA_DATA(a));
	if (!strcmp(r->expr, "counter") && t == NFTA_COUNTER_PACKETS && NLA_LEN(a) == 8) {
		__u64 v;

		memcpy(&v, NLA_DATA(a), 8);
		r->packets = be64toh(v);
		r->has_counter = 1;
	}
}

static void expr_attr(const struct nlattr *a, void *arg)
{
	struct nft_rule_seen *r = arg;
	int t = a->nla_type & NLA_TYPE_MASK;

	if (t == NFTA_EXPR_NAME)
		snprintf(r->expr, sizeof(r->expr), "%.*s", (int)NLA_LEN(a), NLA_DATA(a));
	else if (t == NFTA_EXPR_DATA)
		nla_each(NLA_DATA(a), NLA_LEN(a), expr_data_attr, r);
}

static void list_elem(const struct nlattr *a, void *arg)
{
	if ((a->nla_type & NLA_TYPE_MASK) == NFTA_LIST_ELEM) {
		((struct nft_rule_seen *)arg)->expr[0] = '\0';
		nla_each(NLA_DATA(a), NLA_LEN(a), expr_attr, arg);  /* name comes before data */
	}
}

static void rule_attr(const struct nlattr *a, void *arg)
{
	if ((a->nla_type & NLA_TYPE_MASK) == NFTA_RULE_EXPRESSIONS)
		nla_each(NLA_DATA(a), NLA_LEN(a), list_elem, arg);
}

static size_t nla_put_str(char *at, size_t room, __u16 type, const char *s)
{
	struct nlattr *a = (struct nlattr *)at;
	size_t l = strlen(s) + 1;

	if (NLA_HDRLEN + NLA_ALIGN(l) > room)
		return 0;
	a->nla_type = type;
	a->nla_len = (__u16)(NLA_HDRLEN + l);
	memcpy(at + NLA_HDRLEN, s, l);
	return NLA_HDRLEN + NLA_ALIGN(l);
}

/* Prints "SET PACKETS" for each rule of netdev TABLE CHAIN that looks up a
 * named set and has a counter. */
static int cmd_nftcount(const char *table, const char *chain)
{
	struct {
		struct nlmsghdr nh;
		struct nfgenmsg g;
		char attrs[256];
	} req = {};
	static char buf[1 << 16] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct sockaddr_nl k = { .nl_family = AF_NETLINK };
	struct timeval tv = { .tv_sec = 5 };
	size_t al = 0, s1, s2;
	int fd, done = 0, rules = 0;

	s1 = nla_put_str(req.attrs, sizeof(req.attrs), NFTA_RULE_TABLE, table);
	s2 = s1 ? nla_put_str(req.attrs + s1, sizeof(req.attrs) - s1, NFTA_RULE_CHAIN, chain) : 0;
	if (!s2) {
		fprintf(stderr, "bench_live nftcount: table or chain name too long\n");
		return 2;
	}
	al = s1 + s2;
	req.nh.nlmsg_len = (__u32)(NLMSG_LENGTH(sizeof(req.g)) + al);
	req.nh.nlmsg_type = (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_GETRULE;
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.nh.nlmsg_seq = 1;
	req.g.nfgen_family = NFPROTO_NETDEV;
	req.g.version = NFNETLINK_V0;
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	    sendto(fd, &req, req.nh.nlmsg_len, 0, (struct sockaddr *)&k, sizeof(k)) < 0) {
		fprintf(stderr, "bench_live nftcount: netlink: %s\n", strerror(errno));
		return 1;
	}
	/* A dump of a few rules; bounded in reads and (SO_RCVTIMEO) in time. */
	for (int reads = 0; !done && reads < 1000; reads++) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		struct nlmsghdr *h = (struct nlmsghdr *)buf;
		int left = (int)n;

		if (n < 0) {
			fprintf(stderr, "bench_live nftcount: netlink: %s\n", strerror(errno));
			close(fd);
			return 1;
		}
		for (; NLMSG_OK(h, left); h = NLMSG_NEXT(h, left)) {
			struct nft_rule_seen r = { .set = "" };

			if (h->nlmsg_type == NLMSG_DONE) {
				done = 1;
				break;
			}
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);

				fprintf(stderr, "bench_live nftcount: netdev %s %s: %s\n", table, chain,
					strerror(-e->error));
				close(fd);
				return 1;
			}
			if (h->nlmsg_len < NLMSG_LENGTH(sizeof(struct nfgenmsg)))
				continue;
			nla_each((char *)NLMSG_DATA(h) + NLMSG_ALIGN(sizeof(struct nfgenmsg)),
				 h->nlmsg_len - NLMSG_LENGTH(NLMSG_ALIGN(sizeof(struct nfgenmsg))),
				 rule_attr, &r);
			if (r.set[0] && r.has_counter) {
				printf("%s %llu\n", r.set, r.packets);
				rules++;
			}
		}
	}
	close(fd);
	if (!done || !rules) {
		fprintf(stderr, "bench_live nftcount: no rule with a set lookup and a counter in "
			"netdev %s %s\n", table, chain);
		return 1;
	}
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: bench_live gen N4 N6 LISTFILE NFT4FILE NFT6FILE\n"
		"       bench_live check LISTFILE\n"
		"       bench_live botwall IFNAME LISTFILE PINDIR\n"
		"       bench_live counters PINDIR\n"
		"       bench_live nftcount TABLE CHAIN\n"
		"       bench_live send BPFOBJ IFNAME FIRST_SRC COUNT SECONDS\n"
		"(see tests/bench/bench_live.c)\n");
	return 2;
}

int main(int argc, char **argv)
{
	unsigned long a, b;

	libbpf_set_print(NULL);
	if (argc == 7 && !strcmp(argv[1], "gen")) {
		if (parse_ul(argv[2], 2000000, &a) || parse_ul(argv[3], 1000000, &b)) {
			fprintf(stderr, "bench_live gen: N4 must be 0..2000000 and N6 0..1000000\n");
			return 2;
		}
		return cmd_gen(a, b, argv[4], argv[5], argv[6]);
	}
	if (argc == 3 && !strcmp(argv[1], "check"))
		return cmd_check(argv[2]);
	if (argc == 5 && !strcmp(argv[1], "botwall"))
		return cmd_botwall(argv[2], argv[3], argv[4]);
	if (argc == 3 && !strcmp(argv[1], "counters"))
		return cmd_counters(argv[2]);
	if (argc == 4 && !strcmp(argv[1], "nftcount"))
		return cmd_nftcount(argv[2], argv[3]);
	if (argc == 7 && !strcmp(argv[1], "send")) {
		if (parse_ul(argv[5], 65536, &a) || parse_ul(argv[6], 60, &b)) {
			fprintf(stderr, "bench_live send: COUNT must be 1..65536 and SECONDS "
				"a whole number 1..60\n");
			return 2;
		}
		return cmd_send(argv[2], argv[3], argv[4], (__u32)a, (double)b);
	}
	return usage();
}
