#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# ringcapd under faults:
#  - a worker that stops making progress (its output is a FIFO whose
#    reader has been stopped, so write() blocks) stops the WATCHDOG=1
#    pings, so that systemd would restart the service;
#  - kill -9 of the daemon leaves every file it rotated valid, and the
#    file it was writing whole but for at most one cut last record.
source "$(dirname "$0")/../lib/ringcap.sh"
rc_need_root
rc_need capinfos
rc_tmpdir
rc_pair

# --- watchdog: a stalled worker -------------------------------------------
mkfifo "$RC_TMP/stall.fifo"
rc_bg sh -c "exec cat '$RC_TMP/stall.fifo' >/dev/null"
READER=$RC_BG_PID
cat >"$RC_TMP/w.yaml" <<YAML
daemon: { user: "", runtime_directory: $RC_TMP/run }
captures:
  - name: stall
    interface: $RC_CAP
    outputs:
      - pcap: { path: $RC_TMP/stall.fifo }
YAML
rc_start_daemon "$RC_TMP/w.yaml" "$RC_TMP/w.log" WATCHDOG_USEC=1000000
sleep 3.5
before=$(grep -c "WATCHDOG=1" "$NOTIFY_LOG")
[ "$before" -ge 2 ] || rc_fail "no watchdog pings while healthy ($before)"
kill -STOP "$READER"
rc_in_ns "$RCGEN" -i "$RC_GEN" -n 5000 -s 1000 >/dev/null   # 5 MB into a 64 KiB pipe
rc_wait_log "$RC_TMP/w.log" "worker 0 is not making progress" 15
sleep 1.2 # a tick that saw the last moves may still ping once
stalled=$(grep -c "WATCHDOG=1" "$NOTIFY_LOG")
sleep 3
after=$(grep -c "WATCHDOG=1" "$NOTIFY_LOG")
echo "watchdog pings: $before healthy, $stalled at stall, $after three seconds later"
[ "$after" = "$stalled" ] || rc_fail "watchdog pings went on while the worker was stuck"
grep -q "worker 0 is not making progress" "$RC_TMP/w.log" || rc_fail "stall not logged"
kill -CONT "$READER"
sleep 1.5
[ "$(grep -c "WATCHDOG=1" "$NOTIFY_LOG")" -gt "$after" ] || rc_fail "pings did not resume once the worker moved again"
kill -TERM "$DAEMON_PID"
wait "$DAEMON_PID" || rc_fail "exit status $? after the stall"

# --- kill -9: rotated files stay valid ---------------------------------------
# First N1 frames that the daemon has written (or counted as dropped) before
# the kill: afterwards they are all in the files, once, in order.  Then a
# stream that kill -9 cuts.  A writev() that SIGKILL interrupts can leave
# the file being written ending in part of a record: that one cut record, at
# the end of the newest file, is the only damage allowed.  Every older file
# was closed by rotation and must be whole.
mkdir "$RC_TMP/k"
cat >"$RC_TMP/k.yaml" <<YAML
daemon: { user: "", runtime_directory: $RC_TMP/run }
captures:
  - name: k
    interface: $RC_CAP
    outputs:
      - pcap: { path: $RC_TMP/k/k.pcap, rotate: { size: 1MB } }
YAML
rc_start_daemon "$RC_TMP/k.yaml" "$RC_TMP/k.log"
N1=10000
rc_in_ns "$RCGEN" -i "$RC_GEN" -n $N1 -s 500 -r 20000
rc_daemon_accounted "$RC_TMP/run/ringcap.sock" k $N1
written=$RC_FRAMES
before=$(ls "$RC_TMP/k" | wc -l)
rc_bg rc_in_ns "$RCGEN" -i "$RC_GEN" -n 0 --duration 60 -s 500 -r 20000 --start-seq 1000000
GEN=$RC_BG_PID
# kill it mid-stream once it has rotated a few more times
for _ in $(seq 300); do
	[ "$(ls "$RC_TMP/k" | wc -l)" -ge $((before + 3)) ] && break
	sleep 0.05
done
kill -KILL "$DAEMON_PID"
wait "$DAEMON_PID" 2>/dev/null || true
kill -INT "$GEN" 2>/dev/null || true
wait "$GEN" 2>/dev/null || true
ls -l "$RC_TMP/k"
files=("$RC_TMP"/k/*)
n=${#files[@]}
[ "$n" -ge $((before + 3)) ] || rc_fail "expected $((before + 3)) or more files by the kill, got $n"
newest=${files[n - 1]}
for f in "${files[@]:0:n-1}"; do
	capinfos "$f" >/dev/null 2>&1 || rc_fail "capinfos rejects $f, which was rotated before kill -9"
done
# A file is valid from its first moment: even the newest has its header.
[ "$(stat -c %s "$newest")" -ge 24 ] ||
	rc_fail "kill -9 left $newest without a file header ($(stat -c %s "$newest") bytes): it was created before its header was written"
# no frame twice or out of order; the newest file may end in one cut record
out=$("${PCAPCHECK[@]}" seq --torn-tail --below 1000000 "${files[@]}" 2>"$RC_TMP/torn.txt") ||
	rc_fail "after kill -9: $(cat "$RC_TMP/torn.txt")"
echo "$out"
if [ -s "$RC_TMP/torn.txt" ]; then
	echo "kill -9 cut the last record of the newest file (allowed): $(cat "$RC_TMP/torn.txt")"
else
	capinfos "$newest" >/dev/null 2>&1 || rc_fail "capinfos rejects $newest, which ends in whole records"
	echo "the newest file ends in a whole record"
fi
# the first N1 frames: every one written before the kill is still there
below=$(sed -n 's/.* below=\([0-9]*\)$/\1/p' <<<"$out")
[ "$below" = "$written" ] ||
	rc_fail "$below of the first $N1 frames in the files after kill -9, the daemon had written $written"
rc_pass "watchdog withheld while a worker was stuck; files valid after kill -9"
