#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tcpdump's interface habits: -D lists the interfaces with what ringcap
# can do on each; -i any records LINUX_SLL2 (interface index and direction
# per frame) with the filter in the kernel; several -i write one pcapng
# file with an interface block, packets and statistics per interface, and
# pcap refuses them; -j asks for adapter timestamps and veth says no.
source "$(dirname "$0")/../lib/ringcap.sh"
rc_need_root
rc_need tshark capinfos
PY=/usr/bin/python3
rc_tmpdir
rc_pair
A_CAP=$RC_CAP A_GEN=$RC_GEN A_NS=$RC_NS
rc_pair 4
B_CAP=$RC_CAP B_GEN=$RC_GEN B_NS=$RC_NS
in_a() { ip netns exec "$A_NS" "$@"; }
in_b() { ip netns exec "$B_NS" "$@"; }
A_IDX=$(cat "/sys/class/net/$A_CAP/ifindex")

# --- -D -----------------------------------------------------------------------
"$RINGCAP" -D >"$RC_TMP/D.txt" || rc_fail "-D: exit status $?"
cat "$RC_TMP/D.txt"
grep -Eq "^[0-9]+\.$A_CAP \[Up, Running\] EN10MB \(Ethernet\), 1 RX queue, XDP: .*skb.*timestamps: host$" \
	"$RC_TMP/D.txt" || rc_fail "-D: $A_CAP is not listed as expected"
grep -Eq "^[0-9]+\.$B_CAP \[Up, Running\] EN10MB \(Ethernet\), 4 RX queues," "$RC_TMP/D.txt" ||
	rc_fail "-D: $B_CAP does not show its 4 RX queues"
grep -Eq "^[0-9]+\.lo \[Up, Running, Loopback\] EN10MB \(loopback\)" "$RC_TMP/D.txt" ||
	rc_fail "-D: lo"
grep -Eq "^[0-9]+\.any .*LINUX_SLL2" "$RC_TMP/D.txt" || rc_fail "-D: no 'any'"

# --- -i any -------------------------------------------------------------------
# this host's other interfaces have traffic of their own: the kernel filter
# keeps A's UDP frames to port 5000 only (ifindex is LINUX_SLL2's field)
rc_start_capture "$RC_TMP/any.log" -i any -w "$RC_TMP/any.pcapng" -q \
	"ifindex $A_IDX and udp port 5000"
in_a "$RCGEN" -i "$A_GEN" -n 1500 -s 60-1514 -r 20000 >/dev/null
"$RCGEN" -i "$A_CAP" -n 500 -s 60-1514 -r 20000 --start-seq 1500 >/dev/null  # outbound
in_b "$RCGEN" -i "$B_GEN" -n 700 -s 100 -r 20000 --start-seq 5000 >/dev/null  # not A
sleep 0.3
rc_stop_int "$RINGCAP_PID" || rc_fail "any: exit status $?"
cat "$RC_TMP/any.log"
grep -q "link-type LINUX_SLL2" "$RC_TMP/any.log" || rc_fail "any: not LINUX_SLL2"
# the filter ran in the kernel: it received A's frames and no others
rc_accounted "$RC_TMP/any.log" 2000 "$RC_TMP/any.pcapng"
[ "$RC_DROPS" = 0 ] || rc_skip "any: $RC_DROPS kernel drops at 20,000 frames/s"
"${PCAPCHECK[@]}" seq "$RC_TMP/any.pcapng" --expect 2000 || rc_fail "any: frames"
tshark -r "$RC_TMP/any.pcapng" -T fields -e sll.ifindex -e sll.pkttype \
	>"$RC_TMP/any.txt" 2>/dev/null || rc_fail "tshark cannot read the any capture"
n_in=$(awk -v i="$A_IDX" '$1 == i && $2 != 4' "$RC_TMP/any.txt" | wc -l)
n_out=$(awk -v i="$A_IDX" '$1 == i && $2 == 4' "$RC_TMP/any.txt" | wc -l)
[ "$n_in" = 1500 ] && [ "$n_out" = 500 ] ||
	rc_fail "any: LINUX_SLL2 says $n_in incoming and $n_out outgoing on ifindex $A_IDX (1500, 500)"
"${PCAPCHECK[@]}" ng "$RC_TMP/any.pcapng" >"$RC_TMP/any.json"
$PY - "$RC_TMP/any.json" <<'EOF' || rc_fail "any: pcapng blocks"
import json, sys
(f,) = json.load(open(sys.argv[1]))
(idb,) = f["sections"][0]["ifaces"]
assert idb["name"] == "any" and idb["linktype"] == 276, idb
assert f["directions"] == {"in": 1500, "out": 500, "unknown": 0}, f["directions"]
EOF
# the same into pcap: LINUX_SLL2 too
rc_start_capture "$RC_TMP/anyp.log" -i any -w "$RC_TMP/any.pcap" -q "ifindex $A_IDX and udp"
in_a "$RCGEN" -i "$A_GEN" -n 300 -s 200 -r 20000 >/dev/null
sleep 0.3
rc_stop_int "$RINGCAP_PID" || rc_fail "any pcap: exit status $?"
info=$("${PCAPCHECK[@]}" info "$RC_TMP/any.pcap") || rc_fail "any pcap: unreadable"
case $info in *" linktype=276 "*) ;; *) rc_fail "any pcap: linktype ($info)" ;; esac
rc_accounted "$RC_TMP/anyp.log" 300 "$RC_TMP/any.pcap"
# a filter the kernel cannot run on a cooked socket runs in ringcap (the
# frame's length): only A's frames of more than 100 bytes reach the file
rc_start_capture "$RC_TMP/anyu.log" -i any -w "$RC_TMP/anyu.pcap" -q \
	"ifindex $A_IDX and udp and len > 100"
in_a "$RCGEN" -i "$A_GEN" -n 400 -s 80 -r 20000 >/dev/null
in_a "$RCGEN" -i "$A_GEN" -n 600 -s 200 -r 20000 --start-seq 400 >/dev/null
sleep 0.3
rc_stop_int "$RINGCAP_PID" || rc_fail "any, user-space filter: exit status $?"
"${PCAPCHECK[@]}" seq "$RC_TMP/anyu.pcap" --expect 600 --start 400 ||
	rc_fail "any, user-space filter: not exactly the 600 long frames"

# --- several -i ---------------------------------------------------------------
rc=0
"$RINGCAP" -i "$A_CAP" -i "$B_CAP" -w "$RC_TMP/two.pcap" 2>"$RC_TMP/two-pcap.log" || rc=$?
[ "$rc" = 2 ] && grep -q "a pcap file holds the frames of one interface" "$RC_TMP/two-pcap.log" ||
	rc_fail "several -i into pcap: exit $rc, $(cat "$RC_TMP/two-pcap.log")"
N_A=3000 N_B=2000
attempt() {
	rc_start_capture "$RC_TMP/two.log" -i "$A_CAP" -i "$B_CAP" -w "$RC_TMP/two.pcapng" -C 1 -q udp
	in_a "$RCGEN" -i "$A_GEN" -n $N_A -s 60-1514 -r "$1" >/dev/null &
	in_b "$RCGEN" -i "$B_GEN" -n $N_B -s 60-1514 -r "$1" --start-seq 10000 >/dev/null
	wait $!
	rc_stop_int "$RINGCAP_PID" || rc_fail "several -i: exit status $?"
	RC_DROPS=$(rc_summary "$RC_TMP/two.log" 'dropped by kernel')
	[ "$RC_DROPS" = 0 ] || rm -f "$RC_TMP"/two_*.pcapng
}
rc_until_lossless 20000 attempt
cat "$RC_TMP/two.log"
grep -q "listening on $A_CAP, $B_CAP," "$RC_TMP/two.log" || rc_fail "several -i: the log line"
[ "$(rc_summary "$RC_TMP/two.log" captured)" = $((N_A + N_B)) ] || rc_fail "several -i: captured"
files=("$RC_TMP"/two_*.pcapng)
[ ${#files[@]} -ge 2 ] || rc_fail "several -i: no rotation"
for f in "${files[@]}"; do capinfos "$f" >/dev/null || rc_fail "capinfos rejects $f"; done
"${PCAPCHECK[@]}" ng "${files[@]}" >"$RC_TMP/two.json"
$PY - "$RC_TMP/two.json" "$A_CAP" "$B_CAP" $N_A $N_B <<'EOF' || rc_fail "several -i: pcapng blocks"
import json, sys
files = json.load(open(sys.argv[1]))
caps, want = sys.argv[2:4], [int(sys.argv[4]), int(sys.argv[5])]
got = [0, 0]
recv = [0, 0]
for f in files:
    ifs = f["sections"][0]["ifaces"]
    assert [i["name"] for i in ifs] == caps, ifs
    assert [r[0] for r in f["block_types"]] == ["SHB", "IDB", "EPB", "ISB"], f["block_types"]
    assert f["block_types"][1][1] == 2 and f["block_types"][3][1] == 2, f["block_types"]
    per = {i: n for _s, i, n in f["packets_per_iface"]}
    for isb in f["isbs"]:
        assert isb["usrdeliv"] == per.get(isb["iface"], 0), (f["file"], isb, per)
        recv[isb["iface"]] += isb["ifrecv"]
    for i in (0, 1):
        got[i] += per.get(i, 0)
assert got == want, "frames per interface %s, sent %s" % (got, want)
assert recv == want, "ISBs: received per interface %s, sent %s" % (recv, want)
print("several -i: %s frames per interface, each file with two IDBs and two ISBs" % got)
EOF
# each interface's frames once and in order, across the files
$PY - "$RC_TOP/tests/lib" $N_A $N_B "${files[@]}" <<'EOF' || rc_fail "several -i: frames per interface"
import sys
sys.path.insert(0, sys.argv[1])
import pcapcheck
n_a, n_b, files = int(sys.argv[2]), int(sys.argv[3]), sys.argv[4:]
seqs = {0: [], 1: []}
for path in files:
    ng = pcapcheck.Pcap(path).ng
    for _s, ifid, _ts, cap, _o, doff, _f, _d in ng.packets:
        r = pcapcheck.parse_rcgen(ng.buf, doff, cap, pcapcheck.l2_layout(1))
        assert r, "%s: not an rcgen frame" % path
        seqs[ifid].append(r[0])
assert seqs[0] == list(range(n_a)), "interface 0: not seq 0..%d in order" % (n_a - 1)
assert seqs[1] == list(range(10000, 10000 + n_b)), "interface 1: not in order"
EOF

# --- -j -----------------------------------------------------------------------
rc=0
"$RINGCAP" -i "$A_CAP" -w "$RC_TMP/j.pcap" -j adapter_unsynced -c 1 2>"$RC_TMP/j.log" || rc=$?
cat "$RC_TMP/j.log"
[ "$rc" = 2 ] || rc_fail "-j adapter_unsynced on veth: exit status $rc, not 2"
grep -q "cannot stamp frames in hardware" "$RC_TMP/j.log" || rc_fail "-j on veth: no clear message"
[ ! -e "$RC_TMP/j.pcap" ] || rc_fail "-j on veth: a file was made"
rc_start_capture "$RC_TMP/jh.log" -i "$A_CAP" -w "$RC_TMP/jh.pcap" -j host -c 10 -q
in_a "$RCGEN" -i "$A_GEN" -n 10 -r 1000 >/dev/null
wait "$RINGCAP_PID" || rc_fail "-j host: exit status $?"
[ "$("${PCAPCHECK[@]}" count "$RC_TMP/jh.pcap")" = 10 ] || rc_fail "-j host: frames"
rc_pass "-D, -i any, several -i, -j"
