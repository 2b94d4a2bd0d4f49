#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `ringcap stats` a person can read, from a running ringcapd: each line at
# most 100 columns; one block per capture with the counters of its backend
# and its outputs only (no AF_XDP or RDMA counters for an afpacket capture
# that forwards nothing); what the capture received kept apart from what
# each output wrote - 20,000 frames received and written by one output, and
# 10,000 of them by a second output with a filter, is not "30,000 frames".
# --json and the Prometheus file keep every counter, per output too.
source "$(dirname "$0")/../lib/ringcap.sh"
rc_need_root
PY=/usr/bin/python3
rc_tmpdir
chmod 1777 "$RC_TMP"
rc_pair
SOCK=$RC_TMP/run/ringcap.sock
cat >"$RC_TMP/ringcap.yaml" <<YAML
daemon:
  user: nobody
  group: nogroup
  runtime_directory: $RC_TMP/run
  prometheus: { path: $RC_TMP/ringcap.prom, interval: 1s }
captures:
  - name: edge
    interface: $RC_CAP
    outputs:
      - pcap: { path: $RC_TMP/all.pcapng }
      - pcap: { path: $RC_TMP/half.pcap, filter: "udp dst port 5001" }
YAML
attempt() {
	rm -f "$RC_TMP"/*.pcap*
	rc_start_daemon "$RC_TMP/ringcap.yaml" "$RC_TMP/daemon.log"
	rc_in_ns "$RCGEN" -i "$RC_GEN" -n 20000 -s 60-1514 -r "$1" --ports 5000,5001 >/dev/null
	sleep 1.5
	RC_DROPS=$(rc_stat "$SOCK" edge kernel_drops)
	if [ "$RC_DROPS" != 0 ]; then
		rc_stop "$DAEMON_PID" || true
		rm -f "$RC_TMP/notify.sock"  # the next daemon gets a receiver of its own
	fi
}
rc_until_lossless 50000 attempt
"$RINGCAP" stats -S "$SOCK" >"$RC_TMP/stats.txt" || rc_fail "ringcap stats: exit status $?"
cat "$RC_TMP/stats.txt"
awk 'length > 100 { print "too wide (" length "): " $0; bad = 1 } END { exit bad }' \
	"$RC_TMP/stats.txt" || rc_fail "a line of ringcap stats is wider than 100 columns"
grep -q "^capture edge: running on $RC_CAP (afpacket), 1 worker, up " "$RC_TMP/stats.txt" ||
	rc_fail "the capture's line"
grep -q "^  capture    received 20,000 frames; dropped by the kernel 0 " "$RC_TMP/stats.txt" ||
	rc_fail "received"
grep -q "^  output 0   file $RC_TMP/all.pcapng (writing)$" "$RC_TMP/stats.txt" || rc_fail "output 0"
grep -q "^  output 1   file $RC_TMP/half.pcap (writing)$" "$RC_TMP/stats.txt" || rc_fail "output 1"
grep -q "^             wrote 20,000 frames (.*); lost 0; 1 file$" "$RC_TMP/stats.txt" ||
	rc_fail "output 0 wrote"
grep -q "^             wrote 10,000 frames (.*); lost 0; rejected by its filter 10,000; 1 file$" \
	"$RC_TMP/stats.txt" || rc_fail "output 1 wrote"
for w in xdp XDP rdma RDMA 30,000 30000; do
	if grep -q "$w" "$RC_TMP/stats.txt"; then rc_fail "'$w' in the stats of an afpacket capture"; fi
done
"$RINGCAP" stats --json -S "$SOCK" >"$RC_TMP/stats.json" || rc_fail "stats --json"
sleep 1.2  # the Prometheus file is written every second
$PY - "$RC_TMP/stats.json" "$RC_TMP/ringcap.prom" <<'EOF' || rc_fail "--json / Prometheus"
import json, sys
(c,) = json.load(open(sys.argv[1]))["captures"]
assert c["received"] == 20000 and c["delivered"] == 20000, c
assert c["frames"] == 30000, "frames: writes summed over outputs, as before"
for k in ("xdp_filtered", "rdma_frames", "seq_gaps", "blocks", "lost_at_stop"):
    assert k in c, k
o = c["outputs"]
assert [x["frames"] for x in o] == [20000, 10000], o
assert o[1]["filter_drops"] == 10000 and o[0]["type"] == "file", o
assert c["workers"][0]["outputs"][1]["frames"] == 10000
prom = open(sys.argv[2]).read()
assert 'ringcap_delivered_total{capture="edge",worker="0"} 20000\n' in prom, prom
assert ('ringcap_output_frames_total{capture="edge",worker="0",output="1",type="file"} 10000\n'
        in prom), prom
print("json and prometheus: every counter, per output")
EOF
rc_stop "$DAEMON_PID" || true
# the daemon's pcapng output, closed at SIGTERM, states its own counts
"${PCAPCHECK[@]}" ng "$RC_TMP/all.pcapng" >"$RC_TMP/all.json" || rc_fail "all.pcapng unreadable"
$PY - "$RC_TMP/all.json" <<'EOF' || rc_fail "the daemon's pcapng file"
import json, sys
(f,) = json.load(open(sys.argv[1]))
(isb,) = f["isbs"]
assert f["packets"] == 20000 and isb["usrdeliv"] == 20000 and isb["ifrecv"] == 20000, isb
EOF
rc_pass "ringcap stats: 100 columns, the counters that apply, received apart from written"
