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
	struct bw_ltable_fds fds;
	char err[128];

	if (bw_ltable_fds_of_obj(skel->obj, &fds, err, sizeof(err))) {
		printf("FAIL ltable_fds: %s\n", err);
		memset(&fds, 0xff, sizeof(fds));
	}
	return fds;
}

#endif
