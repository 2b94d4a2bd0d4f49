#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Rotation by size (-C), time (-G), count (-W), disk budget (--max-total)
# and combinations: the expected files, each valid per capinfos, each within
# its size limit, and across them every frame exactly once, in order.
# Every attempt accounts for every frame sent (captured or counted as
# dropped by the kernel; files that are kept hold exactly what was captured,
# once, in order); the checks that need every frame run on an attempt
# without kernel drops, at half the rate after each attempt with drops.
source "$(dirname "$0")/../lib/ringcap.sh"
rc_need_root
rc_need capinfos
rc_pair
rc_tmpdir

files_valid() { # DIR -> every file passes capinfos
	local f
	for f in "$1"/*; do capinfos "$f" >/dev/null 2>&1 || rc_fail "capinfos rejects $f"; done
}

max_size() { # DIR LIMIT -> no file over LIMIT bytes
	local f
	for f in "$1"/*; do
		[ "$(stat -c %s "$f")" -le "$2" ] || rc_fail "$f exceeds $2 bytes"
	done
}

nfiles() { # DIR -> how many files
	local names
	names=$(ls "$1") || rc_fail "cannot list $1"
	[ -n "$names" ] || { echo 0; return 0; }
	wc -l <<<"$names"
}

# rot NAME N RATE SIZE ARGS...: ringcap ARGS (writing into $RC_TMP/NAME/)
# while rcgen sends N frames of SIZE bytes at RATE; every file valid, every
# frame counted (rc_counted: sets RC_DROPS, RC_CAPTURED).  Sets D and LOG.
rot() {
	local name=$1 n=$2 rate=$3 size=$4
	shift 4
	D=$RC_TMP/$name LOG=$RC_TMP/$name.log
	rm -rf "$D"
	mkdir "$D"
	rc_start_capture "$LOG" -i "$RC_CAP" "$@" -q
	rc_in_ns "$RCGEN" -i "$RC_GEN" -n "$n" -s "$size" -r "$rate"
	rc_stop_int "$RINGCAP_PID" || rc_fail "$name: ringcap exited with $?: $(cat "$LOG")"
	ls -l "$D"
	files_valid "$D"
	rc_counted "$LOG" "$n"
}

# kept NAME: the kept files (some removed) hold captured frames, no
# repeats, in order; prints pcapcheck's line
kept() {
	local out
	out=$("${PCAPCHECK[@]}" seq "$D"/*) || rc_fail "$1: frames repeated or out of order"
	echo "$out"
}

# size: 20000 frames of 500 bytes = ~10.3 MB in pcap, -C 1 (= 1,000,000 bytes)
size_attempt() {
	local n
	rot size 20000 "$1" 500 -w "$RC_TMP/size/cap.pcap" -C 1
	[ -e "$D/cap_00001.pcap" ] || rc_fail "size: first file is not cap_00001.pcap"
	max_size "$D" 1000000
	rc_accounted "$LOG" 20000 "$D"/*
	[ "$RC_DROPS" = 0 ] || return 0
	n=$(nfiles "$D")
	[ "$n" -ge 10 ] && [ "$n" -le 12 ] || rc_fail "size: $n files, expected 10..12"
	"${PCAPCHECK[@]}" seq "$D"/* --expect 20000 || rc_fail "size: frames lost or repeated across files"
}
rc_until_lossless 100000 size_attempt
R_SIZE=$RC_RATE

# count: same traffic, ring of 3 files: only the 3 newest remain
ring_attempt() {
	local n out
	rot ring 20000 "$1" 500 -w "$RC_TMP/ring/cap.pcap" -C 1 -W 3
	n=$(nfiles "$D")
	[ "$n" -le 3 ] || rc_fail "ring: $n files kept, at most 3 allowed"
	out=$(kept ring)
	grep -q "files written" "$LOG" || rc_fail "ring: summary does not report files written/removed"
	[ "$RC_DROPS" = 0 ] || return 0
	[ "$n" = 3 ] || rc_fail "ring: expected 3 files"
	[[ $out == *" last=19999 "* ]] || rc_fail "ring: the newest frame is not in the kept files ($out)"
}
rc_until_lossless 100000 ring_attempt
R_RING=$RC_RATE

# budget: keep the files under 3 MB together
budget_attempt() {
	local total out
	rot budget 20000 "$1" 500 -w "$RC_TMP/budget/cap.pcap" -C 1 --max-total 3MB
	total=$(du -cb "$D"/* | tail -n 1 | cut -f1)
	[ "$total" -le 3000000 ] || rc_fail "budget: $total bytes kept, over 3,000,000"
	out=$(kept budget)
	[ "$RC_DROPS" = 0 ] || return 0
	[[ $out == *" last=19999 "* ]] || rc_fail "budget: newest frames missing ($out)"
}
rc_until_lossless 100000 budget_attempt
R_BUDGET=$RC_RATE

# time: -G 1 over N/RATE seconds of paced traffic, strftime names
time_attempt() {
	local n names lo hi
	rot time 7000 "$1" 100 -w "$RC_TMP/time/cap-%Y%m%d-%H%M%S.pcap" -G 1
	names=$(ls "$D") || rc_fail "time: cannot list $D"
	grep -qvE '^cap-[0-9]{8}-[0-9]{6}_[0-9]{5}\.pcap$' <<<"$names" && rc_fail "time: unexpected file names: $names"
	rc_accounted "$LOG" 7000 "$D"/*
	"${PCAPCHECK[@]}" monotonic "$D"/* || rc_fail "time: timestamps go backwards across files"
	[ "$RC_DROPS" = 0 ] || return 0
	# one file a second, give or take the second the capture started in
	lo=$((7000 / $1)) hi=$(((7000 + $1 - 1) / $1 + 2))
	n=$(nfiles "$D")
	[ "$n" -ge $lo ] && [ "$n" -le $hi ] || rc_fail "time: $n files for 7000 frames at $1/s with -G 1, expected $lo..$hi"
	"${PCAPCHECK[@]}" seq "$D"/* --expect 7000 || rc_fail "time: frames lost or repeated"
}
rc_until_lossless 2000 time_attempt
R_TIME=$RC_RATE

# time + size + count together
combo_attempt() {
	local n out
	rot combo 16000 "$1" 700 -w "$RC_TMP/combo/c" -G 1 -C 1 -W 4
	n=$(nfiles "$D")
	[ "$n" -le 4 ] || rc_fail "combo: $n files kept, at most 4 allowed"
	max_size "$D" 1000000
	out=$(kept combo)
	[ "$RC_DROPS" = 0 ] || return 0
	[ "$n" = 4 ] || rc_fail "combo: expected 4 files"
	[[ $out == *" last=15999 "* ]] || rc_fail "combo: newest frames missing ($out)"
}
rc_until_lossless 6000 combo_attempt
rc_pass "rotation by size ($R_SIZE frames/s), count ($R_RING), budget ($R_BUDGET), time ($R_TIME) and combined ($RC_RATE)"
