/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Two locks per pin directory:
 *  - the instance lock (/run/botwall/<pin dir>.lock, held for the daemon's
 *    whole life): one daemon per pin directory;
 *  - the map lock (flock on the pin directory itself, held briefly): the
 *    daemon while it syncs lists or sweeps verdicts, the CLI while it edits
 *    maps or detaches, so their multi-step changes never interleave.
 */
#ifndef BW_LOCK_H
#define BW_LOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define BW_RUN_DIR "/run/botwall"

/* Returns the held lock's fd, or -1 with err (naming the holder's pid). */
int bw_instance_lock(const char *pin_dir, char *err, size_t errlen);
/* Is a daemon holding the instance lock? Fills *pid when it can tell. */
bool bw_instance_running(const char *pin_dir, pid_t *pid);
/* Waits up to timeout_ms for the map lock; returns its fd or -1. */
int bw_map_lock(const char *pin_dir, int timeout_ms, char *err, size_t errlen);
void bw_unlock(int fd);

#endif
