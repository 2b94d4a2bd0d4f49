#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# ringcapd end to end, in namespaces the test makes:
#  - a test NOTIFY_SOCKET receives READY=1, then STATUS= and WATCHDOG=1;
#  - two captures on two veth pairs at once, traffic lands in their files;
#  - a 2-worker fanout group loses and duplicates nothing;
#  - started as root with `user: nobody`, files belong to nobody;
#  - `ringcap status` / `stats` / the Prometheus file show the counters;
#  - SIGTERM leaves every file valid with frame counts equal to the stats.
# Every attempt accounts for every frame sent (rc_daemon_accounted: each
# frame received once, written or counted as dropped, and the files hold
# exactly what the daemon says it wrote); the checks that need every frame
# run on an attempt without kernel drops, slower after each one with drops.
# (The first fanout group after a boot: tests/integration/fanout_fresh_boot.sh.)
source "$(dirname "$0")/../lib/ringcap.sh"
rc_need_root
rc_need capinfos
rc_tmpdir
chmod 1777 "$RC_TMP"
rc_pair
A_CAP=$RC_CAP A_GEN=$RC_GEN A_NS=$RC_NS
rc_pair
B_CAP=$RC_CAP B_GEN=$RC_GEN B_NS=$RC_NS
SOCK=$RC_TMP/run/ringcap.sock
NA=30000 NB=9000
attempts=0

# check_files DIR: after the daemon closed them, the files hold exactly the
# frames the daemon says it wrote (A_FRAMES, B_FRAMES), each once and in
# order, and belong to nobody
check_files() {
	local d=$1 f w out a b bdns
	ls -l "$d"
	for f in "$d"/*.pcap; do
		capinfos "$f" >/dev/null || rc_fail "capinfos rejects $f"
		[ "$(stat -c %U "$f")" = nobody ] || rc_fail "$f is owned by $(stat -c %U "$f"), not nobody"
	done
	# each worker's files in order; no frame in both workers' files
	for w in 0 1; do
		"${PCAPCHECK[@]}" seq "$d"/alpha_w${w}_*.pcap >/dev/null ||
			rc_fail "alpha's worker $w repeated or reordered frames"
	done
	out=$("${PCAPCHECK[@]}" merge "$RC_TMP/alpha-merged.pcap" "$d"/alpha_w*.pcap) ||
		rc_fail "alpha's workers wrote the same frames"
	echo "$out"
	a=$("${PCAPCHECK[@]}" count "$RC_TMP/alpha-merged.pcap") || rc_fail "cannot count alpha's frames"
	b=$("${PCAPCHECK[@]}" seq "$d/beta.pcap") || rc_fail "beta's full output repeats or reorders frames"
	echo "beta: $b"
	bdns=$("${PCAPCHECK[@]}" seq "$d/beta-dns.pcap" --ports 53) || rc_fail "beta's DNS output"
	echo "beta-dns: $bdns"
	b=$(echo "$b" | sed -n 's/^frames=\([0-9]*\) .*/\1/p')
	bdns=$(echo "$bdns" | sed -n 's/^frames=\([0-9]*\) .*/\1/p')
	[ "$a" = "$A_FRAMES" ] || rc_fail "alpha's files hold $a frames, the daemon wrote $A_FRAMES"
	[ $((b + bdns)) = "$B_FRAMES" ] || rc_fail "beta's files hold $b + $bdns frames, the daemon wrote $B_FRAMES"
}

# attempt RATE: the daemon with both captures, NA frames to alpha at RATE,
# NB to beta at RATE/2, every frame accounted for.  With kernel drops the
# daemon is stopped and its files checked against its counters; without,
# it is left running for the rest of the test.
attempt() {
	local ga gb
	attempts=$((attempts + 1))
	OUT=$RC_TMP/out$attempts
	mkdir -m 1777 "$OUT"
	cat >"$RC_TMP/ringcap.yaml" <<YAML
daemon:
  user: nobody
  group: nogroup
  runtime_directory: $RC_TMP/run
  status_interval: 1s
  prometheus: { path: $OUT/ringcap.prom, interval: 1s }
captures:
  - name: alpha
    interface: $A_CAP
    workers: 2
    fanout: hash
    outputs:
      - pcap: { path: $OUT/alpha.pcap, rotate: { size: 2MB } }
  - name: beta
    interface: $B_CAP
    outputs:
      - pcap: { path: $OUT/beta.pcap }
      - pcap: { path: $OUT/beta-dns.pcap, filter: "udp dst port 53", snaplen: 128 }
YAML
	out=$("$RINGCAPD" -n -c "$RC_TMP/ringcap.yaml") || rc_fail "ringcapd -n rejects the test config: $out"
	[ "$out" = "configuration OK" ] || rc_fail "ringcapd -n said '$out'"

	rc_start_daemon "$RC_TMP/ringcap.yaml" "$RC_TMP/daemon.log" WATCHDOG_USEC=2000000
	ip netns exec "$A_NS" "$RCGEN" -i "$A_GEN" -n $NA -s 60-1514 --ports 1000,1001,1002,1003,1004,1005,1006,1007 -r "$1" &
	ga=$!
	ip netns exec "$B_NS" "$RCGEN" -i "$B_GEN" -n $NB -s 60-600 --ports 53,80,443 -r $(($1 / 2)) &
	gb=$!
	wait $ga || rc_fail "rcgen on $A_GEN failed"
	wait $gb || rc_fail "rcgen on $B_GEN failed"
	rc_daemon_accounted "$SOCK" alpha $NA
	A_DROPS=$RC_DROPS A_FRAMES=$RC_FRAMES
	# beta has two outputs: every frame goes to both or is rejected by one
	rc_daemon_accounted "$SOCK" beta $NB 2
	B_DROPS=$RC_DROPS B_FRAMES=$RC_FRAMES B_FILTERED=$RC_FILTERED
	RC_DROPS=$((A_DROPS + B_DROPS))
	[ "$RC_DROPS" = 0 ] && return 0
	kill -TERM "$DAEMON_PID"
	wait "$DAEMON_PID" || rc_fail "ringcapd exited with status $? on SIGTERM"
	check_files "$OUT"
}
rc_until_lossless 100000 attempt

rc_wait_log "$NOTIFY_LOG" "STATUS=" 5
rc_wait_log "$NOTIFY_LOG" "WATCHDOG=1" 5
status=$("$RINGCAP" status -S "$SOCK") || rc_fail "ringcap status failed"
echo "$status"
grep -q "capture alpha: running on $A_CAP" <<<"$status" || rc_fail "status does not show alpha running"
grep -q "worker 1 output 0: $OUT/alpha_w1_" <<<"$status" || rc_fail "status lacks alpha's worker 1 file"
"$RINGCAP" stats -S "$SOCK" || rc_fail "ringcap stats failed"
echo "stats: alpha $A_FRAMES frames, beta $B_FRAMES frames"
[ "$A_FRAMES" = $NA ] || rc_fail "alpha wrote $A_FRAMES frames, expected $NA"
# beta: every frame, and the port-53 third of them again
[ "$B_FRAMES" = $((NB + NB / 3)) ] || rc_fail "beta wrote $B_FRAMES frames, expected $NB + $((NB / 3))"
[ "$B_FILTERED" = $((NB * 2 / 3)) ] || rc_fail "beta's DNS output rejected $B_FILTERED frames, expected $((NB * 2 / 3))"
rc_wait_log "$OUT/ringcap.prom" "^ringcap_frames_total{capture=\"alpha\",worker=\"1\"}" 5

kill -TERM "$DAEMON_PID"
t0=$(date +%s%N)
wait "$DAEMON_PID" || rc_fail "ringcapd exited with status $? on SIGTERM"
ms=$((($(date +%s%N) - t0) / 1000000))
echo "SIGTERM to exit: $ms ms"
[ $ms -lt 2000 ] || rc_fail "ringcapd took $ms ms to stop"
grep -q "STOPPING=1" "$NOTIFY_LOG" || rc_fail "no STOPPING=1"
check_files "$OUT"
"${PCAPCHECK[@]}" seq "$RC_TMP/alpha-merged.pcap" --expect $NA || rc_fail "alpha's workers lost or duplicated frames"
for w in 0 1; do
	n=$("${PCAPCHECK[@]}" count "$OUT"/alpha_w${w}_*.pcap) || rc_fail "cannot count worker $w's frames"
	[ "$n" -gt 0 ] || rc_fail "worker $w got no frames: the fanout group did not spread"
done
"${PCAPCHECK[@]}" seq "$OUT/beta.pcap" --expect $NB || rc_fail "beta's full output"
out=$("${PCAPCHECK[@]}" seq "$OUT/beta-dns.pcap" --ports 53) || rc_fail "beta's DNS output"
[[ $out == "frames=$((NB / 3)) "* ]] || rc_fail "beta's DNS output: $out, expected $((NB / 3)) frames"
hdr=$(capinfos -M -l "$OUT/beta-dns.pcap") || rc_fail "capinfos -l fails on beta-dns.pcap"
[ "$(sed -n 's/.*file hdr: \([0-9]*\) bytes/\1/p' <<<"$hdr")" = 128 ] || rc_fail "DNS output snaplen: $hdr"
rc_pass "daemon: notify, two captures, fanout, outputs, privileges, stats, SIGTERM ($RC_RATE frames/s)"
