#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# ringcapd reload (SIGHUP), under continuous traffic:
#  - a broken file is refused, named in the log, and capture goes on with
#    no gap in the frames;
#  - a changed capture filter is swapped into the running sockets: the
#    same file continues, no gap, and the new filter applies;
#  - an added capture starts and a removed one stops;
#  - a filter the kernel refuses (protochain loops) restarts the capture
#    with the filter in user space, on a fanout group too; changing it
#    again restarts it again (the outputs hold it);
#  - a restart under traffic is never silent: what went by between the old
#    run's stop and the new one's start is counted (rc_restart_gap) and
#    said, and is every frame missing from the files.
# Every frame sent is accounted for (rc_daemon_accounted); the check that
# needs all of them runs on an attempt without kernel drops.
source "$(dirname "$0")/../lib/ringcap.sh"
rc_need_root
rc_need capinfos tshark
rc_tmpdir
rc_pair
A_CAP=$RC_CAP A_GEN=$RC_GEN A_NS=$RC_NS
rc_pair
B_CAP=$RC_CAP
SOCK=$RC_TMP/run/ringcap.sock
conf() { # FILTER [EXTRA-CAPTURE-YAML]
	cat >"$RC_TMP/ringcap.yaml" <<YAML
daemon: { user: "", runtime_directory: $RC_TMP/run, status_interval: 1s }
captures:
  - name: main
    interface: $A_CAP
    filter: "$1"
    outputs:
      - pcap: { path: $MAIN }
${2:-}
YAML
}
hup_and_wait() { # how many READY=1 lines to expect after it
	kill -HUP "$DAEMON_PID"
	for _ in $(seq 100); do
		[ "$(grep -c 'READY=1' "$NOTIFY_LOG")" -ge "$1" ] && return 0
		sleep 0.05
	done
	cat "$RC_TMP/daemon.log"
	rc_fail "no READY=1 after reload"
}

# attempt RATE: a fresh daemon, N frames at RATE across two reloads (a
# broken file, then a wider filter); every frame accounted for, and the
# file holds exactly the frames written, each once, in order.  Without
# kernel drops the daemon is left running for the rest of the test.
N=60000
attempts=0
attempt() {
	local gen out
	attempts=$((attempts + 1))
	MAIN=$RC_TMP/main$attempts.pcap
	conf "udp"
	rc_start_daemon "$RC_TMP/ringcap.yaml" "$RC_TMP/daemon.log"
	ip netns exec "$A_NS" "$RCGEN" -i "$A_GEN" -n $N -s 60-300 --ports 5000,6000 -r "$1" &
	gen=$!
	sleep 0.7
	printf 'captures:\n  - name: main\n    interface: [oops\n' >"$RC_TMP/ringcap.yaml"
	hup_and_wait 2
	grep -q "has errors, not reloading" "$RC_TMP/daemon.log" || rc_fail "broken file not reported"
	grep -q "ringcap.yaml:[0-9]*:[0-9]*: " "$RC_TMP/daemon.log" || { cat "$RC_TMP/daemon.log"; rc_fail "the error does not name file:line:col"; }
	sleep 0.5
	conf "udp or icmp"
	hup_and_wait 3
	grep -q "filter is now 'udp or icmp'" "$RC_TMP/daemon.log" || rc_fail "filter change not applied in place"
	wait $gen || rc_fail "rcgen failed"
	rc_daemon_accounted "$SOCK" main $N
	# the file, across two reloads: every frame written, once, in order
	out=$("${PCAPCHECK[@]}" seq "$MAIN") || rc_fail "frames repeated or reordered across the reloads"
	[[ $out == "frames=$RC_FRAMES "* ]] || rc_fail "the file holds $out, the daemon wrote $RC_FRAMES"
	[ "$RC_DROPS" = 0 ] && return 0
	kill -TERM "$DAEMON_PID"
	wait "$DAEMON_PID" || rc_fail "exit status $?"
}
rc_until_lossless 20000 attempt
# all 60000 frames of the stream, across two reloads, no gap
"${PCAPCHECK[@]}" seq "$MAIN" --expect $N || rc_fail "frames lost across the reloads"

# the new filter really applies in the kernel: of 1000 frames to ports
# 5000 and 6000 by turns, only the 500 to 6000 reach the capture's socket
conf "udp dst port 6000"
hup_and_wait 4
ip netns exec "$A_NS" "$RCGEN" -i "$A_GEN" -n 1000 --ports 5000,6000 --start-seq 100000 >/dev/null
rc_daemon_accounted "$SOCK" main $((N + 500))
written=$RC_FRAMES

# add a capture, then remove it
conf "udp dst port 6000" "  - name: extra
    interface: $B_CAP
    outputs:
      - pcap: { path: $RC_TMP/extra.pcap }"
hup_and_wait 5
status=$("$RINGCAP" status -S "$SOCK") || rc_fail "ringcap status failed"
grep -q "capture extra: running" <<<"$status" || rc_fail "added capture is not running: $status"
conf "udp dst port 6000"
hup_and_wait 6
status=$("$RINGCAP" status -S "$SOCK") || rc_fail "ringcap status failed"
grep -q "capture extra" <<<"$status" && rc_fail "removed capture still listed: $status"
grep -q "capture extra: stopped (removed from the configuration)" "$RC_TMP/daemon.log" || rc_fail "removal not logged"
capinfos "$RC_TMP/extra.pcap" >/dev/null || rc_fail "removed capture's file is not valid"
n=$(grep -c "RELOADING=1" "$NOTIFY_LOG") || true
[ "$n" = 5 ] || rc_fail "$n RELOADING=1, expected 5"
kill -TERM "$DAEMON_PID"
wait "$DAEMON_PID" || rc_fail "exit status $?"
out=$("${PCAPCHECK[@]}" seq "$MAIN") || rc_fail "the final file repeats or reorders frames"
echo "final file: $out"
[[ $out == "frames=$written "* ]] || rc_fail "the final file holds $out, the daemon wrote $written"
cat "$RC_TMP/daemon.log"

# --- a filter the kernel refuses, on 2 workers ------------------------------
pconf() {
	cat >"$RC_TMP/p.yaml" <<YAML
daemon: { user: "", runtime_directory: $RC_TMP/run }
captures:
  - name: pc
    interface: $A_CAP
    workers: 2
    filter: "$1"
    outputs: [ { pcap: { path: $RC_TMP/pc.pcap } } ]
YAML
}
# phase SEQ SENT FRAMES FILTERED: 1000 frames to ports 5000 and 6000 by
# turns; the capture's sockets get SENT, its files FRAMES, its outputs'
# filter rejects FILTERED
phase() {
	ip netns exec "$A_NS" "$RCGEN" -i "$A_GEN" -n 1000 --ports 5000,6000 --start-seq "$1" >/dev/null
	rc_daemon_accounted "$SOCK" pc "$2"
	[ "$RC_FRAMES" = "$3" ] && [ "$RC_FILTERED" = "$4" ] ||
		rc_fail "seq $1: $RC_FRAMES written, $RC_FILTERED rejected; expected $3 and $4"
}
preload() {
	local out rc=0
	out=$("$RINGCAP" reload -S "$SOCK" 2>&1) || rc=$?
	echo "$out"
	[ "$rc" = 0 ] && grep -q "^reloaded .*1 running" <<<"$out" || rc_fail "reload to '$1': exit $rc"
}
pconf "udp dst port 6000"
rc_start_daemon "$RC_TMP/p.yaml" "$RC_TMP/p.log"
phase 200000 500 500 0
pconf "protochain 17 and udp dst port 5000"
preload "protochain"
grep -q "capture pc: the kernel does not take the new filter" "$RC_TMP/p.log" || rc_fail "the restart for protochain was not said"
phase 300000 1000 500 500
pconf "udp dst port 6000"
preload "back to a kernel filter"
phase 400000 500 500 0
kill -TERM "$DAEMON_PID"
wait "$DAEMON_PID" || rc_fail "exit status $?"
ports=$(for f in "$RC_TMP"/pc*.pcap; do tshark -r "$f" -T fields -e udp.dstport; done | sort | uniq -c | awk '{printf "%s:%s ", $2, $1}')
echo "ports in the files: $ports"
[ "$ports" = "5000:500 6000:1000 " ] || rc_fail "the files hold $ports; expected 500 to port 5000 and 1000 to 6000"
# --- restarts under traffic: the gap is counted -----------------------------
rc_restart_gap "$A_CAP" "$A_GEN" "$A_NS" "$RC_TMP/g" ""
rc_pass "reload: bad file kept the old config, filter swapped without a gap ($RC_RATE frames/s), captures added and removed"
