#!/usr/bin/env bash
# vmtest/deps.sh - install (idempotently) what vmtest/run.sh needs on a Debian 12 host.
#
# Safe to run repeatedly: it only calls apt-get when something is missing.
# The kernel package is installed non-interactively; its postinst runs
# update-initramfs, which is harmless here (run.sh builds its own tiny initramfs
# and never uses the one in /boot).
set -euo pipefail

# Packages (not commands) we need:
#   qemu-system-x86   the VM
#   busybox-static    /init and tools of the initramfs (must be static: the
#                     initramfs has no libc)
#   cpio              to pack the initramfs
#   linux-image-amd64 the default guest kernel (Debian 6.1 LTS) and its modules
#   kmod              modprobe, which the guest runs from the shared root
#   binutils, xz-utils  readelf and xz, to unpack the bzImage into a vmlinux
#   xdp-tools, bpftool, iproute2, nginx, curl, clang, libbpf-dev, libxdp-dev:
#                     used by guest-info.sh and the VM tests inside the guest
#                     (the guest sees the host's root filesystem)
PKGS=(qemu-system-x86 busybox-static cpio linux-image-amd64 kmod binutils xz-utils
      xdp-tools bpftool iproute2 nginx-light curl clang libbpf-dev libxdp-dev)

missing=()
for p in "${PKGS[@]}"; do
    # nginx-light is just one way to get nginx; accept any nginx flavour.
    if [[ $p == nginx-light ]] && command -v nginx >/dev/null 2>&1; then
        continue
    fi
    if [[ $p == clang ]] && compgen -c clang- | grep -qE '^clang-[0-9]+$'; then
        continue
    fi
    status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
    [[ $status == installed ]] || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
    echo "vmtest/deps.sh: all dependencies present"
    exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
    echo "vmtest/deps.sh: missing packages: ${missing[*]}" >&2
    echo "vmtest/deps.sh: run as root (or: sudo apt-get install ${missing[*]})" >&2
    exit 1
fi

echo "vmtest/deps.sh: installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Wait (bounded) for another apt/dpkg run instead of failing at once.
APT=(apt-get -y -q --no-install-recommends
     -o DPkg::Lock::Timeout=600
     -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)
# Package lists may be missing on a fresh machine; refresh once if a
# candidate is unknown.
if ! apt-cache show "${missing[@]}" >/dev/null 2>&1; then
    apt-get -q -o DPkg::Lock::Timeout=600 update
fi
"${APT[@]}" install "${missing[@]}"
