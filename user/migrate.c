// SPDX-License-Identifier: GPL-2.0-only
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "botwall_abi.h"
#include "log.h"
#include "migrate.h"

struct mctx {
	struct bpf_object *obj;
	struct btf *btf;       /* a loaded copy of the object's BTF (NULL: none) */
	bool btf_tried;
	int ncpu;
};

static bool is_percpu(enum bpf_map_type t)
{
	return t == BPF_MAP_TYPE_PERCPU_ARRAY || t == BPF_MAP_TYPE_PERCPU_HASH ||
	       t == BPF_MAP_TYPE_LRU_PERCPU_HASH;
}

static bool is_hashlike(enum bpf_map_type t)
{
	return t == BPF_MAP_TYPE_HASH || t == BPF_MAP_TYPE_LRU_HASH || t == BPF_MAP_TYPE_LPM_TRIE ||
	       t == BPF_MAP_TYPE_PERCPU_HASH || t == BPF_MAP_TYPE_LRU_PERCPU_HASH;
}

static bool is_array(enum bpf_map_type t)
{
	return t == BPF_MAP_TYPE_ARRAY || t == BPF_MAP_TYPE_PERCPU_ARRAY;
}

static bool is_lru(enum bpf_map_type t)
{
	return t == BPF_MAP_TYPE_LRU_HASH || t == BPF_MAP_TYPE_LRU_PERCPU_HASH;
}

/* Bytes one lookup of a value returns (per-CPU values: one slot per CPU). */
static size_t value_bytes(const struct mctx *c, enum bpf_map_type t, __u32 vsz)
{
	return is_percpu(t) ? (((size_t)vsz + 7) & ~(size_t)7) * (size_t)c->ncpu : vsz;
}

/* The object's BTF, loaded once into the kernel for the new maps (a copy:
 * libbpf loads its own when it loads the object). */
static int btf_fd(struct mctx *c)
{
	const struct btf *btf;
	const void *raw;
	__u32 sz;

	if (c->btf_tried)
		return c->btf ? btf__fd(c->btf) : -1;
	c->btf_tried = true;
	btf = bpf_object__btf(c->obj);
	if (!btf || !(raw = btf__raw_data(btf, &sz)))
		return -1;
	c->btf = btf__new(raw, sz);
	if (libbpf_get_error(c->btf)) {
		c->btf = NULL;
		return -1;
	}
	if (btf__load_into_kernel(c->btf)) {
		bw_debug("migrate: loading the object's BTF failed; new maps carry none");
		btf__free(c->btf);
		c->btf = NULL;
		return -1;
	}
	return btf__fd(c->btf);
}

/* A map as the object defines it (not pinned). */
static int create_like(struct mctx *c, const struct bpf_map *map)
{
	const struct bpf_map *inner = bpf_map__inner_map((struct bpf_map *)map);
	LIBBPF_OPTS(bpf_map_create_opts, o, .map_flags = bpf_map__map_flags(map),
		    .map_extra = bpf_map__map_extra(map));
	int fd, ifd = -1, bfd = btf_fd(c);

	if (inner) {
		LIBBPF_OPTS(bpf_map_create_opts, io, .map_flags = bpf_map__map_flags(inner));

		ifd = bpf_map_create(bpf_map__type(inner), "bw_inner_tmpl", bpf_map__key_size(inner),
				     bpf_map__value_size(inner), bpf_map__max_entries(inner) ? : 1, &io);
		if (ifd < 0)
			return -errno;
		o.inner_map_fd = (__u32)ifd;
	}
	if (bfd >= 0 && bpf_map__btf_value_type_id(map)) {
		o.btf_fd = (__u32)bfd;
		o.btf_key_type_id = bpf_map__btf_key_type_id(map);
		o.btf_value_type_id = bpf_map__btf_value_type_id(map);
	}
	fd = bpf_map_create(bpf_map__type(map), bpf_map__name(map), bpf_map__key_size(map),
			    bpf_map__value_size(map), bpf_map__max_entries(map), &o);
	if (fd < 0 && o.btf_fd) {
		o.btf_fd = o.btf_key_type_id = o.btf_value_type_id = 0;
		fd = bpf_map_create(bpf_map__type(map), bpf_map__name(map), bpf_map__key_size(map),
				    bpf_map__value_size(map), bpf_map__max_entries(map), &o);
	}
	if (fd < 0)
		fd = -errno;
	if (ifd >= 0)
		close(ifd);
	return fd;
}

static long count_keys(int fd, __u32 ksz, long bound)
{
	unsigned char *cur = malloc(ksz), *next = malloc(ksz);
	void *prev = NULL;
	long n = 0;

	if (!cur || !next) {
		free(cur);
		free(next);
		return -1;
	}
	while (n < bound && bpf_map_get_next_key(fd, prev, next) == 0) {
		memcpy(cur, next, ksz);
		prev = cur;
		n++;
	}
	free(cur);
	free(next);
	return n;
}

struct entry_buf {
	unsigned char *data;   /* n records of rec bytes: key, then value */
	size_t n, cap, rec;
	__u32 ksz;
};

static int ebuf_add(struct entry_buf *b, const void *k, const void *v, size_t vlen)
{
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 1024;
		unsigned char *nd = realloc(b->data, cap * b->rec);

		if (!nd)
			return -1;
		b->data = nd;
		b->cap = cap;
	}
	memcpy(b->data + b->n * b->rec, k, b->ksz);
	memcpy(b->data + b->n * b->rec + b->ksz, v, vlen);
	b->n++;
	return 0;
}

static size_t vd_off; /* offset of the value in a record, for the sort */

/* Oldest verdict first: inserted in this order, the newest survive when
 * they do not all fit (and an LRU evicts the oldest first). */
static int by_created(const void *a, const void *b)
{
	__u64 ca, cb;

	memcpy(&ca, (const unsigned char *)a + vd_off + offsetof(struct bw_verdict, created_ns), 8);
	memcpy(&cb, (const unsigned char *)b + vd_off + offsetof(struct bw_verdict, created_ns), 8);
	return ca < cb ? -1 : ca > cb;
}

/*
 * Copies every key of old into new (hash, LRU, LPM). Old values of
 * old_vsz are cut or zero-padded to the new value size. What does not fit
 * is dropped and counted. Verdicts are copied oldest first so the newest
 * are the ones kept.
 */
static int copy_keys(struct mctx *c, int ofd, int nfd, const struct bpf_map_info *oi,
		     const struct bpf_map *map, long *copied, long *dropped)
{
	enum bpf_map_type nt = bpf_map__type(map);
	__u32 ksz = oi->key_size, nvsz = bpf_map__value_size(map);
	size_t olen = value_bytes(c, oi->type, oi->value_size);
	size_t nlen = value_bytes(c, nt, nvsz);
	size_t vlen = olen > nlen ? olen : nlen, skip = 0;
	struct entry_buf b = { .ksz = ksz, .rec = ksz + vlen };
	unsigned char *cur = malloc(ksz), *next = malloc(ksz), *val = calloc(1, vlen);
	long bound = (long)oi->max_entries * 2 + 16, total;
	__u32 cap = bpf_map__max_entries(map);
	void *prev = NULL;
	int rc = -1;

	*copied = *dropped = 0;
	if (!cur || !next || !val)
		goto out;
	while (bound-- > 0 && bpf_map_get_next_key(ofd, prev, next) == 0) {
		memcpy(cur, next, ksz);
		prev = cur;
		memset(val, 0, vlen);
		if (bpf_map_lookup_elem(ofd, cur, val))
			continue; /* gone meanwhile (LRU eviction, expiry) */
		if (ebuf_add(&b, cur, val, vlen))
			goto out;
	}
	if (!strcmp(bpf_map__name(map), BW_MAP_VERDICTS) && oi->value_size >= sizeof(struct bw_verdict) &&
	    !is_percpu(oi->type)) {
		vd_off = ksz;
		qsort(b.data, b.n, b.rec, by_created);
	}
	/* An LRU never refuses an insert, it evicts: take only what fits,
	 * the last (newest) ones. */
	if (is_lru(nt) && b.n > cap)
		skip = b.n - cap;
	for (size_t i = skip; i < b.n; i++) {
		unsigned char *r = b.data + i * b.rec;

		if (bpf_map_update_elem(nfd, r, r + ksz, BPF_NOEXIST))
			(*dropped)++;
	}
	*dropped += (long)skip;
	/* What actually is there (an LRU near its size may evict early). */
	total = count_keys(nfd, ksz, (long)cap * 2 + 16);
	*copied = total < 0 ? (long)b.n - *dropped : total;
	*dropped = (long)b.n - *copied;
	rc = 0;
out:
	free(b.data);
	free(cur);
	free(next);
	free(val);
	return rc;
}

/* Copies the indices both arrays have; counts non-zero ones beyond. A
 * value that grew (maps of value_grows_at_end, not per-CPU) is copied
 * zero-extended. */
static int copy_array(struct mctx *c, int ofd, int nfd, const struct bpf_map_info *oi,
		      const struct bpf_map *map, long *copied, long *dropped)
{
	size_t olen = value_bytes(c, oi->type, oi->value_size);
	size_t nlen = value_bytes(c, bpf_map__type(map), bpf_map__value_size(map));
	size_t len = olen > nlen ? olen : nlen;
	unsigned char *val = calloc(1, len), *zero = calloc(1, len);
	__u32 n = bpf_map__max_entries(map);

	*copied = *dropped = 0;
	if (!val || !zero) {
		free(val);
		free(zero);
		return -1;
	}
	for (__u32 i = 0; i < oi->max_entries; i++) {
		if (bpf_map_lookup_elem(ofd, &i, val))
			continue;
		if (i >= n) {
			if (memcmp(val, zero, len))
				(*dropped)++;
			continue;
		}
		if (bpf_map_update_elem(nfd, &i, val, BPF_ANY))
			(*dropped)++;
		else
			(*copied)++;
	}
	free(val);
	free(zero);
	return 0;
}

/* Pins fd under path__mig (bpffs refuses names with a dot) and renames it
 * over path: the path always names a map (the old one, then the new one). */
static int repin(int fd, const char *path)
{
	char tmp[4096];

	if (snprintf(tmp, sizeof(tmp), "%s__mig", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	unlink(tmp); /* left over by a migration that died */
	if (bpf_obj_pin(fd, tmp))
		return -errno;
	if (rename(tmp, path)) {
		int e = -errno;

		unlink(tmp);
		return e;
	}
	return 0;
}

/* For a map of maps whose outer definition matches: do the inner maps in
 * it match the object's inner definition? (The verifier checks a program
 * against the outer map's inner template, which the pin carries.) */
static bool inner_matches(int ofd, const struct bpf_map_info *oi, const struct bpf_map *map)
{
	const struct bpf_map *inner = bpf_map__inner_map((struct bpf_map *)map);

	if (!inner)
		return true;
	for (__u32 i = 0; i < oi->max_entries; i++) {
		struct bpf_map_info ii = {};
		__u32 id, len = sizeof(ii);
		int fd;
		bool same;

		if (bpf_map_lookup_elem(ofd, &i, &id))
			continue;
		fd = bpf_map_get_fd_by_id(id);
		if (fd < 0)
			continue;
		same = !bpf_obj_get_info_by_fd(fd, &ii, &len) &&
		       ii.type == bpf_map__type(inner) && ii.key_size == bpf_map__key_size(inner) &&
		       ii.value_size == bpf_map__value_size(inner);
		close(fd);
		if (!same)
			return false;
	}
	return true;
}

/* Maps whose value only ever grows by fields added at the end, where zero
 * is the old behaviour of a new field: an old pin is copied, cut or
 * zero-extended, instead of recreated empty. Verdicts are never lost
 * silently; the list state keeps the generation in force (and the flag
 * that makes the datapath probe manual entries) across an upgrade. */
static bool value_grows_at_end(const char *name)
{
	return !strcmp(name, BW_MAP_VERDICTS) || !strcmp(name, BW_MAP_LSTATE);
}

static int migrate_one(struct mctx *c, const struct bpf_map *map, struct bw_migrate_result *res)
{
	const char *path = bpf_map__pin_path(map), *name = bpf_map__name(map);
	enum bpf_map_type nt = bpf_map__type(map);
	struct bpf_map_info oi = {};
	__u32 len = sizeof(oi);
	long copied = 0, dropped = 0, had;
	bool compatible, rebuilt;
	int ofd, nfd, err;

	if (!path)
		return 0;
	ofd = bpf_obj_get(path);
	if (ofd < 0)
		return 0; /* not pinned yet: libbpf creates it */
	if (bpf_obj_get_info_by_fd(ofd, &oi, &len)) {
		bw_err("migrate: %s: reading the pinned map: %s", path, strerror(errno));
		close(ofd);
		return -1;
	}
	if (oi.type == nt && oi.key_size == bpf_map__key_size(map) &&
	    oi.value_size == bpf_map__value_size(map) && oi.max_entries == bpf_map__max_entries(map) &&
	    oi.map_flags == bpf_map__map_flags(map) && oi.map_extra == bpf_map__map_extra(map) &&
	    inner_matches(ofd, &oi, map)) {
		close(ofd);
		return 0;
	}

	nfd = create_like(c, map);
	if (nfd < 0) {
		bw_err("migrate: %s: creating the new map (%u entries): %s; the old one stays and "
		       "loading will fail: `botwall detach` to start afresh", name,
		       bpf_map__max_entries(map), strerror(-nfd));
		close(ofd);
		res->failed++;
		return -1;
	}
	compatible = oi.type == nt && oi.key_size == bpf_map__key_size(map) &&
		     oi.value_size == bpf_map__value_size(map) && oi.map_flags == bpf_map__map_flags(map);
	rebuilt = nt == BPF_MAP_TYPE_RINGBUF || nt == BPF_MAP_TYPE_ARRAY_OF_MAPS ||
		  nt == BPF_MAP_TYPE_HASH_OF_MAPS;
	err = 0;
	if (rebuilt) {
		/* nothing to copy */
	} else if (compatible && is_array(nt)) {
		err = copy_array(c, ofd, nfd, &oi, map, &copied, &dropped);
	} else if (compatible && is_hashlike(nt)) {
		err = copy_keys(c, ofd, nfd, &oi, map, &copied, &dropped);
	} else if (value_grows_at_end(name) && oi.key_size == bpf_map__key_size(map) &&
		   !is_percpu(oi.type) && !is_percpu(nt) &&
		   ((is_hashlike(oi.type) && is_hashlike(nt)) || (oi.type == nt && is_array(nt)))) {
		/* Same key, a field added at the end: copy what overlaps. */
		err = is_array(nt) ? copy_array(c, ofd, nfd, &oi, map, &copied, &dropped)
				   : copy_keys(c, ofd, nfd, &oi, map, &copied, &dropped);
		compatible = true;
		bw_warn("migrate: %s: value size %u -> %u: entries copied with the value cut or "
			"zero-extended", name, oi.value_size, bpf_map__value_size(map));
	}
	if (err) {
		bw_err("migrate: %s: copying the entries failed (out of memory); the old map stays",
		       name);
		close(nfd);
		close(ofd);
		res->failed++;
		return -1;
	}
	err = repin(nfd, path);
	if (err) {
		bw_err("migrate: %s: re-pinning at %s: %s; the old map stays", name, path, strerror(-err));
		close(nfd);
		close(ofd);
		res->failed++;
		return -1;
	}
	if (rebuilt) {
		bw_info("migrate: %s: recreated (%u -> %u entries, %s); %s", name, oi.max_entries,
			bpf_map__max_entries(map), nt == BPF_MAP_TYPE_RINGBUF ? "ring buffer" : "map of maps",
			nt == BPF_MAP_TYPE_RINGBUF ? "samples not yet consumed are lost" :
			"the list loader fills it again");
		res->recreated++;
	} else if (compatible) {
		bw_info("migrate: %s: %u -> %u entries, %ld copied, %ld dropped (did not fit)", name,
			oi.max_entries, bpf_map__max_entries(map), copied, dropped);
		if (dropped && !strcmp(name, BW_MAP_VERDICTS))
			bw_warn("migrate: %s: %ld verdicts did not fit in %u entries and were dropped "
				"(the newest were kept)", name, dropped, bpf_map__max_entries(map));
		res->migrated++;
	} else {
		had = count_keys(ofd, oi.key_size ? oi.key_size : 4, (long)oi.max_entries * 2 + 16);
		bw_warn("migrate: %s: INCOMPATIBLE change (type %u -> %u, key %u -> %u, value %u -> %u "
			"bytes): recreated EMPTY, %ld entries of the old map lost", name, oi.type, nt,
			oi.key_size, bpf_map__key_size(map), oi.value_size, bpf_map__value_size(map),
			oi.key_size ? had : 0L);
		res->recreated++;
	}
	close(nfd);
	close(ofd);
	return 0;
}

int bw_migrate_pins(struct bpf_object *obj, struct bw_migrate_result *res)
{
	struct mctx c = { .obj = obj, .ncpu = libbpf_num_possible_cpus() };
	struct bpf_map *map;
	int rc = 0;

	memset(res, 0, sizeof(*res));
	if (c.ncpu <= 0)
		return -1;
	bpf_object__for_each_map(map, obj)
		if (migrate_one(&c, map, res))
			rc = -1;
	btf__free(c.btf);
	return rc;
}
