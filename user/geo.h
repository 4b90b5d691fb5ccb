/* SPDX-License-Identifier: GPL-2.0-only */
/* Country of an address from a MaxMind-format database (libmaxminddb). */
#ifndef BW_GEO_H
#define BW_GEO_H

#include <stddef.h>

#include "botwall_abi.h"

struct bw_geo;

/* Opens a .mmdb file. Returns NULL with a message in err. */
struct bw_geo *bw_geo_open(const char *path, char *err, size_t errlen);
void bw_geo_close(struct bw_geo *g);
/* ISO 3166 country code of addr into cc[3], or "" when unknown (g may be
 * NULL: no database, no country; never a guess). */
void bw_geo_country(struct bw_geo *g, const struct bw_addr *addr, char cc[3]);

#endif
