// SPDX-License-Identifier: GPL-2.0-only
/*
 * Helper of make bench-live (tests/bench/bench_live.sh; method and results
 * in docs/benchmarks.md "Live: veth vs nftables").
 *
 *   bench_live gen N LISTFILE NFTFILE
 *       N generated IPv4 prefixes (bench_datapath's length mix) plus the
 *       256 /32s of 203.0.113.0/24 (the sources the sender uses), as a
 *       botwall list file and as an nftables set file (interval set).
 *   bench_live botwall IFNAME LISTFILE PINDIR
 *       loads botwall_xdp, compiles the list with the ltable loader
 *       (bw_list_parse_file + bw_ltable_apply, as botwalld --list does),
 *       pins maps and program under PINDIR and attaches in native mode.
 *   bench_live counters PINDIR
 *       prints "rx drop pass" packet totals of bw_counters.
 *   bench_live send BPFOBJ IFNAME FIRST_SRC COUNT SECONDS
 *       sends from COUNT (power of two) consecutive IPv4 sources starting
 *       at FIRST_SRC through BPF_PROG_TEST_RUN live frames, for SECONDS;
 *       prints "sent N".
 */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <net/if.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "botwall.skel.h"
#include "lists.h"
#include "ltable.h"
#include "maps.h"

static __u64 rs = 0x9e3779b97f4a7c15ull;
static __u32 rnd(void)
{
	rs ^= rs << 13;
	rs ^= rs >> 7;
	rs ^= rs << 17;
	return (__u32)(rs >> 16);
}

static unsigned int v4_len(void)   /* as tests/bench/bench_datapath.c */
{
	__u32 r = rnd() % 1000;

	if (r < 600) return 32;
	if (r < 850) return 24;
	if (r < 949) return 16 + rnd() % 8;
	if (r < 999) return 25 + rnd() % 7;
	return 12 + rnd() % 4;
}

/* The documentation ranges the bench uses on the wire stay out of the
 * generated part; 203.0.113.0/24 is then listed host by host. */
static int reserved(__u32 ip, unsigned int len)
{
	static const __u32 nets[] = { 0xC0000200u, 0xC6336400u, 0xCB007100u };
	__u32 m = len ? ~0u << (32 - len) : 0;

	for (int i = 0; i < 3; i++)
		if ((nets[i] & m) == (ip & m))
			return 1;
	return 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmd_gen(unsigned long n, const char *lf, const char *nf)
{
	FILE *l = fopen(lf, "w"), *f = fopen(nf, "w");
	unsigned long i;

	if (!l || !f) {
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
		/* nft takes elements in batches of commands */
		if (i % 10000 == 0)
			fprintf(f, "%sadd element netdev bwk bl { %s", i ? " }\n" : "", s);
		else
			fprintf(f, ", %s", s);
	}
	fprintf(f, " }\n");
	fclose(l);
	fclose(f);
	return 0;
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

static int cmd_send(const char *obj_path, const char *ifname, const char *first, __u32 count,
		    double secs)
{
	struct bpf_object *obj;
	struct bpf_program *prog;
	struct bpf_map *srcs, *rodata = NULL, *bss = NULL, *m;
	__u8 pkt[60] = {};
	struct ethhdr *eth = (struct ethhdr *)pkt;
	struct iphdr *ip = (struct iphdr *)(eth + 1);
	struct udphdr *uh = (struct udphdr *)(ip + 1);
	struct in_addr a;
	int ifindex = (int)if_nametoindex(ifname), fd, sfd;
	__u32 mask = count - 1;
	__u64 sent = 0;
	double t0, t;

	if (!ifindex || !count || (count & mask) || count > 65536 || inet_pton(AF_INET, first, &a) != 1) {
		fprintf(stderr, "bench_live send: bad interface, source or count\n");
		return 1;
	}
	obj = bpf_object__open_file(obj_path, NULL);
	if (!obj) {
		fprintf(stderr, "bench_live: %s: %s\n", obj_path, strerror(errno));
		return 1;
	}
	bpf_object__for_each_map(m, obj) {
		if (strstr(bpf_map__name(m), ".rodata"))
			rodata = m;
		else if (strstr(bpf_map__name(m), ".bss"))
			bss = m;
	}
	if (!rodata || bpf_map__set_initial_value(rodata, &mask, sizeof(mask)) ||
	    bpf_object__load(obj)) {
		fprintf(stderr, "bench_live: cannot load %s\n", obj_path);
		return 1;
	}
	prog = bpf_object__find_program_by_name(obj, "live_tx");
	srcs = bpf_object__find_map_by_name(obj, "live_srcs");
	fd = bpf_program__fd(prog);
	sfd = bpf_map__fd(srcs);
	for (__u32 i = 0; i < count; i++) {
		__u32 v = htonl(ntohl(a.s_addr) + i);

		bpf_map_update_elem(sfd, &i, &v, BPF_ANY);
	}
	/* 60-byte UDP frame from the generator to the receiver (198.51.100.2). */
	memset(eth->h_dest, 0xff, ETH_ALEN);
	eth->h_source[0] = 0x02;
	eth->h_source[5] = 0x01;
	eth->h_proto = htons(ETH_P_IP);
	ip->version = 4;
	ip->ihl = 5;
	ip->ttl = 64;
	ip->protocol = IPPROTO_UDP;
	ip->tot_len = htons(46);
	inet_pton(AF_INET, "198.51.100.2", &ip->daddr);
	uh->source = htons(40000);
	uh->dest = htons(9);
	uh->len = htons(26);
	t0 = now_s();
	do {
		struct xdp_md ctx = { .data_end = sizeof(pkt), .ingress_ifindex = (__u32)ifindex };
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = pkt, .data_size_in = sizeof(pkt),
			    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx), .repeat = 1u << 18,
			    .flags = BPF_F_TEST_XDP_LIVE_FRAMES, .batch_size = 64);

		if (bpf_prog_test_run_opts(fd, &o)) {
			fprintf(stderr, "bench_live send: test_run (live frames): %s\n", strerror(errno));
			return 1;
		}
		sent += 1u << 18;
		t = now_s();
	} while (t - t0 < secs);
	(void)bss;
	printf("sent %llu %.3f\n", (unsigned long long)sent, t - t0);
	bpf_object__close(obj);
	return 0;
}

int main(int argc, char **argv)
{
	libbpf_set_print(NULL);
	if (argc == 5 && !strcmp(argv[1], "gen"))
		return cmd_gen(strtoul(argv[2], NULL, 0), argv[3], argv[4]);
	if (argc == 5 && !strcmp(argv[1], "botwall"))
		return cmd_botwall(argv[2], argv[3], argv[4]);
	if (argc == 3 && !strcmp(argv[1], "counters"))
		return cmd_counters(argv[2]);
	if (argc == 7 && !strcmp(argv[1], "send"))
		return cmd_send(argv[2], argv[3], argv[4], (__u32)strtoul(argv[5], NULL, 0),
				strtod(argv[6], NULL));
	fprintf(stderr, "usage: see tests/bench/bench_live.c\n");
	return 2;
}
