/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Setup shared by the BPF_PROG_TEST_RUN tests: the datapath object loaded
 * with private, unpinned maps (tests run in parallel with a daemon and with
 * each other), and the list-table fds the ltable loader needs.
 */
#ifndef BW_BPF_TEST_H
#define BW_BPF_TEST_H

#include <errno.h>
#include <stddef.h>
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

/* The sample ring buffer as the tests read it: how many events arrived
 * and the last one (its header, and its payload as far as it came). */
struct bw_test_samples {
	struct ring_buffer *rb;
	struct bw_sample last;
	int n;
};

static inline int bw_test_on_sample(void *ctx, void *data, size_t len)
{
	struct bw_test_samples *s = ctx;

	if (len >= offsetof(struct bw_sample, payload)) {
		if (len > sizeof(s->last))
			len = sizeof(s->last);
		memset(&s->last, 0, sizeof(s->last));
		memcpy(&s->last, data, len);
	}
	s->n++;
	return 0;
}

/* Reads skel's bw_samples into s; -1 with "FAIL name_ringbuf" printed. */
static inline int bw_test_samples_open(const struct botwall_bpf *skel, struct bw_test_samples *s,
				       const char *name)
{
	memset(s, 0, sizeof(*s));
	s->rb = ring_buffer__new(bpf_map__fd(skel->maps.bw_samples), bw_test_on_sample, s, NULL);
	if (!s->rb) {
		printf("FAIL %s_ringbuf: %s\n", name, strerror(errno));
		return -1;
	}
	return 0;
}

/* Forgets what was read so far, reads what is queued, and returns how
 * many events that was. */
static inline int bw_test_drain(struct bw_test_samples *s)
{
	s->n = 0;
	memset(&s->last, 0, sizeof(s->last));
	ring_buffer__consume(s->rb);
	return s->n;
}

#endif
