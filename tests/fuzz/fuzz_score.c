// SPDX-License-Identifier: GPL-2.0-only
/* libFuzzer target: the HTTP parser and the whole scorer (datasets loaded,
 * SYN traits parsed from the input's first line too). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "p0f.h"

static struct bw_scorer S;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct bw_engine_opts o = { 0 };
	char err[512], warn[1536];

	(void)argc;
	(void)argv;
	if (bw_engine_open(&S, &o, err, sizeof(err), warn, sizeof(warn)))
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bw_http_req req;
	struct bw_score sc;
	struct bw_syn syn;
	struct bw_score_ctx ctx = { 0 };
	char line[300], err[256];
	size_t n = size < sizeof(line) - 1 ? size : sizeof(line) - 1;
	char *buf = malloc(size ? size : 1);

	memcpy(line, data, n);
	line[n] = 0;
	if (!bw_syn_parse(line, &syn, err, sizeof(err)))
		ctx.syn = &syn;
	if (size)
		memcpy(buf, data, size); /* exact-size copy: ASan sees overreads */
	bw_score_full(&S, &req, bw_http_parse(buf, size, &req), &ctx, &sc);
	if (sc.score > 100)
		abort();
	free(buf);
	return 0;
}
