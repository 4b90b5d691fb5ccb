/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The generated feeds of the benches (bench_datapath, bench_live): one
 * xorshift generator with a fixed seed, so every run builds the same lists,
 * and the prefix-length mixes of real feeds (mostly /32, /24, /128, /64,
 * /48). docs/benchmarks.md describes them.
 */
#ifndef BW_BENCH_FEED_MIX_H
#define BW_BENCH_FEED_MIX_H

#include <linux/types.h>

static __u64 rs = 0x9e3779b97f4a7c15ull;
static __u32 rnd(void)
{
	rs ^= rs << 13;
	rs ^= rs >> 7;
	rs ^= rs << 17;
	return (__u32)(rs >> 16);
}

/* IPv4: 60 % /32, 25 % /24, 10 % /16-/23, 5 % /25-/31, 0.1 % /12-/15. */
static unsigned int v4_len(void)
{
	__u32 r = rnd() % 1000;

	if (r < 600) return 32;
	if (r < 850) return 24;
	if (r < 949) return 16 + rnd() % 8;
	if (r < 999) return 25 + rnd() % 7;
	return 12 + rnd() % 4;
}

/* IPv6: 40 % /128, 25 % /64, 20 % /48, 10 % /32, 5 % /33-/63, 0.1 % /24-/31. */
static unsigned int v6_len(void)
{
	__u32 r = rnd() % 1000;

	if (r < 400) return 128;
	if (r < 650) return 64;
	if (r < 850) return 48;
	if (r < 950) return 32;
	if (r < 999) return 33 + rnd() % 31;
	return 24 + rnd() % 8;
}

#endif
