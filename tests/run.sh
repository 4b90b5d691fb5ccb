#!/usr/bin/env bash
# Runs botwall's test suites and ends with one line "N passed, N failed,
# N skipped". Every test prints "PASS name", "FAIL name[: why]" or
# "SKIP name: why"; a test program that dies without saying FAIL counts
# as one failure. Usage: tests/run.sh [all|unit|bpf|e2e|fuzz|sanitize]...
#   all       unit, bpf and e2e against build/
#   sanitize  unit, bpf and the pipeline e2e against build-asan/ (ASan and
#             UBSan; any report fails), and the daemon once under valgrind
set -u
cd "$(dirname "$0")/.."

want=${*:-all}
log=$(mktemp /tmp/botwall-tests.XXXXXX)
trap 'rm -f "$log"' EXIT
crashed=0

mountpoint -q /sys/fs/bpf 2>/dev/null || mount -t bpf bpf /sys/fs/bpf 2>/dev/null || true

selected() { [[ " $want " == *" all "* || " $want " == *" $1 "* ]]; }

PREFIX=
run_one() { # SUITE NAME CMD...
	local suite=$1 name=$2 out rc
	shift 2
	echo "== $suite: $name"
	out=$(mktemp /tmp/botwall-test-out.XXXXXX)
	# A test may not hang the suite: bounded in time.
	timeout --kill-after=10 600 "$@" >"$out" 2>&1
	rc=$?
	if [ -n "$PREFIX" ]; then
		sed -i "s/^\(PASS\|FAIL\|SKIP\) /\1 $PREFIX/" "$out"
		# A sanitizer report anywhere in the output is a failure.
		if grep -q 'ERROR: AddressSanitizer\|ERROR: LeakSanitizer\|runtime error:' "$out"; then
			echo "FAIL ${PREFIX}$name: sanitizer report" >>"$out"
		fi
	fi
	cat "$out"
	cat "$out" >>"$log"
	if [ $rc != 0 ] && ! grep -q '^FAIL ' "$out"; then
		echo "FAIL $name: exited with status $rc"
		echo "FAIL $name" >>"$log"
	fi
	rm -f "$out"
}

suites() { # BUILD_DIR E2E_TESTS...
	local b=$1 t
	shift
	if selected unit || [ -n "$PREFIX" ]; then
		for t in "$b"/tests/unit/test_*; do
			[ -x "$t" ] && run_one unit "$(basename "$t")" "$t"
		done
	fi
	if selected bpf || [ -n "$PREFIX" ]; then
		if [ "$(id -u)" = 0 ]; then
			for t in "$b"/tests/bpf/test_*; do
				[ -x "$t" ] && run_one bpf "$(basename "$t")" "$t"
			done
		else
			echo "SKIP ${PREFIX}bpf: BPF_PROG_TEST_RUN needs root" | tee -a "$log"
		fi
	fi
	if selected e2e || [ -n "$PREFIX" ]; then
		for t in "$@"; do
			LAB_BIN=$b run_one e2e "$(basename "$t" .sh)" "$t"
		done
	fi
}

if selected unit || selected bpf || selected e2e; then
	suites build tests/e2e/test_*.sh
fi
if selected unit || selected fuzz; then
	run_one fuzz test_fuzz tests/fuzz/test_fuzz.sh
fi
if [[ " $want " == *" sanitize "* ]]; then
	if [ -x build-asan/botwalld ]; then
		export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=86
		export UBSAN_OPTIONS=print_stacktrace=1
		PREFIX=asan: suites build-asan tests/e2e/test_pipeline.sh
		unset ASAN_OPTIONS UBSAN_OPTIONS
		PREFIX=valgrind: run_one valgrind test_valgrind tests/e2e/valgrind_daemon.sh
	else
		echo "SKIP sanitize: build-asan/ not built (make test-asan)" | tee -a "$log"
	fi
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
