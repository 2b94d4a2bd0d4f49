#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A/B: CPU per captured frame of two or more capture commands on the same
# traffic, taking turns, several rounds - for changes whose effect is
# smaller than the run-to-run spread of one run each.
#
#   bench/ab.sh ROUNDS FRAMES 'CMD A' 'CMD B' ...
#   bench/ab.sh 8 2000000 'build/ringcap -i CAP -w OUT -q' '/tmp/old/ringcap -i CAP -w OUT -q' \
#       'tcpdump -i CAP -w OUT -Z root -B 65536'
#
# Scenario (a) of bench/run.sh: a veth pair, one trafgen process sending
# FRAMES 64-byte frames at full speed (bench/udp60.cfg), each command
# capturing into a file on a fresh tmpfs (CAP and OUT are replaced).  In
# every round the commands run one after the other, the order turning by
# one each round.  Per command: the CPU time of the capture process (every
# thread; bench/measure.py, from the start of the traffic to its exit) per
# frame in the file, and the frames lost; median, min and max over the
# rounds.  The machine should be quiet (see `uptime`): each run waits until
# other processes use less than QUIET_PCT (default 15) % of the CPUs.
# Prints one line per run and a summary; RAW=FILE keeps the lines.
set -euo pipefail
cd "$(dirname "$0")/.."
RC_TOP=$PWD
source tests/lib/netns.sh
rc_need_root
rc_need trafgen capinfos
(($# >= 3)) || rc_fail "usage: bench/ab.sh ROUNDS FRAMES 'CMD' 'CMD' ..."
ROUNDS=$1 FRAMES=$2
shift 2
CMDS=("$@")
QUIET_PCT=${QUIET_PCT:-15}
PY=/usr/bin/python3
rc_pair
rc_tmpdir
mkdir "$RC_TMP/out"
mount -t tmpfs -o size=2g,mode=1777 rcab-out "$RC_TMP/out" || rc_fail "cannot mount a tmpfs"
rc_defer "umount '$RC_TMP/out'"
RAW=${RAW:-$RC_TMP/ab.raw}
: >"$RAW"

idle_total() { awk '/^cpu /{print $5 + $6, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9}' /proc/stat; }
wait_quiet() {
	local ia ta ib tb b i
	for ((i = 0; i < 600; i++)); do
		read -r ia ta < <(idle_total)
		sleep 0.5
		read -r ib tb < <(idle_total)
		b=$(awk -v i=$((ib - ia)) -v t=$((tb - ta)) 'BEGIN{printf "%.0f", t ? 100 * (1 - i / t) : 0}')
		((b <= QUIET_PCT)) && return 0
		((i % 20)) || echo "ab: other processes keep the CPUs $b % busy; waiting" >&2
	done
}

one() { # INDEX ROUND
	local k=$1 r=$2 cmd=${CMDS[$1]} out=$RC_TMP/out/x.pcap res=$RC_TMP/ru log=$RC_TMP/tool.log
	local mpid i user sys mark frames sent0 sent1
	cmd=${cmd//CAP/$RC_CAP} cmd=${cmd//OUT/$out}
	rm -f "$out" "$res" "$res".*
	wait_quiet
	# shellcheck disable=SC2086  # split on purpose
	$PY bench/measure.py "$res" -- $cmd >"$log" 2>&1 &
	mpid=$!
	for ((i = 0; i < 600; i++)); do
		grep -qE 'listening on|Capturing on' "$log" && break
		sleep 0.05
	done
	sleep 0.2
	kill -USR1 "$mpid"
	for ((i = 0; i < 100; i++)); do [[ -f $res.mark ]] && break; sleep 0.01; done
	sent0=$(cat "/sys/class/net/$RC_CAP/statistics/rx_packets")
	rc_in_ns trafgen --dev "$RC_GEN" --conf bench/udp60.cfg -n "$FRAMES" -P 1 >/dev/null 2>&1 || true
	sent1=$(cat "/sys/class/net/$RC_CAP/statistics/rx_packets")
	sleep 1.5
	kill -INT "$mpid"
	wait "$mpid" || true
	read -r user sys _ mark _ <"$res"
	frames=$(capinfos -M -c -T "$out" | awk -F'\t' 'NR == 2 {print $2}')
	awk -v k="$k" -v r="$r" -v u="$user" -v s="$sys" -v m="$mark" -v f="$frames" -v n=$((sent1 - sent0)) \
		'BEGIN { printf "cmd=%d round=%d sent=%d captured=%d lost=%d ns_per_frame=%.2f\n",
			k, r, n, f, n - f, (u + s - m) * 1e9 / f }' | tee -a "$RAW"
}

for ((r = 0; r < ROUNDS; r++)); do
	for ((j = 0; j < ${#CMDS[@]}; j++)); do
		one $(((j + r) % ${#CMDS[@]})) "$r"
	done
done
echo
for ((k = 0; k < ${#CMDS[@]}; k++)); do
	vals=$(awk -v k="$k" '{ for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] } }
		v["cmd"] == k { print v["ns_per_frame"], v["lost"] }' "$RAW" | sort -n)
	awk -v cmd="${CMDS[$k]}" '{ ns[++n] = $1; lost += $2 }
		END {
			med = n % 2 ? ns[(n + 1) / 2] : (ns[n / 2] + ns[n / 2 + 1]) / 2
			printf "%-60s %6.2f ns/frame median (%.2f..%.2f), %d runs, %d frames lost\n",
				cmd, med, ns[1], ns[n], n, lost
		}' <<<"$vals"
done
