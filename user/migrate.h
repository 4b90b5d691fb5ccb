/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Migration of pinned maps whose definition changed (a new build, or a
 * config key such as verdict_table_size that sizes a map).
 *
 * libbpf reuses a pin only when the pinned map matches the object's
 * definition exactly; otherwise it refuses to load. Before the object is
 * loaded, bw_migrate_pins() compares every pinned map with the object and,
 * for each one that differs, creates a map as the object defines it, copies
 * what can be copied, pins it under a temporary name and rename(2)s it over
 * the old pin. The old maps stay alive as long as a program (the one still
 * attached) uses them, so enforcement never stops; the caller then replaces
 * that program with the new one.
 */
#ifndef BW_MIGRATE_H
#define BW_MIGRATE_H

#include <stddef.h>

struct bpf_object;

struct bw_migrate_result {
	unsigned int migrated;   /* maps replaced by a new one (entries copied)  */
	unsigned int recreated;  /* maps replaced by an empty one                */
	unsigned int failed;     /* maps that could not be replaced              */
};

/* Compares and migrates every pinned map of obj (opened with a pin root
 * path, not loaded yet). Logs one line per map it touches. Returns 0, or -1
 * if a map could not be migrated (the old pin then stays, and loading the
 * object will fail with libbpf's mismatch error). */
int bw_migrate_pins(struct bpf_object *obj, struct bw_migrate_result *res);

#endif
