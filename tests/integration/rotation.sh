#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Rotation by size (-C), time (-G), count (-W), disk budget (--max-total)
# and combinations: the expected files, each valid per capinfos, each within
# its size limit, and across them every frame exactly once, in order.
source "$(dirname "$0")/../lib/ringcap.sh"
rc_need_root
rc_need capinfos
rc_pair
rc_tmpdir

files_valid() { # DIR -> every file passes capinfos
	local f
	for f in "$1"/*; do capinfos "$f" >/dev/null 2>&1 || rc_fail "capinfos rejects $f"; done
}

# size: 20000 frames of 500 bytes = ~10.3 MB in pcap, -C 1 (= 1,000,000 bytes)
mkdir "$RC_TMP/size"
rc_start_capture "$RC_TMP/size.log" -i "$RC_CAP" -w "$RC_TMP/size/cap.pcap" -C 1 -q
rc_in_ns "$RCGEN" -i "$RC_GEN" -n 20000 -s 500 -r 100000
rc_stop_int "$RINGCAP_PID" || rc_fail "size: ringcap exited with $?"
ls -l "$RC_TMP/size"
n=$(ls "$RC_TMP/size" | wc -l)
[ "$n" -ge 10 ] && [ "$n" -le 12 ] || rc_fail "size: $n files, expected 10..12"
[ -e "$RC_TMP/size/cap_00001.pcap" ] || rc_fail "size: first file is not cap_00001.pcap"
for f in "$RC_TMP"/size/*; do
	[ "$(stat -c %s "$f")" -le 1000000 ] || rc_fail "size: $f exceeds 1,000,000 bytes"
done
files_valid "$RC_TMP/size"
"${PCAPCHECK[@]}" seq "$RC_TMP"/size/* --expect 20000 || rc_fail "size: frames lost or repeated across files"

# count: same traffic, ring of 3 files: only the 3 newest remain
mkdir "$RC_TMP/ring"
rc_start_capture "$RC_TMP/ring.log" -i "$RC_CAP" -w "$RC_TMP/ring/cap.pcap" -C 1 -W 3 -q
rc_in_ns "$RCGEN" -i "$RC_GEN" -n 20000 -s 500 -r 100000
rc_stop_int "$RINGCAP_PID" || rc_fail "ring: ringcap exited with $?"
ls -l "$RC_TMP/ring"
[ "$(ls "$RC_TMP/ring" | wc -l)" = 3 ] || rc_fail "ring: expected 3 files"
files_valid "$RC_TMP/ring"
out=$("${PCAPCHECK[@]}" seq "$RC_TMP"/ring/*) || rc_fail "ring: frames repeated or out of order"
echo "$out" | grep -q "last=19999 " || rc_fail "ring: the newest frame is not in the kept files ($out)"
grep -q "files written" "$RC_TMP/ring.log" || rc_fail "ring: summary does not report files written/removed"

# budget: keep the files under 3 MB together
mkdir "$RC_TMP/budget"
rc_start_capture "$RC_TMP/budget.log" -i "$RC_CAP" -w "$RC_TMP/budget/cap.pcap" -C 1 --max-total 3MB -q
rc_in_ns "$RCGEN" -i "$RC_GEN" -n 20000 -s 500 -r 100000
rc_stop_int "$RINGCAP_PID" || rc_fail "budget: ringcap exited with $?"
total=$(du -cb "$RC_TMP"/budget/* | tail -n 1 | cut -f1)
[ "$total" -le 3000000 ] || rc_fail "budget: $total bytes kept, over 3,000,000"
files_valid "$RC_TMP/budget"
"${PCAPCHECK[@]}" seq "$RC_TMP"/budget/* | grep -q "last=19999 " || rc_fail "budget: newest frames missing"

# time: -G 1 over ~3.5 s of paced traffic, strftime names
mkdir "$RC_TMP/time"
rc_start_capture "$RC_TMP/time.log" -i "$RC_CAP" -w "$RC_TMP/time/cap-%Y%m%d-%H%M%S.pcap" -G 1 -q
rc_in_ns "$RCGEN" -i "$RC_GEN" -n 7000 -s 100 -r 2000
rc_stop_int "$RINGCAP_PID" || rc_fail "time: ringcap exited with $?"
ls -l "$RC_TMP/time"
n=$(ls "$RC_TMP/time" | wc -l)
[ "$n" -ge 3 ] && [ "$n" -le 6 ] || rc_fail "time: $n files for 3.5 s with -G 1"
ls "$RC_TMP/time" | grep -qvE '^cap-[0-9]{8}-[0-9]{6}_[0-9]{5}\.pcap$' && rc_fail "time: unexpected file names"
files_valid "$RC_TMP/time"
"${PCAPCHECK[@]}" seq "$RC_TMP"/time/* --expect 7000 || rc_fail "time: frames lost or repeated"
"${PCAPCHECK[@]}" monotonic "$RC_TMP"/time/* || rc_fail "time: timestamps go backwards across files"

# time + size + count together
mkdir "$RC_TMP/combo"
rc_start_capture "$RC_TMP/combo.log" -i "$RC_CAP" -w "$RC_TMP/combo/c" -G 1 -C 1 -W 4 -q
rc_in_ns "$RCGEN" -i "$RC_GEN" -n 16000 -s 700 -r 6000
rc_stop_int "$RINGCAP_PID" || rc_fail "combo: ringcap exited with $?"
ls -l "$RC_TMP/combo"
[ "$(ls "$RC_TMP/combo" | wc -l)" = 4 ] || rc_fail "combo: expected 4 files"
files_valid "$RC_TMP/combo"
for f in "$RC_TMP"/combo/*; do
	[ "$(stat -c %s "$f")" -le 1000000 ] || rc_fail "combo: $f exceeds 1,000,000 bytes"
done
"${PCAPCHECK[@]}" seq "$RC_TMP"/combo/* | grep -q "last=15999 " || rc_fail "combo: newest frames missing"
rc_pass "rotation by size, count, budget, time and combined"
