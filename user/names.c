// SPDX-License-Identifier: GPL-2.0-only
#include <string.h>

#include "names.h"

const struct bw_counter_name bw_counter_names[BW_CNT__MAX] = {
	[BW_CNT_RX]              = { "total", "rx", "packets seen by XDP" },
	[BW_CNT_PASS_NON_IP]     = { "pass", "non_ip", "not IPv4/IPv6" },
	[BW_CNT_PASS_MALFORMED]  = { "pass", "malformed", "truncated or invalid header" },
	[BW_CNT_PASS_ALLOWLIST]  = { "pass", "allowlist", "source on the allowlist" },
	[BW_CNT_PASS_NON_TCP]    = { "pass", "non_tcp", "IP but not TCP, or a later fragment" },
	[BW_CNT_PASS_TCP]        = { "pass", "tcp", "TCP, not an HTTP request start" },
	[BW_CNT_PASS_HTTP]       = { "pass", "http", "HTTP request start on a watched port" },
	[BW_CNT_DROP_BLOCKLIST]  = { "drop", "blocklist", "source on the blocklist" },
	[BW_CNT_DROP_VERDICT]    = { "drop", "verdict", "live verdict from the daemon" },
	[BW_CNT_EV_SAMPLED]      = { "event", "sampled", "request copied to the ring buffer" },
	[BW_CNT_EV_RINGBUF_FULL] = { "event", "ringbuf_full", "sample lost: ring buffer full" },
	[BW_CNT_EV_VERDICT_EXPIRED] = { "event", "verdict_expired", "expired verdict ignored" },
	[BW_CNT_DROP_RATE_LIMIT] = { "drop", "rate_limit", "over the rate of a rate_limit verdict or list" },
	[BW_CNT_DROP_RESET]      = { "drop", "reset", "answered with a TCP RST (reset verdict)" },
	[BW_CNT_EV_MONITORED]    = { "event", "monitored", "packet of a monitored source" },
	[BW_CNT_EV_SYN_RECORDED] = { "event", "syn_recorded", "SYN traits of a source recorded" },
	[BW_CNT_EV_FLOOD_SKIPPED] = { "event", "flood_skipped", "flood guard: sampling and per-source state skipped" },
	[BW_CNT_EV_SAMPLE_BUDGET] = { "event", "sample_budget", "sample skipped: per-CPU budget spent" },
	[BW_CNT_EV_NOT_SELECTED] = { "event", "not_selected", "request not sampled: source not new, not in the share, not monitored" },
};

/* Descriptions of the seed-000 flags are seed 000's own words. */
const struct bw_flag_name bw_flag_names[BW_FLAG__MAX] = {
	[BW_FLAG_MISSING_CLIENT_HINTS] = { "missing_client_hints",
		"Browser claims to be Chrome but doesn't send Client Hints" },
	[BW_FLAG_PLATFORM_MISMATCH] = { "platform_mismatch",
		"User-Agent platform doesn't match Client Hints platform" },
	[BW_FLAG_MOBILE_MISMATCH] = { "mobile_mismatch",
		"User-Agent mobile flag doesn't match Client Hints" },
	[BW_FLAG_MISSING_ACCEPT_LANGUAGE] = { "missing_accept_language",
		"Request missing Accept-Language header" },
	[BW_FLAG_INCOMPLETE_ACCEPT_ENCODING] = { "incomplete_accept_encoding",
		"Accept-Encoding missing common compression formats" },
	[BW_FLAG_MISSING_SEC_FETCH] = { "missing_sec_fetch",
		"Modern browser missing Sec-Fetch headers" },
	[BW_FLAG_SEC_FETCH_INCONSISTENT] = { "sec_fetch_inconsistent",
		"Sec-Fetch headers inconsistent with request type" },
	[BW_FLAG_SUSPICIOUS_USER_AGENT] = { "suspicious_user_agent",
		"User-Agent contains suspicious patterns" },
	[BW_FLAG_EMPTY_USER_AGENT] = { "empty_user_agent",
		"Request has empty User-Agent" },
	[BW_FLAG_KNOWN_BOT_PATTERN] = { "known_bot_pattern",
		"User-Agent matches known bot/scraper pattern" },
	[BW_FLAG_HEADLESS_USER_AGENT] = { "headless_user_agent",
		"User-Agent names a headless browser" },
	[BW_FLAG_SECURE_HEADERS_ON_PLAINTEXT] = { "secure_headers_on_plaintext",
		"Sec-Fetch, client hints or br/zstd sent over plaintext HTTP to a named host" },
	[BW_FLAG_MALFORMED_REQUEST] = { "malformed_request",
		"Request line or header block is not valid HTTP/1.x" },
	[BW_FLAG_HEADER_ORDER_MISMATCH] = { "header_order_mismatch",
		"Header order or name case differs from the claimed browser's" },
	[BW_FLAG_TCP_OS_MISMATCH] = { "tcp_os_mismatch",
		"TCP SYN fingerprint contradicts the User-Agent operating system" },
	[BW_FLAG_BOT_IMPERSONATION] = { "bot_impersonation",
		"Claims a known good crawler from outside its published ranges" },
	[BW_FLAG_IP_TOR] = { "ip_tor", "Source address is a Tor exit node" },
	[BW_FLAG_IP_VPN] = { "ip_vpn", "Source address belongs to a VPN provider" },
	[BW_FLAG_IP_PROXY] = { "ip_proxy", "Source address is an open or commercial proxy" },
	[BW_FLAG_IP_HOSTING] = { "ip_hosting", "Source address belongs to a hosting provider" },
	[BW_FLAG_IP_AI_CRAWLER] = { "ip_ai_crawler",
		"Source address is in a published AI crawler range" },
};

const char *const bw_bucket_names[BW_BUCKET__MAX] = {
	"score_0", "score_1_30", "score_31_60", "score_61_80", "score_81_100",
};

const char *bw_action_name(unsigned int action)
{
	static const char *const n[BW_ACT__MAX] = {
		"none", "drop", "monitor", "rate_limit", "reset",
	};
	return action < BW_ACT__MAX ? n[action] : "unknown";
}

const char *bw_verdict_reason_name(unsigned int reason)
{
	static const char *const n[BW_VR__MAX] = { "none", "score", "manual" };
	return reason < BW_VR__MAX ? n[reason] : "unknown";
}

const char *bw_flag_name(unsigned int flag)
{
	return flag < BW_FLAG__MAX ? bw_flag_names[flag].name : "none";
}

int bw_flag_by_name(const char *name)
{
	for (int i = 0; i < BW_FLAG__MAX; i++)
		if (!strcmp(bw_flag_names[i].name, name))
			return i;
	return -1;
}

enum bw_bucket bw_score_bucket(unsigned int score)
{
	if (score == 0)
		return BW_BUCKET_0;
	if (score <= 30)
		return BW_BUCKET_1_30;
	if (score <= 60)
		return BW_BUCKET_31_60;
	if (score <= 80)
		return BW_BUCKET_61_80;
	return BW_BUCKET_81_100;
}
