// SPDX-License-Identifier: GPL-2.0-only
/*
 * The datapath's per-source machinery through BPF_PROG_TEST_RUN: SYN traits
 * (fields, option layout, quirks; attached to the source's samples), the
 * sampling decision (new source, hashed share, monitor, per-CPU budget),
 * the flood guard, and rate_limit lists (per source, per /24 or /64 under a
 * flood). Frames are built here byte by byte, independently of the BPF code.
 */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "addr.h"
#include "botwall.skel.h"
#include "bpf_test.h"
#include "check.h"
#include "ltable.h"
#include "maps.h"

static struct botwall_bpf *skel;
static int prog_fd;

/* ---- frames ---- */

struct frame {
	const char *src;
	__u8 flags;               /* TCP flags byte */
	const __u8 *opts;         /* TCP options (padded to 4 by the caller) */
	size_t olen;
	const char *payload;
	__u16 ip_id;
	bool df, ecn;
	__u32 flow;               /* IPv6 flow label */
	__u16 window;
	__u8 ttl;
};

static __u8 buf_mem[2048 + 2] __attribute__((aligned(8)));

/* Ethernet + IPv4/IPv6 + TCP (+ options) + payload; the IP header at an
 * aligned offset like a NIC's NET_IP_ALIGN. Returns the frame. */
static __u8 *build(const struct frame *f, size_t *len)
{
	__u8 *b = buf_mem + 2;
	bool v6 = strchr(f->src, ':') != NULL;
	size_t plen = f->payload ? strlen(f->payload) : 0, off = 14, thlen = 20 + f->olen;

	memset(b, 0, 1500);
	b[12] = v6 ? 0x86 : 0x08;
	b[13] = v6 ? 0xdd : 0x00;
	if (!v6) {
		__u16 tot = (__u16)(20 + thlen + plen);

		b[off] = 0x45;
		b[off + 1] = f->ecn ? 0x02 : 0;
		b[off + 2] = (__u8)(tot >> 8);
		b[off + 3] = (__u8)tot;
		b[off + 4] = (__u8)(f->ip_id >> 8);
		b[off + 5] = (__u8)f->ip_id;
		b[off + 6] = f->df ? 0x40 : 0;
		b[off + 8] = f->ttl ? f->ttl : 64;
		b[off + 9] = IPPROTO_TCP;
		inet_pton(AF_INET, f->src, b + off + 12);
		inet_pton(AF_INET, "192.0.2.10", b + off + 16);
		off += 20;
	} else {
		__u16 pl = (__u16)(thlen + plen);
		__u8 tc = f->ecn ? 0x02 : 0;

		b[off] = (__u8)(0x60 | tc >> 4);
		b[off + 1] = (__u8)((tc & 15) << 4 | (f->flow >> 16 & 15));
		b[off + 2] = (__u8)(f->flow >> 8);
		b[off + 3] = (__u8)f->flow;
		b[off + 4] = (__u8)(pl >> 8);
		b[off + 5] = (__u8)pl;
		b[off + 6] = IPPROTO_TCP;
		b[off + 7] = f->ttl ? f->ttl : 64;
		inet_pton(AF_INET6, f->src, b + off + 8);
		inet_pton(AF_INET6, "2001:db8::10", b + off + 24);
		off += 40;
	}
	b[off] = 0xa0; b[off + 1] = 0x28;              /* sport 41000 */
	b[off + 3] = 80;                              /* dport 80 */
	b[off + 4] = 0x12; b[off + 7] = 0x34;         /* seq */
	b[off + 12] = (__u8)(thlen / 4) << 4;
	b[off + 13] = f->flags;
	b[off + 14] = (__u8)(f->window >> 8);
	b[off + 15] = (__u8)f->window;
	if (f->olen)
		memcpy(b + off + 20, f->opts, f->olen);
	off += thlen;
	if (plen)
		memcpy(b + off, f->payload, plen);
	*len = off + plen;
	return b;
}

static struct bw_counter before[BW_CNT__MAX], after[BW_CNT__MAX];

static int run_frame(const struct frame *f)
{
	size_t len;
	__u8 *in = build(f, &len), out[2048];
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in, .data_size_in = (__u32)len,
		    .data_out = out, .data_size_out = sizeof(out), .repeat = 1);

	if (bpf_prog_test_run_opts(prog_fd, &o))
		return -1;
	return (int)o.retval;
}

static void snap(struct bw_counter *c) { bw_read_counters(bpf_map__fd(skel->maps.bw_counters), c); }
static long long moved(int id) { return (long long)(after[id].packets - before[id].packets); }

static struct bw_test_samples smp;

static void config(__u32 share, __u32 budget, __u32 flood_pps, __u64 salt)
{
	struct bw_config c = { .http_ports = { 80 }, .sample_cap = 256, .flags = BW_CFG_F_SAMPLING,
			       .sample_share = share, .sample_budget = budget,
			       .flood_pps = flood_pps, .sample_salt = salt };
	__u32 zero = 0;

	bpf_map_update_elem(bpf_map__fd(skel->maps.bw_config), &zero, &c, BPF_ANY);
}

/* Every per-source map emptied, and the per-CPU window restarted. */
static void reset_state(void)
{
	int fds[] = { bpf_map__fd(skel->maps.bw_srcstats), bpf_map__fd(skel->maps.bw_syn),
		      bpf_map__fd(skel->maps.bw_ratelim), bpf_map__fd(skel->maps.bw_verdicts) };
	struct bw_addr k;
	int ncpu = libbpf_num_possible_cpus();
	struct bw_cpu_state *cs = calloc((size_t)ncpu, sizeof(*cs));
	__u32 zero = 0;

	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		while (!bpf_map_get_next_key(fds[i], NULL, &k))
			bpf_map_delete_elem(fds[i], &k);
	if (cs) {
		bpf_map_update_elem(bpf_map__fd(skel->maps.bw_cpustate), &zero, cs, BPF_ANY);
		free(cs);
	}
	bw_test_drain(&smp);
}

static bool addr_of(const char *s, struct bw_addr *a)
{
	char err[64];

	return bw_parse_addr(s, a, err, sizeof(err)) == 0;
}

#define GET "GET /p HTTP/1.1\r\nHost: shop.test\r\n\r\n"
/* Linux 6.x SYN: mss 1460, sackOK, timestamps, nop, wscale 7. */
static const __u8 linux_opts[20] = { 2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0x12, 0x34, 0, 0, 0, 0,
				     1, 3, 3, 7 };

/* ---- SYN traits ---- */

static void test_syn_traits_ipv4(void)
{
	struct frame syn = { .src = "198.51.100.20", .flags = 0x02, .opts = linux_opts,
			     .olen = sizeof(linux_opts), .ip_id = 4242, .df = true,
			     .window = 64240, .ttl = 57 };
	struct frame req = { .src = "198.51.100.20", .flags = 0x18, .payload = GET,
			     .window = 502 };
	struct bw_syn_traits t;
	struct bw_addr a;
	static const __u8 want[] = { 2, 4, 8, 1, 3 };

	reset_state();
	config(BW_SHARE_ONE, 0, 0, 1);
	addr_of("198.51.100.20", &a);
	snap(before);
	CHECK(run_frame(&syn) == XDP_PASS);
	snap(after);
	CHECK(moved(BW_CNT_EV_SYN_RECORDED) == 1);
	CHECK(moved(BW_CNT_PASS_TCP) == 1);
	CHECK(bpf_map_lookup_elem(bpf_map__fd(skel->maps.bw_syn), &a, &t) == 0);
	CHECK(t.ts_ns != 0);
	CHECK(t.family == 4 && t.ttl == 57 && t.window == 64240);
	CHECK(t.mss == 1460 && t.has_wscale && t.wscale == 7);
	CHECK(t.nopts == sizeof(want) && !memcmp(t.opts, want, sizeof(want)));
	/* ts2 is zero in linux_opts: only DF and a non-zero ID. */
	CHECK_EQ(t.quirks, BW_SQ_DF | BW_SQ_ID_NZ);
	CHECK(t.ip_olen == 0 && !t.payload && t.eol_pad == 0);

	/* The source's next request carries the traits. */
	CHECK(run_frame(&req) == XDP_PASS);
	CHECK(bw_test_drain(&smp) == 1);
	CHECK(smp.last.syn.ts_ns == t.ts_ns && smp.last.syn.mss == 1460 && smp.last.syn.window == 64240);
	CHECK(smp.last.why & BW_SW_NEW);

	/* A SYN-ACK or a plain ACK records nothing. */
	syn.flags = 0x12;
	snap(before);
	run_frame(&syn);
	snap(after);
	CHECK(moved(BW_CNT_EV_SYN_RECORDED) == 0);
}

static void test_syn_traits_ipv6_and_quirks(void)
{
	/* mss, nop, nop, ts with ts1 = 0 and ts2 != 0, EOL then a non-zero
	 * padding byte; ECN (ECE|CWR) on the SYN; flow label set. */
	static const __u8 opts[20] = { 2, 4, 0x05, 0xa0, 1, 1, 8, 10, 0, 0, 0, 0, 0, 0, 0, 9,
				       0, 0, 5, 0 };
	struct frame syn = { .src = "2001:db8::77", .flags = 0xc2, .opts = opts, .olen = 20,
			     .flow = 0x12345, .window = 65535, .ttl = 64 };
	static const __u8 bad[4] = { 3, 3, 15, 9 };  /* wscale 15, then a cut option */
	struct frame syn2 = { .src = "198.51.100.21", .flags = 0x02, .opts = bad, .olen = 4,
			      .window = 1024 };
	struct bw_syn_traits t;
	struct bw_addr a;

	reset_state();
	config(BW_SHARE_ONE, 0, 0, 1);
	CHECK(run_frame(&syn) == XDP_PASS);
	addr_of("2001:db8::77", &a);
	CHECK(bpf_map_lookup_elem(bpf_map__fd(skel->maps.bw_syn), &a, &t) == 0);
	CHECK(t.family == 6 && t.mss == 1440 && !t.has_wscale);
	CHECK(t.nopts == 5 && t.opts[0] == 2 && t.opts[1] == 1 && t.opts[2] == 1 &&
	      t.opts[3] == 8 && t.opts[4] == 0);
	CHECK_EQ(t.eol_pad, 3);
	CHECK_EQ(t.quirks, BW_SQ_FLOW | BW_SQ_ECN | BW_SQ_TS1_ZERO | BW_SQ_TS2_NZ | BW_SQ_OPT_TAIL);

	CHECK(run_frame(&syn2) == XDP_PASS);
	addr_of("198.51.100.21", &a);
	CHECK(bpf_map_lookup_elem(bpf_map__fd(skel->maps.bw_syn), &a, &t) == 0);
	CHECK(t.has_wscale && t.wscale == 15);
	CHECK_EQ(t.quirks, BW_SQ_WS_BIG | BW_SQ_BAD_OPT);
	CHECK(t.nopts == 2 && t.opts[0] == 3 && t.opts[1] == 9);
}

/* Truncated or lying SYNs never crash and never record garbage. */
static void test_syn_truncated(void)
{
	struct frame syn = { .src = "198.51.100.22", .flags = 0x02, .opts = linux_opts,
			     .olen = sizeof(linux_opts), .window = 1 };
	size_t len;
	__u8 *in = build(&syn, &len), out[2048];
	struct bw_syn_traits t;
	struct bw_addr a;

	reset_state();
	config(BW_SHARE_ONE, 0, 0, 1);
	addr_of("198.51.100.22", &a);
	/* Cut inside the options: the TCP header claims more than is there. */
	for (size_t cut = 14 + 20 + 20; cut < len; cut++) {
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in, .data_size_in = (__u32)cut,
			    .data_out = out, .data_size_out = sizeof(out), .repeat = 1);
		CHECK(bpf_prog_test_run_opts(prog_fd, &o) == 0 && o.retval == XDP_PASS);
	}
	CHECK(bpf_map_lookup_elem(bpf_map__fd(skel->maps.bw_syn), &a, &t) != 0);
}

/* ---- sampling decision ---- */

static void test_sampling_new_source_only(void)
{
	struct frame req = { .src = "198.51.100.30", .flags = 0x18, .payload = GET };

	reset_state();
	config(0, 0, 0, 1);                 /* share 0: only new sources */
	snap(before);
	run_frame(&req);
	CHECK(bw_test_drain(&smp) == 1);
	CHECK(smp.last.why == BW_SW_NEW);
	run_frame(&req);
	run_frame(&req);
	CHECK(bw_test_drain(&smp) == 0);
	snap(after);
	CHECK(moved(BW_CNT_EV_NOT_SELECTED) == 2);
	CHECK(moved(BW_CNT_PASS_HTTP) == 3);
}

/* The share is a keyed hash of the address: exactly the sources the
 * reference hash selects get every request sampled. */
static void test_sampling_share_matches_hash(void)
{
	const __u64 salt = 0x5eed5eed12345678ull;
	const __u32 share = BW_SHARE_ONE / 4;
	int selected = 0, agree = 0;

	reset_state();
	config(share, 0, 0, salt);
	for (int i = 1; i <= 200; i++) {
		char src[32];
		struct frame req = { .src = src, .flags = 0x18, .payload = GET };
		struct bw_addr a;
		__u64 a0, a1;
		bool want;
		int got;

		snprintf(src, sizeof(src), "203.0.113.%d", i % 250 + 1);
		if (i > 250)
			break;
		addr_of(src, &a);
		memcpy(&a0, a.b, 8);
		memcpy(&a1, a.b + 8, 8);
		want = bw_share_hash(a0, a1, salt) < share;
		run_frame(&req);             /* first: sampled as new */
		bw_test_drain(&smp);
		run_frame(&req);             /* second: only if in the share */
		got = bw_test_drain(&smp);
		selected += want;
		agree += (got == 1) == want;
		if (got == 1)
			CHECK(smp.last.why == BW_SW_SHARE);
	}
	CHECK_EQ(agree, 200);
	/* A quarter, give or take what 200 draws allow. */
	CHECK(selected > 25 && selected < 80);
	printf("  %d of 200 sources in a 25%% share\n", selected);
}

static void test_sampling_monitor_always(void)
{
	struct frame req = { .src = "198.51.100.31", .flags = 0x18, .payload = GET };
	struct bw_verdict v = { .action = BW_ACT_MONITOR, .score = 50 };
	struct bw_addr a;

	reset_state();
	config(0, 0, 0, 1);
	addr_of("198.51.100.31", &a);
	bpf_map_update_elem(bpf_map__fd(skel->maps.bw_verdicts), &a, &v, BPF_ANY);
	for (int i = 0; i < 5; i++)
		run_frame(&req);
	CHECK(bw_test_drain(&smp) == 5);
	CHECK(smp.last.why == BW_SW_MONITOR);
}

/* A budget of 10 samples/s per CPU is one per 100 ms window. 50 new
 * sources back to back: one sampled, the rest counted as over budget
 * (a few more only if the machine stalls across a window boundary). */
static void test_sample_budget(void)
{
	int sampled;

	reset_state();
	config(BW_SHARE_ONE, 10, 0, 1);
	snap(before);
	for (int i = 1; i <= 50; i++) {
		char src[32];
		struct frame req = { .src = src, .flags = 0x18, .payload = GET };

		snprintf(src, sizeof(src), "192.0.2.%d", 100 + i);
		run_frame(&req);
	}
	snap(after);
	sampled = bw_test_drain(&smp);
	CHECK(sampled >= 1 && sampled <= 5);
	CHECK_EQ(moved(BW_CNT_EV_SAMPLE_BUDGET) + sampled, 50);
	CHECK_EQ(moved(BW_CNT_PASS_HTTP), 50);
}

/* ---- flood guard ---- */

static long srcstats_entries(void)
{
	return bw_map_count(bpf_map__fd(skel->maps.bw_srcstats), sizeof(struct bw_addr));
}

static void test_flood_guard(void)
{
	long skipped;

	/* 10 packets/s per CPU is one per window: past the first packet
	 * or two, the CPU is "flooded". */
	reset_state();
	config(BW_SHARE_ONE, 0, 10, 1);
	snap(before);
	for (int i = 1; i <= 40; i++) {
		char src[32];
		struct frame req = { .src = src, .flags = 0x18, .payload = GET };

		snprintf(src, sizeof(src), "2001:db8:f::%x", i);
		CHECK(run_frame(&req) == XDP_PASS);   /* filtering goes on */
	}
	snap(after);
	skipped = moved(BW_CNT_EV_FLOOD_SKIPPED);
	CHECK(skipped >= 35);
	CHECK(srcstats_entries() <= 40 - skipped);
	CHECK_EQ(bw_test_drain(&smp) + skipped, 40);
	CHECK_EQ(moved(BW_CNT_PASS_HTTP), 40);
	printf("  flood guard: %ld of 40 requests skipped sampling and per-source state\n", skipped);

	/* Off again (0 = no guard): every request handled. */
	reset_state();
	config(BW_SHARE_ONE, 0, 0, 1);
	snap(before);
	for (int i = 1; i <= 10; i++) {
		char src[32];
		struct frame req = { .src = src, .flags = 0x18, .payload = GET };

		snprintf(src, sizeof(src), "2001:db8:f::%x", i);
		run_frame(&req);
	}
	snap(after);
	CHECK(moved(BW_CNT_EV_FLOOD_SKIPPED) == 0);
	CHECK(bw_test_drain(&smp) == 10);
}

/* ---- rate_limit lists ---- */

static struct bw_prefix_set rl_set;

static void load_rate_list(__u32 rate)
{
	struct bw_ltable_fds fds = bw_test_ltable_fds(skel);
	struct bw_list_def d = { .id = 3, .name = "hosting", .category = BW_LCAT_HOSTING,
				 .action = BW_LACT_RATE_LIMIT, .rate_pps = rate, .set = &rl_set };
	struct bw_ltable_stats st;
	struct bw_lpm_key k;
	struct bw_list_info li;
	__u32 id = 3;
	char err[256];

	if (!rl_set.n) {
		bw_parse_prefix("198.51.100.128/25", &k, err, sizeof(err));
		bw_prefix_set_add(&rl_set, &k);
		bw_parse_prefix("2001:db8:aa::/48", &k, err, sizeof(err));
		bw_prefix_set_add(&rl_set, &k);
	}
	CHECK(bw_ltable_apply(&fds, &d, 1, &st, err, sizeof(err)) == 0);
	CHECK(bpf_map_lookup_elem(fds.lists, &id, &li) == 0 && li.rate_pps == rate);
}

/* Packets from each source in srcs (n of them, round robin) until total;
 * returns how many passed. */
static int send_round(const char *fmt, int nsrc, int total)
{
	int passed = 0;

	for (int i = 0; i < total; i++) {
		char src[48];
		struct frame f = { .src = src, .flags = 0x10, .window = 1 };

		snprintf(src, sizeof(src), fmt, 130 + i % nsrc);
		passed += run_frame(&f) == XDP_PASS;
	}
	return passed;
}

static void test_rate_limit_list(void)
{
	int passed;

	load_rate_list(5);
	/* One source: a burst of one second (5 packets), then dropped. */
	reset_state();
	config(BW_SHARE_ONE, 0, 0, 1);
	snap(before);
	passed = send_round("198.51.100.%d", 1, 20);
	snap(after);
	CHECK(passed >= 5 && passed <= 6);
	CHECK_EQ(moved(BW_CNT_DROP_RATE_LIMIT), 20 - passed);

	/* 20 sources of the /24, no flood: a bucket each, all pass. */
	reset_state();
	passed = send_round("198.51.100.%d", 20, 20);
	CHECK_EQ(passed, 20);

	/* The same under the flood guard: one bucket for the /24. */
	reset_state();
	config(BW_SHARE_ONE, 0, 10, 1);
	passed = send_round("198.51.100.%d", 20, 20);
	CHECK(passed >= 5 && passed <= 8);
	printf("  flood: 20 sources of one /24 -> %d passed (rate 5/s, shared bucket)\n", passed);

	/* IPv6: per /64 under the flood guard. */
	reset_state();
	config(BW_SHARE_ONE, 0, 10, 1);
	passed = send_round("2001:db8:aa::%d", 20, 20);
	CHECK(passed >= 5 && passed <= 8);

	/* Unlisted sources are never rate limited. */
	reset_state();
	passed = send_round("198.51.100.%d", 1, 0) + send_round("192.0.2.%d", 1, 20);
	CHECK_EQ(passed, 20);
}

int main(void)
{
	int skip;

	skel = bw_test_load("test_sampling", &skip);
	if (!skel)
		return skip ? 0 : 1;
	prog_fd = bpf_program__fd(skel->progs.botwall_xdp);
	if (bw_test_samples_open(skel, &smp, "sampling"))
		return 1;
	RUN(test_syn_traits_ipv4);
	RUN(test_syn_traits_ipv6_and_quirks);
	RUN(test_syn_truncated);
	RUN(test_sampling_new_source_only);
	RUN(test_sampling_share_matches_hash);
	RUN(test_sampling_monitor_always);
	RUN(test_sample_budget);
	RUN(test_flood_guard);
	RUN(test_rate_limit_list);
	ring_buffer__free(smp.rb);
	bw_prefix_set_free(&rl_set);
	botwall_bpf__destroy(skel);
	return CHECK_EXIT();
}
