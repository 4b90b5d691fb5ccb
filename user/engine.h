/* SPDX-License-Identifier: GPL-2.0-only */
/* Builds the scorer the daemon and `botwall score` share: datasets, SYN
 * signatures and weights, from the same options, with the same fallbacks. */
#ifndef BW_ENGINE_H
#define BW_ENGINE_H

#include <stddef.h>

#include "score.h"

struct bw_engine_opts {
	const char *weights;   /* weights file, NULL: built-in defaults          */
	const char *uap;       /* regexes.yaml, NULL: BW_UAP_DEFAULT_PATH        */
	const char *crawlers;  /* crawler-user-agents JSON, NULL: search paths   */
	const char *p0f;       /* p0f.fp, NULL: BW_P0F_DEFAULT_PATH              */
	unsigned int deny;     /* deny threshold, 0: the weights' value          */
};

/* Returns 0, or -1 with err set when the weights file is bad (the only hard
 * error). Missing datasets are reported once in warn and fall back. */
int bw_engine_open(struct bw_scorer *sc, const struct bw_engine_opts *o,
		   char *err, size_t errlen, char *warn, size_t warnlen);
void bw_engine_close(struct bw_scorer *sc);

#endif
