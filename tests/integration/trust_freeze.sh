#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Nothing freezes ringcapd: an output whose open() does not return stalls
# at most its own worker, never the main thread (signals, status, the
# watchdog's judgement).
#  - a FIFO with no reader: READY, status answers and shows why the output
#    is not writing, SIGTERM stops the daemon at once; a reader that comes
#    later gets the frames;
#  - a hung mount (a FUSE file system whose open() waits forever): READY,
#    status answers, the stuck worker withholds the watchdog ping, SIGTERM
#    ends the daemon within its stop grace; once the mount answers again
#    the capture is written there; the same for the Prometheus file;
#  - a worker stuck on a FIFO whose reader stopped: it is left behind at a
#    reload, its counters stay in stats, and its tallies (when left behind,
#    and when it ends) add up; frames that pass until the new run starts
#    are counted in the restart's gap.
source "$(dirname "$0")/../lib/ringcap.sh"
rc_need_root
rc_need mkfifo fusermount timeout
/usr/bin/python3 -c 'import fusepy' 2>/dev/null || rc_skip "needs python3-fusepy (make deps)"
[ -c /dev/fuse ] || rc_skip "no /dev/fuse"
rc_tmpdir
rc_pair
SOCK=$RC_TMP/run/ringcap.sock

conf() {
	cat >"$RC_TMP/d.yaml" <<YAML
daemon: { user: "", runtime_directory: $RC_TMP/run }
captures:
  - name: c
    interface: $RC_CAP
    outputs: [ { pcap: { path: $1 } } ]
YAML
}

# stop_within LIMIT_MS: SIGTERM, and the daemon must be gone within LIMIT_MS
stop_within() {
	local t0 ms
	t0=$(date +%s%N)
	kill -TERM "$DAEMON_PID"
	for _ in $(seq $(($1 / 50))); do kill -0 "$DAEMON_PID" 2>/dev/null || break; sleep 0.05; done
	ms=$((($(date +%s%N) - t0) / 1000000))
	kill -0 "$DAEMON_PID" 2>/dev/null && { kill -KILL "$DAEMON_PID"; rc_fail "ringcapd ignored SIGTERM for $ms ms"; }
	wait "$DAEMON_PID" || true
	echo "SIGTERM to exit: $ms ms"
}

# reader FIFO: a reader of FIFO in the background (RC_BG_PID), there before
# this returns (it opens read-write: no writer's close ends it)
reader() { # FIFO [BYTES/S]: reads it (and holds it open for writing too)
	if [ -n "${2:-}" ]; then
		rc_bg /usr/bin/python3 -c '
import os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR)
while True:
    os.read(fd, 65536)
    time.sleep(65536 / int(sys.argv[2]))' "$1" "$2"
	else
		rc_bg sh -c "exec cat 0<>'$1' >/dev/null"
	fi
	for _ in $(seq 100); do
		ls -l "/proc/$RC_BG_PID/fd" 2>/dev/null | grep -q "$1" && return 0
		sleep 0.02
	done
	rc_fail "the reader of $1 did not start"
}

# tally_adds WHAT [held]: the daemon's tally line "capture c: WHAT: ..." in
# stuck.log adds up: received = dropped + written + lost (+ held by a
# worker left behind, which must then be more than 0)
tally_adds() {
	local line r d w l h
	line=$(grep "capture c: $1: " "$RC_TMP/stuck.log" | tail -n 1)
	[ -n "$line" ] || rc_fail "no tally '$1'"
	echo "tally: $line"
	r=$(sed -n 's/.*: \([0-9]*\) frames received.*/\1/p' <<<"$line")
	d=$(sed -n 's/.*, \([0-9]*\) dropped by the kernel.*/\1/p' <<<"$line")
	w=$(sed -n 's/.*, \([0-9]*\) frames written.*/\1/p' <<<"$line")
	l=$(sed -n 's/.*, \([0-9]*\) lost.*/\1/p' <<<"$line")
	h=$(sed -n 's/.*, \([0-9]*\) held by the worker.*/\1/p' <<<"$line")
	[ -n "$r" ] && [ -n "$d" ] && [ -n "$w" ] && [ -n "$l" ] || rc_fail "tally '$1' unreadable"
	if [ "${2:-}" = held ]; then
		[ -n "$h" ] && [ "$h" -gt 0 ] || rc_fail "tally '$1' does not say what the stuck worker holds"
	else
		[ -z "$h" ] || rc_fail "tally '$1' says frames are held after the worker ended"
	fi
	[ "$r" = $((d + w + l + ${h:-0})) ] || rc_fail "tally '$1': $r received != $d dropped + $w written + $l lost + ${h:-0} held"
}

# --- a FIFO nobody reads --------------------------------------------------
mkfifo "$RC_TMP/cap.fifo"
conf "$RC_TMP/cap.fifo"
rc_start_daemon "$RC_TMP/d.yaml" "$RC_TMP/fifo.log"
rc_wait_log "$RC_TMP/fifo.log" "is a FIFO with no reader" 5
timeout 5 "$RINGCAP" status -S "$SOCK" | tee "$RC_TMP/st.txt" || rc_fail "status did not answer"
grep -q "cap.fifo (not writing: .*is a FIFO with no reader" "$RC_TMP/st.txt" ||
	rc_fail "status does not say why the FIFO output is not writing"
# a reader comes: it gets what is captured from then on
rc_bg sh -c "exec cat '$RC_TMP/cap.fifo' >'$RC_TMP/fifo.pcap'"
for _ in $(seq 100); do
	"$RINGCAP" status -S "$SOCK" | grep -q "cap.fifo (writing)" && break
	sleep 0.1
done
rc_in_ns "$RCGEN" -i "$RC_GEN" -n 200 -r 20000 >/dev/null
rc_wait_log "$RC_TMP/fifo.log" "writing again, to $RC_TMP/cap.fifo" 5
sleep 0.5
stop_within 3000
"${PCAPCHECK[@]}" seq "$RC_TMP/fifo.pcap" --expect 200 || rc_fail "the FIFO's reader did not get the frames"

# --- a mount whose open() hangs ---------------------------------------------
mkdir "$RC_TMP/mnt" "$RC_TMP/back"
touch "$RC_TMP/hang"
rc_bg /usr/bin/python3 "$RC_TOP/tests/lib/hangfs.py" "$RC_TMP/mnt" "$RC_TMP/back" "$RC_TMP/hang"
HANGFS=$RC_BG_PID
rc_defer "fusermount -u -z '$RC_TMP/mnt'"
for _ in $(seq 100); do mountpoint -q "$RC_TMP/mnt" && break; sleep 0.05; done
mountpoint -q "$RC_TMP/mnt" || rc_fail "hangfs did not mount"
conf "$RC_TMP/mnt/hung.pcap"
t0=$(date +%s%N)
rc_start_daemon "$RC_TMP/d.yaml" "$RC_TMP/hang.log" WATCHDOG_USEC=1000000
echo "READY after $((($(date +%s%N) - t0) / 1000000)) ms with the open hanging"
timeout 5 "$RINGCAP" status -S "$SOCK" | tee "$RC_TMP/st2.txt" || rc_fail "status did not answer"
grep -q "hung.pcap (starting)" "$RC_TMP/st2.txt" || rc_fail "status does not show the output starting"
rc_wait_log "$RC_TMP/hang.log" "worker 0 is not making progress" 10
# SIGTERM: the main thread gives the stuck worker its grace, says so, and
# ends.  A thread inside a FUSE call that was already sent waits for its
# answer even when killed (as on a hung NFS mount): the process is gone
# only once the mount answers, which the test then lets it do.
t0=$(date +%s%N)
kill -TERM "$DAEMON_PID"
rc_wait_log "$RC_TMP/hang.log" "made no progress for" 8
rc_wait_log "$NOTIFY_LOG" "STOPPING=1" 2
echo "SIGTERM to 'leaving it behind': $((($(date +%s%N) - t0) / 1000000)) ms"
rm "$RC_TMP/hang"
for _ in $(seq 60); do kill -0 "$DAEMON_PID" 2>/dev/null || break; sleep 0.05; done
kill -0 "$DAEMON_PID" 2>/dev/null && rc_fail "ringcapd did not end once the mount answered"
wait "$DAEMON_PID" || true

# the same mount answering: the daemon writes there
rc_start_daemon "$RC_TMP/d.yaml" "$RC_TMP/hang2.log"
rc_in_ns "$RCGEN" -i "$RC_GEN" -n 300 -r 20000 >/dev/null
sleep 0.5
stop_within 3000
ls -l "$RC_TMP/back"
# the first daemon's open went through once the mount answered, after it
# was gone: an empty file of its own, never the second daemon's
f=$(ls "$RC_TMP"/back/hung*.pcap | while read -r p; do [ -s "$p" ] && echo "$p"; done | tail -n 1)
"${PCAPCHECK[@]}" seq "$f" --expect 300 || rc_fail "nothing written once the mount answered"

# --- the Prometheus file on a mount that hangs ------------------------------
# (written by a thread of its own: signals, status and the capture go on)
rm -f "$RC_TMP"/back/*
conf "$RC_TMP/prom.pcap"
sed -i "s|^daemon: { user: \"\", runtime_directory: \([^ ]*\) }|daemon: { user: \"\", runtime_directory: \\1, prometheus: { path: $RC_TMP/mnt/r.prom, interval: 1s } }|" "$RC_TMP/d.yaml"
grep -q "prometheus: { path: $RC_TMP/mnt/r.prom" "$RC_TMP/d.yaml" || rc_fail "test: no prometheus key in d.yaml"
rc_start_daemon "$RC_TMP/d.yaml" "$RC_TMP/prom.log"
for _ in $(seq 50); do [ -s "$RC_TMP/back/r.prom" ] && break; sleep 0.1; done
[ -s "$RC_TMP/back/r.prom" ] || rc_fail "no Prometheus file while the mount answers"
touch "$RC_TMP/hang"
rc_wait_log "$RC_TMP/prom.log" "the Prometheus file $RC_TMP/mnt/r.prom has not been written for" 10
timeout 5 "$RINGCAP" status -S "$SOCK" --timeout 2 >/dev/null || rc_fail "status did not answer with the Prometheus file's mount hung"
rc_in_ns "$RCGEN" -i "$RC_GEN" -n 400 -r 20000 >/dev/null
sleep 0.5
"$RINGCAP" stats -S "$SOCK" --json | python3 -c '
import json, sys
s = json.load(sys.stdin)
n = sum(o["frames"] for c in s["captures"] for o in c["outputs"])
sys.exit(0 if n == 400 else "%d frames written, expected 400" % n)' ||
	rc_fail "the capture did not go on with the Prometheus file's mount hung"
t0=$(date +%s%N)
kill -TERM "$DAEMON_PID"
rc_wait_log "$RC_TMP/prom.log" "was not written at stop: its file system does not answer" 5
echo "SIGTERM to 'not written at stop', the Prometheus mount hung: $((($(date +%s%N) - t0) / 1000000)) ms"
rm "$RC_TMP/hang"
for _ in $(seq 60); do kill -0 "$DAEMON_PID" 2>/dev/null || break; sleep 0.05; done
kill -0 "$DAEMON_PID" 2>/dev/null && rc_fail "ringcapd did not end once the Prometheus file's mount answered"
wait "$DAEMON_PID" || true
"${PCAPCHECK[@]}" seq "$RC_TMP/prom.pcap" --expect 400 || rc_fail "the capture lost frames with the Prometheus file's mount hung"
kill "$HANGFS" 2>/dev/null || true

# --- the CLI writing to a FIFO whose reader stopped reading --------------------
mkfifo "$RC_TMP/cli.fifo"
reader "$RC_TMP/cli.fifo"
CAT=$RC_BG_PID
rc_start_capture "$RC_TMP/cli.log" -i "$RC_CAP" -w "$RC_TMP/cli.fifo" -q
rc_in_ns "$RCGEN" -i "$RC_GEN" -n 50 -r 1000 >/dev/null
kill -STOP "$CAT"
rc_in_ns "$RCGEN" -i "$RC_GEN" -n 5000 -s 1000 >/dev/null  # 5 MB into a 64 KiB pipe
t0=$(date +%s%N)
kill -TERM "$RINGCAP_PID"
for _ in $(seq 200); do kill -0 "$RINGCAP_PID" 2>/dev/null || break; sleep 0.05; done
ms=$((($(date +%s%N) - t0) / 1000000))
kill -0 "$RINGCAP_PID" 2>/dev/null && { kill -CONT "$CAT"; rc_fail "ringcap ignored SIGTERM for $ms ms with its reader stopped"; }
rc=0
wait "$RINGCAP_PID" || rc=$?
kill -CONT "$CAT"
cat "$RC_TMP/cli.log"
echo "CLI, reader stopped: SIGTERM to exit $ms ms, status $rc"
[ "$rc" = 1 ] || rc_fail "ringcap stuck on a stopped reader: exit status $rc, expected 1"
grep -q "does not stop: it is stuck writing" "$RC_TMP/cli.log" || rc_fail "ringcap did not say why it gave up"
grep -q "packets received by filter" "$RC_TMP/cli.log" || rc_fail "no summary after giving up"

# --- a reload that restarts a capture whose worker is stuck --------------------
# (the stuck run keeps its FIFO; the new run must not open it beside it)
# (a slow reader: the run left behind takes a while to write out what it
# holds once it can, and its drain at stop runs out of time meanwhile)
mkfifo "$RC_TMP/d.fifo"
reader "$RC_TMP/d.fifo" 2000000
CAT=$RC_BG_PID
conf "$RC_TMP/d.fifo"
rc_start_daemon "$RC_TMP/d.yaml" "$RC_TMP/stuck.log"
rc_in_ns "$RCGEN" -i "$RC_GEN" -n 50 -r 1000 >/dev/null
kill -STOP "$CAT"
rc_in_ns "$RCGEN" -i "$RC_GEN" -n 5000 -s 1000 >/dev/null
sed -i 's/^captures:$/defaults: { snaplen: 2000 }\ncaptures:/' "$RC_TMP/d.yaml"
kill -HUP "$DAEMON_PID"
rc_wait_log "$RC_TMP/stuck.log" "made no progress for" 10
"$RINGCAP" status -S "$SOCK" --timeout 3 | tee "$RC_TMP/st-stuck.txt" || rc_fail "status with a stuck run"
grep -q "capture c: stuck" "$RC_TMP/st-stuck.txt" || rc_fail "status does not show the capture stuck"
writers=$(ls -l "/proc/$DAEMON_PID/fd" | grep -c "$RC_TMP/d.fifo" || true)
[ "$writers" = 1 ] || rc_fail "$writers descriptors on the FIFO while the old run is stuck: two writers"
# the run left behind: its counters stay in stats, and its tally adds up
"$RINGCAP" stats -S "$SOCK" --json | python3 -c '
import json, sys
(c,) = json.load(sys.stdin)["captures"]
sys.exit(0 if c["received"] >= 5050 else "stats of the stuck run: %r" % c)' ||
	rc_fail "the stuck run's counters are gone from stats"
tally_adds "stopped (left behind)" held
# traffic on while the run left behind ends and the new one waits for it:
# every frame is in a run's tally or in the restart's gap (an adversarial
# try found 18,320 frames in neither: no gap was counted after a run left
# behind)
rc_bg rc_in_ns "$RCGEN" -i "$RC_GEN" -n 6000 -s 200 -r 3000 --start-seq 100000
GEN=$RC_BG_PID
sleep 0.3
kill -CONT "$CAT"
rc_wait_log "$RC_TMP/stuck.log" "the worker left behind has ended" 10
tally_adds "the worker left behind has ended"
rc_wait_log "$RC_TMP/stuck.log" "capture c: running on" 10
wait "$GEN" || rc_fail "rcgen failed"
sleep 0.3
unseen=$(rc_stat "$SOCK" c restart_unseen) || rc_fail "no stats after the restart"
stop_within 3000
grep "capture c: .*went through" "$RC_TMP/stuck.log" || { cat "$RC_TMP/stuck.log"; rc_fail "the restart after a run left behind counted no gap"; }
taken=$(grep -E "capture c: (the worker left behind has ended|stopped \(daemon stopping\)): " "$RC_TMP/stuck.log" |
	sed -n 's/.*, \([0-9]*\) dropped by the kernel, \([0-9]*\) frames written.*, \([0-9]*\) lost.*/\1 \2 \3/p' |
	awk '{s += $1 + $2 + $3; n++} END {print n, s}')
read -r n taken <<<"$taken"
echo "after a run left behind: 11050 sent; $taken in the two runs' tallies, $unseen in the gap"
[ "$n" = 2 ] || rc_fail "$n final tallies, not 2"
[ $((taken + unseen)) -ge 11050 ] && [ $((taken + unseen)) -le 11060 ] ||
	rc_fail "after a run left behind: $((taken + unseen)) accounted for 11050 sent"

# --- a configuration file that cannot be read at once: a FIFO -----------------
# (the load runs off the main loop, and a FIFO is refused rather than
# waited on)
conf "$RC_TMP/after.pcap"
rc_start_daemon "$RC_TMP/d.yaml" "$RC_TMP/cfgfifo.log"
mv "$RC_TMP/d.yaml" "$RC_TMP/d.yaml.real"
mkfifo "$RC_TMP/d.yaml"
kill -HUP "$DAEMON_PID"
rc_wait_log "$RC_TMP/cfgfifo.log" "cannot read configuration: not a regular file" 5
timeout 5 "$RINGCAP" status -S "$SOCK" --timeout 2 >/dev/null || rc_fail "status did not answer after a reload of a FIFO"
rc=0
timeout 10 "$RINGCAP" reload -S "$SOCK" >"$RC_TMP/reload-fifo.out" 2>&1 || rc=$?
cat "$RC_TMP/reload-fifo.out"
[ "$rc" = 1 ] && grep -q "not a regular file" "$RC_TMP/reload-fifo.out" ||
	rc_fail "ringcap reload of a FIFO: exit $rc"
rm "$RC_TMP/d.yaml"
mv "$RC_TMP/d.yaml.real" "$RC_TMP/d.yaml"
"$RINGCAP" reload -S "$SOCK" | grep -q "^reloaded " || rc_fail "ringcap reload after the FIFO"
stop_within 3000
rc_pass "a FIFO without a reader and a hung mount never froze the daemon"
