#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# make stress: the integration suite STRESS_RUNS times in a row (default
# 10) while every CPU is kept busy, one line per run and "K/N runs passed"
# at the end.  Exit 0 only if every run passed.
#
#   STRESS_RUNS=N    how many runs (default 10)
#   STRESS_NICE=N    nice value of the busy loops (default 0)
#   BUILD=DIR        the build to test (default build), run by tests/run
#
# The load is one busy loop per CPU, each pinned to its CPU, at normal
# priority (nice 0).  At nice 19 a loop weighs 15 against a test's 1024
# and takes ~1.5 % of a CPU the tests want: it fills idle time and changes
# almost nothing.  At nice 0 every capture worker, generator and checker
# shares its CPU half and half with a loop and waits a scheduler slice for
# it now and then, which is what a busy CI host does to the suite: a test
# that counts on being scheduled promptly (a fixed rate without
# rc_until_lossless, a sleep instead of waiting for a state) fails here.
# The loops are stopped on exit, on Ctrl-C and on SIGTERM; an interrupted
# run's tests get SIGTERM and clean up after themselves.
#
# tests/run overwrites $BUILD/test-logs each run: the logs of a run that
# failed are kept in $BUILD/stress-logs/run-K/.
set -u
cd "$(dirname "$0")/.." || exit 2
BUILD=${BUILD:-build}
RUNS=${STRESS_RUNS:-10}
NICE=${STRESS_NICE:-0}
export BUILD

[[ $RUNS =~ ^[1-9][0-9]*$ ]] || { echo "stress: STRESS_RUNS must be a positive number, not '$RUNS'" >&2; exit 2; }
[[ $NICE =~ ^-?[0-9]+$ ]] || { echo "stress: STRESS_NICE must be a number, not '$NICE'" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "stress: needs root (the integration tests make network namespaces)" >&2; exit 2; }
[ -x "$BUILD/ringcap" ] || { echo "stress: $BUILD/ringcap is not built (run make)" >&2; exit 2; }

hogs=()
run_pid=

# pid $1 and all its descendants, children first
tree() {
	local c
	for c in $(ps -o pid= --ppid "$1" 2>/dev/null); do
		tree "$c"
	done
	echo "$1"
}

cleanup() {
	local p i alive pids=
	trap '' INT TERM HUP
	if [ -n "$run_pid" ] && kill -0 "$run_pid" 2>/dev/null; then
		# the running test gets SIGTERM (from timeout, which passes it on,
		# and directly) and removes its namespaces, links and mounts
		pids=$(tree "$run_pid")
		for p in $pids; do kill -TERM "$p" 2>/dev/null; done
		for ((i = 0; i < 300; i++)); do
			alive=0
			for p in $pids; do
				kill -0 "$p" 2>/dev/null && alive=1
			done
			[ $alive = 0 ] && break
			sleep 0.1
		done
		wait "$run_pid" 2>/dev/null
	fi
	for p in "${hogs[@]}"; do kill -KILL "$p" 2>/dev/null; done
	for p in "${hogs[@]}"; do wait "$p" 2>/dev/null; done
	hogs=()
}
trap cleanup EXIT
trap 'echo "stress: interrupted" >&2; exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

ncpu=$(nproc)
for ((c = 0; c < ncpu; c++)); do
	nice -n "$NICE" taskset -c "$c" sh -c 'while :; do :; done' &
	hogs+=($!)
done
echo "stress: $RUNS runs of the integration suite ($BUILD), $ncpu busy loops (one per CPU, nice $NICE)"

logs=$BUILD/stress-logs
rm -rf "$logs"
mkdir -p "$logs"
passed=0
for ((k = 1; k <= RUNS; k++)); do
	t0=$(date +%s)
	tests/run integration >"$logs/run-$k.txt" 2>&1 &
	run_pid=$!
	wait "$run_pid"
	rc=$?
	run_pid=
	secs=$(($(date +%s) - t0))
	summary=$(tail -n 1 "$logs/run-$k.txt")
	failed=$(sed -n 's/^failed: \(.*\)  (logs in .*/\1/p' "$logs/run-$k.txt")
	for p in "${hogs[@]}"; do
		kill -0 "$p" 2>/dev/null || { echo "stress: a busy loop died (pid $p)" >&2; exit 1; }
	done
	if [ $rc = 0 ]; then
		passed=$((passed + 1))
		echo "run $k/$RUNS: PASS  ($summary) ${secs} s"
	else
		cp -a "$BUILD/test-logs" "$logs/run-$k"
		echo "run $k/$RUNS: FAIL  ($summary${failed:+; failed: $failed}) ${secs} s; logs in $logs/run-$k"
	fi
done
echo "stress: $passed/$RUNS runs passed"
[ $passed = "$RUNS" ]
