#!/usr/bin/env python3
"""Stack budget of the XDP program, checked on the object file.

The verifier refuses a program whose frames along one chain of BPF-to-BPF
calls, each rounded up to 32 bytes, add up to more than 512 bytes
("combined stack size of N calls is ... Too large"). Kernel 6.1 (the VM of
`make vmtest`) counts this way; newer kernels may accept what 6.1 refuses,
so a change that grows a frame passes on the host and fails only in the
VM. This test reads the frames from the object (the deepest r10 offset each
function uses) and the calls from its relocations, and fails on the host.

Usage: stack_budget.py OBJECT [ENTRY...]   (default entry: botwall_xdp)
Prints PASS/FAIL lines in the format of tests/run.sh.
"""
import re
import subprocess
import sys

LIMIT = 512


def round32(n):
    return (max(n, 1) + 31) // 32 * 32


def parse(obj):
    out = subprocess.run(["llvm-objdump", "-dr", "--no-show-raw-insn", obj],
                         check=True, capture_output=True, text=True).stdout
    frame, calls, fn, last_call = {}, {}, None, False
    for line in out.splitlines():
        m = re.match(r"^[0-9a-f]+ <(.*)>:", line)
        if m:
            if not m.group(1).startswith("LBB"):
                fn = m.group(1)
                frame.setdefault(fn, 0)
                calls.setdefault(fn, set())
            continue
        if fn is None:
            continue
        for off in re.findall(r"r10 - (0x[0-9a-f]+|\d+)", line):
            frame[fn] = max(frame[fn], int(off, 0))
        if last_call:
            m = re.search(r"R_BPF_64_32\s+(\S+)", line)
            if m:
                calls[fn].add(m.group(1))
        last_call = bool(re.search(r"\bcall -(0x)?1$", line.strip()))
    return frame, calls


def deepest(fn, frame, calls, seen=()):
    """(bytes, chain) of the deepest call chain from fn."""
    if fn in seen:
        return 0, [fn + " (recursion)"]
    best, chain = 0, []
    for c in calls.get(fn, ()):
        if c in frame:
            b, ch = deepest(c, frame, calls, seen + (fn,))
            if b > best:
                best, chain = b, ch
    return round32(frame.get(fn, 0)) + best, [f"{fn} {frame.get(fn, 0)}"] + chain


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    obj, entries = sys.argv[1], sys.argv[2:] or ["botwall_xdp"]
    try:
        frame, calls = parse(obj)
    except (OSError, subprocess.CalledProcessError) as e:
        print(f"FAIL stack_budget_objdump: {e}")
        return 1
    failed = 0
    for e in entries:
        if e not in frame:
            print(f"FAIL stack_budget_{e}: no such function in {obj}")
            failed += 1
            continue
        total, chain = deepest(e, frame, calls)
        what = f"{total} of {LIMIT} bytes: " + " -> ".join(chain)
        if total > LIMIT:
            print(f"FAIL stack_budget_{e}: {what} (kernel 6.1 refuses it)")
            failed += 1
        else:
            print(f"  {what}")
            print(f"PASS stack_budget_{e}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
