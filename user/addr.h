/* SPDX-License-Identifier: GPL-2.0-only */
/* Address and prefix text <-> ABI keys (IPv4 is stored IPv4-mapped). */
#ifndef BW_ADDR_H
#define BW_ADDR_H

#include <stdbool.h>
#include <stddef.h>

#include "botwall_abi.h"

#define BW_PREFIX_STRLEN 64

/* "ADDR" or "ADDR/LEN", IPv4 or IPv6. Host bits beyond LEN are cleared.
 * Returns 0, or -1 with a message in err. */
int bw_parse_prefix(const char *s, struct bw_lpm_key *k, char *err, size_t errlen);
/* A single address (no /LEN). */
int bw_parse_addr(const char *s, struct bw_addr *a, char *err, size_t errlen);

bool bw_addr_is_v4(const struct bw_addr *a);
void bw_addr_from_v4(struct bw_addr *a, const void *in_addr4);
void bw_format_addr(const struct bw_addr *a, char *buf, size_t len);
/* IPv4-mapped prefixes are printed as IPv4 CIDR. */
void bw_format_prefix(const struct bw_lpm_key *k, char *buf, size_t len);

#endif
