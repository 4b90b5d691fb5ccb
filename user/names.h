/* SPDX-License-Identifier: GPL-2.0-only */
/* Human names for the ABI enums: one table per enum, used by the daemon,
 * the CLI and the tests. */
#ifndef BW_NAMES_H
#define BW_NAMES_H

#include "botwall_abi.h"

struct bw_counter_name {
	const char *outcome;     /* "total", "pass", "drop" or "event" */
	const char *name;        /* stable key used in JSON            */
	const char *description;
};

struct bw_flag_name {
	const char *name;        /* stable id, as in seed 000 */
	const char *description;
};

extern const struct bw_counter_name bw_counter_names[BW_CNT__MAX];
extern const struct bw_flag_name bw_flag_names[BW_FLAG__MAX];
extern const char *const bw_bucket_names[BW_BUCKET__MAX];

const char *bw_action_name(unsigned int action);
const char *bw_verdict_reason_name(unsigned int reason);
const char *bw_flag_name(unsigned int flag);
/* Returns the flag id for a name, or -1. */
int bw_flag_by_name(const char *name);
/* Seed-000 bucket of a 0-100 score. */
enum bw_bucket bw_score_bucket(unsigned int score);

#endif
