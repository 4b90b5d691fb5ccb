/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * botwall ABI: every type that crosses the kernel/userspace boundary.
 *
 * This header is included by the XDP program (bpf/botwall.bpf.c), the daemon
 * (user/) and the CLI (tools/). Nothing here may be redefined elsewhere.
 * Layouts are fixed-size with explicit padding so that BPF, x86-64 and any
 * other 64-bit userspace agree; the _Static_asserts at the bottom catch drift.
 *
 * Addresses: IPv4 is stored as an IPv4-mapped IPv6 address (::ffff:a.b.c.d)
 * everywhere, so one key type serves both families and a v4 /N prefix is the
 * v6 prefix /(96+N).
 */
#ifndef BOTWALL_ABI_H
#define BOTWALL_ABI_H

#include <linux/types.h>

/* ---- map names (pinned as <pin-dir>/<name>; at most 15 characters) ---- */
#define BW_MAP_COUNTERS   "bw_counters"   /* per-CPU packet counters      */
#define BW_MAP_ALLOW      "bw_allow"      /* LPM trie: allowlist prefixes */
#define BW_MAP_BLOCK      "bw_block"      /* LPM trie: blocklist prefixes */
#define BW_MAP_VERDICTS   "bw_verdicts"   /* LRU hash: per-source verdict */
#define BW_MAP_SAMPLES    "bw_samples"    /* ring buffer of HTTP samples  */
#define BW_MAP_CONFIG     "bw_config"     /* array[1]: datapath settings  */
#define BW_MAP_SCORESTATS "bw_scorestats" /* array[1]: daemon score stats */
#define BW_MAP_DAEMON     "bw_daemon"     /* array[1]: daemon state       */
#define BW_MAP_VFILTER    "bw_vfilter"    /* array: verdict presence bits */

#define BW_DEFAULT_PIN_DIR "/sys/fs/bpf/botwall"
#define BW_XDP_PROG_NAME   "botwall_xdp"

/* ---- sizes ---- */
#define BW_SAMPLE_CAP      2048u  /* payload bytes copied per sample (>= 1500) */
#define BW_MAX_PORTS       8      /* watched TCP ports                         */
#define BW_LIST_MAX        (1u << 20)
#define BW_VERDICT_MAX     (1u << 18)
#define BW_RINGBUF_BYTES   (4u << 20)
#define BW_IPV6_EXT_MAX    4      /* IPv6 extension headers skipped at most   */

/* An address key: IPv6, or IPv4-mapped IPv6 for IPv4. */
struct bw_addr {
	__u8 b[16];
};

/* LPM trie key for the allow/block lists (prefixlen counts all 128 bits). */
struct bw_lpm_key {
	__u32 prefixlen;
	__u8 addr[16];
};

/* Value stored per list prefix. */
struct bw_list_entry {
	__u32 list_id;     /* which list file/source added it (0 = manual) */
	__u32 added_sec;   /* CLOCK_REALTIME seconds when added            */
};

/* Verdict actions pushed by the daemon (docs/datapath.md "Verdicts"):
 * drop; monitor (pass, sample every HTTP request start, count); rate_limit
 * (token bucket per source at bw_verdict.rate_pps, burst of one second);
 * reset (a TCP segment is answered with an RST from XDP_TX, other IP
 * packets are dropped). */
enum bw_action {
	BW_ACT_NONE = 0,
	BW_ACT_DROP = 1,
	BW_ACT_MONITOR = 2,
	BW_ACT_RATE_LIMIT = 3,
	BW_ACT_RESET = 4,
	BW_ACT__MAX,
};

/* Why a verdict was pushed. */
enum bw_verdict_reason {
	BW_VR_NONE = 0,
	BW_VR_SCORE = 1,     /* score reached the block threshold */
	BW_VR_MANUAL = 2,    /* operator: botwall verdict add       */
	BW_VR__MAX,
};

struct bw_verdict {
	__u64 expires_ns;    /* CLOCK_BOOTTIME (bpf_ktime_get_boot_ns); 0 = never */
	__u64 created_ns;    /* CLOCK_BOOTTIME                                    */
	__u8 action;         /* enum bw_action                                    */
	__u8 reason;         /* enum bw_verdict_reason                            */
	__u8 score;          /* 0-100                                             */
	__u8 top_flag;       /* enum bw_flag that contributed most, or BW_FLAG__MAX */
	__u32 rate_pps;      /* BW_ACT_RATE_LIMIT: packets per second (0 = drop all) */
};

#define BW_MAP_RATELIM  "bw_ratelim"  /* LRU hash: per-source token bucket */
#define BW_RATELIM_MAX  (1u << 18)

/* Token bucket of a rate-limited source; tokens in 1e-9 packets. Updated
 * without atomics: concurrent CPUs can let a few extra packets through. */
struct bw_ratelim {
	__u64 tokens;
	__u64 last_ns;       /* CLOCK_BOOTTIME of the last refill */
};

/*
 * Packet counters. Every packet increments exactly one "outcome" counter
 * (PASS_* or DROP_*, BW_CNT_OUTCOMES); the EV_* counters count events that
 * happen on the way (sampling, ring buffer full, an expired verdict seen).
 * BW_CNT_RX, every packet, is the sum of the outcomes: readers
 * (bw_read_counters) derive it, its map slot stays 0, so a packet costs
 * one counter update, not two. Keep user/names.c in step with this enum.
 */
enum bw_counter_id {
	BW_CNT_RX = 0,            /* derived: sum of the outcome counters      */
	/* outcome: pass */
	BW_CNT_PASS_NON_IP,       /* not IPv4/IPv6 (ARP, LLDP, ...)            */
	BW_CNT_PASS_MALFORMED,    /* truncated or invalid L2/L3/L4 header      */
	BW_CNT_PASS_ALLOWLIST,    /* source on the allowlist                   */
	BW_CNT_PASS_NON_TCP,      /* IP but not TCP (or a non-first fragment)  */
	BW_CNT_PASS_TCP,          /* TCP, not an HTTP request start            */
	BW_CNT_PASS_HTTP,         /* HTTP request start on a watched port      */
	/* outcome: drop */
	BW_CNT_DROP_BLOCKLIST,    /* source on the blocklist                   */
	BW_CNT_DROP_VERDICT,      /* live verdict pushed by the daemon         */
	/* events */
	BW_CNT_EV_SAMPLED,        /* HTTP request copied to the ring buffer    */
	BW_CNT_EV_RINGBUF_FULL,   /* sample lost: ring buffer full             */
	BW_CNT_EV_VERDICT_EXPIRED,/* verdict found but expired: ignored        */
	BW_CNT_DROP_RATE_LIMIT,   /* outcome: over a rate_limit verdict's rate */
	BW_CNT_DROP_RESET,        /* outcome: answered with a TCP RST (XDP_TX) */
	BW_CNT_EV_MONITORED,      /* event: packet of a monitored source       */
	BW_CNT_EV_SYN_RECORDED,   /* event: SYN traits of a source recorded    */
	BW_CNT_EV_FLOOD_SKIPPED,  /* event: flood guard on: per-source state and
	                           * sampling skipped for this packet          */
	BW_CNT_EV_SAMPLE_BUDGET,  /* event: sample skipped, per-CPU budget spent */
	BW_CNT_EV_NOT_SELECTED,   /* event: request not sampled (source outside
	                           * the sampled share, not new, not monitored) */
	BW_CNT__MAX,
};

#define BW_CNT_OUTCOMES                                                          \
	(1u << BW_CNT_PASS_NON_IP | 1u << BW_CNT_PASS_MALFORMED |                \
	 1u << BW_CNT_PASS_ALLOWLIST | 1u << BW_CNT_PASS_NON_TCP |               \
	 1u << BW_CNT_PASS_TCP | 1u << BW_CNT_PASS_HTTP |                        \
	 1u << BW_CNT_DROP_BLOCKLIST | 1u << BW_CNT_DROP_VERDICT |               \
	 1u << BW_CNT_DROP_RATE_LIMIT | 1u << BW_CNT_DROP_RESET)

struct bw_counter {
	__u64 packets;
	__u64 bytes;
};

/*
 * Datapath settings, written by the daemon (array map, key 0).
 *
 * Sampling (docs/datapath.md "Sampling"): an HTTP request start is copied to
 * the ring buffer if it is the first request of a source the datapath has no
 * stats for, if its source is monitored (list or verdict), or if its source
 * falls in the sampled share: hash(source, sample_salt) < sample_share, so a
 * selected source has every request sampled and its timing stays intact.
 * All of it within sample_budget samples per CPU per second.
 *
 * Flood guard: a CPU that sees more than flood_pps packets per second skips
 * the expensive steps (per-source request stats, SYN traits, sampling) and
 * keys rate_limit list buckets per /24 (IPv4) or /64 (IPv6) instead of per
 * source, so a spoofed flood cannot churn per-source state. Measured over
 * BW_FLOOD_WINDOW_NS windows from the per-CPU packet counter.
 */
struct bw_config {
	__u16 http_ports[BW_MAX_PORTS]; /* host byte order; 0 = unused slot */
	__u32 sample_cap;               /* payload bytes to copy, <= BW_SAMPLE_CAP */
	__u32 flags;                    /* BW_CFG_F_*                       */
	__u32 sample_share;             /* sources sampled in full, of BW_SHARE_ONE */
	__u32 sample_budget;            /* samples per CPU per second; 0 = no limit */
	__u32 flood_pps;                /* packets per CPU per second; 0 = no guard */
	__u64 sample_salt;              /* secret: which sources are in the share   */
};

#define BW_CFG_F_SAMPLING 0x1u   /* sampling on; off = filter only */
#define BW_CFG_F_VFILTER  0x2u   /* bw_vfilter is complete: trust a clear bit */
#define BW_SHARE_ONE      65536u /* sample_share of every source   */
#define BW_FLOOD_WINDOW_NS 100000000ull  /* 100 ms */
#define BW_WINDOWS_PER_SEC (1000000000ull / BW_FLOOD_WINDOW_NS)

/* The sampled-share hash of a source (same in BPF and the tests): keyed
 * with the salt, every address bit reaches the 16 bits kept. */
static inline __u64 bw_mix64(__u64 x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 29;
	x *= 0xc4ceb9fe1a85ec53ull;
	x ^= x >> 32;
	return x;
}

static inline __u32 bw_share_hash(__u64 a0, __u64 a1, __u64 salt)
{
	return (__u32)(bw_mix64(bw_mix64(a0 ^ salt) ^ a1) >> 48);
}

/*
 * Verdict presence filter (bw_vfilter): one bit per hash of a source
 * address, set by every verdict writer before it writes the verdict, so a
 * clear bit proves "no verdict" and the datapath skips the LRU hash lookup
 * (most of an allowed packet's cost). A set bit may be stale (the verdict
 * expired, was deleted or evicted): the lookup then finds nothing. Writers
 * hold the map lock (flock() of the pin directory); the daemon rebuilds
 * the bits from the verdict table under that lock, and only then sets
 * BW_CFG_F_VFILTER: until then (first start, upgrade from a version
 * without the filter) every source is looked up (docs/datapath.md).
 */
#define BW_VF_WORD_BITS 6                      /* 64-bit words        */
#define BW_VF_BITS_LOG  22                     /* 4M bits, 512 KiB    */
#define BW_VF_WORDS     (1u << (BW_VF_BITS_LOG - BW_VF_WORD_BITS))

static inline __u32 bw_vf_bit(const struct bw_addr *a)
{
	__u64 a0, a1;

	__builtin_memcpy(&a0, a->b, 8);
	__builtin_memcpy(&a1, &a->b[8], 8);
	/* Multiplicative hashing, top bits: they depend on every input bit.
	 * Unsalted on purpose: a collision costs one hash lookup, it cannot
	 * hide a verdict. */
	return (__u32)((((a0 * 0x9E3779B97F4A7C15ull) ^ a1) * 0xff51afd7ed558ccdull) >>
		       (64 - BW_VF_BITS_LOG));
}

/* Per-CPU state of the flood guard and the sample budget. */
#define BW_MAP_CPUSTATE "bw_cpustate"  /* per-CPU array[1] */
struct bw_cpu_state {
	__u64 win_start_ns;   /* CLOCK_BOOTTIME when the window began         */
	__u64 win_start_rx;   /* this CPU's packets (its outcome counters) then */
	__u32 win_samples;    /* samples taken in the window                  */
	__u32 flood;          /* 1: the last window was over flood_pps        */
};

/*
 * Per-source request statistics, updated by the datapath on every HTTP
 * request start on a watched port (not only sampled ones): the behaviour
 * score needs the timing of every request. Inter-arrival times in
 * microseconds, capped at BW_IAT_CAP_US; Welford's running mean and M2 in
 * integer maths (the sample variance is iat_m2 / (count - 2) for count > 2).
 * Not atomic across CPUs: a source's packets normally land on one CPU.
 */
#define BW_MAP_SRCSTATS "bw_srcstats"  /* LRU hash: per-source request stats */
#define BW_SRCSTATS_MAX (1u << 18)
#define BW_IAT_CAP_US   3600000000ull  /* one hour */

struct bw_src_stats {
	__u64 count;         /* HTTP request starts seen                  */
	__u64 first_ns;      /* CLOCK_BOOTTIME of the first               */
	__u64 last_ns;       /* CLOCK_BOOTTIME of the latest              */
	__u64 iat_mean_us;   /* mean inter-arrival time, microseconds     */
	__u64 iat_m2;        /* Welford M2, microseconds^2, saturating    */
};

/* One Welford step on the inter-arrival x (us) as the k-th interval (k >= 1),
 * shared by the datapath and the tests' reference. Unsigned only: BPF on
 * 6.1 has no signed division. */
static inline void bw_welford_step(__u64 *mean, __u64 *m2, __u64 x, __u64 k)
{
	__u64 d, d2, p;

	if (x >= *mean) {
		d = x - *mean;
		*mean += d / k;
		d2 = x - *mean;
	} else {
		d = *mean - x;
		*mean -= d / k;
		d2 = *mean - x;
	}
	p = d * d2;                          /* d, d2 <= BW_IAT_CAP_US: no overflow */
	*m2 = *m2 + p < *m2 ? ~0ull : *m2 + p;
}

/*
 * TCP SYN traits of a source (the p0f-style fingerprint inputs), recorded by
 * the datapath for every SYN (no ACK) to a watched port in an LRU map keyed
 * by source, and copied into that source's samples. The daemon turns them
 * into p0f's signature text (user/p0f.c) to classify the sender's OS.
 */
#define BW_MAP_SYN      "bw_syn"       /* LRU hash: per-source SYN traits */
#define BW_SYN_MAX      (1u << 18)
#define BW_SYN_OPTS_MAX 16             /* option kinds kept, in order     */

/* Quirks (p0f names in brackets). */
#define BW_SQ_DF        0x0001u  /* IPv4 don't-fragment set          [df]   */
#define BW_SQ_ID_NZ     0x0002u  /* IPv4 ID non-zero                 [id+ with df] */
#define BW_SQ_ECN       0x0004u  /* ECN: IP ECT/CE bits or TCP ECE/CWR [ecn] */
#define BW_SQ_MBZ       0x0008u  /* IPv4 reserved (evil) bit set     [0+]   */
#define BW_SQ_FLOW      0x0010u  /* IPv6 flow label non-zero         [flow] */
#define BW_SQ_SEQ_ZERO  0x0020u  /* sequence number zero             [seq-] */
#define BW_SQ_ACK_NZ    0x0040u  /* ACK number non-zero without ACK  [ack+] */
#define BW_SQ_UPTR_NZ   0x0080u  /* urgent pointer non-zero w/o URG  [uptr+] */
#define BW_SQ_URG       0x0100u  /* URG flag                         [urgf+] */
#define BW_SQ_PUSH      0x0200u  /* PSH flag                         [pushf+] */
#define BW_SQ_TS1_ZERO  0x0400u  /* own timestamp zero               [ts1-] */
#define BW_SQ_TS2_NZ    0x0800u  /* peer timestamp non-zero on a SYN [ts2+] */
#define BW_SQ_OPT_TAIL  0x1000u  /* non-zero bytes after EOL         [opt+] */
#define BW_SQ_WS_BIG    0x2000u  /* window scale above 14            [exws] */
#define BW_SQ_BAD_OPT   0x4000u  /* malformed options                [bad]  */

struct bw_syn_traits {
	__u64 ts_ns;          /* CLOCK_BOOTTIME of the SYN; 0 = none known   */
	__u16 window;         /* TCP window, host order                      */
	__u16 mss;            /* MSS option, 0 if absent                     */
	__u16 quirks;         /* BW_SQ_*                                     */
	__u8 family;          /* 4 or 6                                      */
	__u8 ttl;             /* TTL / hop limit as received                 */
	__u8 wscale;          /* window scale option                         */
	__u8 has_wscale;      /* 1: the window scale option was present      */
	__u8 ip_olen;         /* IPv4 options length in bytes                */
	__u8 nopts;           /* option kinds recorded in opts[]             */
	__u8 eol_pad;         /* bytes after an EOL option (p0f "eol+N")     */
	__u8 payload;         /* 1: the SYN carried data                     */
	__u8 pad[2];
	__u8 opts[BW_SYN_OPTS_MAX]; /* TCP option kinds in order            */
};

/* One sampled HTTP request start, as written into the ring buffer. */
struct bw_sample {
	__u64 ts_ns;          /* bpf_ktime_get_boot_ns()                  */
	struct bw_addr saddr;
	struct bw_addr daddr;
	__u16 sport;          /* host byte order                          */
	__u16 dport;          /* host byte order                          */
	__u32 ifindex;
	__u32 pkt_len;        /* whole frame length as received           */
	__u16 payload_len;    /* TCP payload length in the packet         */
	__u16 cap_len;        /* bytes of payload copied into payload[]   */
	__u8 family;          /* 4 or 6                                   */
	__u8 ttl;             /* IPv4 TTL / IPv6 hop limit                */
	__u8 tcp_flags;       /* FIN=0x01 SYN=0x02 RST=0x04 PSH=0x08 ACK=0x10 */
	__u8 list_action;     /* enum bw_list_action of the matched lists */
	__u8 established;     /* 1: a local socket has this 4-tuple ESTABLISHED
	                       * (bpf_skc_lookup_tcp): not a spoofed lone packet */
	__u8 pad[3];
	__u64 list_mask;      /* bit i: the source is in list id i        */
	struct bw_syn_traits syn; /* the source's last SYN (syn.ts_ns 0: none) */
	__u8 why;             /* BW_SW_*: why this request was sampled    */
	__u8 pad2[7];
	__u8 payload[BW_SAMPLE_CAP];
};

/* Why a request was sampled (bw_sample.why, bits). */
#define BW_SW_NEW       0x1u  /* first request of a source without stats */
#define BW_SW_SHARE     0x2u  /* source in the sampled share             */
#define BW_SW_MONITOR   0x4u  /* monitored by a list or a verdict        */

/*
 * Flags computed by the daemon's scorer; ids are stable (maps, store, CLI).
 * Names and descriptions live in user/names.c; append, never renumber.
 */
enum bw_flag {
	BW_FLAG_MISSING_CLIENT_HINTS = 0,
	BW_FLAG_PLATFORM_MISMATCH,
	BW_FLAG_MOBILE_MISMATCH,
	BW_FLAG_MISSING_ACCEPT_LANGUAGE,
	BW_FLAG_INCOMPLETE_ACCEPT_ENCODING,
	BW_FLAG_MISSING_SEC_FETCH,
	BW_FLAG_SEC_FETCH_INCONSISTENT,
	BW_FLAG_SUSPICIOUS_USER_AGENT,
	BW_FLAG_EMPTY_USER_AGENT,
	BW_FLAG_KNOWN_BOT_PATTERN,
	BW_FLAG_HEADLESS_USER_AGENT,
	BW_FLAG_SECURE_HEADERS_ON_PLAINTEXT,
	BW_FLAG_MALFORMED_REQUEST,
	BW_FLAG_HEADER_ORDER_MISMATCH,
	BW_FLAG_TCP_OS_MISMATCH,
	BW_FLAG_BOT_IMPERSONATION,
	BW_FLAG_IP_TOR,
	BW_FLAG_IP_VPN,
	BW_FLAG_IP_PROXY,
	BW_FLAG_IP_HOSTING,
	BW_FLAG_IP_AI_CRAWLER,
	BW_FLAG__MAX,
};

/* Score buckets of seed 000: 0, 1-30, 31-60, 61-80, 81-100. */
enum bw_bucket {
	BW_BUCKET_0 = 0,
	BW_BUCKET_1_30,
	BW_BUCKET_31_60,
	BW_BUCKET_61_80,
	BW_BUCKET_81_100,
	BW_BUCKET__MAX,
};

#define BW_FLAG_SLOTS 32  /* room to append flags without changing the map */

/* Scoring statistics, written only by the daemon (array map, key 0). */
struct bw_score_stats {
	__u64 flag_hits[BW_FLAG_SLOTS];
	__u64 buckets[BW_BUCKET__MAX];
	__u64 scored;          /* requests scored                    */
	__u64 score_sum;       /* sum of scores, for the average     */
	__u64 verdicts_pushed; /* verdicts written by the daemon     */
	__u64 parse_errors;    /* samples that were not valid HTTP   */
	__u64 samples_seen;    /* ring buffer records consumed       */
	__u64 verdicts_suppressed; /* blast-radius limit hit: not pushed */
	__u64 verdicts_unestablished; /* deny on a request without an
				       * established connection: not pushed
				       * (require_established) */
};

/* What the running daemon says about itself (array map, key 0), so that
 * `botwall status` needs nothing but the pin directory. */
struct bw_daemon_state {
	__u32 pid;             /* 0 once it exited cleanly                 */
	__u32 ifindex;         /* interface the program is attached to     */
	__u32 prog_id;         /* botwall_xdp program id                   */
	__u32 attach_mode;     /* enum xdp_attach_mode (libxdp)            */
	__u64 started_ns;      /* CLOCK_BOOTTIME when this daemon started  */
	__u64 heartbeat_ns;    /* CLOCK_BOOTTIME of the last main-loop turn */
	__u64 lists_loaded_ns; /* CLOCK_BOOTTIME of the last list (re)load */
	__u32 block_prefixes;  /* prefixes loaded from blocklist files     */
	__u32 allow_prefixes;  /* prefixes loaded from allowlist files     */
	__u32 threshold;
	__u32 flags;           /* BW_DS_F_*                                */
};

#define BW_DS_F_ADOPTED 0x1u   /* found the program attached and kept it */
#define BW_DS_F_LEGACY  0x2u   /* attached without libxdp's dispatcher   */

/*
 * ---- scalable prefix lists (issue 3; design in docs/datapath.md) ----
 *
 * Up to BW_LISTS_MAX lists, each with an id (= its bit in a match mask), a
 * name, a category and an action. The daemon compiles all of them into one
 * lookup structure per generation; the datapath reads bw_lstate.gen once per
 * packet and uses only that generation's tables, so a reload builds the other
 * generation aside and flips gen in one write.
 *
 * IPv4 (DIR-24-8 style): bw_v4t24[gen] is an array of 2^20 chunks of 16
 * u16 entries indexed by the top 24 address bits. An entry is a class index
 * (0 = no list), or with BW_T24_GROUP the index of a 256-entry group in
 * bw_v4t8[gen] for /25-/31; BW_T24_HOST says "some /32 of this /24 is in the
 * exact table bw_v4host[gen]" (probed first, its class already includes the
 * covering prefixes). That table is a bucketized hash in an array: 64-byte
 * buckets (one cache line) of 8 slots, an address lives in bucket h1 or,
 * if h1 overflowed (flag in slot 0), h2 -- 8 bytes per host instead of the
 * ~80 of a kernel hash element. A class (bw_lclass[gen * BW_CLASS_MAX + c]) is a mask of
 * lists plus the strongest action, precomputed in userspace.
 * IPv6: bw_v6bkt[gen] maps the top 32 bits to a bucket with the class of the
 * best prefix <= /32 and either the only longer prefix under it or a bitmap
 * of the longer lengths present; bw_v6pfx[gen] holds the prefixes of the
 * bitmap buckets, probed longest first. A crowded /32 (several longer
 * prefixes, some >= /48) is split: bw_v6sub[gen] holds one bucket per /48
 * under it with a prefix >= /48 (its best cover <= /48, and the only longer
 * prefix or a bitmap of the longer lengths), so a listed /48, /64 or /128
 * there costs one /48 bucket instead of length probes. All three are the
 * same kind of two-choice bucketized hash in an array as bw_v4host.
 */
#define BW_MAP_LSTATE   "bw_lstate"   /* array[1]: active generation     */
#define BW_MAP_LCLASS   "bw_lclass"   /* array: classes of both gens     */
#define BW_MAP_LISTS    "bw_lists"    /* array: list id -> name, action  */
#define BW_MAP_LSTATS   "bw_lstats"   /* per-CPU array: per-list counters*/
#define BW_MAP_V4T24    "bw_v4t24"    /* array of maps[2]: tbl24         */
#define BW_MAP_V4T8     "bw_v4t8"     /* array of maps[2]: tbl8 groups   */
#define BW_MAP_V4HOST   "bw_v4host"   /* array of maps[2]: /32 buckets   */
#define BW_MAP_V6BKT    "bw_v6bkt"    /* array of maps[2]: /32 buckets   */
#define BW_MAP_V6PFX    "bw_v6pfx"    /* array of maps[2]: /33-/128 hash */
#define BW_MAP_V6SUB    "bw_v6sub"    /* array of maps[2]: /48 buckets   */
#define BW_MAP_V6PBF    "bw_v6pbf"    /* array: per gen, filter of bw_v6pfx */
#define BW_MAP_V6SPF    "bw_v6spf"    /* array: per gen, filter of split /32s */

#define BW_LISTS_MAX      64       /* one bit each in a u64 mask          */
#define BW_LIST_NAME_MAX  32
#define BW_CLASS_MAX      16384u   /* distinct (mask, action) per gen     */
#define BW_T24_CHUNKS     (1u << 20)
#define BW_T24_PER_CHUNK  16
#define BW_T24_HOST       0x8000u
#define BW_T24_GROUP      0x4000u
#define BW_T24_INDEX      0x3fffu
#define BW_T8_GROUPS_MAX  16384u
#define BW_V6_SHORTEST    16       /* shorter IPv6 prefixes are refused   */

enum bw_list_category {
	BW_LCAT_BLOCKLIST = 0,
	BW_LCAT_TOR,
	BW_LCAT_VPN,
	BW_LCAT_PROXY,
	BW_LCAT_HOSTING,
	BW_LCAT_AI_CRAWLER_RANGES,
	BW_LCAT_GOOD_BOT_RANGES,
	BW_LCAT_CUSTOM,
	BW_LCAT__MAX,
};

/* List actions, weakest first: a source in several lists gets the highest. */
enum bw_list_action {
	BW_LACT_NONE = 0,
	BW_LACT_MONITOR,     /* pass, count, sample every HTTP request     */
	BW_LACT_RATE_LIMIT,  /* token bucket per source at the class's rate */
	BW_LACT_DROP,
	BW_LACT_ALLOW,       /* an allow list wins over everything         */
	BW_LACT__MAX,
};

struct bw_lstate {
	__u32 gen;           /* 0 or 1: generation the datapath uses        */
	__u32 flags;         /* BW_LS_F_*                                   */
	__u64 seq;           /* bumped on every flip                        */
	__u32 host_mask[2];  /* per gen: bw_v4host buckets - 1 (power of 2) */
	__u32 v6b_mask[2];   /* per gen: bw_v6bkt cells - 1                 */
	__u32 v6p_mask[2];   /* per gen: bw_v6pfx cells - 1                 */
	__u32 v6s_mask[2];   /* per gen: bw_v6sub cells - 1                 */
};

/* IPv4 host slot: address << 32 | class << 16 | BW_HS_USED; slot 0 of a
 * bucket also carries BW_HS_OVERFLOW: "look in the h2 bucket too". */
#define BW_HOST_SLOTS    8
#define BW_HS_USED       0x1ull
#define BW_HS_OVERFLOW   0x2ull
#define BW_HOST_K1       0x9E3779B1u
#define BW_HOST_K2       0x85EBCA77u
#define BW_HOST_HASH(ip, k) (((ip) * (k)) ^ (((ip) * (k)) >> 15))

struct bw_host_bucket {
	__u64 s[BW_HOST_SLOTS];
};
#define BW_LS_F_MANUAL 0x1u  /* bw_allow/bw_block may hold entries: probe them */
#define BW_LS_F_V6PBF0 0x2u  /* gen 0's half of bw_v6pbf is complete (gen 1: << 1) */
#define BW_LS_F_V6SUB0 0x8u  /* most of gen 0's IPv6 prefixes are in /48 buckets:
                              * a source's /48 is looked up before its /32
                              * (gen 1: << 1) */
#define BW_LS_F_V6SPF0 0x20u /* gen 0's half of bw_v6spf is complete (gen 1: << 1) */

struct bw_list_class {
	__u64 mask;          /* bit i: list id i matched                    */
	__u8 action;         /* enum bw_list_action, strongest of the mask  */
	__u8 pad[3];
	__u32 rate_pps;      /* BW_LACT_RATE_LIMIT: the lowest rate of the
	                      * rate_limit lists in the mask (per source; per
	                      * /24 or /64 while the flood guard is on)     */
};

struct bw_list_info {        /* written by the daemon, read by the CLI   */
	char name[BW_LIST_NAME_MAX];
	__u8 used;
	__u8 category;       /* enum bw_list_category                       */
	__u8 action;         /* enum bw_list_action                         */
	__u8 pad;
	__u32 prefixes;      /* prefixes loaded                              */
	__u64 loaded_sec;    /* CLOCK_REALTIME of the last (re)load          */
	__u32 rate_pps;      /* rate_limit lists: packets per second         */
	__u32 pad2;
};

struct bw_list_counter {     /* per CPU, indexed by list id               */
	__u64 hits;          /* packets whose source matched the list       */
	__u64 drops;         /* of those, dropped (by any list's action)    */
};

struct bw_t24_chunk {
	__u16 e[BW_T24_PER_CHUNK];
};

struct bw_t8_group {
	__u16 e[256];
};

/* IPv6 /32 bucket: the class of the best prefix <= /32 covering it and
 * what lies under it. A /32 with exactly one longer prefix (the common case:
 * one listed /48, /64 or /128 in a provider's /32) keeps that prefix here,
 * so its lookup reads this one cache line; one with several keeps a bitmap
 * of their lengths, probed in bw_v6pfx. Two per 64-byte cell. */
struct bw_v6_one {           /* the only prefix > /32 under this /32      */
	__u64 lo;            /* address bits 64-127, masked, host order     */
	__u32 mid;           /* address bits 32-63, masked, host order      */
	__u16 cls;           /* its class (covering prefixes included)      */
	__u16 pad;
};

struct bw_v6_bucket {
	__u32 top;           /* address bits 0-31, host order               */
	__u16 cls;           /* class of the best prefix <= /32, or 0       */
	__u8 used;           /* BW_V6B_USED | BW_V6B_SPLIT                  */
	__u8 one_len;        /* 33..128: `one` holds the only longer prefix;
	                      * 0: `lens` says which lengths bw_v6pfx holds */
	union {
		__u64 lens[2];   /* bit i: prefixes of length 33 + i exist  */
		struct bw_v6_one one;
	};
};

struct bw_v6b_cell {
	struct bw_v6_bucket s[2];
	__u64 flags;         /* BW_HS_OVERFLOW                              */
	__u64 pad;
};

/* bw_v6_bucket.used. BW_V6B_SPLIT: the prefixes >= /48 under this /32 are
 * in bw_v6sub, one bucket per /48, and `lens` holds only the lengths
 * 33-47 (probed when this /48 has no bucket). */
#define BW_V6B_USED   0x1u
#define BW_V6B_SPLIT  0x2u

/* IPv6 /48 bucket under a split /32. */
struct bw_v6_sub {
	__u64 key;           /* address bits 0-47, host order (hi >> 16)    */
	__u64 lo;            /* one_len: the prefix's bits 64-127, masked;
	                      * else bit i: prefixes of length 65 + i exist  */
	__u16 mid;           /* one_len: its bits 48-63, masked;
	                      * else bit i: prefixes of length 49 + i exist  */
	__u16 cls;           /* class of the best prefix <= /48 covering this
	                      * /48 (the /32's own included), or 0          */
	__u16 one_cls;       /* one_len: the prefix's class                 */
	__u8 used;
	__u8 one_len;        /* 49..128: the only prefix > /48 under this /48
	                      * is stored here; 0: mid/lo are a bitmap      */
};

struct bw_v6s_cell {
	struct bw_v6_sub s[2];
	__u64 flags;         /* BW_HS_OVERFLOW                              */
	__u64 pad;
};

/* IPv6 prefix /33-/128: masked address and length. Two per cell. */
struct bw_v6_pslot {
	__u64 hi, lo;        /* masked address, host order                  */
	__u8 len;            /* 33..128                                     */
	__u8 used;
	__u16 cls;
};

struct bw_v6p_cell {
	struct bw_v6_pslot s[2];
	__u64 flags;         /* BW_HS_OVERFLOW                              */
	__u64 pad;
};

/* Hashes for the IPv6 cells (same in BPF and userspace). */
#define BW_V6_K1 0xff51afd7ed558ccdull
#define BW_V6_K2 0xc4ceb9fe1a85ec53ull
/* The fold before the multiply matters: the product's bits kept (32 up)
 * must depend on every input bit, including lo's top bits, which are all
 * that tells apart /65-/95 prefixes under one /64 (tests/bpf/test_random). */
#define BW_V6P_FOLD(x) ((x) ^ ((x) >> 32))
#define BW_V6P_HASH(hi, lo, len, k) \
	((__u32)((BW_V6P_FOLD((hi) ^ ((lo) * 0x9E3779B97F4A7C15ull) ^ (__u64)(len)) * (k)) >> 32))

/* bw_v6sub cells are hashed as the /48 prefix would be in bw_v6pfx. */
#define BW_V6S_HASH(key, k) BW_V6P_HASH((key) << 16, 0ull, 48ull, k)

/* A one-hash Bloom filter of the bw_v6pfx keys (and of the bw_v6sub /48s,
 * as /48 prefixes), one half per generation
 * (2^23 bits = 1 MiB each, a plain array, so its lookup is inlined and
 * its words stay in cache): a clear bit proves "no such prefix", so a
 * probe of a length present under the /32 but not covering this address
 * costs a cache hit instead of a miss in the prefix table. Written by
 * bw_ltable_apply before the flip; trusted only with BW_LS_F_V6PBF0 << gen.
 * Hashed with K2's top bits, independent of the K1 cell index. */
#define BW_V6PBF_BITS_LOG 23
#define BW_V6PBF_WORDS    (1u << (BW_V6PBF_BITS_LOG - 6))   /* per generation */
#define BW_V6PBF_BIT(hi, lo, len) (BW_V6P_HASH(hi, lo, len, BW_V6_K2) >> (32 - BW_V6PBF_BITS_LOG))

/* A one-hash Bloom filter of the split /32s (those with /48 buckets), one
 * half per generation (2^19 bits = 64 KiB each: small enough to stay in
 * the CPU's L2 while the tables' lines come and go). With the /48 looked
 * up first (BW_LS_F_V6SUB0), a clear bit proves the source's /32 has no
 * /48 buckets, so an unlisted source skips the /48 lookup and its filter
 * bit in the 1 MiB bw_v6pbf. Written by bw_ltable_apply before the flip
 * for generations with split /32s; trusted only with BW_LS_F_V6SPF0 << gen.
 * Hashed with K2's top bits. */
#define BW_V6SPF_BITS_LOG 19
#define BW_V6SPF_WORDS    (1u << (BW_V6SPF_BITS_LOG - 6))   /* per generation */
#define BW_V6SPF_BIT(top) (BW_HOST_HASH((__u32)(top), BW_HOST_K2) >> (32 - BW_V6SPF_BITS_LOG))

_Static_assert(sizeof(struct bw_addr) == 16, "bw_addr");
_Static_assert(sizeof(struct bw_lpm_key) == 20, "bw_lpm_key");
_Static_assert(sizeof(struct bw_list_entry) == 8, "bw_list_entry");
_Static_assert(sizeof(struct bw_verdict) == 24, "bw_verdict");
_Static_assert(sizeof(struct bw_counter) == 16, "bw_counter");
_Static_assert(sizeof(struct bw_config) == 48, "bw_config");
_Static_assert(sizeof(struct bw_syn_traits) == 40, "bw_syn_traits");
_Static_assert(sizeof(struct bw_cpu_state) == 24, "bw_cpu_state");
_Static_assert(sizeof(struct bw_sample) == 120 + BW_SAMPLE_CAP, "bw_sample");
_Static_assert((BW_SAMPLE_CAP & (BW_SAMPLE_CAP - 1)) == 0, "sample cap: power of two");
_Static_assert(BW_FLAG__MAX <= BW_FLAG_SLOTS, "too many flags");
_Static_assert(sizeof(struct bw_score_stats) ==
	       8 * (BW_FLAG_SLOTS + BW_BUCKET__MAX + 7), "bw_score_stats");
_Static_assert(sizeof(struct bw_daemon_state) == 56, "bw_daemon_state");
_Static_assert(sizeof(struct bw_lstate) == 48, "bw_lstate");
_Static_assert(sizeof(struct bw_ratelim) == 16, "bw_ratelim");
_Static_assert(sizeof(struct bw_src_stats) == 40, "bw_src_stats");
_Static_assert(BW_IAT_CAP_US < (1ull << 32), "iat^2 fits in 64 bits");
_Static_assert(sizeof(struct bw_host_bucket) == 64, "bw_host_bucket: one cache line");
_Static_assert(sizeof(struct bw_list_class) == 16, "bw_list_class");
_Static_assert(sizeof(struct bw_list_info) == 56, "bw_list_info");
_Static_assert(sizeof(struct bw_list_counter) == 16, "bw_list_counter");
_Static_assert(sizeof(struct bw_t24_chunk) == 32, "bw_t24_chunk");
_Static_assert(sizeof(struct bw_t8_group) == 512, "bw_t8_group");
_Static_assert(sizeof(struct bw_v6_one) == 16, "bw_v6_one");
_Static_assert(sizeof(struct bw_v6_bucket) == 24, "bw_v6_bucket");
_Static_assert(sizeof(struct bw_v6b_cell) == 64, "bw_v6b_cell: one cache line");
_Static_assert(sizeof(struct bw_v6_sub) == 24, "bw_v6_sub");
_Static_assert(sizeof(struct bw_v6s_cell) == 64, "bw_v6s_cell: one cache line");
_Static_assert(sizeof(struct bw_v6_pslot) == 24, "bw_v6_pslot");
_Static_assert(sizeof(struct bw_v6p_cell) == 64, "bw_v6p_cell: one cache line");
_Static_assert(BW_T24_CHUNKS * BW_T24_PER_CHUNK == (1u << 24), "tbl24 covers /24");
_Static_assert(BW_CLASS_MAX - 1 <= BW_T24_INDEX && BW_T8_GROUPS_MAX - 1 <= BW_T24_INDEX, "t24 index");
_Static_assert(BW_LACT__MAX <= 8, "list action fits");
_Static_assert(BW_CNT__MAX <= 32 && !(BW_CNT_OUTCOMES & 1u << BW_CNT_RX), "outcome mask");

#endif /* BOTWALL_ABI_H */
