// SPDX-License-Identifier: GPL-2.0-only
/*
 * Verdict actions through BPF_PROG_TEST_RUN: reset (the exact RST packet
 * that goes out, built independently here, checksums included), rate_limit
 * (token bucket), monitor (every request sampled even with sampling off),
 * and expiry for every action.
 */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "addr.h"
#include "botwall.skel.h"
#include "bpf_test.h"
#include "check.h"
#include "maps.h"

static struct botwall_bpf *skel;
static int prog_fd;

#define GET_REQ "GET / HTTP/1.1\r\nHost: shop.test\r\n\r\n"

struct tcp_spec {
	const char *src, *dst;
	__u32 seq, ack;
	__u8 flags;          /* TH_* bits of byte 13 */
	const char *payload;
	int vlan;
	int l4;              /* 0 = TCP, else UDP */
};

static const __u8 mac_a[6] = { 0x02, 0, 0, 0, 0, 0xaa }, mac_b[6] = { 0x02, 0, 0, 0, 0, 0xbb };

static size_t build_aligned(__u8 *buf, const struct tcp_spec *s);

/* Builds where the IP header is 4-byte aligned (as a NIC's NET_IP_ALIGN
 * does; UBSan checks it), then copies out. */
static size_t build(__u8 *buf, const struct tcp_spec *s)
{
	static __thread __u8 scratch[1024 + 2] __attribute__((aligned(8)));
	size_t n = build_aligned(scratch + 2, s);

	memcpy(buf, scratch + 2, n);
	return n;
}

static size_t build_aligned(__u8 *buf, const struct tcp_spec *s)
{
	size_t plen = s->payload ? strlen(s->payload) : 0, off = 12;
	bool v6 = strchr(s->src, ':') != NULL;
	__u16 proto = v6 ? ETH_P_IPV6 : ETH_P_IP;

	memset(buf, 0, 512);
	memcpy(buf, mac_b, 6);          /* dest: us */
	memcpy(buf + 6, mac_a, 6);      /* source: the client */
	if (s->vlan) {
		*(__u16 *)(buf + off) = htons(ETH_P_8021Q);
		*(__u16 *)(buf + off + 2) = htons(7);
		off += 4;
	}
	*(__u16 *)(buf + off) = htons(proto);
	off += 2;
	if (!v6) {
		struct iphdr *ip = (struct iphdr *)(buf + off);

		ip->version = 4; ip->ihl = 5; ip->ttl = 51; ip->id = htons(777);
		ip->protocol = s->l4 ? IPPROTO_UDP : IPPROTO_TCP;
		ip->tot_len = htons((__u16)(20 + 20 + plen));
		inet_pton(AF_INET, s->src, &ip->saddr);
		inet_pton(AF_INET, s->dst, &ip->daddr);
		off += 20;
	} else {
		struct ipv6hdr *ip6 = (struct ipv6hdr *)(buf + off);

		ip6->version = 6; ip6->hop_limit = 51;
		ip6->nexthdr = s->l4 ? IPPROTO_UDP : IPPROTO_TCP;
		ip6->payload_len = htons((__u16)(20 + plen));
		inet_pton(AF_INET6, s->src, &ip6->saddr);
		inet_pton(AF_INET6, s->dst, &ip6->daddr);
		off += 40;
	}
	{
		struct tcphdr *th = (struct tcphdr *)(buf + off);

		th->source = htons(41000);
		th->dest = htons(80);
		th->seq = htonl(s->seq);
		th->ack_seq = htonl(s->ack);
		th->doff = 5;
		buf[off + 13] = s->flags;
		th->window = htons(502);
		off += 20;
	}
	memcpy(buf + off, s->payload ? s->payload : "", plen);
	return off + plen;
}

/* RFC 1071 checksum, written independently of the BPF code. */
static __u16 csum(const __u8 *p, size_t n, __u32 sum)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (__u32)p[i] << 8 | p[i + 1];
	if (n & 1)
		sum += (__u32)p[n - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

/* The RST we expect for spec s, byte for byte. */
static size_t expected_rst(__u8 *out, const struct tcp_spec *s)
{
	size_t off = 12, plen = s->payload ? strlen(s->payload) : 0;
	bool v6 = strchr(s->src, ':') != NULL;
	__u8 pseudo[40 + 8], *th;
	size_t ps;

	memset(out, 0, 512);
	memcpy(out, mac_a, 6);
	memcpy(out + 6, mac_b, 6);
	if (s->vlan) {
		*(__u16 *)(out + off) = htons(ETH_P_8021Q);
		*(__u16 *)(out + off + 2) = htons(7);
		off += 4;
	}
	*(__u16 *)(out + off) = htons(v6 ? ETH_P_IPV6 : ETH_P_IP);
	off += 2;
	if (!v6) {
		__u8 *ip = out + off;

		ip[0] = 0x45;
		ip[3] = 40;                  /* tot_len */
		ip[6] = 0x40;                /* DF */
		ip[8] = 64;
		ip[9] = IPPROTO_TCP;
		inet_pton(AF_INET, s->dst, ip + 12);
		inet_pton(AF_INET, s->src, ip + 16);
		*(__u16 *)(ip + 10) = htons(csum(ip, 20, 0));
		memset(pseudo, 0, sizeof(pseudo));
		memcpy(pseudo, ip + 12, 8);
		pseudo[9] = IPPROTO_TCP;
		pseudo[11] = 20;
		ps = 12;
		off += 20;
	} else {
		__u8 *ip = out + off;

		ip[0] = 0x60;
		ip[5] = 20;
		ip[6] = IPPROTO_TCP;
		ip[7] = 64;
		inet_pton(AF_INET6, s->dst, ip + 8);
		inet_pton(AF_INET6, s->src, ip + 24);
		memset(pseudo, 0, sizeof(pseudo));
		memcpy(pseudo, ip + 8, 32);
		pseudo[35] = 20;
		pseudo[39] = IPPROTO_TCP;
		ps = 40;
		off += 40;
	}
	th = out + off;
	{
		/* Byte copies: the frame has no alignment guarantee. */
		__u16 sp = htons(80), dp = htons(41000);
		__u32 v;

		memcpy(th, &sp, 2);
		memcpy(th + 2, &dp, 2);
		if (s->flags & 0x10) {
			v = htonl(s->ack);
			memcpy(th + 4, &v, 4);
			th[13] = 0x04;
		} else {
			v = htonl(s->seq + (__u32)plen + !!(s->flags & 0x02) + !!(s->flags & 0x01));
			memcpy(th + 8, &v, 4);
			th[13] = 0x14;
		}
	}
	th[12] = 5 << 4;
	{
		__u8 all[48 + 20];
		__u32 sum = 0;

		memcpy(all, pseudo, ps);
		memcpy(all + ps, th, 20);
		for (size_t i = 0; i < ps + 20; i += 2)
			sum += (__u32)all[i] << 8 | all[i + 1];
		while (sum >> 16)
			sum = (sum & 0xffff) + (sum >> 16);
		*(__u16 *)(th + 16) = htons((__u16)~sum);
	}
	return off + 20;
}

static struct bw_counter before[BW_CNT__MAX], after[BW_CNT__MAX];

static int run(const __u8 *in, size_t len, __u8 *out, __u32 *out_len)
{
	__u8 dummy[512];
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in, .data_size_in = (__u32)len,
		    .data_out = out ? out : dummy, .data_size_out = 512, .repeat = 1);

	bw_read_counters(bpf_map__fd(skel->maps.bw_counters), before);
	if (bpf_prog_test_run_opts(prog_fd, &o))
		return -1;
	bw_read_counters(bpf_map__fd(skel->maps.bw_counters), after);
	if (out_len)
		*out_len = o.data_size_out;
	return (int)o.retval;
}

static long long moved(int id) { return (long long)(after[id].packets - before[id].packets); }

static void verdict(const char *addr, __u8 action, __u32 rate, __u64 expires_ns)
{
	struct bw_verdict v = { .expires_ns = expires_ns, .action = action, .score = 90,
				.rate_pps = rate };
	struct bw_addr a;
	char err[64];

	bw_parse_addr(addr, &a, err, sizeof(err));
	bpf_map_update_elem(bpf_map__fd(skel->maps.bw_verdicts), &a, &v, BPF_ANY);
}

static struct bw_test_samples smp;

static void check_rst(const struct tcp_spec *s)
{
	__u8 in[512], out[512], want[512];
	size_t n = build(in, s), wn = expected_rst(want, s);
	__u32 on = 0;

	CHECK_EQ(run(in, n, out, &on), XDP_TX);
	CHECK_EQ(moved(BW_CNT_DROP_RESET), 1);
	CHECK_EQ(on, wn);
	if (on == wn && memcmp(out, want, wn)) {
		printf("  RST for %s differs:\n  got ", s->src);
		for (size_t i = 0; i < wn; i++)
			printf("%02x", out[i]);
		printf("\n  want");
		for (size_t i = 0; i < wn; i++)
			printf("%02x", want[i]);
		printf("\n");
	}
	CHECK(on == wn && !memcmp(out, want, wn));
}

static void test_reset_ipv4_ack(void)
{
	struct tcp_spec s = { .src = "198.51.100.20", .dst = "192.0.2.10", .seq = 1000,
			      .ack = 0xdeadbeef, .flags = 0x18, .payload = GET_REQ };

	verdict(s.src, BW_ACT_RESET, 0, 0);
	check_rst(&s);
}

static void test_reset_ipv4_syn_vlan(void)
{
	/* No ACK: seq 0, ACK of the SYN (seq + 1). Behind a VLAN tag. */
	struct tcp_spec s = { .src = "198.51.100.21", .dst = "192.0.2.10", .seq = 0xfffffffe,
			      .flags = 0x02, .vlan = 1 };

	verdict(s.src, BW_ACT_RESET, 0, 0);
	check_rst(&s);
}

static void test_reset_ipv6(void)
{
	struct tcp_spec s = { .src = "2001:db8::21", .dst = "2001:db8::10", .seq = 5,
			      .ack = 77, .flags = 0x11 /* FIN|ACK */ };
	struct tcp_spec s2 = { .src = "2001:db8::21", .dst = "2001:db8::10", .seq = 5,
			       .flags = 0x01 /* FIN, no ACK: ack = seq + 1 */, .payload = "xy" };

	verdict(s.src, BW_ACT_RESET, 0, 0);
	check_rst(&s);
	check_rst(&s2);
}

static void test_reset_never_answers_rst_or_udp(void)
{
	struct tcp_spec s = { .src = "198.51.100.22", .dst = "192.0.2.10", .flags = 0x04 };
	__u8 in[512];
	size_t n;

	verdict(s.src, BW_ACT_RESET, 0, 0);
	n = build(in, &s);
	CHECK_EQ(run(in, n, NULL, NULL), XDP_DROP);      /* an RST is only dropped */
	CHECK_EQ(moved(BW_CNT_DROP_VERDICT), 1);
	s.flags = 0x10;
	s.l4 = 1;                                        /* UDP */
	n = build(in, &s);
	CHECK_EQ(run(in, n, NULL, NULL), XDP_DROP);
	CHECK_EQ(moved(BW_CNT_DROP_VERDICT), 1);
	/* Truncated TCP header: dropped, never sent. */
	s.l4 = 0;
	n = build(in, &s);
	CHECK_EQ(run(in, n - 8, NULL, NULL), XDP_DROP);
}

static void test_rate_limit(void)
{
	struct tcp_spec s = { .src = "198.51.100.30", .dst = "192.0.2.10", .flags = 0x10 };
	__u8 in[512];
	size_t n = build(in, &s);
	int pass = 0, drop = 0;

	verdict(s.src, BW_ACT_RATE_LIMIT, 5, 0);
	for (int i = 0; i < 40; i++) {
		int v = run(in, n, NULL, NULL);

		pass += v == XDP_PASS;
		drop += v == XDP_DROP;
	}
	/* A burst of 5 (one second's worth), then the refill of the few
	 * milliseconds this loop takes: at most one more. */
	if (pass < 5 || pass > 6)
		printf("  passed %d of 40 at 5 pps\n", pass);
	CHECK(pass >= 5 && pass <= 6);
	CHECK_EQ(pass + drop, 40);
	/* rate 0: nothing passes */
	verdict("198.51.100.31", BW_ACT_RATE_LIMIT, 0, 0);
	s.src = "198.51.100.31";
	n = build(in, &s);
	CHECK_EQ(run(in, n, NULL, NULL), XDP_DROP);
	CHECK_EQ(moved(BW_CNT_DROP_RATE_LIMIT), 1);
}

static void test_monitor_samples_with_sampling_off(void)
{
	struct bw_config c = { .http_ports = { 80 }, .sample_cap = 256, .flags = 0 };
	struct tcp_spec s = { .src = "198.51.100.40", .dst = "192.0.2.10", .flags = 0x18,
			      .payload = GET_REQ };
	__u32 zero = 0;
	__u8 in[512];
	size_t n = build(in, &s);

	bpf_map_update_elem(bpf_map__fd(skel->maps.bw_config), &zero, &c, BPF_ANY);
	verdict(s.src, BW_ACT_MONITOR, 0, 0);
	bw_test_drain(&smp);
	CHECK_EQ(run(in, n, NULL, NULL), XDP_PASS);
	CHECK_EQ(moved(BW_CNT_EV_MONITORED), 1);
	CHECK_EQ(moved(BW_CNT_EV_SAMPLED), 1);
	CHECK_EQ(bw_test_drain(&smp), 1);
	/* An unmonitored source is not sampled with sampling off. */
	s.src = "198.51.100.41";
	n = build(in, &s);
	CHECK_EQ(run(in, n, NULL, NULL), XDP_PASS);
	CHECK_EQ(moved(BW_CNT_EV_SAMPLED), 0);
}

static void test_expired_verdicts_ignored(void)
{
	static const __u8 acts[] = { BW_ACT_DROP, BW_ACT_RESET, BW_ACT_RATE_LIMIT };
	struct tcp_spec s = { .src = "198.51.100.50", .dst = "192.0.2.10", .flags = 0x10 };
	__u8 in[512];
	size_t n = build(in, &s);

	for (size_t i = 0; i < sizeof(acts); i++) {
		verdict(s.src, acts[i], 0, 1);   /* expired at boot + 1 ns */
		CHECK_EQ(run(in, n, NULL, NULL), XDP_PASS);
		CHECK_EQ(moved(BW_CNT_EV_VERDICT_EXPIRED), 1);
	}
}

/* Every HTTP request start updates the source's stats; the reference
 * recomputes them from the timestamps the datapath recorded. */
static void test_src_stats_welford(void)
{
	struct bw_config c = { .http_ports = { 80 }, .sample_cap = 256, .flags = BW_CFG_F_SAMPLING,
				 .sample_share = BW_SHARE_ONE };
	struct tcp_spec s = { .src = "2001:db8::77", .dst = "2001:db8::10", .flags = 0x18,
			      .payload = GET_REQ };
	int fd = bpf_map__fd(skel->maps.bw_srcstats);
	struct bw_src_stats st, ref = {};
	__u64 prev = 0;
	struct bw_addr a;
	char err[64];
	__u32 zero = 0;
	__u8 in[512];
	size_t n = build(in, &s);

	bpf_map_update_elem(bpf_map__fd(skel->maps.bw_config), &zero, &c, BPF_ANY);
	bw_parse_addr(s.src, &a, err, sizeof(err));
	for (int i = 0; i < 6; i++) {
		CHECK_EQ(run(in, n, NULL, NULL), XDP_PASS);
		CHECK_EQ(bpf_map_lookup_elem(fd, &a, &st), 0);
		if (i == 0) {
			ref.count = 1;
			ref.first_ns = ref.last_ns = st.last_ns;
		} else {
			__u64 x = (st.last_ns - prev) / 1000;

			if (x > BW_IAT_CAP_US)
				x = BW_IAT_CAP_US;
			ref.count++;
			ref.last_ns = st.last_ns;
			bw_welford_step(&ref.iat_mean_us, &ref.iat_m2, x, ref.count - 1);
		}
		prev = st.last_ns;
		usleep(2000 + 3000 * (i & 1));       /* uneven gaps: variance > 0 */
	}
	CHECK_EQ(st.count, 6);
	CHECK_EQ(st.first_ns, ref.first_ns);
	CHECK_EQ(st.iat_mean_us, ref.iat_mean_us);
	CHECK_EQ(st.iat_m2, ref.iat_m2);
	CHECK(st.iat_mean_us >= 2000);
	CHECK(st.iat_m2 > 0);
	/* A TCP segment that is not a request start does not count. */
	s.payload = NULL;
	n = build(in, &s);
	run(in, n, NULL, NULL);
	bpf_map_lookup_elem(fd, &a, &st);
	CHECK_EQ(st.count, 6);
	bw_test_drain(&smp);
}

static void test_welford_reference(void)
{
	/* Integer Welford against the two-pass mean and variance. */
	static const __u64 xs[] = { 1000, 3000, 2000, 5000, 4000, 1000, 6000 };
	__u64 mean = 0, m2 = 0, sum = 0;
	double m, v = 0;
	size_t n = sizeof(xs) / sizeof(*xs);

	for (size_t i = 0; i < n; i++) {
		bw_welford_step(&mean, &m2, xs[i], i + 1);
		sum += xs[i];
	}
	m = (double)sum / (double)n;
	for (size_t i = 0; i < n; i++)
		v += ((double)xs[i] - m) * ((double)xs[i] - m);
	CHECK(mean + 1 >= (__u64)m && mean <= (__u64)m + 1);
	/* Truncating divisions: within 1 % of the exact M2. */
	CHECK((double)m2 > v * 0.99 && (double)m2 < v * 1.01);
	/* Saturation instead of wrap-around. */
	mean = 0;
	m2 = ~0ull - 5;
	bw_welford_step(&mean, &m2, BW_IAT_CAP_US, 2);
	CHECK_EQ(m2, ~0ull);
}

/* A request on a real established loopback connection is flagged; the same
 * request from another port (no socket) is not. */
static void test_established_flag(void)
{
	struct bw_config c = { .http_ports = { 0 }, .sample_cap = 256, .flags = BW_CFG_F_SAMPLING,
				 .sample_share = BW_SHARE_ONE };
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof(sa);
	int lfd, cfd, afd;
	__u16 sport, dport;
	__u32 zero = 0;
	__u8 in[512];
	size_t n;

	lfd = socket(AF_INET, SOCK_STREAM, 0);
	cfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0 || cfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) || listen(lfd, 1) ||
	    getsockname(lfd, (struct sockaddr *)&sa, &sl) ||
	    connect(cfd, (struct sockaddr *)&sa, sizeof(sa))) {
		printf("  loopback sockets: %s\n", strerror(errno));
		CHECK(0);
		return;
	}
	afd = accept(lfd, NULL, NULL);
	dport = ntohs(sa.sin_port);
	sl = sizeof(sa);
	getsockname(cfd, (struct sockaddr *)&sa, &sl);
	sport = ntohs(sa.sin_port);
	c.http_ports[0] = dport;
	bpf_map_update_elem(bpf_map__fd(skel->maps.bw_config), &zero, &c, BPF_ANY);

	{
		struct tcp_spec s = { .src = "127.0.0.1", .dst = "127.0.0.1", .flags = 0x18,
				      .payload = GET_REQ };
		__u16 sp = htons(sport), dp = htons(dport);

		n = build(in, &s);
		memcpy(in + 14 + 20, &sp, 2);      /* TCP source and destination port */
		memcpy(in + 14 + 20 + 2, &dp, 2);
		bw_test_drain(&smp);
		CHECK_EQ(run(in, n, NULL, NULL), XDP_PASS);
		CHECK_EQ(bw_test_drain(&smp), 1);
		CHECK_EQ(smp.last.established, 1);
		sp = htons((__u16)(sport ^ 0x5a5a));           /* no such connection */
		memcpy(in + 14 + 20, &sp, 2);
		CHECK_EQ(run(in, n, NULL, NULL), XDP_PASS);
		CHECK_EQ(bw_test_drain(&smp), 1);
		CHECK_EQ(smp.last.established, 0);
	}
	if (afd >= 0)
		close(afd);
	close(cfd);
	close(lfd);
}

/* The verdict presence filter: with BW_CFG_F_VFILTER the datapath looks a
 * source up only when its bit is set. Writers set it first
 * (bw_verdict_put_action); a verdict written around them stays unseen
 * until the rebuild, which also clears the bits of verdicts gone. */
static bool vf_bit_set(const struct bw_addr *a)
{
	__u32 bit = bw_vf_bit(a), w = bit >> BW_VF_WORD_BITS;
	__u64 word = 0;

	bpf_map_lookup_elem(bpf_map__fd(skel->maps.bw_vfilter), &w, &word);
	return (word >> (bit & 63)) & 1;
}

static void test_verdict_filter(void)
{
	struct bw_config on = { .http_ports = { 80 }, .flags = BW_CFG_F_VFILTER }, off = on;
	struct bw_verdict_fds vf = { bpf_map__fd(skel->maps.bw_verdicts),
				     bpf_map__fd(skel->maps.bw_vfilter) };
	struct tcp_spec s = { .src = "203.0.113.60", .dst = "192.0.2.10", .flags = 0x10 };
	struct tcp_spec r = s;
	struct bw_addr a, ra;
	char err[64];
	__u8 in[512], rin[512];
	size_t n, rn;
	__u32 zero = 0;
	long bits;

	off.flags = 0;
	r.src = "203.0.113.61";
	n = build(in, &s);
	rn = build(rin, &r);
	bw_parse_addr(s.src, &a, err, sizeof(err));
	bw_parse_addr(r.src, &ra, err, sizeof(err));
	CHECK(bw_vf_bit(&a) != bw_vf_bit(&ra));   /* else step 2 proves nothing */
	bpf_map_update_elem(bpf_map__fd(skel->maps.bw_config), &zero, &on, BPF_ANY);

	/* 1. Through the writer: bit set, verdict enforced. */
	CHECK_EQ(bw_verdict_put_action(&vf, &a, 0, BW_ACT_DROP, 0, BW_VR_MANUAL, 90, BW_FLAG__MAX), 0);
	CHECK(vf_bit_set(&a));
	CHECK_EQ(run(in, n, NULL, NULL), XDP_DROP);
	CHECK_EQ(moved(BW_CNT_DROP_VERDICT), 1);

	/* 2. Around the writer (a raw map update): the filter says "none". */
	verdict(r.src, BW_ACT_DROP, 0, 0);
	CHECK(!vf_bit_set(&ra));
	CHECK_EQ(run(rin, rn, NULL, NULL), XDP_PASS);

	/* 3. Without the flag (before the daemon's first rebuild) every
	 *    source is looked up. */
	bpf_map_update_elem(bpf_map__fd(skel->maps.bw_config), &zero, &off, BPF_ANY);
	CHECK_EQ(run(rin, rn, NULL, NULL), XDP_DROP);
	bpf_map_update_elem(bpf_map__fd(skel->maps.bw_config), &zero, &on, BPF_ANY);

	/* 4. The rebuild covers every verdict in the table. */
	bits = bw_vfilter_rebuild(&vf);
	CHECK(bits >= 2);
	CHECK_EQ(bits <= bw_map_count(vf.verdicts, sizeof(struct bw_addr)), 1);
	CHECK(vf_bit_set(&ra));
	CHECK_EQ(run(rin, rn, NULL, NULL), XDP_DROP);

	/* 5. ... and clears the bit of a verdict gone. */
	CHECK_EQ(bpf_map_delete_elem(vf.verdicts, &a), 0);
	CHECK(vf_bit_set(&a));                    /* stale until the rebuild */
	CHECK_EQ(run(in, n, NULL, NULL), XDP_PASS);
	CHECK(bw_vfilter_rebuild(&vf) == bits - 1);
	CHECK(!vf_bit_set(&a));
	CHECK(vf_bit_set(&ra));
	CHECK_EQ(run(in, n, NULL, NULL), XDP_PASS);
	CHECK_EQ(run(rin, rn, NULL, NULL), XDP_DROP);
	bpf_map_update_elem(bpf_map__fd(skel->maps.bw_config), &zero, &off, BPF_ANY);
}

int main(void)
{
	int skip;

	skel = bw_test_load("test_actions", &skip);
	if (!skel)
		return skip ? 0 : 1;
	prog_fd = bpf_program__fd(skel->progs.botwall_xdp);
	if (bw_test_samples_open(skel, &smp, "actions"))
		return 1;
	RUN(test_reset_ipv4_ack);
	RUN(test_reset_ipv4_syn_vlan);
	RUN(test_reset_ipv6);
	RUN(test_reset_never_answers_rst_or_udp);
	RUN(test_rate_limit);
	RUN(test_monitor_samples_with_sampling_off);
	RUN(test_expired_verdicts_ignored);
	RUN(test_src_stats_welford);
	RUN(test_welford_reference);
	RUN(test_established_flag);
	RUN(test_verdict_filter);
	ring_buffer__free(smp.rb);
	botwall_bpf__destroy(skel);
	return CHECK_EXIT();
}
