/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef BW_SCORE_CMD_H
#define BW_SCORE_CMD_H
#include <stdbool.h>
/* argv[0] is "score". */
int bw_cmd_score(int argc, char **argv, bool json, bool pretty);
#endif
