#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The CLI tells the truth about what it wrote and runs with what it needs:
#  - -c COUNT: the frames that arrived after the count are counted and said;
#  - a ring block too small for the interface's frames: the file header's
#    snapshot length is what the frames were cut to, and the user is told;
#  - -Z USER: the capture runs as USER once the socket is open, the files
#    belong to USER.
source "$(dirname "$0")/../lib/ringcap.sh"
rc_need_root
rc_need capinfos
rc_pair
rc_tmpdir

# --- -c: what came after the count is said, not silent ------------------------
rc_start_capture "$RC_TMP/count.log" -i "$RC_CAP" -w "$RC_TMP/count.pcap" -c 100 -q
rc_in_ns "$RCGEN" -i "$RC_GEN" -n 5000 -r 100000 >/dev/null
wait "$RINGCAP_PID" || rc_fail "-c: exit status $?"
cat "$RC_TMP/count.log"
cap=$(rc_summary "$RC_TMP/count.log" captured)
rcv=$(rc_summary "$RC_TMP/count.log" "received by filter")
drp=$(rc_summary "$RC_TMP/count.log" "dropped by kernel")
after=$(sed -n 's/^\([0-9]*\) packets arrived after the count (-c) was reached and were not written$/\1/p' "$RC_TMP/count.log")
[ "$cap" = 100 ] || rc_fail "-c 100 captured $cap"
if [ "$rcv" -gt $((cap + drp)) ]; then
	[ -n "$after" ] && [ $((cap + drp + after)) = "$rcv" ] ||
		rc_fail "-c: $cap captured + $drp dropped + ${after:-nothing said} after the count != $rcv received"
fi

# --- a ring block smaller than the interface's frames -------------------------
ip link set "$RC_CAP" mtu 9000
rc_in_ns ip link set "$RC_GEN" mtu 9000
rc_start_capture "$RC_TMP/jumbo.log" -i "$RC_CAP" -w "$RC_TMP/jumbo.pcap" --block-size 4KiB -c 20 -q
rc_in_ns "$RCGEN" -i "$RC_GEN" -n 10 -s 8014 -r 1000 >/dev/null
rc_in_ns "$RCGEN" -i "$RC_GEN" -n 10 -s 8018 --vlan 7 -r 1000 --start-seq 10 >/dev/null
wait "$RINGCAP_PID" || rc_fail "jumbo: exit status $?"
cat "$RC_TMP/jumbo.log"
hdr=$(capinfos -M -l "$RC_TMP/jumbo.pcap" | sed -n 's/.*file hdr: \([0-9]*\) bytes/\1/p')
max=$(tshark -r "$RC_TMP/jumbo.pcap" -T fields -e frame.cap_len | sort -n | tail -n 1)
echo "header snaplen $hdr, longest record $max bytes"
[ "$hdr" = "$max" ] || rc_fail "the file says snaplen $hdr but its frames were cut to $max"
grep -q "frames longer than [0-9]* bytes are cut" "$RC_TMP/jumbo.log" ||
	rc_fail "the user was not told that frames are cut"
"${PCAPCHECK[@]}" count "$RC_TMP/jumbo.pcap" | grep -qx 20 || rc_fail "jumbo: frames missing"

# --- -Z: run as the user, files the user's ----------------------------------------
ip link set "$RC_CAP" mtu 1500
rc_in_ns ip link set "$RC_GEN" mtu 1500
mkdir -m 1777 "$RC_TMP/z"
rc_start_capture "$RC_TMP/z.log" -i "$RC_CAP" -w "$RC_TMP/z/z.pcap" -C 1 -Z nobody -c 2000 -q
uid=$(awk '/^Uid:/ {print $2 "," $3 "," $4}' "/proc/$RINGCAP_PID/status")
caps=$(awk '/^CapEff:/ {print $2}' "/proc/$RINGCAP_PID/status")
rc_in_ns "$RCGEN" -i "$RC_GEN" -n 2000 -s 1000 -r 20000 >/dev/null
wait "$RINGCAP_PID" || rc_fail "-Z: exit status $?"
nobody=$(id -u nobody)
echo "-Z nobody: uids $uid, CapEff $caps"
[ "$uid" = "$nobody,$nobody,$nobody" ] || rc_fail "-Z nobody: running as uids $uid"
[ "$caps" = 0000000000000000 ] || rc_fail "-Z nobody: capabilities left: $caps"
ls -l "$RC_TMP/z"
n=0
for f in "$RC_TMP"/z/*.pcap; do
	[ "$(stat -c %U "$f")" = nobody ] || rc_fail "$f belongs to $(stat -c %U "$f"), not nobody"
	n=$((n + 1))
done
[ "$n" -ge 2 ] || rc_fail "-Z: expected rotated files, got $n"
# shellcheck disable=SC2046
"${PCAPCHECK[@]}" seq $(ls "$RC_TMP"/z/*.pcap | sort) --expect 2000 || rc_fail "-Z: frames lost"
rc=0
"$RINGCAP" -i "$RC_CAP" -w "$RC_TMP/z/x.pcap" -Z no-such-user-rc -c 1 2>"$RC_TMP/z2.log" || rc=$?
[ "$rc" = 2 ] && grep -q "user 'no-such-user-rc' does not exist" "$RC_TMP/z2.log" ||
	rc_fail "-Z with an unknown user: exit $rc, $(cat "$RC_TMP/z2.log")"
rc_pass "lost counts agree and add up; snaplen honest; -Z runs as the user"
