// SPDX-License-Identifier: GPL-2.0-only
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stddef.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <xdp/libxdp.h>

#include "botwall.skel.h"
#include "botwall_abi.h"
#include "loader.h"
#include "log.h"
#include "maps.h"
#include "migrate.h"

/*
 * libbpf/libxdp output goes to our log: debug chatter at debug level,
 * warnings as warnings. While attaching, libxdp probes the kernel for its
 * dispatcher and the failed probe loads print scary warnings on kernels
 * without freplace; those are held back and shown only if attaching fails.
 */
#define HELD_MAX (256u << 10)
static char *held;
static size_t held_len;
static bool holding;

static int lib_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char buf[4096];
	size_t n;

	if (level == LIBBPF_DEBUG && bw_log_level() < BW_LOG_DEBUG)
		return 0;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	n = strlen(buf);
	if (holding && level != LIBBPF_DEBUG) {
		char *nh = held_len + n + 1 <= HELD_MAX ? realloc(held, held_len + n + 1) : NULL;

		if (nh) {
			memcpy(nh + held_len, buf, n + 1);
			held = nh;
			held_len += n;
		}
		return 0;
	}
	if (n && buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	bw_log(level == LIBBPF_WARN ? BW_LOG_WARN : BW_LOG_DEBUG, "%s", buf);
	return 0;
}

static void release_held(bool show)
{
	holding = false;
	if (held && show)
		fprintf(stderr, "%s", held);
	else if (held)
		bw_debug("library messages while attaching (harmless):\n%s", held);
	free(held);
	held = NULL;
	held_len = 0;
}

static int mkdir_p(const char *path, mode_t mode)
{
	char tmp[4096];

	if (strlen(path) >= sizeof(tmp))
		return -ENAMETOOLONG;
	strcpy(tmp, path);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, mode) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(tmp, mode) && errno != EEXIST)
		return -errno;
	return 0;
}

int bw_loader_open(struct bw_loader *L, const char *pin_dir)
{
	LIBBPF_OPTS(bpf_object_open_opts, oo, .pin_root_path = pin_dir);
	int err;

	memset(L, 0, sizeof(*L));
	L->pin_dir = pin_dir;
	libbpf_set_print(lib_print);
	libxdp_set_print((libxdp_print_fn_t)lib_print);

	err = mkdir_p(pin_dir, 0700);
	if (err) {
		bw_err("cannot create pin directory %s: %s (is bpffs mounted? mount -t bpf bpf /sys/fs/bpf)",
		       pin_dir, strerror(-err));
		return err;
	}
	L->skel = botwall_bpf__open_opts(&oo);
	if (!L->skel) {
		err = -errno;
		bw_err("cannot open the BPF object: %s", strerror(-err));
		return err;
	}
	/* Not loaded here: libxdp loads the object when attaching, because
	 * behind its dispatcher the program must be loaded as an extension
	 * (freplace) of the dispatcher, which an already loaded program
	 * cannot become. */
	L->xprog = xdp_program__from_bpf_obj(L->skel->obj, "xdp");
	err = libxdp_get_error(L->xprog);
	if (err) {
		L->xprog = NULL;
		bw_err("libxdp cannot use the BPF object: %s", strerror(-err));
		return err;
	}
	return 0;
}

static __u32 map_id_of(int fd)
{
	struct bpf_map_info minfo = {};
	__u32 mlen = sizeof(minfo);

	if (fd < 0 || bpf_obj_get_info_by_fd(fd, &minfo, &mlen))
		return 0;
	return minfo.id;
}

/* Is the program with this id ours, i.e. does it use our pinned counters
 * (or the counters pinned before a migration replaced them)? */
static bool prog_uses_our_maps(unsigned int prog_id, int counters_fd, __u32 old_id)
{
	struct bpf_prog_info pinfo = {};
	__u32 plen = sizeof(pinfo);
	__u32 map_ids[16], id = map_id_of(counters_fd);
	bool ours = false;
	int fd;

	if (!id && !old_id)
		return false;
	fd = bpf_prog_get_fd_by_id(prog_id);
	if (fd < 0)
		return false;
	pinfo.nr_map_ids = 16;
	pinfo.map_ids = (__u64)(unsigned long)map_ids;
	if (!bpf_obj_get_info_by_fd(fd, &pinfo, &plen))
		for (__u32 i = 0; i < pinfo.nr_map_ids && i < 16; i++)
			ours |= (id && map_ids[i] == id) || (old_id && map_ids[i] == old_id);
	close(fd);
	return ours;
}

/* A botwall program already on the interface from an earlier run (started
 * with --keep, or killed): keep it, so protection never flaps. */
static int try_adopt(struct bw_loader *L, int pinned_counters)
{
	struct xdp_multiprog *mp = xdp_multiprog__get_from_ifindex(L->ifindex);
	struct xdp_program *p;
	int err = libxdp_get_error(mp);

	if (err)
		return 0;
	/* A lone (legacy) program is the main program; behind the dispatcher
	 * the programs are listed one by one. */
	p = xdp_multiprog__is_legacy(mp) ? xdp_multiprog__main_prog(mp)
					 : xdp_multiprog__next_prog(NULL, mp);
	for (; p; p = xdp_multiprog__is_legacy(mp) ? NULL : xdp_multiprog__next_prog(p, mp)) {
		if (strcmp(xdp_program__name(p), BW_XDP_PROG_NAME))
			continue;
		if (!prog_uses_our_maps(xdp_program__id(p), pinned_counters, L->old_counters_id)) {
			bw_err("another botwall program (id %u) is attached to ifindex %d with different maps; "
			       "detach it first or use its --pin-dir", xdp_program__id(p), L->ifindex);
			xdp_multiprog__close(mp);
			return -EBUSY;
		}
		L->attach_mode = xdp_multiprog__attach_mode(mp);
		L->legacy = xdp_multiprog__is_legacy(mp);
		if (L->migrated) {
			/* It uses the maps from before the migration: keep it
			 * enforcing until the new program replaces it. */
			L->replace_id = xdp_program__id(p);
			break;
		}
		L->prog_id = xdp_program__id(p);
		L->adopted = true;
		break;
	}
	if (!L->adopted && !L->replace_id && xdp_multiprog__main_prog(mp) && xdp_multiprog__is_legacy(mp)) {
		bw_err("another XDP program (%s, id %u) is attached to ifindex %d and the kernel "
		       "cannot share the interface (no libxdp dispatcher); detach it first",
		       xdp_program__name(xdp_multiprog__main_prog(mp)),
		       xdp_program__id(xdp_multiprog__main_prog(mp)), L->ifindex);
		xdp_multiprog__close(mp);
		return -EBUSY;
	}
	xdp_multiprog__close(mp);
	return 0;
}

/* A pinned bw_vfilter that the new program cannot trust (absent: an
 * upgrade; another geometry: its bits mean other addresses) must not be
 * trusted by the datapath until the daemon has rebuilt it: clear
 * BW_CFG_F_VFILTER in the pinned config before anything is loaded. */
static void vfilter_distrust(const char *pin_dir)
{
	struct bpf_map_info mi = {};
	__u32 mlen = sizeof(mi), zero = 0;
	char path[4096];
	__u8 buf[256];
	bool ok = false;
	__u32 flags;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", pin_dir, BW_MAP_VFILTER);
	fd = bpf_obj_get(path);
	if (fd >= 0 && !bpf_obj_get_info_by_fd(fd, &mi, &mlen))
		ok = mi.max_entries == BW_VF_WORDS && mi.value_size == sizeof(__u64) &&
		     mi.type == BPF_MAP_TYPE_ARRAY;
	if (fd >= 0)
		close(fd);
	if (ok)
		return;
	snprintf(path, sizeof(path), "%s/%s", pin_dir, BW_MAP_CONFIG);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return; /* first start: the new config has no flags yet */
	memset(&mi, 0, sizeof(mi));
	mlen = sizeof(mi);
	if (!bpf_obj_get_info_by_fd(fd, &mi, &mlen) && mi.value_size <= sizeof(buf) &&
	    mi.value_size >= offsetof(struct bw_config, flags) + sizeof(flags) &&
	    !bpf_map_lookup_elem(fd, &zero, buf)) {
		memcpy(&flags, buf + offsetof(struct bw_config, flags), sizeof(flags));
		if (flags & BW_CFG_F_VFILTER) {
			flags &= ~BW_CFG_F_VFILTER;
			memcpy(buf + offsetof(struct bw_config, flags), &flags, sizeof(flags));
			if (bpf_map_update_elem(fd, &zero, buf, BPF_ANY))
				bw_warn("%s: clearing the verdict filter flag: %s", path, strerror(errno));
		}
	}
	close(fd);
}

int bw_loader_migrate(struct bw_loader *L, unsigned int verdict_max)
{
	struct bw_migrate_result res;
	char path[4096];
	int fd, rc;

	if (verdict_max && bpf_map__set_max_entries(L->skel->maps.bw_verdicts, verdict_max)) {
		bw_err("sizing %s to %u entries failed", BW_MAP_VERDICTS, verdict_max);
		return -EINVAL;
	}
	snprintf(path, sizeof(path), "%s/%s", L->pin_dir, BW_MAP_COUNTERS);
	fd = bpf_obj_get(path); /* absent on a first start */
	L->old_counters_id = map_id_of(fd);
	if (fd >= 0)
		close(fd);
	vfilter_distrust(L->pin_dir);
	rc = bw_migrate_pins(L->skel->obj, &res);
	L->migrated = res.migrated + res.recreated > 0;
	if (L->migrated)
		bw_info("migrated %u pinned map(s), recreated %u; the attached program keeps "
			"enforcing with the old maps until the new one replaces it",
			res.migrated, res.recreated);
	return rc ? -EIO : 0;
}

/* Puts the freshly loaded program in place of program L->replace_id (which
 * uses the maps from before a migration) without a gap: behind libxdp's
 * dispatcher the new one is added first and the old one removed after; a
 * lone program is swapped atomically (XDP_FLAGS_REPLACE). */
static int replace_prog(struct bw_loader *L, const char *ifname)
{
	unsigned int old = L->replace_id;
	int err;

	if (!L->legacy) {
		holding = true;
		err = xdp_program__attach(L->xprog, L->ifindex, L->attach_mode, 0);
		release_held(err != 0);
		if (err) {
			bw_err("%s: attaching the new program next to id %u failed: %s (the old one "
			       "stays attached with the old maps)", ifname, old, strerror(-err));
			return err;
		}
		L->attached = true;
		L->prog_id = xdp_program__id(L->xprog);
		err = bw_detach_prog(L->ifindex, old);
		if (err)
			bw_warn("%s: removing the old program id %u failed: %s", ifname, old, strerror(-err));
	} else {
		struct bpf_program *p = bpf_object__find_program_by_name(L->skel->obj, BW_XDP_PROG_NAME);
		LIBBPF_OPTS(bpf_xdp_attach_opts, xo);
		struct bpf_prog_info pi = {};
		__u32 plen = sizeof(pi);
		__u32 flags = XDP_FLAGS_REPLACE | (L->attach_mode == XDP_MODE_SKB ? XDP_FLAGS_SKB_MODE
										 : XDP_FLAGS_DRV_MODE);
		int ofd;

		err = p ? bpf_object__load(L->skel->obj) : -ENOENT;
		if (err) {
			bw_err("%s: loading the new program failed: %s (the old one stays attached)",
			       ifname, strerror(-err));
			return err;
		}
		ofd = bpf_prog_get_fd_by_id(old);
		xo.old_prog_fd = ofd;
		err = ofd < 0 ? -errno : bpf_xdp_attach(L->ifindex, bpf_program__fd(p), flags, &xo);
		if (ofd >= 0)
			close(ofd);
		if (err) {
			bw_err("%s: replacing program id %u failed: %s (it stays attached)", ifname, old,
			       strerror(-err));
			return err;
		}
		bpf_obj_get_info_by_fd(bpf_program__fd(p), &pi, &plen);
		L->prog_id = pi.id;
		L->adopted = true; /* detached by id, like an adopted one */
	}
	bw_info("%s: replaced program id %u (old map layout) with id %u, %s mode, no gap", ifname,
		old, L->prog_id, bw_mode_name(L->attach_mode));
	return 0;
}

int bw_loader_attach(struct bw_loader *L, const char *ifname, enum bw_xdp_mode mode)
{
	struct xdp_multiprog *mp;
	char path[4096];
	int err, counters;

	L->ifindex = (int)if_nametoindex(ifname);
	if (!L->ifindex) {
		bw_err("interface %s: %s", ifname, strerror(errno));
		return -ENODEV;
	}
	snprintf(path, sizeof(path), "%s/%s", L->pin_dir, BW_MAP_COUNTERS);
	counters = bpf_obj_get(path); /* absent on a first start: -1 */
	err = try_adopt(L, counters);
	if (counters >= 0)
		close(counters);
	if (err)
		return err;
	if (L->adopted) {
		bw_info("adopted botwall program id %u already attached to %s", L->prog_id, ifname);
		return 0;
	}
	if (L->replace_id)
		return replace_prog(L, ifname);

	holding = true;
	if (mode == BW_MODE_SKB) {
		err = xdp_program__attach(L->xprog, L->ifindex, XDP_MODE_SKB, 0);
		L->attach_mode = XDP_MODE_SKB;
	} else {
		err = xdp_program__attach(L->xprog, L->ifindex, XDP_MODE_NATIVE, 0);
		L->attach_mode = XDP_MODE_NATIVE;
		/* Fall back only if the program loaded and the driver refused
		 * native mode; a load failure would fail the same way again. */
		if (err && mode == BW_MODE_AUTO && xdp_program__fd(L->xprog) >= 0) {
			bw_info("%s: native XDP not available (%s), using skb mode",
				ifname, strerror(-err));
			err = xdp_program__attach(L->xprog, L->ifindex, XDP_MODE_SKB, 0);
			L->attach_mode = XDP_MODE_SKB;
		}
	}
	release_held(err != 0);
	if (err) {
		bw_err("attaching to %s failed: %s", ifname, strerror(-err));
		return err;
	}
	L->attached = true;
	L->prog_id = xdp_program__id(L->xprog);

	mp = xdp_multiprog__get_from_ifindex(L->ifindex);
	if (!libxdp_get_error(mp)) {
		L->legacy = xdp_multiprog__is_legacy(mp);
		if (L->legacy)
			bw_info("%s: attached as the only XDP program (this kernel cannot run libxdp's "
				"multi-program dispatcher, e.g. no BPF freplace support), mode %s, prog id %u",
				ifname, bw_mode_name(L->attach_mode), L->prog_id);
		else
			bw_info("%s: attached through libxdp's dispatcher (id %u), mode %s, prog id %u",
				ifname, xdp_multiprog__main_prog(mp) ?
				xdp_program__id(xdp_multiprog__main_prog(mp)) : 0,
				bw_mode_name(L->attach_mode), L->prog_id);
		xdp_multiprog__close(mp);
	}
	return 0;
}

void bw_loader_detach(struct bw_loader *L)
{
	int err;

	if (L->attached) {
		err = xdp_program__detach(L->xprog, L->ifindex, L->attach_mode, 0);
		if (err)
			bw_warn("detach failed: %s", strerror(-err));
		L->attached = false;
		return;
	}
	if (!L->adopted)
		return;
	/* An adopted program was loaded by an earlier process. */
	err = bw_detach_prog(L->ifindex, L->prog_id);
	if (err)
		bw_warn("detaching adopted program id %u failed: %s", L->prog_id, strerror(-err));
	L->adopted = false;
}

bool bw_prog_attached(int ifindex, unsigned int prog_id, int *mode, bool *legacy)
{
	struct xdp_multiprog *mp = xdp_multiprog__get_from_ifindex(ifindex);
	struct xdp_program *p;
	bool found = false;

	if (libxdp_get_error(mp))
		return false;
	*legacy = xdp_multiprog__is_legacy(mp);
	*mode = xdp_multiprog__attach_mode(mp);
	if (*legacy) {
		p = xdp_multiprog__main_prog(mp);
		found = p && xdp_program__id(p) == prog_id;
	} else {
		for (p = xdp_multiprog__next_prog(NULL, mp); p && !found; p = xdp_multiprog__next_prog(p, mp))
			found = xdp_program__id(p) == prog_id;
	}
	xdp_multiprog__close(mp);
	return found;
}

int bw_detach_prog(int ifindex, unsigned int prog_id)
{
	struct xdp_multiprog *mp = xdp_multiprog__get_from_ifindex(ifindex);
	struct xdp_program *p;
	int err = libxdp_get_error(mp);

	if (err)
		return err == -ENOENT ? -ENOENT : err;
	if (xdp_multiprog__is_legacy(mp)) {
		p = xdp_multiprog__main_prog(mp);
		err = p && xdp_program__id(p) == prog_id ? xdp_multiprog__detach(mp) : -ENOENT;
	} else {
		err = -ENOENT;
		for (p = xdp_multiprog__next_prog(NULL, mp); p; p = xdp_multiprog__next_prog(p, mp))
			if (xdp_program__id(p) == prog_id) {
				err = xdp_program__detach(p, ifindex, xdp_multiprog__attach_mode(mp), 0);
				break;
			}
	}
	xdp_multiprog__close(mp);
	return err;
}

void bw_loader_close(struct bw_loader *L)
{
	/* The xdp_program wraps skel->obj without owning it. */
	if (L->xprog)
		xdp_program__close(L->xprog);
	if (L->skel)
		botwall_bpf__destroy(L->skel);
	L->xprog = NULL;
	L->skel = NULL;
}

void bw_loader_unpin(struct bw_loader *L)
{
	char path[4096];

	for (size_t i = 0; i < bw_map_count_names; i++) {
		snprintf(path, sizeof(path), "%s/%s", L->pin_dir, bw_map_names[i]);
		unlink(path);
	}
	rmdir(L->pin_dir); /* only succeeds if nothing else is left there */
}

const char *bw_mode_name(int m)
{
	switch (m) {
	case XDP_MODE_NATIVE: return "native";
	case XDP_MODE_SKB: return "skb";
	case XDP_MODE_HW: return "hw";
	default: return "unspec";
	}
}
