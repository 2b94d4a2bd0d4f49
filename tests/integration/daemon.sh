#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# ringcapd end to end, in namespaces the test makes:
#  - a test NOTIFY_SOCKET receives READY=1, then STATUS= and WATCHDOG=1;
#  - two captures on two veth pairs at once, traffic lands in their files;
#  - a 2-worker fanout group loses and duplicates nothing;
#  - started as root with `user: nobody`, files belong to nobody;
#  - `ringcap status` / `stats` / the Prometheus file show the counters;
#  - SIGTERM leaves every file valid with frame counts equal to the stats.
source "$(dirname "$0")/../lib/ringcap.sh"
rc_need_root
rc_need capinfos mergecap
rc_tmpdir
chmod 1777 "$RC_TMP"
rc_pair
A_CAP=$RC_CAP A_GEN=$RC_GEN A_NS=$RC_NS
rc_pair
B_CAP=$RC_CAP B_GEN=$RC_GEN B_NS=$RC_NS
mkdir -m 1777 "$RC_TMP/out"
SOCK=$RC_TMP/run/ringcap.sock
cat >"$RC_TMP/ringcap.yaml" <<YAML
daemon:
  user: nobody
  group: nogroup
  runtime_directory: $RC_TMP/run
  status_interval: 1s
  prometheus: { path: $RC_TMP/out/ringcap.prom, interval: 1s }
captures:
  - name: alpha
    interface: $A_CAP
    workers: 2
    fanout: hash
    outputs:
      - pcap: { path: $RC_TMP/out/alpha.pcap, rotate: { size: 2MB } }
  - name: beta
    interface: $B_CAP
    outputs:
      - pcap: { path: $RC_TMP/out/beta.pcap }
      - pcap: { path: $RC_TMP/out/beta-dns.pcap, filter: "udp dst port 53", snaplen: 128 }
YAML
"$RINGCAPD" -n -c "$RC_TMP/ringcap.yaml" | grep -q "configuration OK" || rc_fail "ringcapd -n rejects the test config"

rc_start_daemon "$RC_TMP/ringcap.yaml" "$RC_TMP/daemon.log" WATCHDOG_USEC=2000000
ip netns exec "$A_NS" "$RCGEN" -i "$A_GEN" -n 30000 -s 60-1514 --ports 1000,1001,1002,1003,1004,1005,1006,1007 -r 100000 &
GA=$!
ip netns exec "$B_NS" "$RCGEN" -i "$B_GEN" -n 9000 -s 60-600 --ports 53,80,443 -r 50000 &
GB=$!
wait $GA $GB
sleep 1.5 # a ring block retires after 40 ms; the status tick is 1 s
rc_wait_log "$NOTIFY_LOG" "STATUS=" 5
rc_wait_log "$NOTIFY_LOG" "WATCHDOG=1" 5
"$RINGCAP" status -S "$SOCK" | tee "$RC_TMP/status.txt"
grep -q "capture alpha: running on $A_CAP" "$RC_TMP/status.txt" || rc_fail "status does not show alpha running"
grep -q "worker 1 output 0: $RC_TMP/out/alpha_w1_" "$RC_TMP/status.txt" || rc_fail "status lacks alpha's worker 1 file"
"$RINGCAP" stats -S "$SOCK"
a_frames=$(rc_stat "$SOCK" alpha frames)
b_frames=$(rc_stat "$SOCK" beta frames)
echo "stats: alpha $a_frames frames, beta $b_frames frames"
[ "$a_frames" = 30000 ] || rc_fail "alpha wrote $a_frames frames, expected 30000"
# beta has two outputs: every frame, and the 3000 port-53 frames again
[ "$b_frames" = 12000 ] || rc_fail "beta wrote $b_frames frames, expected 9000 + 3000"
[ "$(rc_stat "$SOCK" beta filter_drops)" = 6000 ] || rc_fail "beta's DNS output should have rejected 6000 frames"
grep -q "^ringcap_frames_total{capture=\"alpha\",worker=\"1\"}" "$RC_TMP/out/ringcap.prom" || rc_fail "no Prometheus file"

kill -TERM "$DAEMON_PID"
t0=$(date +%s%N)
wait "$DAEMON_PID" || rc_fail "ringcapd exited with status $? on SIGTERM"
ms=$((($(date +%s%N) - t0) / 1000000))
echo "SIGTERM to exit: $ms ms"
[ $ms -lt 2000 ] || rc_fail "ringcapd took $ms ms to stop"
grep -q "STOPPING=1" "$NOTIFY_LOG" || rc_fail "no STOPPING=1"
ls -l "$RC_TMP/out"
for f in "$RC_TMP"/out/*.pcap; do
	capinfos "$f" >/dev/null || rc_fail "capinfos rejects $f"
	[ "$(stat -c %U "$f")" = nobody ] || rc_fail "$f is owned by $(stat -c %U "$f"), not nobody"
done
# the two workers' files together: each frame exactly once
mergecap -F nsecpcap -w "$RC_TMP/alpha-merged.pcap" "$RC_TMP"/out/alpha_w*.pcap
"${PCAPCHECK[@]}" seq "$RC_TMP/alpha-merged.pcap" --expect 30000 || rc_fail "alpha's workers lost or duplicated frames"
for w in 0 1; do
	n=$("${PCAPCHECK[@]}" count "$RC_TMP"/out/alpha_w${w}_*.pcap)
	[ "$n" -gt 0 ] || rc_fail "worker $w got no frames: the fanout group did not spread"
done
"${PCAPCHECK[@]}" seq "$RC_TMP/out/beta.pcap" --expect 9000 || rc_fail "beta's full output"
"${PCAPCHECK[@]}" seq "$RC_TMP/out/beta-dns.pcap" --ports 53 | grep -q "frames=3000 " || rc_fail "beta's DNS output"
[ "$(capinfos -M -l "$RC_TMP/out/beta-dns.pcap" | sed -n 's/.*file hdr: \([0-9]*\) bytes/\1/p')" = 128 ] || rc_fail "DNS output snaplen"
rc_pass "daemon: notify, two captures, fanout, outputs, privileges, stats, SIGTERM"
