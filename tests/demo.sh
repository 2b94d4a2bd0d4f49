#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The README's demo: make a veth pair into a throw-away network namespace,
# send test traffic (198.18.0.0/15 only) from inside it, capture it with
# ringcap into a pcap file, print ringcap's summary and what tshark reads
# back from the file, and clean up.  Run as root via `make demo`.
set -euo pipefail
cd "$(dirname "$0")/.."
export RC_TOP=$PWD BUILD=${BUILD:-build}
source tests/lib/ringcap.sh
[ "$(id -u)" = 0 ] || { echo "demo: run as root (it creates a network namespace)" >&2; exit 2; }
rc_pair
out=$RC_TOP/$BUILD/demo
mkdir -p "$out"
rm -f "$out"/demo*.pcap

echo "== demo: capture on $RC_CAP; traffic comes from $RC_GEN in namespace $RC_NS"
rc_start_capture "$out/ringcap.log" capture -i "$RC_CAP" -w "$out/demo.pcap" -q
sed 's/^/   /' "$out/ringcap.log"
echo "== sending 100000 UDP frames of 60..1514 bytes, then 1000 with VLAN tag 100"
rc_in_ns "$RCGEN" -i "$RC_GEN" -n 100000 -s 60-1514 --ports 5000,6000,7000 -r 200000 | sed 's/^/   /'
rc_in_ns "$RCGEN" -i "$RC_GEN" -n 1000 --vlan 100 --start-seq 100000 -s 64-200 | sed 's/^/   /'
rc_stop_int "$RINGCAP_PID" || { cat "$out/ringcap.log"; exit 1; }
echo "== ringcap summary"
sed -n '/packets/p' "$out/ringcap.log" | sed 's/^/   /'
echo "== capinfos $out/demo.pcap"
capinfos -M -t -c -s -E -u "$out/demo.pcap" | sed 's/^/   /'
echo "== tshark -r $out/demo.pcap (first 5 and last 3 frames)"
tshark -r "$out/demo.pcap" -c 5 2>/dev/null | sed 's/^/   /'
echo "   ..."
tshark -r "$out/demo.pcap" 2>/dev/null | tail -n 3 | sed 's/^/   /'
echo "== tshark protocol count"
tshark -r "$out/demo.pcap" -q -z io,phs 2>/dev/null | sed -n '/^eth/,/^====/p' | sed '$d; s/^/   /'
echo "== done: the file stays at $out/demo.pcap; the namespace and veth pair are gone"
