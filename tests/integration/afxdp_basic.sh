#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# AF_XDP capture (ringcap capture --backend afxdp) on veth pairs made here,
# checked against tcpdump on the sending side of the same pair (frames that
# AF_XDP takes never reach a packet socket on the capture side):
#   1. one queue: every frame once, in order, identical to tcpdump's,
#      timestamps monotonic and close to the wall clock
#   2. four queues, four workers: each frame in exactly one queue's file,
#      every file in order with monotonic timestamps, all of them together
#      identical to tcpdump's capture
#   3. a capture filter (run in the XDP program): only matching frames are
#      kept, the others are rejected there and counted
#   4. SKB (generic) XDP mode
#   5. kill -9: the interface passes frames to the host stack again (a UDP
#      socket on the capture side receives them); the next run removes the
#      program left behind, and a clean stop detaches its own
# Sections 1-4 hold on any machine: every frame sent is captured or counted
# as dropped; the checks that need every frame are made on an attempt
# without drops, at half the rate after each attempt with drops.
# Nothing is left behind: veths and namespaces go with the trap; a bpffs
# mounted during the test (by ringcap, for libxdp) is unmounted again.
source "$(dirname "$0")/../lib/ringcap.sh"
rc_need_root
rc_need tcpdump ip
rc_need_afxdp


rc_tmpdir
T=$RC_TMP
PY=/usr/bin/python3


# udprecv.py ADDR PORT SECS OUT: count UDP datagrams for SECS seconds
cat >"$T/udprecv.py" <<'EOF'
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], int(sys.argv[2])))
s.settimeout(0.1)
n, end = 0, time.monotonic() + float(sys.argv[3])
open(sys.argv[4] + ".ready", "w").close()
while time.monotonic() < end:
    try:
        s.recv(65536)
        n += 1
    except socket.timeout:
        pass
open(sys.argv[4], "w").write("%d\n" % n)
EOF

# start_tcpdump NAME COUNT: tcpdump on the sending side, in the namespace
start_tcpdump() {
	rm -f "$T/$1.pcap"
	rc_bg rc_in_ns tcpdump -i "$RC_GEN" -Q out -w "$T/$1.pcap" -B 262144 -c "$2" \
		--time-stamp-precision=nano 2>"$T/$1.log"
	TCPDUMP=$RC_BG_PID
	rc_wait_log "$T/$1.log" "listening on" 10
}

# wait_tcpdump NAME: tcpdump ends by itself at -c COUNT unless it missed
# frames.  Frames it dropped (its own counter) make the attempt lossy like
# ringcap's drops (RC_DROPS > 0, return 1); frames missed without a count
# fail the test.
wait_tcpdump() {
	local drops
	for _ in $(seq 100); do kill -0 "$TCPDUMP" 2>/dev/null || break; sleep 0.1; done
	if kill -0 "$TCPDUMP" 2>/dev/null; then
		kill -INT "$TCPDUMP"
		wait "$TCPDUMP" || true
		drops=$(rc_summary "$T/$1.log" "dropped by kernel")
		[ "$drops" -gt 0 ] ||
			rc_fail "tcpdump did not see all frames, and dropped none: $(cat "$T/$1.log")"
		echo "tcpdump (the reference) dropped $drops frames"
		RC_DROPS=$((RC_DROPS + drops))
		return 1
	fi
	wait "$TCPDUMP" || true
	return 0
}

stop_ringcap() {
	rc_stop_int "$RINGCAP_PID" || rc_fail "ringcap exited with status $?: $(cat "$1")"
	cat "$1"
}

# queue_files PREFIX: PREFIX_w0.pcap ... of a multi-queue capture each in
# order (also after kernel drops), merged into PREFIX_all.pcap
queue_files() {
	local f
	for f in "$1"_w?.pcap; do
		[ -f "$f" ] || rc_fail "no per-queue files $1_w?.pcap"
		"${PCAPCHECK[@]}" seq "$f" >/dev/null || rc_fail "$f: frames repeated or out of order"
	done
	"${PCAPCHECK[@]}" merge "$1_all.pcap" "$1"_w?.pcap || rc_fail "cannot merge $1_w?.pcap"
}

# first timestamp of a file within a minute of the wall clock
check_clock() {
	local first now
	first=$("${PCAPCHECK[@]}" monotonic "$1" | sed -n 's/.*first=\([0-9]*\)\..*/\1/p')
	now=$(date +%s)
	[ -n "$first" ] && [ $((now - first)) -lt 60 ] && [ $((first - now)) -lt 60 ] ||
		rc_fail "$1: first timestamp $first is not close to the wall clock ($now)"
}

XDP=(--backend afxdp --dedicated-port)

# Every attempt below must account for every frame it sent (captured, or
# counted as dropped by the kernel: rc_accounted); the checks that need all
# of them run only on an attempt without drops, which rc_until_lossless
# repeats at half the rate, each time with fresh captures, on a machine too
# slow for the first rate.  AF_XDP's per-queue RX ring absorbs far shorter
# stalls of the capturing thread than a 64 MiB TPACKET ring, and a
# sanitized build on a busy 2-CPU VM may wait tens of milliseconds for a
# CPU.

# --- 1. one queue ------------------------------------------------------
rc_pair
CAP1=$RC_CAP GEN1=$RC_GEN NS1=$RC_NS
N=100000
one_queue() {
	rm -f "$T"/q1.pcap
	rc_start_capture "$T/q1.log" "${XDP[@]}" -i "$RC_CAP" -w "$T/q1.pcap" -q
	grep -q "XDP program attached to $RC_CAP in native mode" "$T/q1.log" ||
		rc_fail "no note on the XDP mode: $(cat "$T/q1.log")"
	grep -q "queue 0: copy mode" "$T/q1.log" || rc_fail "no note on the bind mode"
	start_tcpdump t1 $N
	rc_in_ns "$RCGEN" -i "$RC_GEN" -n $N -s 60-1514 --seed 3 -r "$1"
	stop_ringcap "$T/q1.log"
	if rc_xdp_attached "$RC_CAP"; then
		rc_fail "the XDP program is still attached after a clean stop"
	fi
	rc_accounted "$T/q1.log" $N "$T/q1.pcap"
	wait_tcpdump t1 || return 0
	[ "$RC_DROPS" = 0 ] || return 0

	[ "$(rc_summary "$T/q1.log" captured)" = $N ] || rc_fail "1 queue: summary does not say $N captured"
	"${PCAPCHECK[@]}" seq "$T/q1.pcap" --expect $N || rc_fail "1 queue: frames missing, repeated or reordered"
	"${PCAPCHECK[@]}" same "$T/q1.pcap" "$T/t1.pcap" || rc_fail "1 queue: frames differ from tcpdump's"
	"${PCAPCHECK[@]}" monotonic "$T/q1.pcap" || rc_fail "1 queue: timestamps go backwards"
	check_clock "$T/q1.pcap"
}
rc_until_lossless 50000 one_queue
R1=$RC_RATE
rm -f "$T"/q1.pcap "$T"/t1.pcap

# --- 2. four queues ----------------------------------------------------
rc_pair 4
N=200000
PORTS=$(seq -s, 5000 5031)
four_queues() {
	local q f n busy=0
	rm -f "$T"/q4*.pcap
	rc_start_capture "$T/q4.log" "${XDP[@]}" -i "$RC_CAP" -w "$T/q4.pcap" -q
	for q in 0 1 2 3; do
		grep -q "queue $q:" "$T/q4.log" || rc_fail "4 queues: no socket on queue $q: $(cat "$T/q4.log")"
	done
	start_tcpdump t4 $N
	rc_in_ns "$RCGEN" -i "$RC_GEN" -n $N -s 60-1514 --seed 5 --ports "$PORTS" -r "$1"
	stop_ringcap "$T/q4.log"
	for q in 0 1 2 3; do
		[ -f "$T/q4_w$q.pcap" ] || rc_fail "4 queues: no file for queue $q"
	done
	queue_files "$T/q4"
	rc_accounted "$T/q4.log" $N "$T/q4_all.pcap"
	wait_tcpdump t4 || return 0
	[ "$RC_DROPS" = 0 ] || return 0

	[ "$(rc_summary "$T/q4.log" captured)" = $N ] || rc_fail "4 queues: summary does not say $N captured"
	for q in 0 1 2 3; do
		f=$T/q4_w$q.pcap
		n=$("${PCAPCHECK[@]}" count "$f")
		echo "queue $q: $n frames"
		[ "$n" -gt 0 ] && busy=$((busy + 1))
		"${PCAPCHECK[@]}" monotonic "$f" >/dev/null || rc_fail "4 queues: queue $q timestamps go backwards"
	done
	[ $busy -ge 2 ] || rc_fail "4 queues: the traffic did not spread over the queues"
	"${PCAPCHECK[@]}" seq "$T/q4_all.pcap" --expect $N || rc_fail "4 queues: frames missing or repeated"
	"${PCAPCHECK[@]}" same "$T/q4_all.pcap" "$T/t4.pcap" || rc_fail "4 queues: frames differ from tcpdump's"
}
rc_until_lossless 100000 four_queues
R4=$RC_RATE
rm -f "$T"/q4*.pcap "$T"/t4.pcap

# --- 3. a capture filter -------------------------------------------------
NF=20000
with_filter() {
	local rej out
	rm -f "$T"/f_*.pcap
	rc_start_capture "$T/f.log" "${XDP[@]}" -i "$RC_CAP" -w "$T/f.pcap" -q 'udp dst port 5001'
	rc_in_ns "$RCGEN" -i "$RC_GEN" -n $NF -s 60-1514 --ports 5000,5001,5002,5003 -r "$1"
	stop_ringcap "$T/f.log"
	queue_files "$T/f"
	out=$("${PCAPCHECK[@]}" seq "$T/f_all.pcap" --ports 5001) ||
		rc_fail "filter: a frame that fails the filter was kept"
	grep -q "the capture filter runs in the XDP program" "$T/f.log" ||
		rc_fail "filter: no note that the filter runs in the XDP program: $(cat "$T/f.log")"
	grep -q "rejected by the filter in user space" "$T/f.log" &&
		rc_fail "filter: frames were filtered in user space"
	# The filter runs in the XDP program, before the ring: every frame
	# sent is rejected there, or captured or dropped, and "received by
	# filter" is what it let through.
	rej=$(sed -n 's/^\([0-9]*\) packets rejected by the filter in the XDP program$/\1/p' "$T/f.log" | tail -n 1)
	rc_accounted "$T/f.log" $((NF - ${rej:-0})) "$T/f_all.pcap"
	[ "$RC_DROPS" = 0 ] || return 0

	[ "$(rc_summary "$T/f.log" captured)" = $((NF / 4)) ] || rc_fail "filter: summary does not say $((NF / 4)) captured"
	[ "${rej:-0}" = $((NF * 3 / 4)) ] || rc_fail "filter: ${rej:-0} rejected, expected $((NF * 3 / 4))"
	echo "$out" | grep -q "^frames=$((NF / 4)) " || rc_fail "filter: expected $((NF / 4)) frames, $out"
}
rc_until_lossless 50000 with_filter
RF=$RC_RATE

# --- 4. SKB mode ---------------------------------------------------------
RC_NS=$NS1 RC_CAP=$CAP1 RC_GEN=$GEN1
NS=20000
skb_mode() {
	rm -f "$T"/skb.pcap
	rc_start_capture "$T/skb.log" "${XDP[@]}" --xdp-mode skb -i "$RC_CAP" -w "$T/skb.pcap" -q
	grep -q "in SKB (generic) mode" "$T/skb.log" || rc_fail "SKB mode: not in the notes: $(cat "$T/skb.log")"
	rc_in_ns "$RCGEN" -i "$RC_GEN" -n $NS -s 60-1514 -r "$1"
	stop_ringcap "$T/skb.log"
	rc_accounted "$T/skb.log" $NS "$T/skb.pcap"
	[ "$RC_DROPS" = 0 ] || return 0

	"${PCAPCHECK[@]}" seq "$T/skb.pcap" --expect $NS || rc_fail "SKB mode: frames missing"
	"${PCAPCHECK[@]}" monotonic "$T/skb.pcap" || rc_fail "SKB mode: timestamps go backwards"
}
rc_until_lossless 50000 skb_mode
RS=$RC_RATE

# --- 5. kill -9 ----------------------------------------------------------
ip addr add 198.18.0.2/24 dev "$RC_CAP"
MAC=$(cat "/sys/class/net/$RC_CAP/address")
# recv SECS NAME: set $got to what a UDP socket on 198.18.0.2:5000 gets
# while rcgen sends 100 frames addressed to it
recv() {
	rm -f "$T/$2" "$T/$2.ready"
	rc_bg $PY "$T/udprecv.py" 198.18.0.2 5000 "$1" "$T/$2"
	local pid=$RC_BG_PID
	for _ in $(seq 100); do [ -e "$T/$2.ready" ] && break; sleep 0.05; done
	rc_in_ns "$RCGEN" -i "$RC_GEN" -n 100 -s 60 --dst-mac "$MAC" --ports 5000 -r 1000
	wait "$pid"
	got=$(cat "$T/$2")
}
recv 1 before
[ "$got" = 100 ] || rc_fail "without a capture the host received $got of 100 frames"
rc_start_capture "$T/k1.log" "${XDP[@]}" -i "$RC_CAP" -w "$T/k1.pcap" -q
recv 1 during
[ "$got" = 0 ] || rc_fail "during an AF_XDP capture the host still received $got of 100 frames"
kill -9 "$RINGCAP_PID"
wait "$RINGCAP_PID" 2>/dev/null || true
rc_xdp_attached "$RC_CAP" ||
	rc_fail "expected the killed ringcap's XDP program to stay attached"
recv 2 after
[ "$got" = 100 ] || rc_fail "after kill -9 the host received $got of 100 frames"
rc_start_capture "$T/k2.log" "${XDP[@]}" -i "$RC_CAP" -w "$T/k2.pcap" -q
grep -q "removed a stale ringcap XDP program" "$T/k2.log" ||
	rc_fail "the program left by the killed ringcap was not removed: $(cat "$T/k2.log")"
recv 1 again
[ "$got" = 0 ] || rc_fail "the second capture let $got frames through to the host"
stop_ringcap "$T/k2.log"
[ "$(rc_summary "$T/k2.log" captured)" = 100 ] || rc_fail "the second capture missed frames"
rc_xdp_attached "$RC_CAP" && rc_fail "the XDP program is still attached after a clean stop"
rc_pass "AF_XDP: 1 queue ($R1 frames/s) and 4 queues ($R4 frames/s) identical to tcpdump, filter ($RF frames/s), SKB mode ($RS frames/s), kill -9 hands the port back"
