#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# -c COUNT stops after exactly COUNT frames; --duration stops on time;
# -s SNAPLEN truncates (caplen) but keeps the original length; a small ring
# with small blocks and a short retire timeout still captures everything;
# tcpdump-style invocation without the subcommand works.
source "$(dirname "$0")/../lib/ringcap.sh"
rc_need_root
rc_need capinfos
rc_pair
rc_tmpdir

rc_start_capture "$RC_TMP/c.log" capture -i "$RC_CAP" -w "$RC_TMP/c.pcap" -c 1234 -q
rc_in_ns "$RCGEN" -i "$RC_GEN" -n 5000 -s 100
wait "$RINGCAP_PID" || rc_fail "-c: exit status $?"
"${PCAPCHECK[@]}" seq "$RC_TMP/c.pcap" --expect 1234 || rc_fail "-c: not exactly the first 1234 frames"
[ "$(rc_summary "$RC_TMP/c.log" captured)" = 1234 ] || rc_fail "-c: summary"

t0=$(date +%s%N)
"$RINGCAP" -i "$RC_CAP" -w "$RC_TMP/d.pcap" --duration 1500ms -q 2>"$RC_TMP/d.log" || rc_fail "--duration: exit $?"
ms=$((($(date +%s%N) - t0) / 1000000))
echo "--duration 1500ms ran $ms ms"
[ $ms -ge 1400 ] && [ $ms -lt 3000 ] || rc_fail "--duration 1500ms ran $ms ms"
capinfos "$RC_TMP/d.pcap" >/dev/null || rc_fail "--duration: invalid file"

rc_start_capture "$RC_TMP/s.log" -i "$RC_CAP" -w "$RC_TMP/s.pcap" -s 96 -q
rc_in_ns "$RCGEN" -i "$RC_GEN" -n 1000 -s 60-1514
rc_stop_int "$RINGCAP_PID" || rc_fail "-s: exit $?"
capinfos -l "$RC_TMP/s.pcap" | grep -q "96 bytes" || rc_fail "-s: snaplen 96 not in the file header"
/usr/bin/python3 - "$RC_TMP/s.pcap" <<'PY' || rc_fail "-s: caplen/len wrong"
import struct, sys
d = open(sys.argv[1], 'rb').read()
off, n, trunc = 24, 0, 0
while off < len(d):
    _, _, cap, orig = struct.unpack_from('<IIII', d, off)
    assert cap == min(96, orig), (cap, orig)
    trunc += orig > 96
    off += 16 + cap; n += 1
assert n == 1000 and trunc > 900, (n, trunc)
PY

# 32 blocks of 64 KiB hold ~260 ms of this traffic at 10000 frames/s; a
# machine that stalls the capture for longer gets another try, slower
small_ring() {
	rm -f "$RC_TMP/r.pcap"
	rc_start_capture "$RC_TMP/r.log" -i "$RC_CAP" -w "$RC_TMP/r.pcap" -B 2048 --block-size 64KiB \
		--frame-size 2048 --retire-timeout 5ms -q
	rc_in_ns "$RCGEN" -i "$RC_GEN" -n 20000 -s 60-1514 -r "$1"
	rc_stop_int "$RINGCAP_PID" || rc_fail "small ring: exit $?"
	grep -q "ring 2.0 MiB" "$RC_TMP/r.log" || rc_fail "small ring: geometry not applied"
	rc_accounted "$RC_TMP/r.log" 20000 "$RC_TMP/r.pcap"
}
rc_until_lossless 10000 small_ring
"${PCAPCHECK[@]}" seq "$RC_TMP/r.pcap" --expect 20000 || rc_fail "small ring lost frames"
rc_pass "count, duration, snaplen and ring geometry"
