// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lock.h"

static int lock_path(const char *pin_dir, char *out, size_t len)
{
	size_t n = (size_t)snprintf(out, len, BW_RUN_DIR "/");

	for (const char *p = pin_dir; *p && n + 6 < len; p++)
		out[n++] = *p == '/' ? '_' : *p;
	if (n + 6 >= len || n - strlen(BW_RUN_DIR "/") > NAME_MAX - 5)
		return -1;
	snprintf(out + n, len - n, ".lock");
	return 0;
}

static pid_t read_pid(int fd)
{
	char buf[32] = "";
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	return n > 0 ? (pid_t)atol(buf) : 0;
}

int bw_instance_lock(const char *pin_dir, char *err, size_t errlen)
{
	char path[PATH_MAX];
	int fd;

	if (lock_path(pin_dir, path, sizeof(path))) {
		snprintf(err, errlen, "pin directory path too long for a lock file: %s", pin_dir);
		return -1;
	}
	if (mkdir(BW_RUN_DIR, 0700) && errno != EEXIST) {
		snprintf(err, errlen, "cannot create %s: %s", BW_RUN_DIR, strerror(errno));
		return -1;
	}
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		pid_t pid = read_pid(fd);

		snprintf(err, errlen, "another botwalld (pid %ld) already runs with pin directory %s",
			 (long)pid, pin_dir);
		close(fd);
		return -1;
	}
	if (ftruncate(fd, 0) == 0)
		dprintf(fd, "%ld\n", (long)getpid());
	return fd;
}

bool bw_instance_running(const char *pin_dir, pid_t *pid)
{
	char path[PATH_MAX];
	bool held = false;
	int fd;

	*pid = 0;
	if (lock_path(pin_dir, path, sizeof(path)))
		return false;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return false;
	if (flock(fd, LOCK_SH | LOCK_NB)) {
		held = errno == EWOULDBLOCK;
		*pid = read_pid(fd);
	} else {
		flock(fd, LOCK_UN);
	}
	close(fd);
	return held;
}

int bw_map_lock(const char *pin_dir, int timeout_ms, char *err, size_t errlen)
{
	struct timespec pause = { 0, 20 * 1000 * 1000 };
	int fd = open(pin_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", pin_dir, strerror(errno));
		return -1;
	}
	for (int waited = 0;; waited += 20) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			return fd;
		if (errno != EWOULDBLOCK || waited >= timeout_ms)
			break;
		nanosleep(&pause, NULL);
	}
	snprintf(err, errlen, "%s is locked by another botwall process (waited %d ms)",
		 pin_dir, timeout_ms);
	close(fd);
	return -1;
}

void bw_unlock(int fd)
{
	if (fd >= 0)
		close(fd); /* closing drops the flock */
}
