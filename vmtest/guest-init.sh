#!/run/vmtest/busybox sh
# vmtest/guest-init.sh - stage 2, PID 1 inside the vmtest guest.
#
# Started by vmtest/init.sh through switch_root, with the host's root
# filesystem (read-only 9p) as /, tmpfs scratch and the project share already
# mounted. It finishes the system setup, runs the user's command and reports
# back to vmtest/run.sh over virtio-serial ports:
#   vmtest.stdout / vmtest.stderr   the command's output, streamed live
#   vmtest.status                   "booted", then "exit N" when it is done
# then reboots, which ends qemu (-no-reboot).
#
# It runs on the static busybox copied to /run/vmtest (tmpfs): under TCG a
# dynamically linked program costs ~35 ms per exec (~10 ms for this static
# busybox), and far more the first time, while its files come over 9p; so
# the setup uses only busybox applets.
# PID 1 must never exit (that would be a kernel panic), hence no `set -e`:
# failures are reported and followed by the reboot at the bottom.

/run/vmtest/busybox mkdir -p /run/vmtest/bin
/run/vmtest/busybox --install -s /run/vmtest/bin
export PATH=/run/vmtest/bin
# shellcheck source=/dev/null
. /run/vmtest/config

mark() { [ "${VMTEST_DEBUG:-0}" = 1 ] && echo "vmtest: $*" >/dev/kmsg; }
fail() { echo "VMTEST-GUEST-ERROR: $*" >/dev/console; }
mark "stage 2 start"

# The kernel loads modules (veth, bridge, sch_*, ...) on demand through this
# helper, which runs the host's modprobe on the host's /lib/modules over 9p.
# Every bpffs mount asks for "bpf_preload", which Debian's kernel does not
# build; running modprobe for it costs ~0.5 s under TCG, so answer it here.
cat >/run/vmtest/modprobe <<EOF
#!/run/vmtest/busybox sh
case " \$* " in
    *" bpf_preload "*) [ "$HAVE_BPF_PRELOAD" = 1 ] || exit 1 ;;
esac
exec /sbin/modprobe "\$@"
EOF
chmod 0755 /run/vmtest/modprobe
echo /run/vmtest/modprobe >/proc/sys/kernel/modprobe

# Mounts that tools expect; some depend on the kernel's config, so a failure
# is only noted on the console.
mount_opt() { # fstype target [options]
    mkdir -p "$2" 2>/dev/null
    mount -t "$1" ${3:+-o "$3"} "$1" "$2" 2>/dev/null || fail "could not mount $1 on $2"
}
mount_opt devpts /dev/pts gid=5,mode=620,ptmxmode=666
mount_opt tmpfs /dev/shm mode=1777
mount_opt mqueue /dev/mqueue
mount_opt bpf /sys/fs/bpf mode=700
mount_opt cgroup2 /sys/fs/cgroup
grep -qw debugfs /proc/filesystems && mount_opt debugfs /sys/kernel/debug
grep -qw tracefs /proc/filesystems && mount_opt tracefs /sys/kernel/tracing
# devtmpfs lacks these; bash process substitution and many scripts need them.
ln -sfn /proc/self/fd /dev/fd
ln -sfn /proc/self/fd/0 /dev/stdin
ln -sfn /proc/self/fd/1 /dev/stdout
ln -sfn /proc/self/fd/2 /dev/stderr
# As under systemd: shared propagation, so that the bind mounts `ip netns add`
# makes under /run/netns are seen by every mount namespace.
mount --make-rshared /
ip link set lo up || fail "could not bring up lo"
hostname vmtest

# Find a virtio-serial port by name (no udev, so no /dev/virtio-ports/NAME).
port() {
    for p in /sys/class/virtio-ports/*; do
        [ "$(cat "$p/name" 2>/dev/null)" = "$1" ] && { echo "/dev/${p##*/}"; return 0; }
    done
    return 1
}
out=$(port vmtest.stdout) || { fail "no vmtest.stdout port"; out=/dev/console; }
err=$(port vmtest.stderr) || { fail "no vmtest.stderr port"; err=/dev/console; }
status=$(port vmtest.status) || { fail "no vmtest.status port"; status=/dev/console; }

mark "setup done"
exec 9>"$status"
echo "booted $(cut -d' ' -f1 /proc/uptime)" >&9

# The command, in a clean environment, through the host's /bin/sh (absolute
# paths: this busybox would otherwise run its own applets instead of the
# host's programs). /run/vmtest/env and /run/vmtest/cmd are written by run.sh
# in POSIX sh quoting; cmd is `exec CMD ARGS...`.
# The subshell keeps the redirections out of PID 1: ash would otherwise print
# its own "Killed"-style job messages into the command's stderr.
if cd "$PROJECT"; then
    (exec /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        HOME=/tmp USER=root LOGNAME=root SHELL=/bin/bash TERM="${VMTEST_TERM:-dumb}" \
        LANG=C.UTF-8 VMTEST=1 \
        /bin/sh -c '. /run/vmtest/env && . /run/vmtest/cmd' \
        </dev/null >"$out" 2>"$err")
    rc=$?
else
    fail "cannot cd to $PROJECT"
    rc=125
fi
mark "command exited: $rc"

echo "exit $rc" >&9
exec 9>&-
sync
# Immediate reboot; qemu runs with -no-reboot, so this ends the VM.
echo b >/proc/sysrq-trigger
sleep 10
