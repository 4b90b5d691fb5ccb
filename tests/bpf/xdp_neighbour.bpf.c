// SPDX-License-Identifier: GPL-2.0-only
/*
 * A second XDP program for the dispatcher test: it shares the interface
 * with botwall through libxdp and counts the IPv4 packets it sees by the
 * last byte of their source address, so the test can tell which packets
 * botwall let through to it.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, __u64);
} nb_seen SEC(".maps");

SEC("xdp")
int xdp_neighbour(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	__u32 last;
	__u64 *n;

	if ((void *)(ip + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	last = bpf_ntohl(ip->saddr) & 0xff;
	n = bpf_map_lookup_elem(&nb_seen, &last);
	if (n)
		__sync_fetch_and_add(n, 1);
	return XDP_PASS;
}
