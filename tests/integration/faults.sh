#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Faults at run time: the disk fills up (the file is cut back to its last
# whole frame, stays readable, and every frame not written is counted, by
# one exact number wherever it is said), a file size limit does the same
# (ulimit -f: EFBIG, not a kill by SIGXFSZ), and the interface disappears
# (reported, file complete, status 1).
source "$(dirname "$0")/../lib/ringcap.sh"
rc_need_root
rc_need capinfos
rc_pair
rc_tmpdir

# A capture that ends on a write error WHAT (MSG in its log): status 1,
# the file cut back and valid, its frames as the summary says, and every
# frame not in it counted by one exact number wherever it is said.
# cut_and_counted WHAT MSG LOG FILE
cut_and_counted() {
	local what=$1 msg=$2 log=$3 file=$4 rc=0 inFile lost received dropped others n
	for _ in $(seq 50); do kill -0 "$RINGCAP_PID" 2>/dev/null || break; sleep 0.1; done
	kill -0 "$RINGCAP_PID" 2>/dev/null && { kill "$RINGCAP_PID"; rc_fail "$what: ringcap kept running"; }
	wait "$RINGCAP_PID" || rc=$?
	cat "$log"
	[ $rc = 1 ] || rc_fail "$what: exit status $rc, expected 1"
	grep -q "$msg" "$log" || rc_fail "$what: no message"
	capinfos "$file" >/dev/null || rc_fail "$what: the file is not valid"
	inFile=$("${PCAPCHECK[@]}" count "$file")
	[ "$inFile" = "$(rc_summary "$log" captured)" ] || rc_fail "$what: file has $inFile frames, summary disagrees"
	lost=$(sed -n 's/^\([0-9]*\) packets were not written because of an output error$/\1/p' "$log")
	[ -n "$lost" ] && [ "$lost" -gt 0 ] || rc_fail "$what: lost frames not counted"
	received=$(rc_summary "$log" "received by filter")
	dropped=$(rc_summary "$log" "dropped by kernel")
	[ $((inFile + lost)) = $((received - dropped)) ] ||
		rc_fail "$what: $inFile written + $lost lost != $received received - $dropped dropped"
	others=$(grep -o '[0-9][0-9]* frames lost' "$log" | awk '{print $1}' | sort -u || true)
	for n in $others; do
		[ "$n" = "$lost" ] || rc_fail "$what: one line says $n frames lost, the summary $lost"
	done
}

# disk full: a 2 MiB tmpfs
mkdir "$RC_TMP/small"
mount -t tmpfs -o size=2m rcsmall "$RC_TMP/small"
rc_defer "umount '$RC_TMP/small'"
rc_start_capture "$RC_TMP/full.log" -i "$RC_CAP" -w "$RC_TMP/small/full.pcap" -q
rc_in_ns "$RCGEN" -i "$RC_GEN" -n 20000 -s 1000 -r 50000 >/dev/null
cut_and_counted "disk full" "No space left on device" "$RC_TMP/full.log" "$RC_TMP/small/full.pcap"

# a file size limit (ulimit -f): a write error like a full disk, not a kill
# by SIGXFSZ (exit status 153 then)
( ulimit -f 1024; exec "$RINGCAP" -i "$RC_CAP" -w "$RC_TMP/fsize.pcap" -q ) 2>"$RC_TMP/fsize.log" &
RINGCAP_PID=$!
rc_wait_log "$RC_TMP/fsize.log" "listening on"
rc_in_ns "$RCGEN" -i "$RC_GEN" -n 5000 -s 1000 -r 50000 >/dev/null
cut_and_counted "file size limit" "File too large" "$RC_TMP/fsize.log" "$RC_TMP/fsize.pcap"
[ "$(stat -c %s "$RC_TMP/fsize.pcap")" -le 1048576 ] || rc_fail "file size limit: the file is over it"

# interface gone
rc_start_capture "$RC_TMP/gone.log" -i "$RC_CAP" -w "$RC_TMP/gone.pcap" -q
rc_in_ns "$RCGEN" -i "$RC_GEN" -n 3000 -s 200 >/dev/null
sleep 0.2
ip link del "$RC_CAP"
rc=0
for _ in $(seq 50); do kill -0 $RINGCAP_PID 2>/dev/null || break; sleep 0.1; done
kill -0 $RINGCAP_PID 2>/dev/null && { kill $RINGCAP_PID; rc_fail "interface gone: ringcap kept running"; }
wait "$RINGCAP_PID" || rc=$?
cat "$RC_TMP/gone.log"
[ $rc = 1 ] || rc_fail "interface gone: exit status $rc, expected 1"
grep -q "interface went away" "$RC_TMP/gone.log" || rc_fail "interface gone: no message"
capinfos "$RC_TMP/gone.pcap" >/dev/null || rc_fail "interface gone: invalid file"
"${PCAPCHECK[@]}" seq "$RC_TMP/gone.pcap" --expect 3000 || rc_fail "interface gone: frames captured before it went are missing"
rc_pass "disk full and interface removal are reported, files stay valid"
