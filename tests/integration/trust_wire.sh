#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# What a capture does to the wire: nothing.  Each frame once.
#  - started with fd 2 (then fd 1, then fd 0) closed, ringcap sends nothing
#    out of the captured interface: its tx_packets counter does not move
#    and a tcpdump on the peer sees no frame from it (a packet socket that
#    took fd 2's number used to carry the log text out as Ethernet frames);
#  - `-w -` with standard output closed is refused (exit 2), never written
#    to a socket; stdout or stderr inherited as a packet socket on the
#    captured port carries nothing out;
#  - ringcapd started with fds 0-2 closed logs nowhere but sends nothing;
#  - `-i lo`: every frame once, as tcpdump records it (libpcap skips the
#    outgoing copies that loopback also delivers).
source "$(dirname "$0")/../lib/ringcap.sh"
rc_need_root
rc_need tcpdump
rc_pair
rc_tmpdir

tx() { cat "/sys/class/net/$RC_CAP/statistics/tx_packets"; }

# a tcpdump on the generator side: anything ringcap transmits shows up here
rc_bg rc_in_ns tcpdump -i "$RC_GEN" -w "$RC_TMP/peer.pcap" -U --immediate-mode -n 2>"$RC_TMP/peer.log"
PEER=$RC_BG_PID
rc_wait_log "$RC_TMP/peer.log" "listening on"

# closed_run NAME REDIRECT: ringcap -c 5 with one of fds 0-2 closed
closed_run() {
	local name=$1 redir=$2 before after rc=0
	before=$(tx)
	# shellcheck disable=SC2086  # $redir is one redirection word
	bash -c "exec $redir; exec \"\$@\"" _ "$RINGCAP" -i "$RC_CAP" -w "$RC_TMP/$name.pcap" -c 5 \
		2>/dev/null &
	local pid=$!
	# no "listening on" to wait for when stderr is closed: wait for the socket
	for _ in $(seq 100); do
		grep -q . "/proc/$pid/net/packet" 2>/dev/null &&
			[ "$(ls -l "/proc/$pid/fd" 2>/dev/null | grep -c 'socket:')" -ge 1 ] && break
		sleep 0.05
	done
	sleep 0.3
	rc_in_ns "$RCGEN" -i "$RC_GEN" -n 5 -r 1000 >/dev/null
	wait "$pid" || rc=$?
	after=$(tx)
	echo "$name: exit $rc, tx_packets $before -> $after"
	[ "$rc" = 0 ] || rc_fail "$name: ringcap exited with status $rc"
	[ "$after" = "$before" ] ||
		rc_fail "$name: ringcap transmitted $((after - before)) frames on $RC_CAP"
	n=$("${PCAPCHECK[@]}" count "$RC_TMP/$name.pcap")
	[ "$n" = 5 ] || rc_fail "$name: $n frames in the file, expected 5"
}
closed_run stderr '2>&-'
closed_run stdout '>&-'
closed_run stdin '<&-'
closed_run all '<&- >&- 2>&-'

# -w - with stdout closed: refused, nothing written anywhere
before=$(tx)
rc=0
bash -c 'exec >&-; exec "$@"' _ "$RINGCAP" -i "$RC_CAP" -w - -c 5 2>"$RC_TMP/closed-stdout.log" &
pid=$!
sleep 0.5
rc_in_ns "$RCGEN" -i "$RC_GEN" -n 5 -r 1000 >/dev/null
for _ in $(seq 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
kill -INT "$pid" 2>/dev/null || true
wait "$pid" || rc=$?
cat "$RC_TMP/closed-stdout.log"
[ "$(tx)" = "$before" ] || rc_fail "-w - with stdout closed: ringcap transmitted on $RC_CAP"
[ "$rc" = 2 ] || rc_fail "-w - with stdout closed: exit status $rc, expected 2"
grep -q "standard output is closed" "$RC_TMP/closed-stdout.log" ||
	rc_fail "-w - with stdout closed: no message saying so"

# stdout and stderr inherited as packet sockets bound to the captured port:
# neither the log nor the records may go out on the wire
packet_fds() { # FD... -- CMD...: run CMD with FDs as AF_PACKET sockets on $RC_CAP
	/usr/bin/python3 - "$RC_CAP" "$@" <<'PY'
import os, socket, sys
dev = sys.argv[1]
i = sys.argv.index("--")
fds, cmd = [int(f) for f in sys.argv[2:i]], sys.argv[i + 1:]
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
s.bind((dev, 0))
for f in fds:
    os.dup2(s.fileno(), f)
os.execv(cmd[0], cmd)
PY
}
before=$(tx)
rc=0
packet_fds 1 -- "$RINGCAP" -i "$RC_CAP" -w - -c 5 2>"$RC_TMP/pkt-stdout.log" || rc=$?
cat "$RC_TMP/pkt-stdout.log"
[ "$rc" = 2 ] || rc_fail "-w - with stdout a packet socket: exit status $rc, expected 2"
grep -q "packet socket" "$RC_TMP/pkt-stdout.log" || rc_fail "-w - on a packet socket: no message"
packet_fds 2 -- "$RINGCAP" -i "$RC_CAP" -w "$RC_TMP/pkt.pcap" -c 5 &
pid=$!
sleep 0.8
rc_in_ns "$RCGEN" -i "$RC_GEN" -n 5 -r 1000 >/dev/null
wait "$pid" || rc_fail "ringcap with stderr a packet socket: exit status $?"
[ "$(tx)" = "$before" ] || rc_fail "ringcap transmitted $(($(tx) - before)) frames through an inherited packet socket"
[ "$("${PCAPCHECK[@]}" count "$RC_TMP/pkt.pcap")" = 5 ] || rc_fail "stderr a packet socket: frames missing"

# the daemon with every standard fd closed
cat >"$RC_TMP/d.yaml" <<YAML
daemon: { user: "", runtime_directory: $RC_TMP/run }
captures:
  - name: c
    interface: $RC_CAP
    outputs: [ { pcap: { path: $RC_TMP/d.pcap } } ]
YAML
before=$(tx)
bash -c 'exec <&- >&- 2>&-; exec "$@"' _ "$RINGCAPD" -c "$RC_TMP/d.yaml" &
DPID=$!
for _ in $(seq 100); do [ -S "$RC_TMP/run/ringcap.sock" ] && break; sleep 0.05; done
[ -S "$RC_TMP/run/ringcap.sock" ] || rc_fail "ringcapd with fds 0-2 closed did not start"
rc_in_ns "$RCGEN" -i "$RC_GEN" -n 20 -r 1000 >/dev/null
sleep 0.3
kill -TERM "$DPID"
wait "$DPID" || rc_fail "ringcapd exited with status $?"
[ "$(tx)" = "$before" ] || rc_fail "ringcapd with fds 0-2 closed transmitted on $RC_CAP"
n=$("${PCAPCHECK[@]}" count "$RC_TMP/d.pcap")
[ "$n" = 20 ] || rc_fail "ringcapd wrote $n frames, expected 20"

# nothing from ringcap reached the peer: every frame there is rcgen's own
kill -INT "$PEER"
wait "$PEER" || true
peer_frames=$(tcpdump -r "$RC_TMP/peer.pcap" -n 2>/dev/null | wc -l)
rcgen_frames=$(tcpdump -r "$RC_TMP/peer.pcap" -n 'udp src port 4000' 2>/dev/null | wc -l)
echo "peer saw $peer_frames frames, $rcgen_frames of them rcgen's"
[ "$peer_frames" = "$rcgen_frames" ] ||
	rc_fail "the peer saw $((peer_frames - rcgen_frames)) frames that rcgen did not send"

# -i lo: each frame once, like tcpdump
rc_in_ns ip link set lo up
rc_bg rc_in_ns "$RINGCAP" -i lo -w "$RC_TMP/lo.pcap" -q
LO=$RC_BG_PID
rc_bg rc_in_ns tcpdump -i lo -w "$RC_TMP/lo-td.pcap" -U --immediate-mode -n 2>"$RC_TMP/lo-td.log"
TD=$RC_BG_PID
rc_wait_log "$RC_TMP/lo-td.log" "listening on"
sleep 0.5
rc_in_ns "$RCGEN" -i lo -n 10 -r 1000 >/dev/null
sleep 0.5
kill -INT "$LO" "$TD"
wait "$LO" || rc_fail "ringcap -i lo exited with status $?"
wait "$TD" || true
ours=$("${PCAPCHECK[@]}" count "$RC_TMP/lo.pcap")
theirs=$("${PCAPCHECK[@]}" count "$RC_TMP/lo-td.pcap")
echo "-i lo: ringcap $ours frames, tcpdump $theirs"
[ "$theirs" = 10 ] || rc_fail "tcpdump -i lo saw $theirs frames, expected 10"
[ "$ours" = 10 ] || rc_fail "ringcap -i lo recorded $ours frames for 10 sent"
"${PCAPCHECK[@]}" seq "$RC_TMP/lo.pcap" --expect 10 || rc_fail "-i lo: frames repeat"
rc_pass "nothing transmitted with closed fds; -w - refused on a closed stdout; -i lo once"
