#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# SIGINT and SIGTERM in the middle of heavy traffic: ringcap stops promptly,
# the file is complete (capinfos), and the frames in it are exactly the
# number the printed summary says, which is everything the kernel took in
# (received by filter minus dropped by kernel).
source "$(dirname "$0")/../lib/ringcap.sh"
rc_need_root
rc_need capinfos
rc_pair
rc_tmpdir

for sig in INT TERM; do
	rc_bg rc_in_ns "$RCGEN" -i "$RC_GEN" -n 0 --duration 4 -s 60-1514 -r 200000
	GEN=$RC_BG_PID
	rc_start_capture "$RC_TMP/$sig.log" -i "$RC_CAP" -w "$RC_TMP/$sig.pcap" -q
	sleep 1.5
	t0=$(date +%s%N)
	kill -"$sig" "$RINGCAP_PID"
	rc=0
	wait "$RINGCAP_PID" || rc=$?
	t1=$(date +%s%N)
	ms=$(((t1 - t0) / 1000000))
	echo "SIG$sig: stopped in $ms ms"
	wait "$GEN" || true
	cat "$RC_TMP/$sig.log"
	[ $rc = 0 ] || rc_fail "SIG$sig: exit status $rc"
	[ $ms -lt 1000 ] || rc_fail "SIG$sig: took $ms ms to stop"
	capinfos "$RC_TMP/$sig.pcap" >/dev/null || rc_fail "SIG$sig: capinfos rejects the file"
	inFile=$("${PCAPCHECK[@]}" count "$RC_TMP/$sig.pcap")
	captured=$(rc_summary "$RC_TMP/$sig.log" captured)
	received=$(rc_summary "$RC_TMP/$sig.log" "received by filter")
	dropped=$(rc_summary "$RC_TMP/$sig.log" "dropped by kernel")
	[ "$inFile" = "$captured" ] || rc_fail "SIG$sig: file has $inFile frames, summary says $captured"
	[ "$captured" -gt 0 ] || rc_fail "SIG$sig: nothing captured"
	[ $((received - dropped)) = "$captured" ] || rc_fail "SIG$sig: $received received - $dropped dropped != $captured captured"
	"${PCAPCHECK[@]}" seq "$RC_TMP/$sig.pcap" >/dev/null || rc_fail "SIG$sig: frames repeated or out of order"
done
rc_pass "SIGINT and SIGTERM leave complete files matching the summary"
