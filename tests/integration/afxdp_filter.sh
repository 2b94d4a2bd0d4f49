#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The capture filter in the XDP program, on the wire:
#  1. every filter the afpacket tests use (filter.sh, afxdp_basic.sh), and
#     a few more, gives through afxdp (on the receiving end of a veth) the
#     same frames, byte for byte, as through afpacket (on the sending end,
#     inside the namespace, where each frame passes once) with the same
#     filter; untagged frames to five ports and 802.1Q frames of two VLANs,
#     60 to 400 bytes.  Alternately on a shared port (--take-matching) and
#     a dedicated one (--dedicated-port).
#  2. what the host keeps: with --take-matching 'udp dst port 5001', a UDP
#     socket on the capture side still gets every frame to port 5000 and
#     none to 5001, which the file holds instead; with --dedicated-port it
#     gets neither; after the capture, both again.
#  3. filters the XDP program cannot run: `protochain` (a loop) is refused
#     on a shared port, naming why, and runs in user space on a dedicated
#     one with a note that names why; `inbound` is refused on both.
#  4. ringcapd reloads that change an afxdp capture's filter: in the XDP
#     program, to user space and back; each stretch of traffic holds
#     exactly the frames of the filter in force, none lost, none extra.
#  5. what ringcapd keeps of AF_XDP starts that fail: reloads into a capture
#     whose filter the XDP program cannot run (--take-matching, protochain)
#     and into one on an interface another ringcap captures on fail, naming
#     why, and leave ringcapd with no more BPF program descriptors than
#     before and no ringcap XDP program loaded for it; nor does a run that
#     starts and stops, or removing a stale program (its ringcap killed);
#     the other ringcap's programs are gone when it ends.
# Captures that drop frames (counted) are repeated at half the rate.
source "$(dirname "$0")/../lib/ringcap.sh"
rc_need_root
rc_need ip bpftool
rc_need_afxdp
PY=/usr/bin/python3

rc_pair
rc_tmpdir
T=$RC_TMP

# --- 1. the same frames as afpacket, filter by filter --------------------------
NU=3000 NV1=400 NV2=200
send_mix() { # RATE
	rc_in_ns "$RCGEN" -i "$RC_GEN" -n $NU -s 60-400 --seed 9 --ports 5000,6000,5000,7000,5001 -r "$1"
	rc_in_ns "$RCGEN" -i "$RC_GEN" -n $NV1 -s 64-400 --vlan 100 --start-seq $NU --ports 5000,6000 -r "$1"
	rc_in_ns "$RCGEN" -i "$RC_GEN" -n $NV2 -s 64-400 --vlan 200 --start-seq $((NU + NV1)) -r "$1"
}

# compare RATE: FILTER and CONSENT from the caller
compare() {
	local rate=$1 xc pc
	rm -f "$T"/x.pcap "$T"/p.pcap
	rc_start_capture "$T/x.log" --backend afxdp "$CONSENT" -i "$RC_CAP" -w "$T/x.pcap" -q "$FILTER"
	grep -q "the capture filter runs in the XDP program" "$T/x.log" ||
		rc_fail "'$FILTER': not in the XDP program: $(cat "$T/x.log")"
	rc_bg rc_in_ns "$RINGCAP" -i "$RC_GEN" -w "$T/p.pcap" -q "$FILTER" 2>"$T/p.log"
	local ppid=$RC_BG_PID
	rc_wait_log "$T/p.log" "listening on" 10
	send_mix "$rate"
	rc_stop_int "$ppid" || rc_fail "'$FILTER': afpacket exited with $?: $(cat "$T/p.log")"
	rc_stop_int "$RINGCAP_PID" || rc_fail "'$FILTER': afxdp exited with $?: $(cat "$T/x.log")"
	xc=$(rc_summary "$T/x.log" captured)
	pc=$(rc_summary "$T/p.log" captured)
	RC_DROPS=$(($(rc_summary "$T/x.log" "dropped by kernel") + $(rc_summary "$T/p.log" "dropped by kernel")))
	[ "$xc" = "$(rc_summary "$T/x.log" "received by filter")" ] || [ "$RC_DROPS" != 0 ] ||
		rc_fail "'$FILTER': afxdp captured $xc of what its filter let through"
	[ "$RC_DROPS" = 0 ] || return 0
	[ "$xc" -gt 0 ] && [ "$xc" -lt $((NU + NV1 + NV2)) ] ||
		rc_fail "'$FILTER': $xc frames is no filtering"
	"${PCAPCHECK[@]}" same "$T/x.pcap" "$T/p.pcap" ||
		rc_fail "'$FILTER' ($CONSENT): afxdp's frames differ from afpacket's"
	echo "'$FILTER' ($CONSENT): $xc frames, identical"
}
i=0
for FILTER in "udp dst port 5000" "udp and dst port 5000 and greater 200" "udp dst port 6000" \
	"vlan 100 and udp" "udp dst port 5001" "vlan" "not vlan and len > 300" \
	"vlan and udp dst port 6000" "udp[8:4] = 0x52434745 and udp dst port 7000"; do
	CONSENT=--take-matching
	[ $((i % 2)) = 1 ] && CONSENT=--dedicated-port
	i=$((i + 1))
	rc_until_lossless 50000 compare
done

# --- 2. what the host keeps ------------------------------------------------------
ip addr add 198.18.0.2/24 dev "$RC_CAP"
MAC=$(cat "/sys/class/net/$RC_CAP/address")
cat >"$T/udprecv.py" <<'EOF'
import socket, sys, time
socks = []
for port in sys.argv[2].split(","):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((sys.argv[1], int(port)))
    s.setblocking(False)
    socks.append(s)
counts = [0] * len(socks)
end = time.monotonic() + float(sys.argv[3])
open(sys.argv[4] + ".ready", "w").close()
while time.monotonic() < end:
    idle = True
    for i, s in enumerate(socks):
        try:
            s.recv(65536)
            counts[i] += 1
            idle = False
        except BlockingIOError:
            pass
    if idle:
        time.sleep(0.005)
open(sys.argv[4], "w").write(" ".join(map(str, counts)) + "\n")
EOF
# host NAME: what UDP sockets on 198.18.0.2 ports 5000 and 5001 get while
# rcgen sends 200 frames to them by turns; sets got="N5000 N5001"
host() {
	rm -f "$T/$1" "$T/$1.ready"
	rc_bg $PY "$T/udprecv.py" 198.18.0.2 5000,5001 2 "$T/$1"
	local pid=$RC_BG_PID
	for _ in $(seq 100); do [ -e "$T/$1.ready" ] && break; sleep 0.05; done
	rc_in_ns "$RCGEN" -i "$RC_GEN" -n 200 -s 60 --dst-mac "$MAC" --ports 5000,5001 --start-seq "$2" -r 2000
	wait "$pid"
	got=$(cat "$T/$1")
	echo "$1: the host got $got (ports 5000 5001)"
}
host before 0
[ "$got" = "100 100" ] || rc_fail "without a capture the host got $got of 100 100"
rc_start_capture "$T/s.log" --backend afxdp --take-matching -i "$RC_CAP" -w "$T/s.pcap" -q udp dst port 5001
host shared 1000
rc_stop_int "$RINGCAP_PID" || rc_fail "shared: exit status $?"
[ "$got" = "100 0" ] || rc_fail "--take-matching 'udp dst port 5001': the host got $got, expected 100 0"
out=$("${PCAPCHECK[@]}" seq "$T/s.pcap" --ports 5001) || rc_fail "--take-matching: a frame not to 5001"
[[ $out == "frames=100 "* ]] || rc_fail "--take-matching: the file holds $out, not the 100 frames to 5001"
rc_start_capture "$T/d.log" --backend afxdp --dedicated-port -i "$RC_CAP" -w "$T/d.pcap" -q udp dst port 5001
host dedicated 2000
rc_stop_int "$RINGCAP_PID" || rc_fail "dedicated: exit status $?"
[ "$got" = "0 0" ] || rc_fail "--dedicated-port: the host got $got, expected 0 0"
out=$("${PCAPCHECK[@]}" seq "$T/d.pcap" --ports 5001) || rc_fail "--dedicated-port: a frame not to 5001"
[[ $out == "frames=100 "* ]] || rc_fail "--dedicated-port: the file holds $out, not the 100 frames to 5001"
host after 3000
[ "$got" = "100 100" ] || rc_fail "after the captures the host got $got of 100 100"

# --- 3. filters the XDP program cannot run -----------------------------------------
rc=0
timeout 20 "$RINGCAP" --backend afxdp --take-matching -i "$RC_CAP" -w "$T/pc.pcap" -q \
	"ip protochain 17 and udp dst port 5000" 2>"$T/pc.log" || rc=$?
cat "$T/pc.log"
[ "$rc" != 0 ] || rc_fail "protochain with --take-matching: started, taking every frame from the host"
grep -q "cannot run in the XDP program (instruction [0-9]* jumps backwards" "$T/pc.log" ||
	rc_fail "protochain with --take-matching: the refusal does not say why"
rc_start_capture "$T/pd.log" --backend afxdp --dedicated-port -i "$RC_CAP" -w "$T/pd.pcap" -q \
	"ip protochain 17 and udp dst port 5000"
grep -q "cannot run in the XDP program (instruction [0-9]* jumps backwards.*): it runs in user space" "$T/pd.log" ||
	rc_fail "protochain with --dedicated-port: no note on the fallback: $(cat "$T/pd.log")"
rc_in_ns "$RCGEN" -i "$RC_GEN" -n 1000 --ports 5000,6000 --start-seq 5000 -r 20000
rc_stop_int "$RINGCAP_PID" || rc_fail "protochain: exit status $?"
cat "$T/pd.log"
out=$("${PCAPCHECK[@]}" seq "$T/pd.pcap" --ports 5000) || rc_fail "protochain in user space: a frame not to 5000"
[[ $out == "frames=500 "* ]] || rc_fail "protochain in user space: the file holds $out, not the 500 frames to 5000"
grep -q "^500 packets rejected by the filter in user space" "$T/pd.log" ||
	rc_fail "protochain in user space: the rejects are not counted there"
for consent in --take-matching --dedicated-port; do
	rc=0
	timeout 20 "$RINGCAP" --backend afxdp $consent -i "$RC_CAP" -w "$T/in.pcap" -q inbound \
		2>"$T/in.log" || rc=$?
	cat "$T/in.log"
	[ "$rc" != 0 ] || rc_fail "inbound ($consent): started"
	grep -q "cannot be used with AF_XDP: it reads the packet type" "$T/in.log" ||
		rc_fail "inbound ($consent): the refusal does not say why"
done

# --- 4. ringcapd: the filter changes place on reload ---------------------------------
SOCK=$T/run/ringcap.sock
conf() { # FILTER
	cat >"$T/ringcap.yaml" <<YAML
daemon: { user: "", runtime_directory: $T/run, status_interval: 1s }
captures:
  - name: x
    interface: $RC_CAP
    backend: afxdp
    xdp: { dedicated_port: true }
    filter: "$1"
    outputs:
      - pcap: { path: $T/daemon.pcap }
YAML
}
hup() { # READY=1 lines expected after it; the log line that says it took
	kill -HUP "$DAEMON_PID"
	for _ in $(seq 100); do
		[ "$(grep -c 'READY=1' "$NOTIFY_LOG")" -ge "$1" ] && break
		sleep 0.05
	done
	rc_wait_log "$T/daemon.log" "filter is now '$2'" 10
}
rm -f "$T/daemon.pcap"
conf "udp dst port 5000"
rc_start_daemon "$T/ringcap.yaml" "$T/daemon.log"
grep -q "the capture filter runs in the XDP program" "$T/daemon.log" ||
	rc_fail "daemon: the filter is not in the XDP program: $(cat "$T/daemon.log")"
phase() { rc_in_ns "$RCGEN" -i "$RC_GEN" -n 900 -s 60-300 --ports 5000,6000,7000 --start-seq "$1" -r 20000 >/dev/null; }
phase 10000
conf "udp dst port 6000"
hup 2 "udp dst port 6000"
phase 20000
conf "ip protochain 17 and udp dst port 7000"
hup 3 "ip protochain 17 and udp dst port 7000"
grep -q "filter is now 'ip protochain 17 and udp dst port 7000'; the capture filter cannot run in the XDP program (instruction [0-9]* jumps backwards" "$T/daemon.log" ||
	rc_fail "daemon: the reload into user space does not say why"
phase 30000
conf "udp dst port 5000"
hup 4 "udp dst port 5000"
phase 40000
sleep 0.5
kill -TERM "$DAEMON_PID"
wait "$DAEMON_PID" || rc_fail "daemon: exit status $?"
cat "$T/daemon.log"
$PY - "$RC_TOP/tests/lib" "$T/daemon.pcap" <<'EOF' || rc_fail "daemon: the file does not follow the filters"
import sys
sys.path.insert(0, sys.argv[1])
import pcapcheck
pc = pcapcheck.Pcap(sys.argv[2])
layout = pcapcheck.l2_layout(pc.linktype)
want = {10000: 5000, 20000: 6000, 30000: 7000, 40000: 5000}
got = {k: [] for k in want}
for _i, off, _s, _f, caplen, _o in pc.headers():
    r = pcapcheck.parse_rcgen(pc.buf, off + 16, caplen, layout)
    if r is None:
        sys.exit("a frame that is not rcgen's")
    seq, port, _vid = r
    phase = seq // 10000 * 10000
    if want.get(phase) != port:
        sys.exit("frame %d (port %d) under the filter for port %s" % (seq, port, want.get(phase)))
    got[phase].append(seq)
for phase, seqs in sorted(got.items()):
    expect = [s for s in range(phase, phase + 900) if (5000, 6000, 7000)[(s - phase) % 3] == want[phase]]
    if seqs != expect:
        sys.exit("phase %d: %d frames, expected %d" % (phase, len(seqs), len(expect)))
    print("phase %d: the %d frames to port %d" % (phase, len(seqs), want[phase]))
EOF
# --- 5. what failed starts leave loaded in ringcapd -----------------------------------
# owned PID...: for each PID, how many ringcap XDP programs are loaded for it
# (each load has a .rodata map naming its owner), whoever holds them
cat >"$T/owned.py" <<'EOF'
import json, subprocess, sys
want = {int(p): 0 for p in sys.argv[1:]}
maps = json.loads(subprocess.run(["bpftool", "-j", "map", "show"], capture_output=True,
                                 check=True).stdout)
for m in maps:
    if m.get("name") != "rc_xdp.rodata":
        continue
    r = subprocess.run(["bpftool", "-j", "map", "dump", "id", str(m["id"])], capture_output=True)
    if r.returncode:
        continue  # gone since the list was made
    for e in json.loads(r.stdout):
        for f in e["formatted"]["value"][".rodata"]:
            if f.get("owner_pid") in want:
                want[f["owner_pid"]] += 1
print(" ".join(str(n) for n in want.values()))
EOF
owned() { $PY "$T/owned.py" "$@"; }
# the BPF program descriptors ringcapd has open
progfds() {
	local n
	n=$(ls -l "/proc/$DAEMON_PID/fd" | grep -c "anon_inode:bpf-prog") || true
	echo "${n:-0}"
}
# held WHAT: ringcapd has as many BPF programs open as at its start, and no
# ringcap XDP program is loaded for it
held() {
	local fds own
	fds=$(progfds)
	own=$(owned "$DAEMON_PID")
	echo "after $1: ringcapd has $fds BPF program descriptors open ($FDS0 at its start), $own ringcap XDP programs loaded for it"
	if [ "$fds" != "$FDS0" ] || [ "$own" != 0 ]; then
		ls -l "/proc/$DAEMON_PID/fd" | grep "anon_inode:bpf-prog" || true
		bpftool prog show | grep "name ringcap_" || true
		rc_fail "after $1: $fds BPF program descriptors open in ringcapd ($FDS0 at its start), $own ringcap XDP programs loaded for it (0 expected)"
	fi
}
SOCK5=$T/run5/ringcap.sock
conf5() { # the capture's backend lines
	cat >"$T/leak.yaml" <<YAML
daemon: { user: "", runtime_directory: $T/run5 }
captures:
  - name: y
    interface: $RC_CAP
$1
    outputs:
      - pcap: { path: $T/leak.pcap }
YAML
}
AFPACKET="    backend: afpacket"
REFUSED="    backend: afxdp
    xdp: { take_matching: true }
    filter: \"ip protochain 17 and udp dst port 6000\""
GOOD="    backend: afxdp
    xdp: { take_matching: true }
    filter: \"udp dst port 6000\""
# reload5 WHAT: a reload that starts the capture
reload5() {
	local out
	out=$("$RINGCAP" reload -S "$SOCK5" 2>&1) || rc_fail "reload ($1): $out"
}
# refused5 WHAT PATTERN: a reload whose capture does not start, for the
# reason PATTERN names
refused5() {
	local out rc=0
	out=$("$RINGCAP" reload -S "$SOCK5" 2>&1) || rc=$?
	[ "$rc" != 0 ] || rc_fail "reload ($1): the capture started: $out"
	grep -q -- "$2" <<<"$out" || rc_fail "reload ($1) does not say why the capture did not start: $out"
}
conf5 "$AFPACKET"
rc_start_daemon "$T/leak.yaml" "$T/leak.log"
FDS0=$(progfds)
held "the start on afpacket"
conf5 "$REFUSED"
for _ in 1 2 3 4 5; do
	refused5 protochain "capture y: failed: the capture filter cannot run in the XDP program (instruction [0-9]* jumps backwards"
done
held "5 starts refused for a filter the XDP program cannot run"
conf5 "$GOOD"
reload5 "afxdp"
[ "$(owned "$DAEMON_PID")" = 1 ] || rc_fail "an AF_XDP capture of ringcapd runs with $(owned "$DAEMON_PID") XDP programs loaded for it, not 1"
conf5 "$AFPACKET"
reload5 "back to afpacket"
held "an AF_XDP run started and stopped"
rc_start_capture "$T/other.log" --backend afxdp --take-matching -i "$RC_CAP" -w "$T/other.pcap" -q "udp dst port 5000"
OTHER=$RINGCAP_PID
conf5 "$GOOD"
for _ in 1 2; do
	refused5 "another ringcap" "capture y: failed: ringcap process $OTHER already captures on $RC_CAP with AF_XDP"
done
held "2 starts refused: another ringcap captures on the interface"
rc_stop_int "$OTHER" || rc_fail "the other ringcap: exit status $?"
[ "$(owned "$OTHER")" = 0 ] ||
	rc_fail "$(owned "$OTHER") XDP programs of the other ringcap are still loaded after it ended"
rc_start_capture "$T/killed.log" --backend afxdp --take-matching -i "$RC_CAP" -w "$T/killed.pcap" -q "udp dst port 5000"
KILLED=$RINGCAP_PID
kill -KILL "$KILLED"
wait "$KILLED" 2>/dev/null || true
reload5 "afxdp over a stale program"
grep -q "capture y: .*removed a stale ringcap XDP program (id [0-9]*) on $RC_CAP, left by process $KILLED" "$T/leak.log" ||
	rc_fail "the stale program is not said to be removed: $(cat "$T/leak.log")"
[ "$(owned "$KILLED")" = 0 ] ||
	rc_fail "$(owned "$KILLED") XDP programs of the killed ringcap are still loaded after ringcapd removed its program"
conf5 "$AFPACKET"
reload5 "back to afpacket"
held "removing a stale program, and another AF_XDP run"
kill -TERM "$DAEMON_PID"
wait "$DAEMON_PID" || rc_fail "ringcapd (section 5): exit status $?"
rc_pass "9 filters identical through afxdp and afpacket; --take-matching leaves the host its other frames; protochain falls back or is refused, inbound is refused; reloads move the filter between the XDP program and user space without a stray frame; AF_XDP starts that fail or stop leave no BPF program behind in ringcapd"
