// SPDX-License-Identifier: GPL-2.0-only
/*
 * Packet generator for make bench-live (tests/bench/bench_live.sh): run
 * through BPF_PROG_TEST_RUN in live-frames mode (BPF_F_TEST_XDP_LIVE_FRAMES)
 * on the generator side of a veth pair. live_tx: every IPv4 frame gets the
 * next source from live_srcs (a power-of-two count) and a correct header
 * checksum. live_tx6: every IPv6/UDP frame gets the next source from
 * live_srcs6 and its UDP checksum (mandatory over IPv6) updated
 * incrementally for the changed source (RFC 1624). Both go out with XDP_TX
 * (turned into a redirect to the same interface by the test-run code).
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, __u32);        /* network order */
} live_srcs SEC(".maps");

struct src6 {
	__u16 w[8];                  /* network order */
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, struct src6);
} live_srcs6 SEC(".maps");

volatile const __u32 live_mask = 0;  /* sources - 1 */
__u64 live_sent = 0;
__u32 live_next = 0;

SEC("xdp")
int live_tx(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	__u32 i = live_next++ & live_mask, sum = 0;
	__u16 *w = (__u16 *)ip;
	__u32 *src;

	if ((void *)(ip + 1) > end)
		return XDP_ABORTED;
	src = bpf_map_lookup_elem(&live_srcs, &i);
	if (!src)
		return XDP_ABORTED;
	ip->saddr = *src;
	ip->check = 0;
#pragma unroll
	for (int k = 0; k < 10; k++)
		sum += w[k];
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	ip->check = (__u16)~sum;
	live_sent++;
	return XDP_TX;
}

/* The page of a live frame is recycled with whatever the last run left in
 * it, so the update starts from the source and checksum in the frame:
 * HC' = ~(~HC + ~m + m') over the eight 16-bit words of the source
 * (RFC 1624, eqn. 3). One's complement sums do not depend on byte order. */
SEC("xdp")
int live_tx6(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct ipv6hdr *ip6 = (void *)(eth + 1);
	struct udphdr *uh = (void *)(ip6 + 1);
	__u32 i = live_next++ & live_mask, sum;
	__u16 *old = (__u16 *)&ip6->saddr;
	struct src6 *src;

	if ((void *)(uh + 1) > end)
		return XDP_ABORTED;
	src = bpf_map_lookup_elem(&live_srcs6, &i);
	if (!src)
		return XDP_ABORTED;
	sum = (__u16)~uh->check;
#pragma unroll
	for (int k = 0; k < 8; k++) {
		sum += (__u16)~old[k];
		sum += src->w[k];
		old[k] = src->w[k];
	}
	sum = (sum & 0xffff) + (sum >> 16);     /* <= 17 * 0xffff before */
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (__u16)~sum;
	uh->check = sum ? (__u16)sum : 0xffff;  /* 0 means "no checksum" in UDP */
	live_sent++;
	return XDP_TX;
}
