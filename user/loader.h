/* SPDX-License-Identifier: GPL-2.0-only */
/* Loading the XDP object (maps pinned under one directory) and attaching it
 * to an interface with libxdp. */
#ifndef BW_LOADER_H
#define BW_LOADER_H

#include <stdbool.h>

#include "config.h"

struct botwall_bpf;
struct xdp_program;

struct bw_loader {
	struct botwall_bpf *skel;
	struct xdp_program *xprog;
	const char *pin_dir;
	int ifindex;
	int attach_mode;        /* enum xdp_attach_mode actually used  */
	unsigned int prog_id;   /* id of the program on the interface  */
	bool attached;          /* we attached it (and may detach it)  */
	bool adopted;           /* it was already there from an earlier run */
	bool legacy;            /* attached without libxdp's dispatcher     */
	bool migrated;          /* bw_loader_migrate replaced pinned maps   */
	unsigned int old_counters_id; /* counters map id before migrating   */
	unsigned int replace_id;/* attached program using the old maps      */
};

/* Creates the pin directory (0700) and opens the skeleton with every map
 * pinned by name there (existing pins are reused when it is loaded). */
int bw_loader_open(struct bw_loader *L, const char *pin_dir);
/* Sizes the verdict table (0: as built) and migrates every pinned map
 * whose definition differs from the object's (user/migrate.h), before
 * anything is loaded. A botwall program found attached afterwards that uses
 * the old maps is replaced by bw_loader_attach, without a gap. */
int bw_loader_migrate(struct bw_loader *L, unsigned int verdict_max);
/* Attaches to ifname (libxdp loads the object then), or adopts a botwall
 * program already attached there that uses the same pinned maps. Either
 * way the maps are pinned afterwards: open them with bw_maps_open(). */
int bw_loader_attach(struct bw_loader *L, const char *ifname, enum bw_xdp_mode mode);
void bw_loader_detach(struct bw_loader *L);
/* Detaches program prog_id from ifindex, whoever loaded it (legacy or
 * dispatcher mode). -ENOENT if it is not attached there. */
int bw_detach_prog(int ifindex, unsigned int prog_id);
/* Is prog_id attached to ifindex (in this network namespace)? */
bool bw_prog_attached(int ifindex, unsigned int prog_id, int *mode, bool *legacy);
/* Frees everything without detaching (the program stays attached). */
void bw_loader_close(struct bw_loader *L);
/* Removes the map pins (the directory too, if it ends up empty). */
void bw_loader_unpin(struct bw_loader *L);
const char *bw_mode_name(int xdp_attach_mode);

#endif
