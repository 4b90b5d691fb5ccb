#!/usr/bin/env bash
# Runs botwall's test suites and ends with one line "N passed, N failed,
# N skipped". Every test prints "PASS name", "FAIL name[: why]" or
# "SKIP name: why"; a test program that dies without saying FAIL counts
# as one failure. Usage: tests/run.sh [all|unit|bpf|e2e]...
set -u
cd "$(dirname "$0")/.."

want=${*:-all}
log=$(mktemp /tmp/botwall-tests.XXXXXX)
trap 'rm -f "$log"' EXIT
crashed=0

mountpoint -q /sys/fs/bpf 2>/dev/null || mount -t bpf bpf /sys/fs/bpf 2>/dev/null || true

selected() { [[ " $want " == *" all "* || " $want " == *" $1 "* ]]; }

run_one() { # SUITE NAME CMD...
	local suite=$1 name=$2 out rc
	shift 2
	echo "== $suite: $name"
	out=$(mktemp /tmp/botwall-test-out.XXXXXX)
	# A test may not hang the suite: bounded in time.
	timeout --kill-after=10 600 "$@" >"$out" 2>&1
	rc=$?
	cat "$out"
	cat "$out" >>"$log"
	if [ $rc != 0 ] && ! grep -q '^FAIL ' "$out"; then
		echo "FAIL $name: exited with status $rc"
		echo "FAIL $name" >>"$log"
	fi
	rm -f "$out"
}

if selected unit; then
	for t in build/tests/unit/test_*; do
		run_one unit "$(basename "$t")" "$t"
	done
fi
if selected bpf; then
	if [ "$(id -u)" = 0 ]; then
		for t in build/tests/bpf/test_*; do
			run_one bpf "$(basename "$t")" "$t"
		done
	else
		echo "SKIP test_xdp: BPF_PROG_TEST_RUN needs root" | tee -a "$log"
		echo "SKIP test_ltable: BPF_PROG_TEST_RUN needs root" | tee -a "$log"
		echo "SKIP test_actions: BPF_PROG_TEST_RUN needs root" | tee -a "$log"
	fi
fi
if selected e2e; then
	for t in tests/e2e/test_*.sh; do
		run_one e2e "$(basename "$t" .sh)" "$t"
	done
fi

passed=$(grep -c '^PASS ' "$log")
failed=$(grep -c '^FAIL ' "$log")
skipped=$(grep -c '^SKIP ' "$log")
echo
if [ "$skipped" != 0 ]; then
	echo "Skipped:"
	grep '^SKIP ' "$log" | sed 's/^SKIP /  /'
fi
if [ "$failed" != 0 ]; then
	echo "Failed:"
	grep '^FAIL ' "$log" | sed 's/^FAIL /  /'
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ] && [ "$passed" -gt 0 ]
