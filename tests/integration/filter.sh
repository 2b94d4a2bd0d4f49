#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Filters: tcpdump syntax compiled by libpcap and run in the kernel.
#  1. Traffic to ports 5000 and 6000 is already flowing while ringcap sets
#     up its ring: not one port-6000 frame may reach the file (the filter is
#     attached before the socket is bound, so nothing slips in before it).
#  2. A known burst: exactly the matching frames, and the same frames that
#     tcpdump with the same expression writes.
#  3. Filter words after the flags work like tcpdump's.
#  4. vlan tests run in user space, on the tag the kernel stripped.
#  5. A filter the kernel refuses (protochain loops) runs in user space, as
#     libpcap runs it (daemon_reload.sh: on a fanout group, and at reload).
source "$(dirname "$0")/../lib/ringcap.sh"
rc_need_root
rc_need tcpdump
rc_pair
rc_tmpdir

# 1: flood running across start-up
# the flood outlasts the three start-ups below and is stopped after them
rc_bg rc_in_ns "$RCGEN" -i "$RC_GEN" --duration 30 -n 0 -s 60-300 --ports 5000,6000 -r 100000
FLOOD=$RC_BG_PID
sleep 0.5
for i in 1 2 3; do
	rc_start_capture "$RC_TMP/a$i.log" -i "$RC_CAP" -w "$RC_TMP/a$i.pcap" -q -f "udp dst port 5000"
	sleep 0.3
	rc_stop_int "$RINGCAP_PID" || rc_fail "ringcap exited with $?"
	"${PCAPCHECK[@]}" seq "$RC_TMP/a$i.pcap" --ports 5000 || rc_fail "run $i: a frame that fails the filter reached the file"
	n=$("${PCAPCHECK[@]}" count "$RC_TMP/a$i.pcap")
	[ "$n" -gt 0 ] || rc_fail "run $i: nothing captured during the flood"
	[ "$n" = "$(rc_summary "$RC_TMP/a$i.log" captured)" ] || rc_fail "run $i: file holds $n frames, summary disagrees"
done
kill -INT "$FLOOD" 2>/dev/null || true
wait "$FLOOD" || true

# 2: exact burst, side by side with tcpdump
rc_start_capture "$RC_TMP/b.log" -i "$RC_CAP" -w "$RC_TMP/b.pcap" -q -f "udp and dst port 5000 and greater 200"
rc_bg tcpdump -i "$RC_CAP" -w "$RC_TMP/b-tcpdump.pcap" -B 65536 --time-stamp-precision=nano \
	"udp and dst port 5000 and greater 200" 2>"$RC_TMP/b-tcpdump.log"
TCPDUMP=$RC_BG_PID
rc_wait_log "$RC_TMP/b-tcpdump.log" "listening on"
rc_in_ns "$RCGEN" -i "$RC_GEN" -n 20000 -s 60-400 --seed 3 --ports 5000,6000,5000,7000 -r 50000
sleep 1.5 # tcpdump hands blocks over after its 1 s timeout; ringcap drains on stop
rc_stop_int "$RINGCAP_PID" || rc_fail "ringcap exited with $?"
rc_stop_int "$TCPDUMP" || true
"${PCAPCHECK[@]}" seq "$RC_TMP/b.pcap" --ports 5000 || rc_fail "burst: wrong frames in the file"
got=$("${PCAPCHECK[@]}" count "$RC_TMP/b.pcap")
want=$("${PCAPCHECK[@]}" count "$RC_TMP/b-tcpdump.pcap")
echo "ringcap $got frames, tcpdump $want frames"
[ "$got" -gt 5000 ] && [ "$got" -lt 10000 ] || rc_fail "burst: $got frames is not about half of the 10000 port-5000 frames (size > 200)"
"${PCAPCHECK[@]}" same "$RC_TMP/b.pcap" "$RC_TMP/b-tcpdump.pcap" || rc_fail "burst: ringcap and tcpdump disagree"

# 3: filter as trailing words
rc_start_capture "$RC_TMP/c.log" -i "$RC_CAP" -w "$RC_TMP/c.pcap" -q udp dst port 6000
rc_in_ns "$RCGEN" -i "$RC_GEN" -n 1000 --ports 5000,6000
rc_stop_int "$RINGCAP_PID" || rc_fail "ringcap exited with $?"
"${PCAPCHECK[@]}" seq "$RC_TMP/c.pcap" --ports 6000 || rc_fail "words: wrong frames"
[ "$("${PCAPCHECK[@]}" count "$RC_TMP/c.pcap")" = 500 ] || rc_fail "words: expected exactly 500 frames"
# 4: vlan filters see the tag the kernel stripped (run in user space)
rc_start_capture "$RC_TMP/v.log" -i "$RC_CAP" -w "$RC_TMP/v.pcap" -q vlan 100 and udp
rc_in_ns "$RCGEN" -i "$RC_GEN" -n 300 -s 64-300
rc_in_ns "$RCGEN" -i "$RC_GEN" -n 400 -s 64-300 --vlan 100 --start-seq 1000
rc_in_ns "$RCGEN" -i "$RC_GEN" -n 200 -s 64-300 --vlan 200 --start-seq 2000
rc_stop_int "$RINGCAP_PID" || rc_fail "vlan: ringcap exited with $?"
"${PCAPCHECK[@]}" seq "$RC_TMP/v.pcap" --vlan 100 --start 1000 --expect 400 || rc_fail "vlan 100: wrong frames"
# 5: protochain makes a loop, which the kernel's checker refuses
rc_start_capture "$RC_TMP/p.log" -i "$RC_CAP" -w "$RC_TMP/p.pcap" -q protochain 17 and udp dst port 6000
grep -q "does not take the filter .* it runs in user space" "$RC_TMP/p.log" ||
	rc_fail "protochain: not said that it runs in user space"
rc_in_ns "$RCGEN" -i "$RC_GEN" -n 1000 --ports 5000,6000 >/dev/null
rc_stop_int "$RINGCAP_PID" || rc_fail "protochain: ringcap exited with $?"
"${PCAPCHECK[@]}" seq "$RC_TMP/p.pcap" --ports 6000 || rc_fail "protochain: wrong frames"
[ "$("${PCAPCHECK[@]}" count "$RC_TMP/p.pcap")" = 500 ] || rc_fail "protochain: expected exactly 500 frames"
rc_pass "filtered captures hold exactly the matching frames"
