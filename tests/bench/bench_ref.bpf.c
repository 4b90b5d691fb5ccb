// SPDX-License-Identifier: GPL-2.0-only
/*
 * Reference programs for make bench: an empty XDP program (the floor of
 * BPF_PROG_TEST_RUN) and a minimal one that drops sources found in a plain
 * BPF LPM trie, the structure botwall's list tables replace.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "botwall_abi.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 2 * BW_LIST_MAX);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct bw_lpm_key);
	__type(value, struct bw_list_entry);
} ref_lpm SEC(".maps");

SEC("xdp")
int empty_xdp(struct xdp_md *ctx)
{
	(void)ctx;
	return XDP_PASS;
}

SEC("xdp")
int lpm_xdp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct bw_lpm_key key = { .prefixlen = 128 };

	if ((void *)(eth + 1) > data_end)
		return XDP_PASS;
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = (void *)(eth + 1);

		if ((void *)(ip + 1) > data_end)
			return XDP_PASS;
		key.addr[10] = 0xff;
		key.addr[11] = 0xff;
		__builtin_memcpy(&key.addr[12], &ip->saddr, 4);
	} else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = (void *)(eth + 1);

		if ((void *)(ip6 + 1) > data_end)
			return XDP_PASS;
		__builtin_memcpy(key.addr, &ip6->saddr, 16);
	} else {
		return XDP_PASS;
	}
	return bpf_map_lookup_elem(&ref_lpm, &key) ? XDP_DROP : XDP_PASS;
}
