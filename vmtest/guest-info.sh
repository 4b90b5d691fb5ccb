#!/usr/bin/env bash
# vmtest/guest-info.sh - report what the running kernel offers botwall's
# BPF/XDP code. Runs in the vmtest guest (vmtest/run.sh -- vmtest/guest-info.sh)
# or directly on a host, as root.
#
# Output is "key: value" lines (easy to grep in tests), then the verbatim
# `xdp-loader status` of the multi-program probe. The probe builds two trivial
# XDP programs (clang -target bpf), creates a veth pair in a throw-away netns
# and asks xdp-loader (libxdp) to attach both to one interface. That only works
# through libxdp's dispatcher, whose component programs are attached with
# BPF_PROG_TYPE_EXT (freplace); without freplace libxdp can attach only a
# single program. Keys:
#   kernel, btf_vmlinux, bpffs, debugfs, tracefs, xdp_native_veth,
#   xdp_multiprog_dispatcher (yes/no), freplace (yes/no/unknown)
# Exit status: 0 if the probes could run (whatever they found), 1 if not.
set -euo pipefail

say() { printf '%s: %s\n' "$1" "$2"; }

[[ $(id -u) == 0 ]] || { echo "guest-info.sh: needs root" >&2; exit 1; }

say kernel "$(uname -r)"
say in_vmtest_guest "$([[ ${VMTEST:-0} == 1 ]] && echo yes || echo no)"
say btf_vmlinux "$([[ -r /sys/kernel/btf/vmlinux ]] && echo yes || echo no)"
say bpffs "$(findmnt -rn -t bpf -o TARGET | head -n1 | grep . || echo none)"
say debugfs "$(findmnt -rn -t debugfs -o TARGET | head -n1 | grep . || echo none)"
say tracefs "$(findmnt -rn -t tracefs -o TARGET | head -n1 | grep . || echo none)"
say xdp_loader "$(command -v xdp-loader || echo missing)"
say clang "$(command -v clang || compgen -c clang- | grep -E '^clang-[0-9]+$' | sort -V | tail -n1 || echo missing)"

CLANG=$(command -v clang || true)
[[ -n $CLANG ]] || CLANG=$(compgen -c clang- | grep -E '^clang-[0-9]+$' | sort -V | tail -n1 || true)
if [[ -z $CLANG ]] || ! command -v xdp-loader >/dev/null; then
    say xdp_multiprog_dispatcher "unknown (needs clang and xdp-tools)"
    exit 1
fi
# libxdp pins its dispatcher state under bpffs.
if ! findmnt -rn /sys/fs/bpf >/dev/null; then
    mount -t bpf bpf /sys/fs/bpf || { say xdp_multiprog_dispatcher "unknown (no bpffs)"; exit 1; }
fi

work=$(mktemp -d /tmp/guest-info.XXXXXX)
ns=gi$$
# shellcheck disable=SC2317  # called from the trap
cleanup() {
    ip netns del "$ns" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

# Two distinct pass-through programs; BTF (-g) is required by libxdp.
for n in a b; do
    cat >"$work/xdp_$n.c" <<EOF
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
SEC("xdp")
int xdp_pass_$n(struct xdp_md *ctx) { return XDP_PASS; }
char _license[] SEC("license") = "GPL";
EOF
    "$CLANG" -O2 -g -target bpf -c "$work/xdp_$n.c" -o "$work/xdp_$n.o"
done

# The probe's netns is entered with nsenter, not `ip netns exec`: the latter
# remounts /sys and thereby hides the bpffs that libxdp needs.
ip netns add "$ns"
ip -n "$ns" link add gi0 type veth peer name gi1
ip -n "$ns" link set gi0 up
ip -n "$ns" link set gi1 up
in_ns() { nsenter --net="/run/netns/$ns" "$@"; }

if in_ns xdp-loader load -m native gi1 "$work/xdp_a.o" >"$work/single.log" 2>&1; then
    say xdp_native_veth yes
    in_ns xdp-loader unload -a gi1 >/dev/null 2>&1 || true
else
    say xdp_native_veth no
fi

multi=no
# (output to files, never into a pipe that may close early: an xdp-loader
# killed by SIGPIPE leaves a stale /run/xdp-loader.lck that blocks later runs)
if in_ns xdp-loader load -vv -m native gi0 "$work/xdp_a.o" "$work/xdp_b.o" >"$work/multi.log" 2>&1; then
    in_ns xdp-loader status gi0 >"$work/status.log" 2>&1 || true
    if grep -q xdp_dispatcher "$work/status.log" &&
        grep -q xdp_pass_a "$work/status.log" && grep -q xdp_pass_b "$work/status.log"; then
        multi=yes
    fi
else
    in_ns xdp-loader status gi0 >"$work/status.log" 2>&1 || true
fi
say xdp_multiprog_dispatcher "$multi"
# A dispatcher with components proves freplace. libxdp's compatibility check
# loads a freplace (BPF_PROG_TYPE_EXT) program; its failure means no freplace.
if [[ $multi == yes ]]; then
    say freplace yes
elif grep -q 'Compatibility check for dispatcher program failed' "$work/multi.log"; then
    say freplace "no ($(grep -m1 -o 'Compatibility check for dispatcher program failed.*' "$work/multi.log"))"
else
    say freplace "unknown (dispatcher failed for another reason)"
fi
if [[ $multi != yes ]]; then
    echo "--- xdp-loader load -vv (two programs), libxdp's reasons:"
    grep -E "libxdp: .*(Fail|fail|Can't|not permitted|not supported)|^(This means|Attaching)" \
        "$work/multi.log" | sed 's/^ */    /' || true
fi
echo "--- xdp-loader status gi0:"
sed 's/^/    /' "$work/status.log"
in_ns xdp-loader unload -a gi0 >/dev/null 2>&1 || true
exit 0
