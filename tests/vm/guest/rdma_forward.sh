#!/bin/bash
# SPDX-License-Identifier: MIT
# Guest script (/guest.sh in the test VM; contract in
# tests/vm/mkinitramfs.sh): ringcap's RDMA forwarding on Soft-RoCE, for
# tests/integration/rdma_forward.sh, which checks what this leaves in
# /share.  Needs /rc/bin/ringcap, /rc/bin/ringcapd and /rc/bin/rcgen.
#
#   rcv0/rcv1   veth pair; rxe0 on rcv0 (198.18.7.1) carries the RDMA
#   cap0/gen0   veth pair; rcgen sends on gen0, ringcap captures on cap0
#
# Phases, each with a capture writing a local pcap and forwarding to a
# collector (ringcap rdma-recv) on the same rxe device:
#   same     the collector's file against the local one, zero-copy
#   copy     the same in copy mode (RINGCAP_RDMA_COPY=1)
#   restart  the collector is killed (SIGKILL) mid-run and restarted
#   stall    the collector is stopped (SIGSTOP) for a while, then resumed
#   hold     the same with --forward-policy hold
#   flap     ringcapd; the collector killed and restarted three times
#            during traffic, the ring's (de)registration made slow
#   xdp      the AF_XDP backend: UMEM frames forwarded by gather lists
#   daemon   ringcapd with an rdma output in its YAML; ringcap stats
#   rate     a burst as fast as rcgen goes, and ib_write_bw for comparison
# Files are written in /tmp (a kill must not leave a record half-way
# through a 9p write) and copied to /share at the end of each phase.
set -euo pipefail

S=$RC_SHARE
B=$RC_BIN
ADDR=198.18.7.1
PORT=7718
T=/tmp/rc
mkdir -p "$T"
# whatever happens, the host gets the logs
trap 'rc=$?; set +e; [ $rc = 0 ] || { echo "guest: failed ($rc) at line $LINENO"; cp -f "$T"/*.log "$S"/ 2>/dev/null; free -m; dmesg | tail -n 30; }' EXIT

# the host may scale the frame counts down (a sanitized build under TCG is
# several times slower): /share/params holds "SCALE=<divisor>", and
# FLAP_SLOW_MS (the flap phase's slow set-up and teardown)
SCALE=1 FLAP_SLOW_MS=1500
[ -f "$S/params" ] && . "$S/params"
n() { echo $(($1 / SCALE)); }
# the restart and stall phases keep their timing: fewer frames, slower
phase() { echo "guest: ${SECONDS}s: $*"; }

for k in all default; do echo 1 >/proc/sys/net/ipv6/conf/$k/disable_ipv6; done
"$RC_IP" link add rcv0 type veth peer name rcv1
"$RC_IP" addr add "$ADDR/24" dev rcv0
"$RC_IP" link set rcv0 up
"$RC_IP" link set rcv1 up
"$RC_IP" link add cap0 type veth peer name gen0
"$RC_IP" link set cap0 up
"$RC_IP" link set gen0 up
"$RC_RDMA" link add rxe0 type rxe netdev rcv0
gid=/sys/class/infiniband/rxe0/ports/1/gids/1
for _ in $(seq 100); do
	grep -q "ffff:c612:0701" "$gid" 2>/dev/null && break
	sleep 0.1
done
grep -q "ffff:c612:0701" "$gid" || { echo "rxe0 has no GID for $ADDR"; exit 1; }

wait_log() { # FILE PATTERN SECS [PID: give up as soon as it has ended]
	local i
	for ((i = 0; i < $3 * 10; i++)); do
		grep -q -- "$2" "$1" 2>/dev/null && return 0
		if [ -n "${4:-}" ] && ! kill -0 "$4" 2>/dev/null; then
			grep -q -- "$2" "$1" 2>/dev/null && return 0
			echo "process $4 ended before '$2' in $1:"
			cat "$1"
			return 1
		fi
		sleep 0.1
	done
	echo "timed out waiting for '$2' in $1:"
	cat "$1"
	return 1
}

# wait until FILE has stopped growing for a second (the collector caught up)
settle() {
	local prev=-1 cur i
	for ((i = 0; i < 300; i++)); do
		cur=$(stat -c %s "$1" 2>/dev/null || echo 0)
		[ "$cur" = "$prev" ] && return 0
		prev=$cur
		sleep 1
	done
	return 1
}

collector() { # NAME: start one, set $COL
	"$B/ringcap" rdma-recv --listen "$ADDR:$PORT" -w "$T/$1.pcap" 2>"$T/$1.log" &
	COL=$!
	wait_log "$T/$1.log" "listening on" 30
}

capture() { # NAME [ARGS...]: start one, set $CAP; connected before it returns
	local name=$1
	shift
	"$B/ringcap" capture -i cap0 -w "$T/$name.pcap" -q \
		--forward "rdma://$ADDR:$PORT" "$@" 2>"$T/$name.log" &
	CAP=$!
	wait_log "$T/$name.log" "listening on" 30
	wait_log "$T/$name.log" "forwarding to" 30
}

stop() { # PID: SIGINT, wait, the exit status must be 0
	local rc=0
	kill -INT "$1"
	wait "$1" || rc=$?
	[ $rc = 0 ] || { echo "guest: process $1 exited with status $rc"; return 1; }
}

publish() { cp "$T"/"$1"* "$S"/; }

# --- same: 20000 frames, the collector's file is the local file --------
phase same
collector same-remote
capture same-local
"$B/rcgen" -i gen0 -n "$(n 20000)" -s 60-1514 --seed 11 -r 4000 >"$T/same-gen.txt"
settle "$T/same-remote.pcap"
stop $CAP
stop $COL
publish same

# --- copy: the same through the staging buffer -------------------------
phase copy
collector copy-remote
RINGCAP_RDMA_COPY=1 capture copy-local
"$B/rcgen" -i gen0 -n "$(n 5000)" -s 60-1514 --seed 12 -r 4000 >"$T/copy-gen.txt"
settle "$T/copy-remote.pcap"
stop $CAP
stop $COL
publish copy

# --- restart: SIGKILL the collector mid-run, start a new one -----------
phase restart
collector restart-a
capture restart-local
"$B/rcgen" -i gen0 -n "$(n 30000)" -s 60-1514 --seed 13 -r "$(n 3000)" >"$T/restart-gen.txt" &
GEN=$!
sleep 3
kill -KILL $COL
wait $COL || true
sleep 1
collector restart-b
phase "restart: second collector up"
wait $GEN
# forwarding must have resumed by itself (the sender's backoff is at most
# 5 s); then a second burst, which must reach the new collector
wait_log "$T/restart-b.log" "connected" 30
phase "restart: sender reconnected"
"$B/rcgen" -i gen0 -n "$(n 3000)" -s 60-1514 --seed 19 --start-seq "$(n 30000)" \
	-r "$(n 3000)" >>"$T/restart-gen.txt"
settle "$T/restart-b.pcap"
stop $CAP
stop $COL
publish restart

# --- stall, hold: a collector that stops reading for a while ----------
# NAME FRAMES SEED STOP_S CAPTURE-ARGS...: frames at 4000/s (scaled) while
# the collector is stopped STOP_S seconds, from 1 s in
stalled_collector() {
	local name=$1 frames=$2 seed=$3 stop_s=$4
	shift 4
	phase "$name"
	collector "$name-remote"
	capture "$name-local" "$@"
	"$B/rcgen" -i gen0 -n "$(n "$frames")" -s 60-1514 --seed "$seed" -r "$(n 4000)" \
		>"$T/$name-gen.txt" &
	GEN=$!
	sleep 1
	kill -STOP $COL
	sleep "$stop_s"
	kill -CONT $COL
	wait $GEN
	settle "$T/$name-remote.pcap"
	stop $CAP
	stop $COL
	publish "$name"
}
stalled_collector stall 20000 14 2 --forward-slots 4
stalled_collector hold 10000 16 1 --forward-slots 2 --forward-policy hold

# --- flap: the collector killed and restarted during traffic ----------
# ringcapd with a pcap and an rdma output.  Each connection set-up and
# teardown is made FLAP_SLOW_MS slower (RINGCAP_RDMA_TEST_SLOW_MS: the
# ring's registration and deregistration take that long, as for a ring of
# many GiB), and the ring holds less than that (24 blocks of 128 KiB, each
# handed over after 40 ms, about 1 s of this traffic): a capture worker that
# waits for either loses frames in the kernel.  Traffic goes on in 1 s
# bursts of small frames (the files cross 9p) until the third flap is over;
# meanwhile "ringcap stats" is asked every 100 ms and each answer timed (the
# daemon's main thread reads the sink's counters).
phase flap
collector flap-r0
mkdir -p "$T/run-flap"
cat >"$T/flap.yaml" <<YAML
daemon:
  user: ""
  runtime_directory: $T/run-flap
captures:
  - name: flap
    interface: cap0
    ring: { size: 3MiB, block_size: 128KiB }
    outputs:
      - pcap: { path: $T/flap-local.pcap }
      - rdma: { peer: "$ADDR:$PORT", slots: 8, on_backpressure: drop }
YAML
RINGCAP_RDMA_TEST_SLOW_MS=$FLAP_SLOW_MS "$B/ringcapd" -c "$T/flap.yaml" 2>"$T/flap-local.log" &
D=$!
wait_log "$T/flap-local.log" "forwarding to" 30
rm -f "$T/flap-stop"
(
	per=$(n 4000) seq=0
	while [ ! -e "$T/flap-stop" ]; do
		"$B/rcgen" -i gen0 -n "$per" -s 60-300 --seed $((20 + seq / per)) --start-seq $seq \
			-r "$per" >>"$T/flap-gen.txt"
		seq=$((seq + per))
	done
	echo $seq >"$T/flap-sent"
) &
GEN=$!
(
	while [ ! -e "$T/flap-stop" ]; do
		t0=$EPOCHREALTIME
		"$B/ringcap" stats --json -S "$T/run-flap/ringcap.sock" >/dev/null || echo "failed"
		echo "$t0 $EPOCHREALTIME"
		sleep 0.1
	done >"$T/flap-stats-times.txt"
) &
ASK=$!
for i in 1 2 3; do
	sleep 0.5
	kill -KILL $COL
	wait $COL || true
	sleep 0.5
	collector "flap-r$i"
	wait_log "$T/flap-r$i.log" "connected" 30
	phase "flap: collector $i connected"
done
sleep 0.5
touch "$T/flap-stop"
wait $GEN
wait $ASK
phase "flap: traffic stopped"
settle "$T/flap-r3.pcap"
"$B/ringcap" stats --json -S "$T/run-flap/ringcap.sock" >"$T/flap-stats.json"
kill -TERM $D
wait $D
stop $COL
phase "flap: stopped"
publish flap

# --- xdp: the AF_XDP backend, forwarded by gather lists from the UMEM ---
phase xdp
free -m | sed 's/^/guest: /'
collector xdp-remote
# a gather write carries up to 16 frames: many slots (of 64 KiB)
"$B/ringcap" capture -i cap0 -w "$T/xdp-local.pcap" -q --backend afxdp --dedicated-port \
	--forward "rdma://$ADDR:$PORT" --forward-slots 256 2>"$T/xdp-local.log" &
CAP=$!
echo "guest: xdp capture $CAP, collector $COL"
if wait_log "$T/xdp-local.log" "forwarding to" 30 $CAP; then
	"$B/rcgen" -i gen0 -n "$(n 10000)" -s 60-1514 --seed 18 -r "$(n 4000)" >"$T/xdp-gen.txt"
	settle "$T/xdp-remote.pcap"
	stop $CAP
else
	# the guest kernel could not run it: say why, and go on
	kill $CAP 2>/dev/null || true
	xrc=0
	wait $CAP 2>/dev/null || xrc=$?
	echo "(exit status $xrc)" >>"$T/xdp-local.log"
	cp "$T/xdp-local.log" "$S/xdp-skip.txt"
fi
stop $COL
publish xdp

# --- daemon: ringcapd with an rdma output in its YAML -------------------
phase daemon
collector daemon-remote
mkdir -p "$T/run"
cat >"$T/daemon.yaml" <<YAML
daemon:
  user: ""
  runtime_directory: $T/run
captures:
  - name: fwd
    interface: cap0
    outputs:
      - pcap: { path: $T/daemon-local.pcap }
      - rdma: { peer: "$ADDR:$PORT", slots: 8, on_backpressure: drop }
YAML
"$B/ringcapd" -c "$T/daemon.yaml" 2>"$T/daemon-local.log" &
D=$!
wait_log "$T/daemon-local.log" "forwarding to" 30
"$B/rcgen" -i gen0 -n "$(n 8000)" -s 60-1514 --seed 17 -r 4000 >"$T/daemon-gen.txt"
settle "$T/daemon-remote.pcap"
"$B/ringcap" stats --json -S "$T/run/ringcap.sock" >"$T/daemon-stats.json"
kill -TERM $D
wait $D
stop $COL
publish daemon

# --- rate: as fast as it goes; then ib_write_bw on the same device -----
phase rate
collector rate-remote
capture rate-local
t0=$EPOCHREALTIME
"$B/rcgen" -i gen0 -n "$(n 50000)" -s 1514 --seed 15 >"$T/rate-gen.txt"
settle "$T/rate-remote.pcap"
t1=$EPOCHREALTIME
stop $CAP
stop $COL
echo "start $t0 end $t1" >"$T/rate-time.txt"
rm -f "$T/rate-local.pcap" "$T/rate-remote.pcap"  # counted, not compared
publish rate
BW=(-d rxe0 -x 1 -p 18515 -s 65536 -n 2000 -F)
ib_write_bw "${BW[@]}" >"$S/ib_write_bw_server.txt" 2>&1 &
server=$!
for _ in $(seq 100); do
	grep -q ":4853 .* 0A " /proc/net/tcp && break
	sleep 0.1
done
ib_write_bw "${BW[@]}" "$ADDR" >"$S/ib_write_bw.txt" 2>&1
wait $server
phase "all done"
