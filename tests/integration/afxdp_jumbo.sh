#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Jumbo frames and the frames capture code gets wrong, at MTU 9100, byte
# for byte against what was sent (tests/lib/tricky_frames.py: 802.1Q with
# priority bits, QinQ as 802.1ad + 802.1Q and as two 802.1Q tags, IPv4 up
# to the largest frame the MTU allows, IPv6 with UDP, TCP, ICMPv6 and a
# hop-by-hop header, ARP untagged and tagged, 42 to 9118 bytes):
#   1. afpacket (the reference backend: it puts back the tags the kernel
#      strips)
#   2. afxdp, native XDP, UMEM frames of 2048 bytes: AF_XDP multi-buffer
#      (a 9118-byte frame arrives in six chunks and is put together)
#   3. afxdp, SKB mode, --xdp-frame-size 4096
#   4. afxdp with a capture filter on a shared port (--take-matching): the
#      filter runs in the XDP program on multi-buffer frames, reading past
#      the first buffer; the file holds what tcpdump's offline filter keeps
#      of the frames sent
#   5. where the kernel refuses multi-buffer AF_XDP (simulated with
#      RINGCAP_TEST_NO_SG=1): a refusal whose advice works when followed
#      from the command line, to the letter (the MTU it names, then
#      --xdp-frame-size 4096 for an MTU that fits 4096-byte frames)
# Each capture must account for every frame sent (captured or counted as
# dropped); the comparison runs on an attempt without drops, which is
# repeated at half the rate on a machine too slow for the first.
source "$(dirname "$0")/../lib/ringcap.sh"
rc_need_root
rc_need ip tcpdump
rc_need_afxdp
PY=/usr/bin/python3
TRICKY=$RC_TOP/tests/lib/tricky_frames.py

rc_pair
rc_tmpdir
T=$RC_TMP
ip link set "$RC_CAP" mtu 9100
rc_in_ns ip link set "$RC_GEN" mtu 9100
$PY "$TRICKY" write "$T/ref.pcap" --mtu 9100
N=$("${PCAPCHECK[@]}" count "$T/ref.pcap")

# capture NAME FILTER ARGS...: capture on the receiving end while the
# frames are sent (RATE frames/s), then check them against ref[-FILTER]
capture() {
	local name=$1 filter=$2 want=$T/ref.pcap n
	shift 2
	if [ -n "$filter" ]; then
		want=$T/ref-filtered.pcap
		tcpdump -r "$T/ref.pcap" -w "$want" "$filter" 2>/dev/null ||
			rc_fail "tcpdump -r cannot apply '$filter'"
	fi
	n=$("${PCAPCHECK[@]}" count "$want")
	rm -f "$T/$name".pcap
	rc_start_capture "$T/$name.log" -i "$RC_CAP" -w "$T/$name.pcap" -q "$@" ${filter:+"$filter"}
	rc_in_ns $PY "$TRICKY" send "$T/ref.pcap" "$RC_GEN" --gap-us $((1000000 / RATE))
	rc_stop_int "$RINGCAP_PID" || rc_fail "$name: ringcap exited with status $?: $(cat "$T/$name.log")"
	cat "$T/$name.log"
	rc_counted "$T/$name.log" "$n"
	[ "$RC_DROPS" = 0 ] || return 0
	"${PCAPCHECK[@]}" same "$T/$name.pcap" "$want" ||
		rc_fail "$name: the frames differ from those sent"
}

one() { RATE=$1; capture "$CUR" "$CUR_FILTER" "${CUR_ARGS[@]}"; }
run() { # NAME FILTER ARGS...
	CUR=$1 CUR_FILTER=$2
	shift 2
	CUR_ARGS=("$@")
	rc_until_lossless 2000 one
}

# --- 1. afpacket -------------------------------------------------------------
run afpacket ""
# --- 2. afxdp, native, 2048-byte UMEM frames: multi-buffer --------------------
run native "" --backend afxdp --dedicated-port --xdp-mode native
grep -q "multi-buffer" "$T/native.log" || rc_fail "native: no note on multi-buffer AF_XDP"
grep -q "in native mode" "$T/native.log" || rc_fail "native: not in native mode"
# --- 3. afxdp, SKB mode, 4096-byte UMEM frames --------------------------------
run skb "" --backend afxdp --dedicated-port --xdp-mode skb --xdp-frame-size 4096
grep -q "in SKB (generic) mode" "$T/skb.log" || rc_fail "skb: not in SKB mode"
# --- 4. a filter in the XDP program, on a shared port --------------------------
run shared "vlan or ether[9100:2] != 0" --backend afxdp --take-matching
grep -q "the capture filter runs in the XDP program" "$T/shared.log" ||
	rc_fail "shared: the filter did not run in the XDP program: $(cat "$T/shared.log")"
kept=$("${PCAPCHECK[@]}" count "$T/shared.pcap")
[ "$kept" -gt 0 ] && [ "$kept" -lt "$N" ] || rc_fail "shared: the filter kept $kept of $N frames"

# --- 5. no multi-buffer AF_XDP: the advice, followed ----------------------------
rc=0
RINGCAP_TEST_NO_SG=1 timeout 20 "$RINGCAP" -i "$RC_CAP" -w "$T/nosg.pcap" -q --backend afxdp \
	--dedicated-port 2>"$T/nosg.log" || rc=$?
cat "$T/nosg.log"
[ "$rc" != 0 ] || rc_fail "no multi-buffer: ringcap started at MTU 9100"
advice=$(grep -o "ip link set dev $RC_CAP mtu [0-9]*" "$T/nosg.log") ||
	rc_fail "no multi-buffer: the message gives no command to lower the MTU"
grep -q -- "--backend afpacket" "$T/nosg.log" || rc_fail "no multi-buffer: afpacket not named"
rc_in_ns ip link set "$RC_GEN" mtu "${advice##* }"
$advice
echo "followed: $advice"
$PY "$TRICKY" write "$T/ref.pcap" --mtu "${advice##* }"
N=$("${PCAPCHECK[@]}" count "$T/ref.pcap")
RINGCAP_TEST_NO_SG=1 run lowered "" --backend afxdp --dedicated-port
grep -q "multi-buffer" "$T/lowered.log" && rc_fail "lowered: still multi-buffer at MTU ${advice##* }"
# an MTU that 4096-byte frames hold, 2048-byte ones not
ip link set "$RC_CAP" mtu 3000
rc_in_ns ip link set "$RC_GEN" mtu 3000
rc=0
RINGCAP_TEST_NO_SG=1 timeout 20 "$RINGCAP" -i "$RC_CAP" -w "$T/nosg2.pcap" -q --backend afxdp \
	--dedicated-port 2>"$T/nosg2.log" || rc=$?
cat "$T/nosg2.log"
[ "$rc" != 0 ] || rc_fail "no multi-buffer: ringcap started at MTU 3000 with 2048-byte frames"
grep -q -- "use --xdp-frame-size 4096" "$T/nosg2.log" ||
	rc_fail "no multi-buffer: the message does not advise --xdp-frame-size 4096"
$PY "$TRICKY" write "$T/ref.pcap" --mtu 3000
N=$("${PCAPCHECK[@]}" count "$T/ref.pcap")
RINGCAP_TEST_NO_SG=1 run bigger "" --backend afxdp --dedicated-port --xdp-frame-size 4096
rc_pass "$N tricky frames byte-identical at MTU 9100: afpacket, afxdp native multi-buffer, SKB mode, a filter in the XDP program; the advice without multi-buffer works"
