# shellcheck shell=bash
# SPDX-License-Identifier: MIT
# ringcap-specific helpers for integration tests; sources netns.sh.
#   RINGCAP, RCGEN, PCAPCHECK   the binaries under test and the checker
#   rc_wait_log LOG PATTERN [SECS] [N]  wait until N lines of LOG (default 1)
#                                       match PATTERN
#   rc_start_capture LOG ARGS...      ringcap in the background, up and bound
#   rc_summary LOG WHAT               number from the exit summary line
#                                     "N packets WHAT" (captured, received by
#                                     filter, dropped by kernel)
#   rc_stop_int PID                   SIGINT, wait; returns exit status
#   rc_wait_frames FILE N [SECS]      until the pcap FILE holds N frames
#                                     (instead of a fixed sleep: a
#                                     sanitized build on a busy machine is
#                                     slow); fails the test when it does not
set -euo pipefail
: "${RC_TOP:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${BUILD:=build}"
# shellcheck source=tests/lib/netns.sh
source "$RC_TOP/tests/lib/netns.sh"

RINGCAP=$RC_TOP/$BUILD/ringcap
RCGEN=$RC_TOP/$BUILD/tests/rcgen
PCAPCHECK=(/usr/bin/python3 "$RC_TOP/tests/lib/pcapcheck.py")
[ -x "$RINGCAP" ] || rc_fail "$RINGCAP is not built (run make)"
[ -x "$RCGEN" ] || rc_fail "$RCGEN is not built (run make)"

rc_wait_log() {
	local log=$1 pat=$2 secs=${3:-10} n=${4:-1} i c
	for ((i = 0; i < secs * 20; i++)); do
		c=$(grep -c -- "$pat" "$log" 2>/dev/null) || true
		[ "${c:-0}" -ge "$n" ] && return 0
		sleep 0.05
	done
	echo "--- $log:" >&2
	cat "$log" >&2 || true
	rc_fail "timed out waiting for '$pat' ($n times) in $log"
}

rc_wait_frames() {
	local file=$1 want=$2 secs=${3:-10} i n=0
	for ((i = 0; i < secs * 10; i++)); do
		# a file being written may end in a record not yet whole
		n=$("${PCAPCHECK[@]}" count --torn-tail "$file" 2>/dev/null) || n=0
		[ "$n" -ge "$want" ] && return 0
		sleep 0.1
	done
	rc_fail "$file: $n frames after $secs s, $want expected"
}

rc_start_capture() {
	local log=$1
	shift
	rc_bg "$RINGCAP" "$@" 2>"$log"
	RINGCAP_PID=$RC_BG_PID
	rc_wait_log "$log" "listening on" 10
}

rc_summary() {
	local v
	v=$(sed -n "s/^\([0-9][0-9]*\) packets\{0,1\} $2\$/\1/p" "$1" | tail -n 1)
	[ -n "$v" ] || rc_fail "no '$2' line in the summary in $1"
	echo "$v"
}

rc_stop_int() {
	local pid=$1 rc=0
	kill -INT "$pid" 2>/dev/null || true
	wait "$pid" || rc=$?
	return $rc
}

RINGCAPD=$RC_TOP/$BUILD/ringcapd
NOTIFY_RECV=(/usr/bin/python3 "$RC_TOP/tests/lib/notify_recv.py")

# rc_start_daemon CONFIG LOG [ENV=VALUE...]: ringcapd with a test
# NOTIFY_SOCKET; waits for READY=1.  Sets DAEMON_PID, NOTIFY_LOG.  The
# receiver of an earlier call is stopped first: it would remove the new
# one's socket when it goes.
rc_start_daemon() {
	local conf=$1 log=$2 sock
	shift 2
	sock=$RC_TMP/notify.sock
	NOTIFY_LOG=$RC_TMP/notify.log
	if [ -n "${NOTIFY_PID:-}" ]; then
		rc_stop "$NOTIFY_PID" || true
	fi
	rm -f "$sock"
	: >"$NOTIFY_LOG"
	rc_bg "${NOTIFY_RECV[@]}" "$sock" "$NOTIFY_LOG"
	NOTIFY_PID=$RC_BG_PID
	for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.05; done
	[ -S "$sock" ] || rc_fail "notify_recv.py did not make $sock"
	rc_bg env NOTIFY_SOCKET="$sock" "$@" "$RINGCAPD" -c "$conf" 2>"$log"
	DAEMON_PID=$RC_BG_PID
	rc_wait_log "$NOTIFY_LOG" "READY=1" 10
}

# rc_restart_gap CAP GEN NS PREFIX "EXTRA": ringcapd captures on CAP
# (a capture "g" with the YAML lines EXTRA, e.g. its backend) while 30,000
# frames at 10,000/s come from GEN in namespace NS, and four reloads
# restart it.  Every frame missing from the files must be counted: in the
# gap (restart_unseen, and said in the log) or in a run's tally of frames
# dropped or lost at its stop; not one under, at most 10 over (other frames
# on the link, and a frame between two readings is counted as missed).
# Files and logs go to PREFIX*.
rc_restart_gap() {
	local cap=$1 gen=$2 ns=$3 p=$4 extra=$5 sock=$4.run/ringcap.sock pid len
	local unseen written out said tally runs dropped lost missing counted fds now
	gconf() {
		cat >"$p.yaml" <<YAML
daemon: { user: "", runtime_directory: $p.run }
captures:
  - name: g
    interface: $cap
    snaplen: $1
$extra
    outputs: [ { pcap: { path: $p.pcap } } ]
YAML
	}
	gconf 1000
	rc_start_daemon "$p.yaml" "$p.log"
	fds=$(ls /proc/"$DAEMON_PID"/fd | wc -l)
	ip netns exec "$ns" "$RCGEN" -i "$gen" -n 30000 -s 100 -r 10000 --start-seq 500000 >/dev/null &
	pid=$!
	for len in 2000 1000 2000 1000; do
		sleep 0.5
		gconf $len
		"$RINGCAP" reload -S "$sock" >/dev/null || rc_fail "restarts: reload to snaplen $len"
	done
	wait $pid || rc_fail "restarts: rcgen failed"
	sleep 0.3
	unseen=$(rc_stat "$sock" g restart_unseen) || rc_fail "restarts: no stats"
	# the counting sockets are closed, the old runs' descriptors too
	now=$(ls /proc/"$DAEMON_PID"/fd | wc -l)
	[ "$now" = "$fds" ] || { ls -l /proc/"$DAEMON_PID"/fd; rc_fail "restarts: ringcapd had $fds descriptors after its start, $now after the restarts"; }
	kill -TERM "$DAEMON_PID"
	wait "$DAEMON_PID" || rc_fail "restarts: ringcapd's exit status $?"
	# rcgen's frames (a bridge may pass up one of its own)
	out=$("${PCAPCHECK[@]}" seq --ignore-nonrcgen $(ls "$p"*.pcap | sort)) ||
		rc_fail "restarts: frames repeat or go backwards across the files"
	written=$(sed -n 's/.*frames=\([0-9]*\) .*/\1/p' <<<"$out")
	[ -n "$written" ] || rc_fail "restarts: pcapcheck said '$out'"
	said=$(grep -c "frames went through $cap in the .* ms between the old run's stop and the new run's start" "$p.log" || true)
	# each run's tally when it stopped: frames its socket took but the
	# kernel dropped (ring full), or that were still in its ring when the
	# drain at stop ran out of time, are counted there as lost, not in the gap
	tally=$(sed -n 's/.*capture g: stopped ([^)]*): [0-9]* frames received, \([0-9]*\) dropped by the kernel, [0-9]* frames written.*, \([0-9]*\) lost.*/\1 \2/p' "$p.log" |
		awk '{d += $1; l += $2; n++} END {printf "%d %d %d", n, d, l}')
	read -r runs dropped lost <<<"$tally"
	echo "restarts${extra:+ ($(echo $extra))}: 30000 sent, $written written ($out), $unseen counted as gone by unseen, said in $said log lines; $runs runs dropped $dropped and lost $lost"
	[ "$runs" = 5 ] || { cat "$p.log"; rc_fail "restarts: $runs tallies of stopped runs in the log, not 5"; }
	missing=$((30000 - written))
	counted=$((unseen + dropped + lost))
	# Not one frame under: the counting socket sees each frame in the
	# same pass as the runs' sockets, and each reading errs on the side
	# of "not taken" (make stress saw 1710 for 1730 missing when the
	# link's counters were read instead: frames counted on the link as
	# they were sent, still on their way to a socket when the stop came)
	if [ "$counted" -lt "$missing" ] || [ "$counted" -gt $((missing + 10)) ]; then
		grep "capture g:" "$p.log"
		[ "$counted" -ge "$missing" ] || rc_fail "restarts: $missing frames missing from the files, only $counted counted"
		rc_fail "restarts: $counted counted for $missing missing: not a measure of the gap"
	fi
	[ "$missing" = 0 ] || [ "$said" -ge 1 ] || rc_fail "restarts: $missing frames missing and no log line says so"
}

# ringcap stats --json, one number: rc_stat SOCKET CAPTURE FIELD
rc_stat() {
	"$RINGCAP" stats --json -S "$1" | /usr/bin/python3 -c '
import json, sys
d = json.load(sys.stdin)
print([c for c in d["captures"] if c["name"] == sys.argv[1]][0][sys.argv[2]])' "$2" "$3"
}

# Capacity is not correctness.  A test that needs a capture without kernel
# drops cannot know how fast the machine running it is (a sanitized build
# on a busy 2-CPU VM may be several times slower than here).  So:
#
#   rc_accounted LOG TOTAL FILE...
#       every one of TOTAL sent frames is accounted for: "received by
#       filter" = TOTAL, captured + dropped by kernel = TOTAL, and FILE...
#       hold exactly the captured frames, no repeats, in order.  Sets
#       RC_DROPS to the kernel drops.  Fails the test otherwise.
#   rc_counted LOG TOTAL
#       the same without the files (for captures that remove files):
#       sets RC_DROPS and RC_CAPTURED.
#   rc_until_lossless RATE ATTEMPT
#       runs "ATTEMPT RATE"; ATTEMPT must check its capture with
#       rc_accounted (or set RC_DROPS itself).  While RC_DROPS > 0 the
#       rate is halved and ATTEMPT run again, at most 4 times in all; the
#       drops of the earlier attempts were counted, never silent.  Sets
#       RC_RATE to the rate of the lossless attempt.  An ATTEMPT whose
#       reference capture (tcpdump) lost frames sets RC_DROPS > 0 and says
#       so in RC_WHY.
rc_counted() {
	local log=$1 total=$2 cap recv drop
	cap=$(rc_summary "$log" captured)
	recv=$(rc_summary "$log" "received by filter")
	drop=$(rc_summary "$log" "dropped by kernel")
	[ "$recv" = "$total" ] || rc_fail "$log: $recv received by filter, $total sent"
	[ $((cap + drop)) = "$total" ] ||
		rc_fail "$log: $cap captured + $drop dropped != $total sent: frames lost without a count"
	RC_DROPS=$drop RC_CAPTURED=$cap
}

rc_accounted() {
	local log=$1 total=$2 out frames
	shift 2
	rc_counted "$log" "$total"
	out=$("${PCAPCHECK[@]}" seq "$@") || rc_fail "$*: frames repeated or reordered"
	frames=$(echo "$out" | sed -n 's/^frames=\([0-9]*\) .*/\1/p')
	[ "$frames" = "$RC_CAPTURED" ] || rc_fail "$*: $frames frames in the file(s), $RC_CAPTURED captured"
}

rc_until_lossless() {
	local rate=$1 fn=$2 i
	for i in 1 2 3 4; do
		RC_DROPS=0 RC_WHY=
		"$fn" "$rate"
		if [ "$RC_DROPS" = 0 ]; then
			RC_RATE=$rate
			return 0
		fi
		echo "attempt $i at $rate frames/s: ${RC_WHY:-$RC_DROPS kernel drops, each counted}; this machine is slower, trying again at half the rate"
		rate=$((rate / 2))
	done
	rc_fail "kernel drops in every attempt, down to $((rate * 2)) frames/s"
}

# The daemon keeps no exit summary; its counters are read from the control
# socket while it runs.
#   rc_daemon_counters SOCKET CAPTURE [COUNTER ...]
#       prints the capture's COUNTERs (names as in "ringcap stats --json"),
#       space-separated, by default "received kernel_drops frames
#       filter_drops frames_lost"; fails the test if the daemon does not
#       answer or has no such capture or counter
#   rc_daemon_settle SOCKET CAPTURE SENT [OUTPUTS]
#       waits (10 s at most) until the capture's sockets received SENT
#       frames and each of its OUTPUTS (default 1) wrote or counted every
#       one the kernel took in; a reading in between can find frames still
#       on their way from the ring to the disk, in no counter yet.  Sets
#       RC_RECV, RC_DROPS, RC_FRAMES, RC_FILTERED and RC_LOST from the last
#       reading; returns 1 if they never added up.
#   rc_daemon_accounted SOCKET CAPTURE SENT [OUTPUTS]
#       the daemon's version of rc_accounted, for a capture whose SENT
#       frames have all been sent: waits (10 s at most) until every frame
#       the kernel took in is written or counted by each of the capture's
#       OUTPUTS (default 1):
#         frames + filter_drops + frames_lost = OUTPUTS x (received - kernel_drops)
#       then fails unless received = SENT (every frame sent reached the
#       capture's sockets, and only once) and frames_lost = 0.  Sets
#       RC_DROPS (kernel drops), RC_FRAMES (frames written, all outputs
#       together) and RC_FILTERED (rejected by outputs' own filters).  The
#       files are checked against RC_FRAMES once the daemon has closed them.
rc_daemon_counters() {
	local out sock=$1 cap=$2
	shift 2
	[ $# -gt 0 ] || set -- received kernel_drops frames filter_drops frames_lost
	out=$("$RINGCAP" stats --json -S "$sock") || rc_fail "ringcap stats -S $sock failed"
	echo "$out" | /usr/bin/python3 -c '
import json, sys
d = json.load(sys.stdin)
c = [c for c in d["captures"] if c["name"] == sys.argv[1]]
if not c:
    sys.exit("no capture %r in the stats" % sys.argv[1])
missing = [k for k in sys.argv[2:] if k not in c[0]]
if missing:
    sys.exit("capture %r has no counter %s" % (sys.argv[1], ", ".join(missing)))
print(" ".join(str(c[0][k]) for k in sys.argv[2:]))' "$cap" "$@" ||
		rc_fail "ringcap stats: no counters $* for capture $cap"
}

rc_daemon_settle() {
	local sock=$1 cap=$2 sent=$3 nout=${4:-1} i c recv drop frames filt lost
	for ((i = 0; i < 100; i++)); do
		c=$(rc_daemon_counters "$sock" "$cap")
		read -r recv drop frames filt lost <<<"$c"
		RC_RECV=$recv RC_DROPS=$drop RC_FRAMES=$frames RC_FILTERED=$filt RC_LOST=$lost
		[ "$recv" -ge "$sent" ] &&
			[ $((frames + filt + lost)) = $((nout * (recv - drop))) ] && return 0
		sleep 0.1
	done
	return 1
}

rc_daemon_accounted() {
	local sock=$1 cap=$2 sent=$3 nout=${4:-1} settled=0
	rc_daemon_settle "$@" || settled=1
	echo "capture $cap: $sent expected, $RC_RECV received, $RC_DROPS dropped by kernel, $RC_FRAMES written, $RC_FILTERED rejected by output filters, $RC_LOST lost"
	[ "$RC_RECV" = "$sent" ] ||
		rc_fail "capture $cap: its sockets received $RC_RECV frames, $sent expected (each frame sent, once)"
	[ $settled = 0 ] ||
		rc_fail "capture $cap: $RC_FRAMES written + $RC_FILTERED rejected + $RC_LOST lost != $nout x ($RC_RECV received - $RC_DROPS dropped): frames unaccounted for"
	[ "$RC_LOST" = 0 ] || rc_fail "capture $cap: $RC_LOST frames lost on the way to the files"
}

# rc_fanout_ids PID: the PACKET_FANOUT group id of each packet socket of
# process PID, one a line ("none" for a socket in no group), read with
# ss (sock_diag) from the current network namespace.
rc_fanout_ids() {
	local out
	out=$(ss -0 -a -e -p) || rc_fail "ss -0 failed"
	echo "$out" | awk -v pid="$1" '
		/^[^ \t]/ { if (mine) print id; mine = index($0, "pid=" pid ",") > 0; id = "none"; next }
		/fanout\(id:/ { s = $0; sub(/.*fanout\(id:/, "", s); sub(/[^0-9].*/, "", s); id = s }
		END { if (mine) print id }'
}

# rc_need_afxdp: skip unless ringcap has the AF_XDP backend; unmount on exit
# a bpffs that a ringcap of the test mounted for libxdp (one killed with -9
# cannot), unless something is pinned in it.
# The probe below is meant to fail (lo is no Ethernet port): its message
# says whether AF_XDP was built in.
rc_need_afxdp() {
	local bpffs=/sys/fs/bpf had=0 out
	out=$("$RINGCAP" capture --help 2>&1) || rc_fail "ringcap capture --help failed: $out"
	[[ $out == *--backend* ]] || rc_skip "ringcap has no --backend"
	out=$(timeout 10 "$RINGCAP" capture --backend afxdp --dedicated-port -i lo -w /dev/null 2>&1) &&
		rc_fail "ringcap captured on lo with AF_XDP, expected a refusal: $out"
	if [[ $out == *"without AF_XDP"* ]]; then
		rc_skip "ringcap was built without AF_XDP (make deps: libbpf-dev libxdp-dev bpftool)"
	fi
	mountpoint -q "$bpffs" 2>/dev/null && had=1
	rc_defer "[ $had = 1 ] || ! mountpoint -q $bpffs ||
		[ -n \"\$(ls -A $bpffs/xdp 2>/dev/null)\" ] || umount $bpffs"
}

# rc_signals_taken PID NAME: PID runs NAME (not yet the shell that forked
# it, which blocks signals of its own around the fork) and has SIGINT and
# SIGTERM blocked (bits 1 and 14 of SigBlk): from then on they are read from
# its signalfd, never fatal.  Reads /proc without a fork, so a loop sees it
# within a fraction of a millisecond.
rc_signals_taken() {
	local k v name=
	while read -r k v; do
		[ "$k" = Name: ] && name=$v
		[ "$k" = SigBlk: ] && [ "$name" = "$2" ] && (( (16#$v & 0x4002) == 0x4002 )) &&
			return 0
	done <"/proc/$1/status" 2>/dev/null
	return 1
}

# rc_xdp_attached DEV: whether an XDP program is attached to DEV; fails the
# test when ip cannot tell.
rc_xdp_attached() {
	local out
	out=$(ip link show dev "$1") || rc_fail "ip link show dev $1 failed"
	[[ $out == *prog/xdp* ]]
}
