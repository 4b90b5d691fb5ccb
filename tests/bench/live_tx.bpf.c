// SPDX-License-Identifier: GPL-2.0-only
/*
 * Packet generator for make bench-live (tests/bench/bench_live.sh): run
 * through BPF_PROG_TEST_RUN in live-frames mode (BPF_F_TEST_XDP_LIVE_FRAMES)
 * on the generator side of a veth pair. Every frame gets the next IPv4
 * source from live_srcs (a power-of-two count) and a correct header
 * checksum, and goes out with XDP_TX (turned into a redirect to the same
 * interface by the test-run code).
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, __u32);        /* network order */
} live_srcs SEC(".maps");

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
