#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 1,010,000 frames of mixed sizes (60..1514 bytes; the last 10,000 carrying
# an 802.1Q tag that the kernel strips and ringcap must put back), captured
# by ringcap and by tcpdump at the same time on the same veth.  Every frame
# must be in ringcap's file, in order, and the file must hold the same frame
# data and lengths as tcpdump's.
#
# Every attempt must account for every frame (captured or counted as
# dropped); the identity check needs an attempt without kernel drops, so on
# a machine too slow for the first rate the test tries again, slower.
source "$(dirname "$0")/../lib/ringcap.sh"
rc_need_root
rc_need tcpdump capinfos
rc_pair
rc_tmpdir

N=1000000 NV=10000 TOTAL=$((1000000 + 10000))

attempt() {
	local rate=$1 vrate=$(($1 / 3))
	rm -f "$RC_TMP"/*.pcap
	rc_start_capture "$RC_TMP/ringcap.log" -i "$RC_CAP" -w "$RC_TMP/ringcap.pcap" -q
	rc_bg tcpdump -i "$RC_CAP" -w "$RC_TMP/tcpdump.pcap" -B 262144 -c "$TOTAL" \
		--time-stamp-precision=nano 2>"$RC_TMP/tcpdump.log"
	TCPDUMP=$RC_BG_PID
	rc_wait_log "$RC_TMP/tcpdump.log" "listening on" 10

	rc_in_ns "$RCGEN" -i "$RC_GEN" -n $N -s 60-1514 --seed 7 -r "$rate"
	rc_in_ns "$RCGEN" -i "$RC_GEN" -n $NV -s 64-1518 --vlan 100 --start-seq $N -r "$vrate"

	# ringcap drains whatever is still in its ring when told to stop
	rc_stop_int "$RINGCAP_PID" || rc_fail "ringcap exited with status $?"
	cat "$RC_TMP/ringcap.log"
	rc_accounted "$RC_TMP/ringcap.log" $TOTAL "$RC_TMP/ringcap.pcap"

	# tcpdump stops by itself at -c TOTAL unless it dropped some
	for _ in $(seq 100); do kill -0 "$TCPDUMP" 2>/dev/null || break; sleep 0.1; done
	if kill -0 "$TCPDUMP" 2>/dev/null; then
		kill -INT "$TCPDUMP"
		wait "$TCPDUMP" || true
		[ "$RC_DROPS" -gt 0 ] || RC_DROPS=1
		RC_WHY="tcpdump did not see all $TOTAL frames: $(tail -n 3 "$RC_TMP/tcpdump.log" | tr '\n' ' ')"
		return 0
	fi
	wait "$TCPDUMP" || true
	[ "$RC_DROPS" = 0 ] || return 0

	capinfos "$RC_TMP/ringcap.pcap" >/dev/null || rc_fail "capinfos rejects ringcap's file"
	capinfos -t "$RC_TMP/ringcap.pcap" | grep -q nanosecond || rc_fail "not a nanosecond pcap"
	"${PCAPCHECK[@]}" seq "$RC_TMP/ringcap.pcap" --expect $TOTAL ||
		rc_fail "ringcap's file misses, repeats or reorders frames"
	"${PCAPCHECK[@]}" same "$RC_TMP/ringcap.pcap" "$RC_TMP/tcpdump.pcap" ||
		rc_fail "ringcap's frames differ from tcpdump's"
}

rc_until_lossless 150000 attempt
rc_pass "$TOTAL frames at $RC_RATE frames/s, identical to tcpdump's capture"
