#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# make bench: the same traffic captured by ringcap and by tcpdump, one tool
# after the other, in one run.  For each: frames sent (what arrived on the
# capture interface), frames captured (in the file), loss %, and CPU time
# (user + system, all threads, from wait4) of the capture process per
# captured frame.  Files go to a tmpfs.  Each point runs REPS times; the
# table shows the median and the min..max spread.
#
#   bench/run.sh            # FRAMES=5000000 REPS=3
#   FRAMES=2000000 REPS=1 bench/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."
RC_TOP=$PWD
BUILD=${BUILD:-build}
FRAMES=${FRAMES:-5000000}
REPS=${REPS:-3}
RESULTS=${RESULTS:-bench/results}
source tests/lib/netns.sh
rc_need_root
rc_need trafgen tcpdump
RINGCAP=$RC_TOP/$BUILD/ringcap
[ -x "$RINGCAP" ] || rc_fail "build ringcap first (make)"
mkdir -p "$RESULTS"
rc_pair
rc_tmpdir
W=$RC_TMP

# 60-byte frames (64 on the wire with the FCS): Ethernet, IPv4, UDP, 18 bytes
cat >"$W/t64.cfg" <<'CFG'
{ 0x02,0x00,0x00,0x00,0x00,0x02, 0x02,0x00,0x00,0x00,0x00,0x01, 0x08,0x00,
  0x45,0x00,0x00,0x2e, 0x00,0x00,0x40,0x00, 0x40,0x11, csumip(14,33),
  198,18,0,1, 198,18,0,2,
  0x0f,0xa0, 0x13,0x88, 0x00,0x1a, 0x00,0x00,
  fill(0x00, 18) }
CFG

# tool table: name | command (OUT is replaced by the output file)
TOOLS=(
	"ringcap (64 MiB ring, default)|$RINGCAP -i $RC_CAP -w OUT -q"
	"ringcap, output /dev/null|$RINGCAP -i $RC_CAP -w /dev/null -q"
	"tcpdump (default)|tcpdump -i $RC_CAP -w OUT -Z root"
	"tcpdump -B 65536 (64 MiB)|tcpdump -i $RC_CAP -w OUT -Z root -B 65536"
)

rxcount() { cat "/sys/class/net/$RC_CAP/statistics/rx_packets"; }

one_run() { # NAME CMD -> "sent captured cpu_s"
	local cmd=${2//OUT/$W/out.pcap} pid a b u s code captured
	rm -f "$W/out.pcap" "$W/rusage" "$W/tool.log"
	# shellcheck disable=SC2086  # the command line is split on purpose
	/usr/bin/python3 bench/measure.py "$W/rusage" -- $cmd 2>"$W/tool.log" &
	pid=$!
	for _ in $(seq 100); do grep -q "listening on" "$W/tool.log" 2>/dev/null && break; sleep 0.05; done
	sleep 0.2
	a=$(rxcount)
	rc_in_ns trafgen --dev "$RC_GEN" --conf "$W/t64.cfg" -n "$FRAMES" -P 1 -q >/dev/null 2>&1
	b=$(rxcount)
	sleep 1.5 # tcpdump's blocks retire after 1 s; ringcap drains on stop anyway
	kill -INT "$pid"
	wait "$pid" || true
	read -r u s code <"$W/rusage"
	if [[ $cmd == *"-w /dev/null"* ]]; then
		# nothing to count in a file: take the tool's own summary
		captured=$(sed -n 's/^\([0-9]*\) packets captured$/\1/p' "$W/tool.log")
	else
		captured=$(capinfos -M -c -T "$W/out.pcap" 2>/dev/null | awk -F'\t' 'NR==2{print $2}')
	fi
	echo "$((b - a)) ${captured:-0} $(awk -v u="$u" -v s="$s" 'BEGIN{printf "%.6f", u+s}')"
}

median() { sort -g | awk '{a[NR]=$1} END{print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
minmax() { sort -g | awk 'NR==1{m=$1} {M=$1} END{printf "%s..%s", m, M}'; }

# The machine's own limit: write() bandwidth into the same tmpfs, in the
# 1 MiB writes ringcap makes, over as many bytes as a 64-byte run writes.
write_bw() {
	local bytes=$((FRAMES * 80)) t0 t1
	rm -f "$W/dd"
	t0=$(date +%s%N)
	dd if=/dev/zero of="$W/dd" bs=1M count=$((bytes >> 20)) status=none
	t1=$(date +%s%N)
	rm -f "$W/dd"
	awk -v b="$bytes" -v ns=$((t1 - t0)) 'BEGIN{printf "%.0f %.1f\n", b / ns * 1e3, ns / (b / 80)}'
}

stamp=$(date -u +%Y-%m-%dT%H:%MZ)
table=$RESULTS/bench.md
raw=$RESULTS/raw.txt
: >"$raw"
echo "bench: $FRAMES frames of 64 bytes (60 + FCS) per run, one trafgen process, $REPS runs per tool"
for entry in "${TOOLS[@]}"; do
	name=${entry%%|*} cmd=${entry#*|}
	for r in $(seq "$REPS"); do
		res=$(one_run "$name" "$cmd")
		echo "$name|$r|$res" | tee -a "$raw"
	done
done

bw=()
for r in $(seq "$REPS"); do bw+=("$(write_bw)"); echo "write bandwidth run $r: ${bw[-1]} (MB/s, ns per 80-byte record)"; done
bw_mb=$(printf '%s\n' "${bw[@]}" | awk '{print $1}' | median)
bw_ns=$(printf '%s\n' "${bw[@]}" | awk '{print $2}' | median)
bw_spread=$(printf '%s\n' "${bw[@]}" | awk '{print $2}' | minmax)

{
	echo "### Capture of 64-byte frames, one trafgen sender ($stamp)"
	echo
	echo "$(uname -r), $(nproc) cores; output on tmpfs; $FRAMES frames per run; median of $REPS runs (min..max)."
	echo "Produced by \`make bench\`."
	echo
	echo "| tool | frames sent | frames captured | loss % | CPU ns / captured frame |"
	echo "|---|---:|---:|---:|---:|"
	for entry in "${TOOLS[@]}"; do
		name=${entry%%|*}
		rows=$(grep -F "$name|" "$raw" | awk -F'|' -v n="$name" '$1==n {print $3}')
		sent=$(echo "$rows" | awk '{print $1}' | median)
		cap=$(echo "$rows" | awk '{print $2}' | median)
		loss=$(echo "$rows" | awk '{printf "%.3f\n", $1 ? 100*($1-$2)/$1 : 0}')
		ns=$(echo "$rows" | awk '{printf "%.1f\n", $2 ? $3*1e9/$2 : 0}')
		printf '| %s | %.0f | %.0f | %s (%s) | %s (%s) |\n' "$name" "$sent" "$cap" \
			"$(echo "$loss" | median)" "$(echo "$loss" | minmax)" \
			"$(echo "$ns" | median)" "$(echo "$ns" | minmax)"
	done
	echo
	echo "Machine limit in the same run: write() of 1 MiB blocks into the same tmpfs: $bw_mb MB/s median,"
	echo "i.e. $bw_ns ns ($bw_spread) of CPU per 80-byte pcap record (16-byte header + 64-byte frame), before any capture work."
} >"$table"
echo
cat "$table"
