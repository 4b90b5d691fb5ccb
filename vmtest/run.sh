#!/usr/bin/env bash
# vmtest/run.sh - run a command as root inside a throw-away qemu VM whose root
# filesystem is this machine's own root filesystem (read-only 9p,
# virtme-style), with the project directory shared writable at the same path.
#
#   vmtest/run.sh [options] [--] CMD [ARGS...]
#
# Options (environment variable in brackets):
#   --kernel PATH   kernel to boot: bzImage or ELF vmlinux [VMTEST_KERNEL]
#                   default: Debian's linux-image-amd64 kernel in /boot
#   --timeout SEC   wall-clock limit for the whole VM, boot included
#                   [VMTEST_TIMEOUT, default 900]
#   --mem MB        guest memory [VMTEST_MEM, default 2048]
#   --smp N         guest CPUs [VMTEST_SMP, default 2]
#   --accel A       auto|kvm|tcg [VMTEST_ACCEL, default auto]
#   -e NAME=VALUE   extra environment variable for CMD (repeatable)
#   -v, --verbose   copy the guest console (kernel log) to stderr live
#   --keep          keep the per-run directory (console log, initramfs)
#   -h, --help
#
# CMD runs in the project directory with stdin from /dev/null; its stdout and
# stderr are streamed to ours. Exit status: CMD's own, or
#   124  timeout, or the guest hung while booting
#   125  the VM failed: kernel panic, early-boot error, qemu error
#   2    usage or setup error on the host
set -euo pipefail

VMTEST_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
# Physical path: the guest mounts the project at this exact path on top of the
# host's root, so symlinks in it would lead somewhere else.
PROJECT=$(cd "$VMTEST_DIR/.." && pwd -P)

die() { echo "vmtest: $*" >&2; exit 2; }
usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"; }

kernel=${VMTEST_KERNEL:-}
timeout=${VMTEST_TIMEOUT:-900}
mem=${VMTEST_MEM:-2048}
smp=${VMTEST_SMP:-2}
accel=${VMTEST_ACCEL:-auto}
# A guest that has not reached stage 2 by then is taken as hung in boot.
boot_timeout=${VMTEST_BOOT_TIMEOUT:-120}
verbose=${VMTEST_VERBOSE:-0}
keep=${VMTEST_KEEP:-0}
cache=${VMTEST_CACHE:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/botwall-vmtest}
envs=()

while (($#)); do
    case $1 in
        --kernel) kernel=${2-}; shift 2 || die "--kernel needs a value" ;;
        --kernel=*) kernel=${1#*=}; shift ;;
        --timeout) timeout=${2-}; shift 2 || die "--timeout needs a value" ;;
        --timeout=*) timeout=${1#*=}; shift ;;
        --mem) mem=${2-}; shift 2 || die "--mem needs a value" ;;
        --mem=*) mem=${1#*=}; shift ;;
        --smp) smp=${2-}; shift 2 || die "--smp needs a value" ;;
        --smp=*) smp=${1#*=}; shift ;;
        --accel) accel=${2-}; shift 2 || die "--accel needs a value" ;;
        --accel=*) accel=${1#*=}; shift ;;
        -e|--env) envs+=("${2-}"); shift 2 || die "-e needs NAME=VALUE" ;;
        -v|--verbose) verbose=1; shift ;;
        --keep) keep=1; shift ;;
        -h|--help) usage; exit 0 ;;
        --) shift; break ;;
        -*) die "unknown option $1 (see --help)" ;;
        *) break ;;
    esac
done
(($#)) || die "no command given (usage: vmtest/run.sh [options] -- CMD [ARGS...])"
[[ $timeout =~ ^[0-9]+$ && $timeout -gt 0 ]] || die "bad --timeout: $timeout"
[[ $mem =~ ^[0-9]+$ ]] || die "bad --mem: $mem"
[[ $smp =~ ^[0-9]+$ ]] || die "bad --smp: $smp"
for e in ${envs[@]+"${envs[@]}"}; do
    [[ $e =~ ^[A-Za-z_][A-Za-z0-9_]*= ]] || die "bad -e argument: $e"
done
((boot_timeout < timeout)) || boot_timeout=$timeout

# --- kernel ------------------------------------------------------------------

default_kernel() {
    # The image the linux-image-amd64 metapackage currently points at.
    local dep ver
    dep=$(dpkg-query -W -f='${Depends}' linux-image-amd64 2>/dev/null || true)
    ver=$(grep -o 'linux-image-[^ ,]*' <<<"$dep" | head -n1 | sed 's/^linux-image-//') || true
    if [[ -n $ver && -e /boot/vmlinuz-$ver ]]; then
        echo "/boot/vmlinuz-$ver"
    else
        # shellcheck disable=SC2012  # names are plain version strings
        ls -1 /boot/vmlinuz-* 2>/dev/null | sort -V | tail -n1
    fi
}

is_elf() { [[ $(head -c4 "$1" | od -An -c | tr -d ' ') == '177ELF' ]]; }

# Kernel release string, used to find /lib/modules/<release>.
kernel_release() {
    local k=$1 off
    if is_elf "$k"; then
        LC_ALL=C grep -aom1 'Linux version [^ ]*' "$k" | head -n1 | cut -d' ' -f3
    else
        # bzImage: setup header field kernel_version (offset 0x20e) points,
        # relative to 0x200, at a NUL-terminated "release (builder) #..." string.
        off=$(od -An -tu2 -j $((0x20e)) -N2 "$k" | tr -d ' ')
        [[ -n $off && $off -gt 0 ]] || return 0
        dd if="$k" bs=1 skip=$((off + 0x200)) count=256 2>/dev/null | tr '\0' '\n' | head -n1 | cut -d' ' -f1
    fi
}

has_pvh_note() { # qemu can boot an ELF vmlinux directly only via the PVH entry
    LC_ALL=C readelf -n "$1" 2>/dev/null | grep -qE 'PHYS32_ENTRY|note type: \(0x00000012\)'
}

# Under TCG, decompressing a bzImage costs the guest ~3 s per boot, so boot the
# uncompressed vmlinux instead. extract-vmlinux is not packaged; do what it
# does: find a compressed stream in the bzImage and try to unpack it. The
# result is cached per image (path, size, mtime).
uncompressed_kernel() {
    local k=$1 key out tmp magic tool off
    command -v readelf >/dev/null || return 1
    key=$(stat -Lc '%n %s %Y' "$k" | sha256sum | cut -c1-16)
    out=$cache/vmlinux-$(basename "$k")-$key
    [[ -s $out ]] && { echo "$out"; return 0; }
    mkdir -p "$cache" 2>/dev/null || return 1
    tmp=$(mktemp "$cache/.vmlinux.XXXXXX")
    for magic in 'xz:\xfd7zXZ\x00' 'zstd:\x28\xb5\x2f\xfd' 'gzip:\x1f\x8b\x08' 'lz4:\x02\x21\x4c\x18'; do
        tool=${magic%%:*}
        command -v "$tool" >/dev/null || continue
        for off in $(LC_ALL=C grep -obUaP "${magic#*:}" "$k" 2>/dev/null | cut -d: -f1 | head -n5); do
            tail -c +$((off + 1)) "$k" | "$tool" -dc 2>/dev/null >"$tmp" || true
            if [[ -s $tmp ]] && is_elf "$tmp" && has_pvh_note "$tmp"; then
                mv -f "$tmp" "$out"
                echo "$out"
                return 0
            fi
        done
    done
    rm -f "$tmp"
    return 1
}

[[ -n $kernel ]] || kernel=$(default_kernel || true)
[[ -n $kernel ]] || die "no kernel found in /boot: run vmtest/deps.sh (installs linux-image-amd64) or pass --kernel"
[[ -r $kernel ]] || die "kernel $kernel not readable"
kernel=$(readlink -f "$kernel")
krel=$(kernel_release "$kernel" || true)

# --- virtme-ng, if present -------------------------------------------------------
# vng does all of the above (and more) itself. It is not packaged in Debian 12,
# so this branch is untested here; VMTEST_NO_VNG=1 forces our own runner.
if [[ ${VMTEST_NO_VNG:-0} != 1 ]] && command -v vng >/dev/null; then
    vcmd=$(printf '%q ' "$@")
    for e in ${envs[@]+"${envs[@]}"}; do vcmd="export $(printf '%q' "$e"); $vcmd"; done
    vng_args=(--run "$kernel" --cpus "$smp" --memory "${mem}M" --rwdir "$PROJECT" --cwd "$PROJECT")
    [[ $accel == tcg ]] && vng_args+=(--disable-kvm)
    exec timeout --kill-after=10 "$timeout" vng "${vng_args[@]}" --exec "$vcmd"
fi

# --- host tools ----------------------------------------------------------------
QEMU=${VMTEST_QEMU:-qemu-system-x86_64}
command -v "$QEMU" >/dev/null || die "$QEMU not found: run vmtest/deps.sh"
command -v cpio >/dev/null || die "cpio not found: run vmtest/deps.sh"
BUSYBOX=${VMTEST_BUSYBOX:-/bin/busybox}
[[ -x $BUSYBOX ]] || die "$BUSYBOX not found: run vmtest/deps.sh (busybox-static)"
# The initramfs has no libc: busybox must be the static build.
if LC_ALL=C readelf -l "$BUSYBOX" 2>/dev/null | grep -q 'program interpreter'; then
    die "$BUSYBOX is dynamically linked: install busybox-static (vmtest/deps.sh)"
fi

if ! is_elf "$kernel"; then
    boot_kernel=$(uncompressed_kernel "$kernel") || boot_kernel=$kernel
else
    has_pvh_note "$kernel" || die "$kernel is an ELF without a PVH entry note (CONFIG_PVH); pass the bzImage"
    boot_kernel=$kernel
fi

# --- per-run directory and cleanup ---------------------------------------------------
run=$(mktemp -d "${TMPDIR:-/tmp}/vmtest.XXXXXX")
qpid='' bg_pids=() stderr_fd=''
# shellcheck disable=SC2317  # called from the trap
cleanup() {
    local p
    if [[ -n $stderr_fd ]]; then exec 2>&"$stderr_fd"; fi
    if [[ -n $qpid ]] && kill -0 "$qpid" 2>/dev/null; then
        kill -TERM "$qpid" 2>/dev/null || true
        for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$qpid" 2>/dev/null || break; sleep 0.2; done
        kill -KILL "$qpid" 2>/dev/null || true
    fi
    for p in ${bg_pids[@]+"${bg_pids[@]}"}; do kill "$p" 2>/dev/null || true; done
    if [[ $keep == 1 ]]; then
        echo "vmtest: kept $run" >&2
    else
        rm -rf "$run"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

# --- initramfs -------------------------------------------------------------------
# Only what is needed to mount the 9p root goes in; everything else (veth,
# bridge, ...) the guest loads on demand with the host's modprobe and
# /lib/modules through the root share.
BOOT_MODULES=(virtio_pci virtio_console 9pnet_virtio 9p)
ird=$run/initramfs
mkdir -p "$ird/bin" "$ird/lib/modules" "$ird/vmtest"
cp "$BUSYBOX" "$ird/bin/busybox"
cp "$VMTEST_DIR/init.sh" "$ird/init"
cp "$VMTEST_DIR/guest-init.sh" "$ird/vmtest/guest-init.sh"
chmod 0755 "$ird/init" "$ird/vmtest/guest-init.sh"

moddir=${VMTEST_MODULES_DIR:-/lib/modules/$krel}
: >"$ird/vmtest/modules.order"
if [[ -n $krel && -f $moddir/modules.dep ]]; then
    declare -A added=()
    add_module() { # relative path from modules.dep, dependencies first
        local rel=$1 base dst
        [[ -z ${added[$rel]:-} ]] || return 0
        added[$rel]=1
        base=$(basename "$rel"); base=${base%%.ko*}.ko
        dst=$ird/lib/modules/$base
        case $rel in
            *.ko.xz) xz -dc "$moddir/$rel" >"$dst" ;;
            *.ko.zst) zstd -qdc "$moddir/$rel" >"$dst" ;;
            *.ko.gz) gzip -dc "$moddir/$rel" >"$dst" ;;
            *) cp "$moddir/$rel" "$dst" ;;
        esac
        echo "$base" >>"$ird/vmtest/modules.order"
    }
    for m in "${BOOT_MODULES[@]}"; do
        pat="(^|/)${m//_/[-_]}\.ko(\.(xz|zst|gz))?$"
        line=$(grep -E "^[^:]*${pat%\$}:" "$moddir/modules.dep" | head -n1) || true
        if [[ -z $line ]]; then
            # Not a module: built in (fine) or missing (init.sh will say so).
            continue
        fi
        rel=${line%%:*}
        read -r -a deps <<<"${line#*:}"
        # modules.dep lists dependencies with the deepest last; load those first.
        for ((i = ${#deps[@]} - 1; i >= 0; i--)); do add_module "${deps[i]}"; done
        add_module "$rel"
    done
elif [[ -n $krel ]]; then
    echo "vmtest: note: no $moddir; assuming 9p/virtio are built into the kernel" >&2
fi

# 9p tuning: a large msize for throughput; cache=loose on the read-only root
# (the host does not change it under a running test) saves a round trip per
# lookup. The writable project share uses cache=mmap: coherent, and allows
# shared writable mmap.
msize=512000
# POSIX sh single quoting: the guest reads these files with busybox sh and
# dash, which do not understand bash's $'...' from printf %q.
q() { local s=${1//\'/\'\\\'\'}; printf "'%s'" "$s"; }
{
    echo "PROJECT=$(q "$PROJECT")"
    echo "ROOT_9P_OPTS=trans=virtio,version=9p2000.L,msize=$msize,cache=loose,ro"
    echo "PROJECT_9P_OPTS=trans=virtio,version=9p2000.L,msize=$msize,cache=${VMTEST_PROJECT_CACHE:-mmap}"
    echo "SCRATCH_DIRS='/tmp /run /var/tmp /var/log /var/cache /var/lib/nginx /root'"
    echo "VMTEST_TERM=$(q "${TERM:-dumb}")"
    echo "VMTEST_DEBUG=$(q "${VMTEST_DEBUG:-0}")"
    # bpf_preload: module (1) or not at all (0); see guest-init.sh.
    if [[ -f $moddir/modules.dep ]] && grep -q '/bpf_preload\.ko' "$moddir/modules.dep"; then
        echo "HAVE_BPF_PRELOAD=1"
    else
        echo "HAVE_BPF_PRELOAD=0"
    fi
} >"$ird/vmtest/config"
{
    for e in ${envs[@]+"${envs[@]}"}; do echo "export ${e%%=*}=$(q "${e#*=}")"; done
} >"$ird/vmtest/env"
{
    printf 'exec'
    for a in "$@"; do printf ' %s' "$(q "$a")"; done
    echo
} >"$ird/vmtest/cmd"

(cd "$ird" && find . -print0 | cpio --null -o -H newc -R 0:0 --quiet) >"$run/initrd.cpio"

# --- accelerator -----------------------------------------------------------------
# /dev/kvm can exist yet be unusable (nested setups: qemu aborts or the guest
# never starts), so KVM is used only after a short probe boot succeeded; the
# verdict is cached per host kernel and qemu build.
kvm_works() {
    [[ -r /dev/kvm && -w /dev/kvm ]] || return 1
    local stamp verdict pdir
    stamp=$cache/kvm-$(uname -r)-$("$QEMU" --version | head -n1 | tr -c 'A-Za-z0-9.\n' _)
    if [[ -f $stamp ]]; then
        verdict=$(cat "$stamp")
    else
        pdir=$run/kvm-probe
        mkdir -p "$pdir/bin"
        cp "$BUSYBOX" "$pdir/bin/busybox"
        printf '#!/bin/busybox sh\n/bin/busybox echo VMTEST-KVM-OK\n/bin/busybox reboot -f\n' >"$pdir/init"
        chmod 0755 "$pdir/init"
        (cd "$pdir" && find . | cpio -o -H newc -R 0:0 --quiet) >"$run/kvm-probe.cpio"
        verdict=no
        # (the group's redirection keeps bash's "Aborted" report off our stderr)
        if { timeout --kill-after=2 15 "$QEMU" -accel kvm -cpu host -m 256 -nodefaults \
            -no-user-config -display none -no-reboot -kernel "$boot_kernel" \
            -initrd "$run/kvm-probe.cpio" -append 'console=ttyS0 panic=-1 quiet' \
            -serial "file:$run/kvm-probe.log" </dev/null >/dev/null 2>&1; } 2>/dev/null &&
            grep -q VMTEST-KVM-OK "$run/kvm-probe.log"; then
            verdict=yes
        fi
        { mkdir -p "$cache" && echo "$verdict" >"$stamp"; } 2>/dev/null || true
    fi
    [[ $verdict == yes ]]
}
case $accel in
    auto) if kvm_works; then accel=kvm; else accel=tcg; fi ;;
    kvm|tcg) ;;
    *) die "bad --accel: $accel" ;;
esac
if [[ $accel == kvm ]]; then cpu=host; else cpu=max; fi

# --- boot ------------------------------------------------------------------------
# acpi=noirq: much faster boot under TCG. panic=-1 + -no-reboot: a panic ends
# qemu at once. oops=panic: a kernel oops is a test failure, not a limping VM.
cmdline="console=ttyS0 panic=-1 oops=panic acpi=noirq quiet rdinit=/init"
cmdline+=" tsc=reliable no_timer_check 8250.nr_uarts=1"
# Full kernel log on the console when someone is watching it (the quiet one
# still shows warnings, oopses and panics).
if [[ ${VMTEST_DEBUG:-0} == 1 || $verbose == 1 ]]; then cmdline+=" loglevel=7"; fi
cmdline+=" ${VMTEST_APPEND:-}"

# stdout/stderr of CMD travel over virtio-serial ports into FIFOs that cat
# copies to our stdout/stderr as the data arrives. The readers must exist
# before qemu opens the FIFOs for writing, or qemu would block.
mkfifo "$run/stdout.fifo" "$run/stderr.fifo"
cat "$run/stdout.fifo" &
bg_pids+=($!)
cat "$run/stderr.fifo" >&2 &
bg_pids+=($!)
: >"$run/status"
: >"$run/console.log"
if [[ $verbose == 1 ]]; then
    tail -s 0.1 -n +1 -F "$run/console.log" >&2 2>/dev/null &
    bg_pids+=($!)
fi

# While qemu runs, our stderr goes nowhere: bash would otherwise print its own
# "Aborted"-style notice if qemu dies of a signal (we report that ourselves).
# The output readers above hold their own copies of the real stderr.
exec {stderr_fd}>&2 2>/dev/null
"$QEMU" -name vmtest -accel "$accel" -cpu "$cpu" -smp "$smp" -m "$mem" \
    -nodefaults -no-user-config -display none -no-reboot \
    -kernel "$boot_kernel" -initrd "$run/initrd.cpio" -append "$cmdline" \
    -chardev "file,id=con,path=$run/console.log" -serial chardev:con \
    -device virtio-serial-pci,id=vser \
    -chardev "file,id=out,path=$run/stdout.fifo" \
    -device virtserialport,bus=vser.0,chardev=out,name=vmtest.stdout \
    -chardev "file,id=err,path=$run/stderr.fifo" \
    -device virtserialport,bus=vser.0,chardev=err,name=vmtest.stderr \
    -chardev "file,id=status,path=$run/status" \
    -device virtserialport,bus=vser.0,chardev=status,name=vmtest.status \
    -fsdev "local,id=root,path=/,security_model=none,readonly=on,multidevs=remap" \
    -device virtio-9p-pci,fsdev=root,mount_tag=/dev/root \
    -fsdev "local,id=project,path=$PROJECT,security_model=none,multidevs=remap" \
    -device virtio-9p-pci,fsdev=project,mount_tag=project \
    </dev/null >"$run/qemu.log" 2>&1 &
qpid=$!

# Watchdog: poll rather than block so both limits are enforced.
start=$SECONDS booted=0 reason=''
while kill -0 "$qpid" 2>/dev/null; do
    elapsed=$((SECONDS - start))
    if ((!booted)) && grep -q '^booted' "$run/status"; then booted=1; fi
    if ((!booted && elapsed >= boot_timeout)); then reason=boot-hang; break; fi
    if ((elapsed >= timeout)); then reason=timeout; break; fi
    sleep 0.1
done
if [[ -n $reason ]]; then
    kill -TERM "$qpid" 2>/dev/null || true
    for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$qpid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$qpid" 2>/dev/null || true
fi
qrc=0
wait "$qpid" || qrc=$?
qpid=''
exec 2>&"$stderr_fd" {stderr_fd}>&-
stderr_fd=''
# The output readers end at EOF once qemu is gone, but one that qemu never
# opened (it failed early) still blocks in open(): an O_RDWR open of the FIFO
# never blocks and releases it. Then give them a moment to drain.
for f in "$run/stdout.fifo" "$run/stderr.fifo"; do
    exec {fd}<>"$f"
    exec {fd}>&-
done
for p in "${bg_pids[@]:0:2}"; do
    for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
done

console_tail() {
    # From just before the first oops/panic report if there is one (its head
    # says what went wrong), else the last lines.
    local first
    tr -d '\r' <"$run/console.log" >"$run/console.txt"
    first=$(grep -n -m1 -E 'BUG:|Oops|Kernel panic|general protection|WARNING:|VMTEST-' \
        "$run/console.txt" | cut -d: -f1 || true)
    if [[ ! -s $run/console.txt ]]; then
        echo "vmtest: ---- guest console: empty (quiet boot; -v or VMTEST_DEBUG=1 show more) ----" >&2
    elif [[ -n $first ]]; then
        echo "vmtest: ---- guest console (from line $((first > 5 ? first - 5 : 1))) ----" >&2
        tail -n +$((first > 5 ? first - 5 : 1)) "$run/console.txt" | head -n 80 >&2
    else
        echo "vmtest: ---- guest console (last 40 lines) ----" >&2
        tail -n 40 "$run/console.txt" >&2
    fi
    # (our own kill is no news)
    if grep -qv 'terminating on signal' "$run/qemu.log"; then
        echo "vmtest: ---- qemu ----" >&2
        grep -v 'terminating on signal' "$run/qemu.log" | tail -n 20 >&2
    fi
    echo "vmtest: ----" >&2
}

status_line=$(grep -m1 '^exit ' "$run/status" || true)
if [[ -n $status_line ]]; then
    exit "${status_line#exit }"
fi
case $reason in
    timeout)
        echo "vmtest: TIMEOUT: killed the VM after ${timeout}s (command still running)" >&2
        console_tail; exit 124 ;;
    boot-hang)
        echo "vmtest: HANG: guest did not finish booting within ${boot_timeout}s" >&2
        console_tail; exit 124 ;;
esac
if grep -q 'Kernel panic' "$run/console.log"; then
    echo "vmtest: PANIC: guest kernel panicked: $(grep -m1 -a 'Kernel panic' "$run/console.log" | tr -d '\r')" >&2
elif grep -q 'VMTEST-INIT-ERROR' "$run/console.log"; then
    echo "vmtest: BOOT FAILED: $(grep -m1 -a 'VMTEST-INIT-ERROR' "$run/console.log" | tr -d '\r')" >&2
else
    echo "vmtest: VM FAILED: qemu exited (status $qrc) without reporting the command's exit status" >&2
fi
console_tail
exit 125
