#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# pcapng output.  Wireshark's tools read every file; each rotated file is
# a section of its own (SHB, IDB, packets, ISB); the frames are those of a
# pcap capture of the same traffic; the direction of every frame is
# recorded; and the statistics blocks, checked block by block, add up to
# ringcap's own counters (received, dropped) while each file states the
# frames it holds - also when the kernel drops frames, whose count the
# packet that follows the loss carries.
source "$(dirname "$0")/../lib/ringcap.sh"
rc_need_root
rc_need tshark capinfos editcap
rc_pair
rc_tmpdir
PY=/usr/bin/python3

# every file: tshark, capinfos and editcap read it, and agree on the count
wireshark_reads() {
	local f n1 n2 n3
	for f in "$@"; do
		n1=$(tshark -r "$f" -q -z io,stat,0 2>/dev/null | awk -F'|' '/<>/ { gsub(/ /, "", $3); print $3 }') ||
			rc_fail "tshark cannot read $f"
		n2=$(capinfos -M -c "$f" | awk '/Number of packets/ { print $NF }') ||
			rc_fail "capinfos rejects $f"
		editcap -F pcap "$f" "$RC_TMP/conv.pcap" || rc_fail "editcap cannot convert $f"
		n3=$("${PCAPCHECK[@]}" count "$RC_TMP/conv.pcap")
		rm -f "$RC_TMP/conv.pcap"
		[ -n "$n1" ] && [ "$n1" = "$n2" ] && [ "$n2" = "$n3" ] ||
			rc_fail "$f: tshark $n1, capinfos $n2, editcap $n3 frames"
	done
}

# --- rotation: one section per file, statistics that add up --------------------
N=30000
attempt() {
	rm -rf "$RC_TMP/rot"
	mkdir "$RC_TMP/rot"
	rc_start_capture "$RC_TMP/rot.log" -i "$RC_CAP" -w "$RC_TMP/rot/cap.pcapng" -C 2 -q udp
	rc_in_ns "$RCGEN" -i "$RC_GEN" -n $N -s 60-1514 -r "$1" >/dev/null
	rc_stop_int "$RINGCAP_PID" || rc_fail "rotation: ringcap exited with $?"
	rc_accounted "$RC_TMP/rot.log" $N "$RC_TMP"/rot/cap_*.pcapng
}
rc_until_lossless 100000 attempt
ls -l "$RC_TMP/rot"
files=("$RC_TMP"/rot/cap_*.pcapng)
[ ${#files[@]} -ge 5 ] || rc_fail "rotation: ${#files[@]} files for about 23 MB with -C 2"
wireshark_reads "${files[@]}"
for f in "${files[@]}"; do
	[ "$(stat -c %s "$f")" -le 2000000 ] || rc_fail "rotation: $f is over 2,000,000 bytes"
done
"${PCAPCHECK[@]}" ng "${files[@]}" >"$RC_TMP/rot.json"
$PY - "$RC_TMP/rot.json" "$RC_CAP" "$(rc_summary "$RC_TMP/rot.log" 'received by filter')" \
	"$(rc_summary "$RC_TMP/rot.log" 'dropped by kernel')" <<'EOF' || rc_fail "rotation: pcapng blocks"
import json, sys
files = json.load(open(sys.argv[1]))
cap, received, dropped = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
recv = drop = 0
prev_end = 0
for f in files:
    name = f["file"]
    runs = [r[0] for r in f["block_types"]]
    assert runs == ["SHB", "IDB", "EPB", "ISB"], "%s: blocks %s" % (name, f["block_types"])
    assert f["block_types"][0][1] == 1 and f["block_types"][1][1] == 1, name
    sec = f["sections"][0]
    assert sec["userappl"].startswith("ringcap "), sec
    assert sec["os"].startswith("Linux "), sec
    assert sec["hardware"], sec
    (idb,) = sec["ifaces"]
    assert idb["name"] == cap and idb["linktype"] == 1 and idb["tsresol"] == 9, idb
    assert idb["filter"] == "udp", idb
    assert cap in idb["description"], idb
    (isb,) = f["isbs"]
    assert isb["usrdeliv"] == f["packets"], "%s: ISB says %d frames, %d in the file" % (
        name, isb["usrdeliv"], f["packets"])
    assert isb["filteraccept"] == isb["ifrecv"], isb
    assert prev_end <= isb["starttime"] <= isb["endtime"], "%s: times %s" % (name, isb)
    prev_end = isb["endtime"]
    assert f["directions"] == {"in": f["packets"], "out": 0, "unknown": 0}, f["directions"]
    recv += isb["ifrecv"]
    drop += isb["ifdrop"]
assert recv == received, "ISBs: %d received, ringcap says %d" % (recv, received)
assert drop == dropped, "ISBs: %d dropped, ringcap says %d" % (drop, dropped)
print("rotation: %d files, each one section; ISBs add up to %d received, %d dropped" % (
    len(files), recv, drop))
EOF

# --- the same frames as pcap; outbound frames; pcapng on stdout -----------------
rc_start_capture "$RC_TMP/a.log" -i "$RC_CAP" -w "$RC_TMP/same.pcap" -q
A=$RINGCAP_PID
rc_start_capture "$RC_TMP/b.log" -i "$RC_CAP" -w "$RC_TMP/same.pcapng" -q
B=$RINGCAP_PID
( "$RINGCAP" -i "$RC_CAP" -w - --format pcapng -q 2>"$RC_TMP/c.log" |
	tshark -r - -T fields -e frame.interface_name -e frame.packet_flags_direction \
		>"$RC_TMP/tshark.txt" 2>"$RC_TMP/tshark.err" ) &
C=$!
rc_wait_log "$RC_TMP/c.log" "listening on"
rc_in_ns "$RCGEN" -i "$RC_GEN" -n 3000 -s 60-1514 -r 20000 >/dev/null
# and 2000 that this host sends out of the captured port
"$RCGEN" -i "$RC_CAP" -n 2000 -s 60-1514 -r 20000 --start-seq 3000 >/dev/null
sleep 0.3
rc_stop_int "$A" || rc_fail "pcap capture exited with $?"
rc_stop_int "$B" || rc_fail "pcapng capture exited with $?"
pkill -INT -P "$C" -x ringcap || rc_fail "no ringcap writing to the pipe"
wait "$C" || rc_fail "stdout pipeline failed: $(cat "$RC_TMP/c.log" "$RC_TMP/tshark.err")"
[ "$(rc_summary "$RC_TMP/a.log" 'dropped by kernel')" = 0 ] &&
	[ "$(rc_summary "$RC_TMP/b.log" 'dropped by kernel')" = 0 ] ||
	rc_skip "kernel drops at 20,000 frames/s: this machine is too busy to compare captures"
wireshark_reads "$RC_TMP/same.pcapng"
"${PCAPCHECK[@]}" same "$RC_TMP/same.pcap" "$RC_TMP/same.pcapng" ||
	rc_fail "pcap and pcapng captures of the same traffic differ"
"${PCAPCHECK[@]}" seq "$RC_TMP/same.pcapng" --expect 5000 || rc_fail "same: frames lost"
"${PCAPCHECK[@]}" ng "$RC_TMP/same.pcapng" >"$RC_TMP/same.json"
$PY - "$RC_TMP/same.json" <<'EOF' || rc_fail "direction flags"
import json, sys
(f,) = json.load(open(sys.argv[1]))
assert f["directions"] == {"in": 3000, "out": 2000, "unknown": 0}, f["directions"]
print("directions:", f["directions"])
EOF
n_in=$(awk -v c="$RC_CAP" '$1 == c && $2 == "0x00000001"' "$RC_TMP/tshark.txt" | wc -l)
n_out=$(awk -v c="$RC_CAP" '$1 == c && $2 == "0x00000002"' "$RC_TMP/tshark.txt" | wc -l)
[ "$n_in" = 3000 ] && [ "$n_out" = 2000 ] ||
	rc_fail "tshark read pcapng from a pipe: $n_in inbound, $n_out outbound of $RC_CAP (3000, 2000 sent)"

# --- a capture that loses frames: every loss in the file ------------------------
# A 1 MiB ring and a capture that cannot run while 20,000 frames of 1000
# bytes (20 MB) arrive: the kernel must drop.  The frames sent after it
# runs again are marked as following a loss.  Nothing else reads the
# counters meanwhile, so the drop counts carried by the packets add up to
# the kernel's count exactly, and so does the file's ISB.
rc_start_capture "$RC_TMP/loss.log" -i "$RC_CAP" -w "$RC_TMP/loss.pcapng" -B 1MiB -q
kill -STOP "$RINGCAP_PID"
rc_in_ns "$RCGEN" -i "$RC_GEN" -n 20000 -s 1000 >/dev/null
kill -CONT "$RINGCAP_PID"
sleep 0.5
rc_in_ns "$RCGEN" -i "$RC_GEN" -n 100 -s 100 -r 1000 --start-seq 20000 >/dev/null
sleep 0.3
rc_stop_int "$RINGCAP_PID" || rc_fail "loss: ringcap exited with $?"
cat "$RC_TMP/loss.log"
dropped=$(rc_summary "$RC_TMP/loss.log" 'dropped by kernel')
captured=$(rc_summary "$RC_TMP/loss.log" captured)
[ "$dropped" -gt 0 ] || rc_fail "loss: the kernel dropped nothing into a stopped 1 MiB ring"
rc_accounted "$RC_TMP/loss.log" 20100 "$RC_TMP/loss.pcapng"
wireshark_reads "$RC_TMP/loss.pcapng"
"${PCAPCHECK[@]}" ng "$RC_TMP/loss.pcapng" >"$RC_TMP/loss.json"
$PY - "$RC_TMP/loss.json" "$dropped" "$captured" <<'EOF' || rc_fail "loss: drop counts"
import json, sys
(f,) = json.load(open(sys.argv[1]))
dropped, captured = int(sys.argv[2]), int(sys.argv[3])
(isb,) = f["isbs"]
assert isb["ifdrop"] == dropped, "ISB: %d dropped, ringcap says %d" % (isb["ifdrop"], dropped)
assert isb["ifrecv"] == captured + dropped, isb
assert isb["usrdeliv"] == captured == f["packets"], isb
assert f["dropcount"] == dropped, "epb_dropcount adds up to %d, %d dropped" % (
    f["dropcount"], dropped)
print("loss: %d dropped; the ISB and the packets' drop counts say so" % dropped)
EOF
rc_pass "pcapng: Wireshark reads every file, one section per file, directions, statistics add up"
