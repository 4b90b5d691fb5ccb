// SPDX-License-Identifier: GPL-2.0-only
#include <arpa/inet.h>
#include <ctype.h>
#include <maxminddb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "geo.h"

struct bw_geo {
	MMDB_s db;
};

struct bw_geo *bw_geo_open(const char *path, char *err, size_t errlen)
{
	struct bw_geo *g = calloc(1, sizeof(*g));
	int rc;

	if (!g) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	rc = MMDB_open(path, MMDB_MODE_MMAP, &g->db);
	if (rc != MMDB_SUCCESS) {
		snprintf(err, errlen, "%s: %s", path, MMDB_strerror(rc));
		free(g);
		return NULL;
	}
	return g;
}

void bw_geo_close(struct bw_geo *g)
{
	if (!g)
		return;
	MMDB_close(&g->db);
	free(g);
}

void bw_geo_country(struct bw_geo *g, const struct bw_addr *addr, char cc[3])
{
	struct sockaddr_in6 sa6 = { .sin6_family = AF_INET6 };
	struct sockaddr_in sa4 = { .sin_family = AF_INET };
	const struct sockaddr *sa;
	MMDB_lookup_result_s res;
	MMDB_entry_data_s ed;
	int gai, mmdb;

	cc[0] = '\0';
	if (!g)
		return;
	if (bw_addr_is_v4(addr)) {
		memcpy(&sa4.sin_addr, addr->b + 12, 4);
		sa = (const struct sockaddr *)&sa4;
	} else {
		memcpy(&sa6.sin6_addr, addr->b, 16);
		sa = (const struct sockaddr *)&sa6;
	}
	res = MMDB_lookup_sockaddr(&g->db, sa, &mmdb);
	if (mmdb != MMDB_SUCCESS || !res.found_entry)
		return;
	gai = MMDB_get_value(&res.entry, &ed, "country", "iso_code", NULL);
	if (gai != MMDB_SUCCESS || !ed.has_data || ed.type != MMDB_DATA_TYPE_UTF8_STRING ||
	    ed.data_size != 2)
		return;
	if (!isalpha((unsigned char)ed.utf8_string[0]) || !isalpha((unsigned char)ed.utf8_string[1]))
		return;
	cc[0] = (char)toupper((unsigned char)ed.utf8_string[0]);
	cc[1] = (char)toupper((unsigned char)ed.utf8_string[1]);
	cc[2] = '\0';
}
