#!/bin/busybox sh
# vmtest/init.sh - stage 1, /init of the tiny initramfs built by vmtest/run.sh.
#
# Runs as PID 1 with only busybox (static) and a few kernel modules. Its one
# job is to get the host's root filesystem (9p, tag /dev/root) mounted
# read-only at /newroot, give it writable scratch space and the writable
# project share, then switch_root into vmtest/guest-init.sh (stage 2).
#
# Everything it needs from the host arrives inside the initramfs:
#   /vmtest/config         shell variables (PROJECT, ROOT_9P_OPTS, ...)
#   /vmtest/modules.order  module files to insmod, dependencies first
#   /vmtest/*              the rest is copied to /run/vmtest in the new root
# Any failure prints a VMTEST-INIT-ERROR line on the console and reboots, which
# (qemu -no-reboot) ends the VM; run.sh reports it with the console tail.

/bin/busybox mkdir -p /bin /sbin /proc /sys /dev /newroot
/bin/busybox --install -s /bin
export PATH=/bin:/sbin

die() {
    echo "VMTEST-INIT-ERROR: $*"
    sync
    reboot -f
    sleep 10        # reboot -f does not return; never let PID 1 exit (panic)
}

mount -t proc proc /proc || die "mount /proc"
mount -t sysfs sysfs /sys || die "mount /sys"
mount -t devtmpfs devtmpfs /dev || die "mount /dev"

# shellcheck source=/dev/null
. /vmtest/config || die "no /vmtest/config"
# VMTEST_DEBUG=1: timestamped progress marks in the kernel log (see -v).
mark() { [ "${VMTEST_DEBUG:-0}" = 1 ] && echo "vmtest: $*" >/dev/kmsg; }
mark "stage 1 start"

# Module files are plain .ko (run.sh decompresses them); order matters.
if [ -s /vmtest/modules.order ]; then
    while read -r m; do
        [ -n "$m" ] || continue
        insmod "/lib/modules/$m" || die "insmod $m failed"
    done < /vmtest/modules.order
fi

# The 9p virtio devices may appear a moment after their driver loads.
ready_9p() {
    grep -qw 9p /proc/filesystems || return 1
    for d in /sys/bus/virtio/drivers/9pnet_virtio/virtio*; do
        [ -e "$d" ] && return 0
    done
    return 1
}
i=0
until ready_9p; do
    i=$((i + 1))
    [ $i -lt 100 ] || die "9p/virtio not available (modules missing or not built in?)"
    sleep 0.05
done

mark "modules loaded"
mount -t 9p -o "$ROOT_9P_OPTS" /dev/root /newroot || die "mount 9p root (/dev/root)"
mark "root mounted"

# Kernel filesystems and writable scratch in the new root. The host's own
# /proc,/sys,/dev,/run,... are visible through the 9p share; mounting over them
# hides them.
mount -t proc proc /newroot/proc || die "mount proc"
mount -t sysfs sysfs /newroot/sys || die "mount sysfs"
mount -t devtmpfs devtmpfs /newroot/dev || die "mount devtmpfs"

# tmpfs on the usual writable places, skipping ones that do not exist on the
# host (we cannot create mount points on a read-only root). A project inside
# one of them (a clone under /tmp) gets its mount point created in the tmpfs
# and its own writable share on top, below.
for d in $SCRATCH_DIRS; do
    [ -d "/newroot$d" ] || continue
    case $d in /tmp|/var/tmp) mode=1777 ;; *) mode=0755 ;; esac
    mount -t tmpfs -o mode=$mode tmpfs "/newroot$d" || die "mount tmpfs $d"
done
mkdir -p /newroot/run/netns /newroot/run/lock /newroot/var/log/nginx 2>/dev/null
chmod 1777 /newroot/run/lock 2>/dev/null

mkdir -p "/newroot$PROJECT" 2>/dev/null || true
mount -t 9p -o "$PROJECT_9P_OPTS" project "/newroot$PROJECT" || die "mount 9p project at $PROJECT"

mkdir -p /newroot/run/vmtest || die "/run is not writable in the new root"
cp -a /vmtest/. /newroot/run/vmtest/ || die "copy /vmtest"
# Stage 2 keeps using this static busybox (from tmpfs, not 9p: much faster).
cp /bin/busybox /newroot/run/vmtest/busybox || die "copy busybox"

mark "switch_root"
# switch_root frees the initramfs memory.
# shellcheck disable=SC2093  # die only if the exec itself fails
exec switch_root /newroot /run/vmtest/busybox sh /run/vmtest/guest-init.sh
die "switch_root failed"
