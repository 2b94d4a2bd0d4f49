#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# ringcapd as an operator who trusts it with evidence needs it:
#  - a second ringcapd on the same runtime directory is refused (exit != 0,
#    a clear message), also once the pid file is deleted, and the first one
#    keeps its socket and its files;
#  - an output on a full disk: logged when it happens, shown in status with
#    its reason, every frame that misses it counted, and it writes again
#    (a new file) once space is freed, without a restart; per output,
#    written + lost = every frame the capture took in;
#  - a capture whose interface is deleted keeps its counters in stats and
#    in the Prometheus file;
#  - fifteen idle clients, or a hundred that say one byte and wait, on the
#    control socket delay nobody, and
#    `ringcap status` gives up on a stopped daemon with a message;
#  - a runtime_directory that is a symlink is refused, not followed; an
#    existing one is never chown'ed.
source "$(dirname "$0")/../lib/ringcap.sh"
rc_need_root
rc_need capinfos timeout
rc_tmpdir
chmod 755 "$RC_TMP"
rc_pair
A_CAP=$RC_CAP A_GEN=$RC_GEN A_NS=$RC_NS
rc_pair
B_CAP=$RC_CAP B_GEN=$RC_GEN B_NS=$RC_NS
SOCK=$RC_TMP/run/ringcap.sock
# field NAME COUNTER: the counter of capture NAME
field() { rc_daemon_counters "$SOCK" "$1" "$2"; }

# small file system for output "full", big one for output "all"
mkdir "$RC_TMP/small" "$RC_TMP/big"
mount -t tmpfs -o size=3m rcsmall "$RC_TMP/small"
rc_defer "umount '$RC_TMP/small'"
head -c 1500000 /dev/zero >"$RC_TMP/small/ballast"

cat >"$RC_TMP/d.yaml" <<YAML
daemon:
  user: ""
  runtime_directory: $RC_TMP/run
  prometheus: { path: $RC_TMP/ringcap.prom, interval: 1s }
captures:
  - name: a
    interface: $A_CAP
    outputs:
      - pcap: { path: $RC_TMP/big/all.pcap }
      - pcap: { path: $RC_TMP/small/full.pcap }
  - name: b
    interface: $B_CAP
    outputs:
      - pcap: { path: $RC_TMP/big/b.pcap }
YAML
rc_start_daemon "$RC_TMP/d.yaml" "$RC_TMP/d.log"

# --- a second daemon on the same runtime directory -------------------------
sed "s|$RC_TMP/big/|$RC_TMP/big/second-|; s|$RC_TMP/small/full|$RC_TMP/big/second-full|" \
	"$RC_TMP/d.yaml" >"$RC_TMP/second.yaml"
rc=0
timeout 10 "$RINGCAPD" -c "$RC_TMP/second.yaml" 2>"$RC_TMP/second.log" || rc=$?
cat "$RC_TMP/second.log"
[ "$rc" != 0 ] && [ "$rc" != 124 ] || rc_fail "a second ringcapd on $RC_TMP/run: exit status $rc"
grep -q "another ringcapd (pid $DAEMON_PID) is running with runtime directory $RC_TMP/run" \
	"$RC_TMP/second.log" || rc_fail "the second ringcapd did not say why it refused"
ls "$RC_TMP"/big/second-* 2>/dev/null && rc_fail "the refused daemon created files"
# the pid file deleted (a cleanup job): still refused
rm "$RC_TMP/run/ringcapd.pid"
rc=0
timeout 10 "$RINGCAPD" -c "$RC_TMP/second.yaml" 2>"$RC_TMP/second2.log" || rc=$?
cat "$RC_TMP/second2.log"
[ "$rc" != 0 ] && [ "$rc" != 124 ] || rc_fail "a second ringcapd after the pid file was deleted: exit status $rc"
grep -q "another ringcapd is running with runtime directory $RC_TMP/run" "$RC_TMP/second2.log" ||
	rc_fail "the second ringcapd (pid file deleted) did not say why it refused"
ls "$RC_TMP"/big/second-* 2>/dev/null && rc_fail "the refused daemon created files"
"$RINGCAP" status -S "$SOCK" >"$RC_TMP/st0.txt" || rc_fail "the first daemon lost its socket"
grep -q "capture a: running" "$RC_TMP/st0.txt" || rc_fail "status of the first daemon"

# --- disk full, then space again ----------------------------------------------
rc_in_ns_a() { ip netns exec "$A_NS" "$@"; }
rc_in_ns_a "$RCGEN" -i "$A_GEN" -n 3000 -s 1000 -r 20000 >/dev/null
# the failure is logged while the daemon runs, not at stop
rc_wait_log "$RC_TMP/d.log" "full.pcap failed: No space left on device" 10
"$RINGCAP" status -S "$SOCK" | tee "$RC_TMP/st1.txt"
grep -q "output 1: $RC_TMP/small/full.pcap (not writing: writing .*No space left on device.*trying again" \
	"$RC_TMP/st1.txt" || rc_fail "status does not show the failed output and why"
lost1=$(field a frames_lost)
[ "$lost1" -gt 0 ] || rc_fail "no frames counted lost for the full output"
# more traffic while it cannot write: every frame counted (a retry may
# write a few into a new file before the disk is full again)
rc_in_ns_a "$RCGEN" -i "$A_GEN" -n 1000 -s 1000 -r 20000 --start-seq 3000 >/dev/null
sleep 0.5
"$RINGCAP" status -S "$SOCK" >"$RC_TMP/st1b.txt"
wl=$(sed -n 's/.*output 1: .*), \([0-9]*\) frames written, \([0-9]*\) lost$/\1 \2/p' "$RC_TMP/st1b.txt")
echo "full output after 4000 frames: written, lost = $wl"
[ -n "$wl" ] && [ $((${wl% *} + ${wl#* })) = 4000 ] ||
	rc_fail "full output: written + lost != 4000 received ($wl)"
[ "${wl#* }" -ge $((lost1 + 500)) ] || rc_fail "frames sent while the output was down were not counted"
# free space: it writes again, into a new file, without a restart
rm "$RC_TMP/small/ballast"
for _ in $(seq 400); do
	"$RINGCAP" status -S "$SOCK" | grep -q "output 1: $RC_TMP/small/full_00001.pcap (writing)" && break
	sleep 0.1
done
rc_in_ns_a "$RCGEN" -i "$A_GEN" -n 500 -s 1000 -r 20000 --start-seq 4000 >/dev/null
# said once frames reach the new file, with what was lost meanwhile
rc_wait_log "$RC_TMP/d.log" "writing again, to $RC_TMP/small/full_00001.pcap; [0-9]* frames were lost" 5
sleep 0.5
"$RINGCAP" status -S "$SOCK" | tee "$RC_TMP/st2.txt"
grep -q "output 1: $RC_TMP/small/full_00001.pcap (writing)" "$RC_TMP/st2.txt" ||
	rc_fail "the output did not come back"

# --- the interface of capture b goes away --------------------------------------
ip netns exec "$B_NS" "$RCGEN" -i "$B_GEN" -n 700 -r 20000 >/dev/null
sleep 0.3
ip link del "$B_CAP"
rc_wait_log "$RC_TMP/d.log" "capture b failed: interface went away" 10
# the Prometheus file is written every second, from what the daemon knew
# a moment before: wait (10 s at most) for one written after the failure
rc_wait_log "$RC_TMP/ringcap.prom" "^ringcap_up{capture=\"b\"} 0$" 10
[ "$(field b frames)" = 700 ] || rc_fail "capture b's counters after it stopped: $(field b frames) frames, expected 700"
grep -q "^ringcap_frames_total{capture=\"b\",worker=\"0\"} 700$" "$RC_TMP/ringcap.prom" ||
	rc_fail "the Prometheus file lost capture b's counters"
grep -q "^ringcap_up{capture=\"b\"} 0$" "$RC_TMP/ringcap.prom" || rc_fail "ringcap_up for b"

# --- idle clients delay nobody; a stopped daemon does not hang its client ------
# 15 idle clients, then 100 that each send one byte and wait
/usr/bin/python3 - "$SOCK" <<'PY' &
import socket, sys, time
s = []
for n in (15, 100):
    for _ in range(n):
        c = socket.socket(socket.AF_UNIX)
        c.connect(sys.argv[1])
        if n == 100:
            c.send(b"s")
        s.append(c)
    time.sleep(3)
PY
IDLE=$!
for phase in 15 100; do
	sleep 1
	t0=$(date +%s%N)
	"$RINGCAP" status -S "$SOCK" >/dev/null || rc_fail "status failed with $phase silent clients around"
	ms=$((($(date +%s%N) - t0) / 1000000))
	echo "status with $phase silent clients: $ms ms"
	[ "$ms" -lt 1500 ] || rc_fail "$phase silent clients delayed status by $ms ms"
	sleep 2
done
wait $IDLE || true
kill -STOP "$DAEMON_PID"
t0=$(date +%s%N)
rc=0
timeout 20 "$RINGCAP" status -S "$SOCK" --timeout 1 >/dev/null 2>"$RC_TMP/stopped.err" || rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
kill -CONT "$DAEMON_PID"
cat "$RC_TMP/stopped.err"
[ "$rc" = 1 ] || rc_fail "status against a stopped daemon: exit $rc after $ms ms (124: it hung)"
grep -q "did not answer within 1000 ms" "$RC_TMP/stopped.err" || rc_fail "no message about the silent daemon"

# --- stop: the journal's tally and every output accounted for ------------------
kill -TERM "$DAEMON_PID"
wait "$DAEMON_PID" || rc_fail "ringcapd exited with status $?"
cat "$RC_TMP/d.log"
grep -q "capture a: stopped (daemon stopping): 4500 frames received, 0 dropped by the kernel" "$RC_TMP/d.log" ||
	rc_fail "no final tally for capture a"
all=$("${PCAPCHECK[@]}" count "$RC_TMP/big/all.pcap")
full=$("${PCAPCHECK[@]}" count "$RC_TMP"/small/full*.pcap)
lost=$(sed -n "s|.*capture a worker 0 output 1: .*: \([0-9]*\) frames written, \([0-9]*\) lost.*|\2|p" "$RC_TMP/d.log")
echo "all: $all frames; full: $full in its files + $lost lost"
[ "$all" = 4500 ] || rc_fail "the healthy output has $all frames, expected 4500"
[ -n "$lost" ] && [ $((full + lost)) = 4500 ] || rc_fail "full output: $full written + $lost lost != 4500"
for f in "$RC_TMP"/small/full*.pcap "$RC_TMP"/big/*.pcap; do
	capinfos "$f" >/dev/null || rc_fail "capinfos rejects $f"
done

# --- runtime_directory: never follow a link, never chown what exists -----------
mkdir "$RC_TMP/rootdir" && chmod 700 "$RC_TMP/rootdir"
ln -s "$RC_TMP/rootdir" "$RC_TMP/linkdir"
mkdir -m 1777 "$RC_TMP/out"
cat >"$RC_TMP/l.yaml" <<YAML
daemon: { user: nobody, group: nogroup, runtime_directory: $RC_TMP/linkdir }
captures:
  - name: a
    interface: $A_CAP
    outputs: [ { pcap: { path: $RC_TMP/out/l.pcap } } ]
YAML
rc=0
timeout 10 "$RINGCAPD" -c "$RC_TMP/l.yaml" 2>"$RC_TMP/l.log" || rc=$?
cat "$RC_TMP/l.log"
[ "$rc" != 0 ] && [ "$rc" != 124 ] || rc_fail "a symlinked runtime directory: exit status $rc"
grep -q "is a symbolic link" "$RC_TMP/l.log" || rc_fail "no message about the symlink"
[ "$(stat -c %U "$RC_TMP/rootdir")" = root ] || rc_fail "the link's target was handed to $(stat -c %U "$RC_TMP/rootdir")"
# "link/" and "link/." name the link's target all the same
for suffix in / /.; do
	sed "s|runtime_directory: $RC_TMP/linkdir[/.]*|runtime_directory: $RC_TMP/linkdir$suffix|" \
		"$RC_TMP/l.yaml" >"$RC_TMP/l-slash.yaml"
	rc=0
	timeout 10 "$RINGCAPD" -c "$RC_TMP/l-slash.yaml" 2>"$RC_TMP/l-slash.log" || rc=$?
	[ "$rc" != 0 ] && [ "$rc" != 124 ] && grep -q "is a symbolic link" "$RC_TMP/l-slash.log" ||
		rc_fail "runtime_directory 'linkdir$suffix' followed the link (exit $rc): $(cat "$RC_TMP/l-slash.log")"
done
[ ! -e "$RC_TMP/rootdir/ringcapd.pid" ] || rc_fail "a lock file was made through the link"
# a file at the socket's name that is not a socket is not removed
echo PRECIOUS >"$RC_TMP/rootdir/ringcap.sock"
sed -i "s|$RC_TMP/linkdir|$RC_TMP/rootdir|" "$RC_TMP/l.yaml"
rc=0
timeout 10 "$RINGCAPD" -c "$RC_TMP/l.yaml" 2>"$RC_TMP/l-sock.log" || rc=$?
[ "$rc" != 0 ] && [ "$rc" != 124 ] || rc_fail "a regular file at the socket's name: exit status $rc"
[ "$(cat "$RC_TMP/rootdir/ringcap.sock")" = PRECIOUS ] || rc_fail "a regular file at the socket's name was removed"
grep -q "exists and is not a socket" "$RC_TMP/l-sock.log" || rc_fail "no message about the file at the socket's name"
rm "$RC_TMP/rootdir/ringcap.sock"
# an existing directory stays whose it is; a missing one is made for the user
rc_start_daemon "$RC_TMP/l.yaml" "$RC_TMP/l2.log"
[ "$(stat -c %U "$RC_TMP/rootdir")" = root ] || rc_fail "an existing runtime directory was chown'ed"
kill -TERM "$DAEMON_PID"; wait "$DAEMON_PID" || true
sed -i "s|$RC_TMP/rootdir|$RC_TMP/newdir|" "$RC_TMP/l.yaml"
rc_start_daemon "$RC_TMP/l.yaml" "$RC_TMP/l3.log"
[ "$(stat -c %U "$RC_TMP/newdir")" = nobody ] || rc_fail "a runtime directory it made is not the service user's"
kill -TERM "$DAEMON_PID"; wait "$DAEMON_PID" || true
rc_pass "one daemon per directory; a full disk is told, counted and survived; counters outlive a capture; the control socket never hangs"
