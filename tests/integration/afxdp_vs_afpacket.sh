#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# ringcap's two backends against each other: 1,000,000 frames of mixed
# sizes (60..1514 bytes, spread over four queues) captured at the same time
#   - by the AF_XDP backend on the receiving end of a veth pair (4 RX
#     queues, one file per queue), and
#   - by the AF_PACKET backend (default) on the sending end, inside the
#     namespace: AF_XDP takes the frames away from the host, so a packet
#     socket on the receiving end never sees them; on the sending end it
#     sees each of rcgen's frames once, as it leaves.
# Checks: both hold every frame, in order (per queue for AF_XDP); the same
# frame data and lengths; timestamps never go backwards within a queue (nor
# in AF_PACKET's file); and every frame's two timestamps lie within 1 ms of
# each other.  Both are taken in the kernel, microseconds apart on the same
# path: AF_PACKET's as the frame is handed to the veth (dev_queue_xmit),
# AF_XDP's in the XDP program as the other end receives it.
# On a VM the vCPU can be stopped by the host between those two points for
# milliseconds (steal time): such a frame is recognisable, as nothing was
# sent between its two stamps (the next frame's AF_PACKET stamp is not
# before its AF_XDP stamp).  Up to 100 per million of those are tolerated
# and printed; any other frame over 1 ms fails the test.
#
# Every attempt must account for every frame in both captures (captured or
# counted as dropped); the comparison needs an attempt without drops, so on
# a machine too slow for the first rate the test tries again, slower.
source "$(dirname "$0")/../lib/ringcap.sh"
rc_need_root
rc_need ip
rc_need_afxdp

N=1000000
Q=4
MAX_NS=1000000
PORTS=$(seq -s, 5000 5031)

# Two captures of about 800 MB each and the AF_XDP queues merged into a
# third, all in a tmpfs, and two checkers at a time holding two of them
# in memory each.
avail=$(sed -n 's/^MemAvailable: *\([0-9]*\) kB$/\1/p' /proc/meminfo)
[ "${avail:-0}" -ge $((8 * 1024 * 1024)) ] ||
	rc_fail "needs 8 GiB of available memory, $((${avail:-0} / 1024)) MiB available"


rc_pair $Q
rc_tmpdir
T=$RC_TMP


# The checks of the two captures are independent: those of the sending
# end run in the background, on the other CPU.
#   bg_start NAME CMD...  CMD (a function too) in the background, its
#                         output in $T/NAME.out
#   bg_wait NAME          wait for it, show its output, return its status
declare -A BG
bg_start() {
	local name=$1
	shift
	rc_bg "$@" >"$T/$name.out" 2>&1
	BG[$name]=$RC_BG_PID
}
bg_wait() {
	local rc=0
	wait "${BG[$1]}" || rc=$?
	cat "$T/$1.out"
	return $rc
}

pkt_accounted() {
	rc_accounted "$T/pkt.log" $N "$T/pkt.pcap"
	echo "$RC_DROPS" >"$T/pkt.drops"
}

pkt_checks() {
	"${PCAPCHECK[@]}" monotonic "$T/pkt.pcap" || rc_fail "afpacket: timestamps go backwards"
	"${PCAPCHECK[@]}" seq "$T/pkt.pcap" --expect $N || rc_fail "afpacket: frames missing, repeated or reordered"
}

attempt() {
	local rate=$1 q f n busy=0 t0 t1
	rm -f "$T"/*.pcap "$T"/*.out "$T"/pkt.drops
	t0=$(date +%s)
	rc_start_capture "$T/xdp.log" --backend afxdp --dedicated-port -i "$RC_CAP" \
		-w "$T/xdp.pcap" -q
	for ((q = 0; q < Q; q++)); do
		grep -q "queue $q:" "$T/xdp.log" || rc_fail "afxdp: no socket on queue $q: $(cat "$T/xdp.log")"
	done
	rc_bg rc_in_ns "$RINGCAP" capture -i "$RC_GEN" -w "$T/pkt.pcap" -q 2>"$T/pkt.log"
	PKT_PID=$RC_BG_PID
	rc_wait_log "$T/pkt.log" "listening on" 10
	grep -q "listening on $RC_GEN.*, ring " "$T/pkt.log" ||
		rc_fail "afpacket: not a TPACKET ring: $(cat "$T/pkt.log")"

	rc_in_ns "$RCGEN" -i "$RC_GEN" -n $N -s 60-1514 --seed 11 --ports "$PORTS" -r "$rate"

	# both drain what is still in their rings when told to stop
	rc_stop_int "$PKT_PID" || rc_fail "afpacket: ringcap exited with status $?: $(cat "$T/pkt.log")"
	rc_stop_int "$RINGCAP_PID" || rc_fail "afxdp: ringcap exited with status $?: $(cat "$T/xdp.log")"
	t1=$(date +%s)
	echo "--- afpacket (sending end):"
	cat "$T/pkt.log"
	echo "--- afxdp (receiving end):"
	cat "$T/xdp.log"
	if rc_xdp_attached "$RC_CAP"; then
		rc_fail "the XDP program is still attached after a clean stop"
	fi

	# every frame captured or counted as dropped, in both captures
	bg_start pkt_acc pkt_accounted
	for ((q = 0; q < Q; q++)); do
		[ -f "$T/xdp_w$q.pcap" ] || rc_fail "afxdp: no file for queue $q"
	done
	"${PCAPCHECK[@]}" merge "$T/xdp_all.pcap" "$T"/xdp_w?.pcap >"$T/merge.out" 2>&1 ||
		rc_fail "afxdp: the queues' files: $(cat "$T/merge.out")"
	cat "$T/merge.out"
	rc_accounted "$T/xdp.log" $N "$T/xdp_all.pcap"
	bg_wait pkt_acc || rc_fail "afpacket: frames unaccounted for"
	RC_DROPS=$((RC_DROPS + $(cat "$T/pkt.drops")))
	[ "$RC_DROPS" = 0 ] || return 0

	# none dropped: the same frames in both, each once and in order
	bg_start pkt_chk pkt_checks
	for ((q = 0; q < Q; q++)); do
		f=$T/xdp_w$q.pcap
		n=$(sed -n "s|^$f: \([0-9]*\) frames\$|\1|p" "$T/merge.out")
		[ "${n:-0}" -gt 0 ] && busy=$((busy + 1))
		"${PCAPCHECK[@]}" monotonic "$f" || rc_fail "afxdp: queue $q: timestamps go backwards"
	done
	[ $busy -ge 2 ] || rc_fail "afxdp: the traffic did not spread over the queues"
	"${PCAPCHECK[@]}" seq "$T/xdp_all.pcap" --expect $N || rc_fail "afxdp: frames missing or repeated"
	bg_wait pkt_chk || rc_fail "afpacket: checks failed"

	bg_start tsdiff "${PCAPCHECK[@]}" tsdiff "$T/xdp_all.pcap" "$T/pkt.pcap" --max-ns $MAX_NS --allow-stalled 100
	"${PCAPCHECK[@]}" same "$T/xdp_all.pcap" "$T/pkt.pcap" || rc_fail "afxdp's frames differ from afpacket's"
	echo "timestamps, A = afxdp, B = afpacket:"
	bg_wait tsdiff || rc_fail "afxdp's and afpacket's timestamps of the same frames are more than $MAX_NS ns apart"
	echo "attempt: capture $((t1 - t0)) s, checks $(($(date +%s) - t1)) s"
}

rc_until_lossless 150000 attempt
rc_pass "$N frames at $RC_RATE frames/s: afxdp ($Q queues) and afpacket identical, timestamps monotonic and within $((MAX_NS / 1000)) us of each other"
