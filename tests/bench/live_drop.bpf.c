// SPDX-License-Identifier: GPL-2.0-only
/*
 * make bench-live's floor (tests/bench/bench_live.sh): reads each frame's
 * source address, as any address filter must (the frame arrives cold, from
 * the sender's CPU), and drops the frame without looking it up anywhere.
 * The veth driver counts the drops (ethtool -S: xdp_drops).
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

char LICENSE[] SEC("license") = "GPL";

__u64 floor_sink = 0;   /* keeps the reads */

SEC("xdp")
int read_src_drop(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;

	if ((void *)(eth + 1) > end)
		return XDP_DROP;
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = (void *)(eth + 1);

		if ((void *)(ip + 1) <= end)
			floor_sink += ip->saddr;
	} else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = (void *)(eth + 1);

		if ((void *)(ip6 + 1) <= end)
			floor_sink += ip6->saddr.in6_u.u6_addr32[3];
	}
	return XDP_DROP;
}
