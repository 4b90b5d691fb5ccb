// SPDX-License-Identifier: GPL-2.0-only
/*
 * The XDP program on crafted packets, through BPF_PROG_TEST_RUN: verdict
 * (pass/drop), the counter that moved, and the sampled event's content.
 * The object is loaded from the skeleton without pinning, so this test
 * never touches a running botwall.
 */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <unistd.h>

#include "addr.h"
#include "botwall.skel.h"
#include "bpf_test.h"
#include "check.h"
#include "maps.h"
#include "names.h"

static struct botwall_bpf *skel;
static int prog_fd;

/* ---- packet builder ---- */

struct spec {
	int family;             /* 4 or 6 */
	const char *src, *dst;
	int vlans;              /* 0, 1 (802.1Q) or 2 (802.1ad + 802.1Q) */
	int l4;                 /* IPPROTO_TCP (default) or IPPROTO_UDP */
	__u16 sport, dport;
	const char *payload;
	size_t plen;            /* 0: strlen(payload) */
	int v6_hopopts;         /* prepend a hop-by-hop options header */
	int v4_later_frag;      /* fragment offset != 0 */
	int v4_ihl;             /* 0: 5 */
	int tcp_doff;           /* 0: 5 */
	__u8 ttl;
};

static size_t build_aligned(__u8 *buf, size_t cap, const struct spec *s);

/* Builds into a scratch buffer where the IP header is 4-byte aligned (as a
 * NIC's NET_IP_ALIGN does), then copies out. */
static size_t build(__u8 *out, size_t cap, const struct spec *s)
{
	static __u8 scratch[4096 + 2] __attribute__((aligned(8)));
	size_t n = build_aligned(scratch + 2, sizeof(scratch) - 2, s);

	if (n > cap)
		n = cap;
	memcpy(out, scratch + 2, n);
	return n;
}

static size_t build_aligned(__u8 *buf, size_t cap, const struct spec *s)
{
	size_t plen = s->payload ? (s->plen ? s->plen : strlen(s->payload)) : 0;
	size_t off = 0, l4len, ihl = (size_t)(s->v4_ihl ? s->v4_ihl : 5) * 4;
	int doff = s->tcp_doff ? s->tcp_doff : 5;
	struct ethhdr *eth = (struct ethhdr *)buf;
	__u16 proto = s->family == 6 ? ETH_P_IPV6 : ETH_P_IP;
	int l4 = s->l4 ? s->l4 : IPPROTO_TCP;

	memset(buf, 0, cap);
	memset(eth->h_dest, 0x02, ETH_ALEN);
	memset(eth->h_source, 0x04, ETH_ALEN);
	off = sizeof(*eth);
	if (s->vlans == 2) {
		eth->h_proto = htons(0x88A8);
		buf[off + 2] = 0x81; /* inner TPID 0x8100 */
		buf[off + 3] = 0x00;
		off += 4;
	} else if (s->vlans == 1) {
		eth->h_proto = htons(0x8100);
	} else {
		eth->h_proto = htons(proto);
	}
	if (s->vlans) {
		__u16 tci = htons(42), p = htons(proto);

		memcpy(buf + off, &tci, 2);
		memcpy(buf + off + 2, &p, 2);
		off += 4;
	}
	l4len = (l4 == IPPROTO_TCP ? (size_t)doff * 4 : 8) + plen;

	if (s->family == 6) {
		struct ipv6hdr *ip6 = (struct ipv6hdr *)(buf + off);
		size_t ext = s->v6_hopopts ? 8 : 0;

		ip6->version = 6;
		ip6->hop_limit = s->ttl ? s->ttl : 64;
		ip6->payload_len = htons((__u16)(l4len + ext));
		ip6->nexthdr = s->v6_hopopts ? IPPROTO_HOPOPTS : (__u8)l4;
		inet_pton(AF_INET6, s->src, &ip6->saddr);
		inet_pton(AF_INET6, s->dst, &ip6->daddr);
		off += sizeof(*ip6);
		if (ext) {
			buf[off] = (__u8)l4; /* next header; hdrlen 0 = 8 bytes */
			buf[off + 2] = 1;    /* PadN */
			buf[off + 3] = 4;
			off += ext;
		}
	} else {
		struct iphdr *ip = (struct iphdr *)(buf + off);

		ip->version = 4;
		ip->ihl = ihl / 4;
		ip->ttl = s->ttl ? s->ttl : 64;
		ip->protocol = (__u8)l4;
		ip->tot_len = htons((__u16)(ihl + l4len));
		if (s->v4_later_frag)
			ip->frag_off = htons(100);
		inet_pton(AF_INET, s->src, &ip->saddr);
		inet_pton(AF_INET, s->dst, &ip->daddr);
		off += ihl < sizeof(*ip) ? sizeof(*ip) : ihl;
	}
	if (l4 == IPPROTO_TCP) {
		struct tcphdr *th = (struct tcphdr *)(buf + off);

		th->source = htons(s->sport ? s->sport : 40000);
		th->dest = htons(s->dport ? s->dport : 80);
		th->doff = doff;
		th->ack = 1;
		th->psh = 1;
		off += (size_t)doff * 4;
	} else {
		*(__u16 *)(buf + off) = htons(5353);
		*(__u16 *)(buf + off + 2) = htons(53);
		*(__u16 *)(buf + off + 4) = htons((__u16)(8 + plen));
		off += 8;
	}
	if (plen)
		memcpy(buf + off, s->payload, plen);
	return off + plen;
}

/* ---- running ---- */

static struct bw_counter before[BW_CNT__MAX], after[BW_CNT__MAX];

static int run_pkt(const __u8 *pkt, size_t len)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = pkt, .data_size_in = (__u32)len, .repeat = 1);

	bw_read_counters(bpf_map__fd(skel->maps.bw_counters), before);
	if (bpf_prog_test_run_opts(prog_fd, &o)) {
		printf("  test_run failed: %s\n", strerror(errno));
		return -1;
	}
	bw_read_counters(bpf_map__fd(skel->maps.bw_counters), after);
	return (int)o.retval;
}

static int run(const struct spec *s)
{
	__u8 buf[4096];

	return run_pkt(buf, build(buf, sizeof(buf), s));
}

static long long moved(int id)
{
	return (long long)(after[id].packets - before[id].packets);
}

/* Exactly one outcome counter moved, and it is 'id'. */
static int outcome_is(int id)
{
	int others = 0;

	for (int i = BW_CNT_PASS_NON_IP; i <= BW_CNT_DROP_VERDICT; i++)
		if (i != id)
			others += (int)moved(i);
	if (moved(id) != 1 || others)
		printf("  outcome counter %s moved %lld, others %d\n",
		       bw_counter_names[id].name, moved(id), others);
	return moved(id) == 1 && others == 0;
}

/* ---- ring buffer ---- */

static struct bw_test_samples smp;

/* ---- map helpers ---- */

static void list_add(struct bpf_map *m, const char *prefix)
{
	struct bw_lpm_key k;
	struct bw_list_entry v = { .list_id = 1 };
	char err[128];

	if (bw_parse_prefix(prefix, &k, err, sizeof(err)) ||
	    bpf_map_update_elem(bpf_map__fd(m), &k, &v, BPF_ANY))
		printf("  cannot add %s\n", prefix);
}

static void set_config(__u16 port, __u32 cap, __u32 flags)
{
	struct bw_config c = { .http_ports = { port }, .sample_cap = cap, .flags = flags,
				 .sample_share = BW_SHARE_ONE };
	__u32 zero = 0;

	bpf_map_update_elem(bpf_map__fd(skel->maps.bw_config), &zero, &c, BPF_ANY);
}

static void put_verdict(const char *addr, __u64 expires_ns)
{
	struct bw_addr a;
	struct bw_verdict v = { .expires_ns = expires_ns, .action = BW_ACT_DROP, .score = 90 };
	char err[128];

	bw_parse_addr(addr, &a, err, sizeof(err));
	bpf_map_update_elem(bpf_map__fd(skel->maps.bw_verdicts), &a, &v, BPF_ANY);
}

#define GET_REQ "GET /products?page=2 HTTP/1.1\r\nHost: www.shop.test\r\nUser-Agent: curl/8\r\n\r\n"

/* ---- tests ---- */

static void list_del(struct bpf_map *m, const char *prefix)
{
	struct bw_lpm_key k;
	char err[128];

	bw_parse_prefix(prefix, &k, err, sizeof(err));
	bpf_map_delete_elem(bpf_map__fd(m), &k);
}

static void test_allowlist_wins_over_blocklist(void)
{
	struct spec s = { .family = 4, .src = "192.0.2.5", .dst = "192.0.2.10", .payload = GET_REQ };

	/* 192.0.2.5 is in the blocked /24 and in the allowed /28 */
	list_add(skel->maps.bw_block, "192.0.2.0/24");
	CHECK_EQ(run(&s), XDP_PASS);
	CHECK(outcome_is(BW_CNT_PASS_ALLOWLIST));
	CHECK_EQ(bw_test_drain(&smp), 0); /* allowlisted sources are not even sampled */
	CHECK_EQ(moved(BW_CNT_RX), 1);
	s.src = "192.0.2.77";   /* blocked /24, outside the allowed /28 */
	CHECK_EQ(run(&s), XDP_DROP);
	CHECK(outcome_is(BW_CNT_DROP_BLOCKLIST));
	list_del(skel->maps.bw_block, "192.0.2.0/24");
}

static void test_block_v4_prefix_lengths(void)
{
	struct spec s = { .family = 4, .dst = "192.0.2.10" };

	s.src = "198.51.100.77";        /* in /24 */
	CHECK_EQ(run(&s), XDP_DROP);
	CHECK(outcome_is(BW_CNT_DROP_BLOCKLIST));
	s.src = "203.0.113.200";        /* in /25 */
	CHECK_EQ(run(&s), XDP_DROP);
	s.src = "203.0.113.5";          /* outside the /25 */
	CHECK_EQ(run(&s), XDP_PASS);
	CHECK(outcome_is(BW_CNT_PASS_TCP));
	s.src = "203.0.113.9";          /* a /32 */
	CHECK_EQ(run(&s), XDP_DROP);
	s.l4 = IPPROTO_UDP;             /* lists apply to every protocol */
	CHECK_EQ(run(&s), XDP_DROP);
}

static void test_block_v6(void)
{
	struct spec s = { .family = 6, .dst = "2001:db8::10" };

	s.src = "2001:db8:bad:1::1";    /* in /48 */
	CHECK_EQ(run(&s), XDP_DROP);
	CHECK(outcome_is(BW_CNT_DROP_BLOCKLIST));
	s.src = "2001:db8:bae::1";      /* just outside */
	CHECK_EQ(run(&s), XDP_PASS);
	s.src = "2001:db8::66";         /* a /128 */
	CHECK_EQ(run(&s), XDP_DROP);
	s.src = "2001:db8::67";
	CHECK_EQ(run(&s), XDP_PASS);
}

static void test_vlan_and_qinq(void)
{
	struct spec s = { .family = 4, .src = "198.51.100.1", .dst = "192.0.2.10", .vlans = 1 };

	CHECK_EQ(run(&s), XDP_DROP);
	s.vlans = 2;
	CHECK_EQ(run(&s), XDP_DROP);
	s.family = 6;
	s.src = "2001:db8:bad::5";
	s.dst = "2001:db8::10";
	CHECK_EQ(run(&s), XDP_DROP);
	CHECK(outcome_is(BW_CNT_DROP_BLOCKLIST));
}

static void test_verdict_expiry(void)
{
	struct spec s = { .family = 4, .src = "192.0.2.200", .dst = "192.0.2.10" };
	__u64 now = bw_now_ns();

	CHECK_EQ(run(&s), XDP_PASS);
	put_verdict("192.0.2.200", now + 60ull * 1000000000ull);
	CHECK_EQ(run(&s), XDP_DROP);
	CHECK(outcome_is(BW_CNT_DROP_VERDICT));
	put_verdict("192.0.2.200", now - 1);
	CHECK_EQ(run(&s), XDP_PASS);
	CHECK_EQ(moved(BW_CNT_EV_VERDICT_EXPIRED), 1);
	put_verdict("192.0.2.200", 0);            /* no expiry */
	CHECK_EQ(run(&s), XDP_DROP);
	s.family = 6;
	s.src = "2001:db8::200";
	s.dst = "2001:db8::10";
	put_verdict("2001:db8::200", now + 60ull * 1000000000ull);
	CHECK_EQ(run(&s), XDP_DROP);
	CHECK(outcome_is(BW_CNT_DROP_VERDICT));
}

static void test_sample_v4_content(void)
{
	struct spec s = { .family = 4, .src = "192.0.2.33", .dst = "192.0.2.10",
			  .sport = 51234, .dport = 80, .payload = GET_REQ, .ttl = 61 };
	char a[64];

	bw_test_drain(&smp);
	CHECK_EQ(run(&s), XDP_PASS);
	CHECK(outcome_is(BW_CNT_PASS_HTTP));
	CHECK_EQ(moved(BW_CNT_EV_SAMPLED), 1);
	CHECK_EQ(bw_test_drain(&smp), 1);
	CHECK_EQ(smp.last.family, 4);
	CHECK_EQ(smp.last.sport, 51234);
	CHECK_EQ(smp.last.dport, 80);
	CHECK_EQ(smp.last.ttl, 61);
	CHECK_EQ(smp.last.payload_len, strlen(GET_REQ));
	CHECK_EQ(smp.last.cap_len, strlen(GET_REQ));
	CHECK(!memcmp(smp.last.payload, GET_REQ, strlen(GET_REQ)));
	CHECK(smp.last.ts_ns > 0 && smp.last.ts_ns <= bw_now_ns());
	bw_format_addr(&smp.last.saddr, a, sizeof(a));
	CHECK(!strcmp(a, "192.0.2.33"));
	bw_format_addr(&smp.last.daddr, a, sizeof(a));
	CHECK(!strcmp(a, "192.0.2.10"));
}

static void test_sample_v6_with_extension_header(void)
{
	struct spec s = { .family = 6, .src = "2001:db8::33", .dst = "2001:db8::10",
			  .payload = "POST /login HTTP/1.1\r\nHost: x\r\n\r\n", .v6_hopopts = 1 };
	char a[64];

	bw_test_drain(&smp);
	CHECK_EQ(run(&s), XDP_PASS);
	CHECK(outcome_is(BW_CNT_PASS_HTTP));
	CHECK_EQ(bw_test_drain(&smp), 1);
	CHECK_EQ(smp.last.family, 6);
	bw_format_addr(&smp.last.saddr, a, sizeof(a));
	CHECK(!strcmp(a, "2001:db8::33"));
	CHECK(!memcmp(smp.last.payload, "POST /login", 11));
}

static void test_methods_and_ports(void)
{
	static const char *const yes[] = { "GET / HTTP/1.1\r\n\r\n", "HEAD / HTTP/1.1\r\n\r\n",
		"POST / HTTP/1.1\r\n\r\n", "PUT /x HTTP/1.1\r\n\r\n", "DELETE /x HTTP/1.1\r\n\r\n",
		"OPTIONS * HTTP/1.1\r\n\r\n", "PATCH /x HTTP/1.1\r\n\r\n",
		"CONNECT a:443 HTTP/1.1\r\n\r\n", "TRACE / HTTP/1.1\r\n\r\n" };
	static const char *const no[] = { "GETX / HTTP/1.1\r\n\r\n", "get / HTTP/1.1\r\n\r\n",
		"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", "HTTP/1.1 200 OK\r\n\r\n", "PO" };
	struct spec s = { .family = 4, .src = "192.0.2.34", .dst = "192.0.2.10" };

	for (size_t i = 0; i < sizeof(yes) / sizeof(*yes); i++) {
		s.payload = yes[i];
		CHECK_EQ(run(&s), XDP_PASS);
		if (!moved(BW_CNT_PASS_HTTP))
			printf("  not seen as HTTP: %.8s\n", yes[i]);
		CHECK(outcome_is(BW_CNT_PASS_HTTP));
	}
	for (size_t i = 0; i < sizeof(no) / sizeof(*no); i++) {
		s.payload = no[i];
		CHECK_EQ(run(&s), XDP_PASS);
		CHECK(outcome_is(BW_CNT_PASS_TCP));
	}
	s.payload = GET_REQ;
	s.dport = 8080;                 /* not a watched port */
	CHECK_EQ(run(&s), XDP_PASS);
	CHECK(outcome_is(BW_CNT_PASS_TCP));
	s.payload = NULL;               /* zero-length payload (a bare ACK) */
	s.dport = 80;
	CHECK_EQ(run(&s), XDP_PASS);
	CHECK(outcome_is(BW_CNT_PASS_TCP));
	bw_test_drain(&smp);
}

static void test_sample_cap_and_switch(void)
{
	char big[1800];
	struct spec s = { .family = 4, .src = "192.0.2.35", .dst = "192.0.2.10" };

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memcpy(big, "GET /", 5);
	s.payload = big;
	set_config(80, 100, BW_CFG_F_SAMPLING);
	bw_test_drain(&smp);
	CHECK_EQ(run(&s), XDP_PASS);
	CHECK_EQ(bw_test_drain(&smp), 1);
	CHECK_EQ(smp.last.cap_len, 100);
	CHECK_EQ(smp.last.payload_len, sizeof(big) - 1);

	set_config(80, BW_SAMPLE_CAP, BW_CFG_F_SAMPLING);
	CHECK_EQ(run(&s), XDP_PASS);
	CHECK_EQ(bw_test_drain(&smp), 1);
	CHECK_EQ(smp.last.cap_len, sizeof(big) - 1); /* 1500+ bytes copied whole */
	CHECK(!memcmp(smp.last.payload, big, sizeof(big) - 1));

	set_config(80, BW_SAMPLE_CAP, 0);               /* sampling off */
	CHECK_EQ(run(&s), XDP_PASS);
	CHECK(outcome_is(BW_CNT_PASS_HTTP));
	CHECK_EQ(bw_test_drain(&smp), 0);
	set_config(80, BW_SAMPLE_CAP, BW_CFG_F_SAMPLING);
}

static void test_malformed_and_other(void)
{
	__u8 buf[256];
	struct spec s = { .family = 4, .src = "192.0.2.36", .dst = "192.0.2.10", .payload = GET_REQ };
	size_t n;

	/* Ethernet header only, claims IPv4 */
	n = build(buf, sizeof(buf), &s);
	CHECK_EQ(run_pkt(buf, 14), XDP_PASS);
	CHECK(outcome_is(BW_CNT_PASS_MALFORMED));
	/* IPv4 header cut short */
	CHECK_EQ(run_pkt(buf, 14 + 10), XDP_PASS);
	CHECK(outcome_is(BW_CNT_PASS_MALFORMED));
	/* TCP header cut short */
	CHECK_EQ(run_pkt(buf, 14 + 20 + 10), XDP_PASS);
	CHECK(outcome_is(BW_CNT_PASS_MALFORMED));
	/* IHL below 5 */
	s.v4_ihl = 4;
	CHECK_EQ(run(&s), XDP_PASS);
	CHECK(outcome_is(BW_CNT_PASS_MALFORMED));
	s.v4_ihl = 0;
	/* TCP data offset beyond the packet */
	s.tcp_doff = 15;
	s.payload = NULL;
	n = build(buf, sizeof(buf), &s);
	CHECK_EQ(run_pkt(buf, 14 + 20 + 20), XDP_PASS);
	CHECK(outcome_is(BW_CNT_PASS_MALFORMED));
	s.tcp_doff = 0;
	/* IPv6 header cut short */
	s.family = 6;
	s.src = "2001:db8::36";
	s.dst = "2001:db8::10";
	n = build(buf, sizeof(buf), &s);
	CHECK_EQ(run_pkt(buf, 14 + 30), XDP_PASS);
	CHECK(outcome_is(BW_CNT_PASS_MALFORMED));
	/* ARP */
	n = build(buf, sizeof(buf), &s);
	((struct ethhdr *)buf)->h_proto = htons(ETH_P_ARP);
	CHECK_EQ(run_pkt(buf, n), XDP_PASS);
	CHECK(outcome_is(BW_CNT_PASS_NON_IP));
	/* UDP, and a later IPv4 fragment that carries no TCP header */
	s.family = 4;
	s.src = "192.0.2.36";
	s.dst = "192.0.2.10";
	s.l4 = IPPROTO_UDP;
	CHECK_EQ(run(&s), XDP_PASS);
	CHECK(outcome_is(BW_CNT_PASS_NON_TCP));
	s.l4 = IPPROTO_TCP;
	s.payload = GET_REQ;
	s.v4_later_frag = 1;
	CHECK_EQ(run(&s), XDP_PASS);
	CHECK(outcome_is(BW_CNT_PASS_NON_TCP));
	CHECK_EQ(bw_test_drain(&smp), 0);
}

static void test_random_packets_never_drop_unlisted(void)
{
	/* Mutated packets from an unlisted source: whatever they contain, the
	 * program must pass them (it drops only by list or verdict). */
	struct spec s = { .family = 4, .src = "192.0.2.37", .dst = "192.0.2.10", .payload = GET_REQ };
	unsigned int st = 99;
	__u8 buf[512], pkt[512];
	size_t n = build(buf, sizeof(buf), &s);
	int drops = 0;

	for (int i = 0; i < 3000; i++) {
		size_t len = n;

		memcpy(pkt, buf, n);
		for (int k = 0; k < 3; k++) {
			st = st * 1103515245u + 12345u;
			/* keep the source address (bytes 26-29) intact */
			size_t at = (st >> 8) % n;
			if (at >= 26 && at < 30)
				continue;
			pkt[at] = (__u8)(st >> 16);
		}
		st = st * 1103515245u + 12345u;
		if ((st >> 8) % 4 == 0)
			len = 14 + (st >> 12) % (n - 14);
		if (run_pkt(pkt, len) != XDP_PASS)
			drops++;
	}
	CHECK_EQ(drops, 0);
	bw_test_drain(&smp);
}

int main(void)
{
	int skip;

	skel = bw_test_load("test_xdp", &skip);
	if (!skel)
		return skip ? 0 : 1;
	prog_fd = bpf_program__fd(skel->progs.botwall_xdp);
	if (bw_test_samples_open(skel, &smp, "xdp"))
		return 1;
	set_config(80, BW_SAMPLE_CAP, BW_CFG_F_SAMPLING);
	/* The manual LPM tries are probed only when flagged. */
	bw_lstate_flags(bpf_map__fd(skel->maps.bw_lstate), BW_LS_F_MANUAL, 0);
	list_add(skel->maps.bw_allow, "192.0.2.0/28");
	list_add(skel->maps.bw_block, "198.51.100.0/24");
	list_add(skel->maps.bw_block, "203.0.113.128/25");
	list_add(skel->maps.bw_block, "203.0.113.9");
	list_add(skel->maps.bw_block, "2001:db8:bad::/48");
	list_add(skel->maps.bw_block, "2001:db8::66");

	RUN(test_allowlist_wins_over_blocklist);
	RUN(test_block_v4_prefix_lengths);
	RUN(test_block_v6);
	RUN(test_vlan_and_qinq);
	RUN(test_verdict_expiry);
	RUN(test_sample_v4_content);
	RUN(test_sample_v6_with_extension_header);
	RUN(test_methods_and_ports);
	RUN(test_sample_cap_and_switch);
	RUN(test_malformed_and_other);
	RUN(test_random_packets_never_drop_unlisted);

	ring_buffer__free(smp.rb);
	botwall_bpf__destroy(skel);
	return CHECK_EXIT();
}
