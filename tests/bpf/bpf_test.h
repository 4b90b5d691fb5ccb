/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Setup shared by the BPF_PROG_TEST_RUN tests: the datapath object loaded
 * with private, unpinned maps (tests run in parallel with a daemon and with
 * each other), and the list-table fds the ltable loader needs.
 */
#ifndef BW_BPF_TEST_H
#define BW_BPF_TEST_H

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "botwall.skel.h"
#include "ltable.h"

/*
 * Opens and loads botwall_xdp. On failure prints "SKIP name: ..." (object
 * cannot be opened: returns NULL with *skip set) or "FAIL name_load: ..."
 * (the verifier refused it) and returns NULL.
 */
static inline struct botwall_bpf *bw_test_load(const char *name, int *skip)
{
	struct botwall_bpf *skel = botwall_bpf__open();
	struct bpf_map *m;

	*skip = 0;
	if (!skel) {
		printf("SKIP %s: cannot open the BPF object: %s\n", name, strerror(errno));
		*skip = 1;
		return NULL;
	}
	bpf_object__for_each_map(m, skel->obj)
		bpf_map__set_pin_path(m, NULL);
	if (botwall_bpf__load(skel)) {
		printf("FAIL %s_load: the verifier refused the program (%s)\n", name, strerror(errno));
		botwall_bpf__destroy(skel);
		return NULL;
	}
	return skel;
}

static inline struct bw_ltable_fds bw_test_ltable_fds(const struct botwall_bpf *skel)
{
	return (struct bw_ltable_fds){
		.lstate = bpf_map__fd(skel->maps.bw_lstate), .lclass = bpf_map__fd(skel->maps.bw_lclass),
		.lists = bpf_map__fd(skel->maps.bw_lists), .v4t24 = bpf_map__fd(skel->maps.bw_v4t24),
		.v4t8 = bpf_map__fd(skel->maps.bw_v4t8), .v4host = bpf_map__fd(skel->maps.bw_v4host),
		.v6bkt = bpf_map__fd(skel->maps.bw_v6bkt), .v6pfx = bpf_map__fd(skel->maps.bw_v6pfx),
		.v6pbf = bpf_map__fd(skel->maps.bw_v6pbf),
	};
}

#endif
