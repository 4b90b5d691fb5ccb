// SPDX-License-Identifier: GPL-2.0-only
#include <stdio.h>
#include <string.h>

#include "engine.h"
#include "p0f.h"
#include "uadb.h"

int bw_engine_open(struct bw_scorer *sc, const struct bw_engine_opts *o,
		   char *err, size_t errlen, char *warn, size_t warnlen)
{
	char w1[1024] = "", w2[512] = "";

	memset(sc, 0, sizeof(*sc));
	bw_weights_default(&sc->w);
	if (o->weights && bw_weights_load(o->weights, &sc->w, err, errlen))
		return -1;
	if (o->deny)
		sc->w.deny = (uint8_t)o->deny;
	if (sc->w.challenge > sc->w.deny)
		sc->w.challenge = sc->w.deny;
	sc->uadb = bw_uadb_open(o->uap, o->crawlers, w1, sizeof(w1));
	sc->p0f = bw_p0f_load(o->p0f, w2, sizeof(w2));
	if (sc->p0f)
		w2[0] = 0;
	if (warn && warnlen)
		snprintf(warn, warnlen, "%s%s%s%s", w1, w1[0] && w2[0] ? "; " : "",
			 w2[0] ? "SYN signatures: " : "", w2);
	return 0;
}

void bw_engine_close(struct bw_scorer *sc)
{
	bw_uadb_close(sc->uadb);
	bw_p0f_free(sc->p0f);
	sc->uadb = NULL;
	sc->p0f = NULL;
}
