# shellcheck shell=bash
# Shared by the e2e scripts: one PASS/FAIL line per check, as tests/run.sh
# counts them. Set CHECK_PREFIX before sourcing; "result NAME OK [DETAIL]"
# prints "PASS <prefix>_NAME" or "FAIL <prefix>_NAME: DETAIL" (OK is 0 for a
# pass) and remembers the failure in $failed, the script's exit status.

failed=0

result() { # NAME OK(0/1) [DETAIL]
	if [ "$2" = 0 ]; then
		echo "PASS ${CHECK_PREFIX}_$1"
	else
		echo "FAIL ${CHECK_PREFIX}_$1${3:+: $3}"
		failed=1
	fi
}

# Polls CMD every 50 ms until it succeeds or TIMEOUT_MS pass (then fails).
wait_for() { # TIMEOUT_MS CMD...
	local deadline=$(( $(date +%s%N) + $1 * 1000000 ))
	shift
	until "$@"; do
		[ "$(date +%s%N)" -ge "$deadline" ] && return 1
		sleep 0.05
	done
}

# Skips the whole script (exit 0, one SKIP line) unless it runs as root
# with every TOOL installed: the lab needs namespaces, XDP and real clients.
require_lab() { # TOOL...
	local tool
	for tool in "$@"; do
		if ! command -v "$tool" >/dev/null; then
			echo "SKIP ${CHECK_PREFIX}: $tool is not installed (make deps)"
			exit 0
		fi
	done
	if [ "$(id -u)" != 0 ]; then
		echo "SKIP ${CHECK_PREFIX}: needs root (network namespaces, XDP)"
		exit 0
	fi
}

# SIGHUP to the lab daemon, then waits for its next "reloaded:" log line
# (written once config, lists and policies are in force):
# a request sent before the reload is done is handled under the old config
# and lists (a fixed sleep was too short in the TCG VM of make vmtest).
lab_reloads() { grep -c "info: reloaded: threshold" "$LAB_DIR/botwalld.log"; }
lab_reloaded_since() { [ "$(lab_reloads)" -gt "$1" ]; }
lab_reload_daemon() {
	local n
	n=$(lab_reloads)
	kill -HUP "$LAB_DAEMON_PID"
	wait_for 10000 lab_reloaded_since "$n" ||
		echo "  no reload line: $(tail -2 "$LAB_DIR/botwalld.log")"
}
