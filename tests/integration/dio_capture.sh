#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Real captures written with direct I/O (O_DIRECT + io_uring) into an ext4
# on a loop device made here, next to a capture of the same traffic written
# through the page cache (--io buffered, into tmpfs) at the same time:
#   - pcap and pcapng: the files hold the same bytes (pcapng: the same
#     blocks but for each file's statistics, which carry its own times);
#   - rotation (-C): every file the same as its buffered twin;
#   - SIGTERM while traffic flows: the file ends at a whole record and
#     holds exactly what the summary says, in order;
#   - the disk fills mid-capture: the file is cut back to its last whole
#     record, capinfos and tshark read it, and written + lost = received -
#     dropped exactly (pcap and pcapng);
#   - the page cache: what fincore finds of a capture file of several
#     hundred MB afterwards (only the tail, less than a block, goes through
#     it), next to the same traffic written buffered into the same ext4;
#   - --io direct on tmpfs: refused with the reason, no file left;
#   - the daemon on a full disk: retries back off, and "writing again" is
#     said only of a file that frames reached, not when they are copied.
# The loop devices do direct I/O on their backing files (--direct-io=on),
# so the page cache they would otherwise fill does not hide ringcap's.
# Needs root; skips when ringcap was built without liburing.
source "$(dirname "$0")/../lib/ringcap.sh"
rc_need_root
rc_need losetup mkfs.ext4 mount umount capinfos tshark editcap fincore cmp
rc_pair
rc_tmpdir

rc_loop_ext4 big 1G
BIG=$RC_MNT/d
mkdir "$BIG"
rc_loop_ext4 small 48M
SMALL=$RC_MNT/d
mkdir "$SMALL"
BUF=$RC_TMP/buf
mkdir "$BUF"

# Two packet sockets stamp a frame each with their own clock reading,
# unless the kernel stamps it once on arrival, which it does while any
# socket asks for receive timestamps: one does, for the whole test, so
# that two captures of the same traffic can be compared byte for byte.
rc_bg /usr/bin/python3 -c '
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, getattr(socket, "SO_TIMESTAMP", 29), 1)
time.sleep(3600)'
sleep 0.3
kill -0 "$RC_BG_PID" 2>/dev/null || rc_fail "cannot ask for receive timestamps"

# does this build write directly at all?
out=$("$RINGCAP" -i "$RC_CAP" -w "$BIG/probe.pcap" -c 1 --duration 1 2>&1) || true
rm -f "$BIG"/probe*.pcap
[[ $out != *"built without liburing"* ]] || rc_skip "ringcap was built without liburing"
[[ $out == *"probe.pcap: direct I/O (O_DIRECT"* ]] ||
	rc_fail "a capture into ext4 does not say it writes with direct I/O: $out"

# both NAME DIRECT-FILE BUFFERED-FILE ARGS...: two captures of the same
# traffic, --io auto (direct, into ext4) and --io buffered; sets DPID, BPID;
# logs NAME-d.log, NAME-b.log in $RC_TMP
both() {
	local name=$1 fd=$2 fb=$3
	shift 3
	rc_start_capture "$RC_TMP/$name-d.log" -i "$RC_CAP" -q -w "$fd" "$@"
	DPID=$RINGCAP_PID
	rc_start_capture "$RC_TMP/$name-b.log" -i "$RC_CAP" -q -w "$fb" --io buffered "$@"
	BPID=$RINGCAP_PID
}

# stop_both NAME: SIGINT to both, each exits 0 and said how it wrote
stop_both() {
	rc_stop_int "$DPID" || rc_fail "$1: the direct capture exited with $?: $(cat "$RC_TMP/$1-d.log")"
	rc_stop_int "$BPID" || rc_fail "$1: the buffered capture exited with $?: $(cat "$RC_TMP/$1-b.log")"
	grep -q ": direct I/O (O_DIRECT" "$RC_TMP/$1-d.log" ||
		rc_fail "$1: the capture into ext4 did not write directly: $(cat "$RC_TMP/$1-d.log")"
	grep -q ": written through the page cache" "$RC_TMP/$1-b.log" ||
		rc_fail "$1: the buffered capture does not say how it wrote: $(cat "$RC_TMP/$1-b.log")"
	[ "$(grep -c "direct I/O\|through the page cache" "$RC_TMP/$1-d.log")" = 1 ] ||
		rc_fail "$1: how it writes is said more than once: $(cat "$RC_TMP/$1-d.log")"
}

# accounted NAME TOTAL FILES-D FILES-B: every frame counted in both
# captures (rc_accounted); sets RC_DROPS to the drops of both together
accounted() {
	local name=$1 total=$2 fd=$3 fb=$4 drops
	rc_accounted "$RC_TMP/$name-d.log" "$total" $fd
	drops=$RC_DROPS
	rc_accounted "$RC_TMP/$name-b.log" "$total" $fb
	RC_DROPS=$((RC_DROPS + drops))
}

# same_bytes A B: pcap files equal byte for byte; pcapng: equal once each
# is rewritten as pcap (editcap keeps every packet and its timestamp)
same_bytes() {
	if [[ $1 == *.pcapng ]]; then
		editcap -F nsecpcap "$1" "$RC_TMP/a.pcap" && editcap -F nsecpcap "$2" "$RC_TMP/b.pcap" ||
			rc_fail "editcap cannot read $1 or $2"
		cmp "$RC_TMP/a.pcap" "$RC_TMP/b.pcap" || rc_fail "$1 and $2 hold different packets"
		rm -f "$RC_TMP/a.pcap" "$RC_TMP/b.pcap"
	else
		cmp "$1" "$2" || rc_fail "$1 and $2 differ"
	fi
}

# tshark_reads FILE WHAT: tshark reads every packet of FILE and complains
# of nothing (it warns about running as root, which is no complaint)
tshark_reads() {
	local err=$RC_TMP/tshark.err
	tshark -r "$1" >/dev/null 2>"$err" || rc_fail "$2: tshark cannot read $1: $(cat "$err")"
	grep -v '^Running as user "root"' "$err" >"$err.2" || true
	[ ! -s "$err.2" ] || rc_fail "$2: tshark says $(cat "$err.2")"
}

# --- pcap and pcapng: the same bytes --------------------------------------------
N=150000
FMT=pcap
same_attempt() {
	rm -f "$BIG"/* "$BUF"/*
	both "same-$FMT" "$BIG/cap.$FMT" "$BUF/cap.$FMT"
	rc_in_ns "$RCGEN" -i "$RC_GEN" -n $N -s 60-1514 --seed 3 -r "$1"
	stop_both "same-$FMT"
	accounted "same-$FMT" $N "$BIG/cap.$FMT" "$BUF/cap.$FMT"
	[ "$RC_DROPS" = 0 ] || return 0
	capinfos "$BIG/cap.$FMT" >/dev/null || rc_fail "capinfos rejects $BIG/cap.$FMT"
	same_bytes "$BIG/cap.$FMT" "$BUF/cap.$FMT"
	echo "$FMT: $N frames, $(stat -c %s "$BIG/cap.$FMT") bytes, the same through direct I/O and the page cache"
}
for FMT in pcap pcapng; do
	rc_until_lossless 100000 same_attempt
done

# --- rotation: each file the same as its twin ------------------------------------
rot_attempt() {
	local f n=0
	rm -f "$BIG"/* "$BUF"/*
	both rot "$BIG/r.pcap" "$BUF/r.pcap" -C 7
	rc_in_ns "$RCGEN" -i "$RC_GEN" -n $N -s 60-1514 --seed 5 -r "$1"
	stop_both rot
	accounted rot $N "$(echo "$BIG"/r_*.pcap)" "$(echo "$BUF"/r_*.pcap)"
	[ "$RC_DROPS" = 0 ] || return 0
	for f in "$BIG"/r_*.pcap; do
		[ "$(stat -c %s "$f")" -le 7000000 ] || rc_fail "$f is over -C 7"
		capinfos "$f" >/dev/null || rc_fail "capinfos rejects $f"
		same_bytes "$f" "$BUF/$(basename "$f")"
		n=$((n + 1))
	done
	[ "$n" -ge 10 ] || rc_fail "rotation: only $n files"
	[ "$n" = "$(ls "$BUF" | wc -l)" ] || rc_fail "rotation: $n files direct, $(ls "$BUF" | wc -l) buffered"
	echo "rotation: $n files, each the same as its buffered twin"
}
rc_until_lossless 100000 rot_attempt

# --- SIGTERM while the traffic flows -----------------------------------------------
for FMT in pcap pcapng; do
	rm -f "$BIG"/*
	rc_start_capture "$RC_TMP/term.log" -i "$RC_CAP" -w "$BIG/term.$FMT"
	rc_bg ip netns exec "$RC_NS" "$RCGEN" -i "$RC_GEN" -n 2000000 -s 60-1514 -r 50000
	GEN=$RC_BG_PID
	sleep 1.5
	kill -TERM "$RINGCAP_PID"
	rc=0
	wait "$RINGCAP_PID" || rc=$?
	rc_stop "$GEN" || true
	cat "$RC_TMP/term.log"
	[ $rc = 0 ] || rc_fail "SIGTERM: exit status $rc"
	f=$BIG/term.$FMT
	capinfos "$f" >/dev/null || rc_fail "SIGTERM: capinfos rejects $f"
	tshark_reads "$f" SIGTERM
	if [ $FMT = pcapng ]; then
		editcap -F nsecpcap "$f" "$RC_TMP/term.pcap" || rc_fail "editcap cannot read $f"
		f=$RC_TMP/term.pcap
	fi
	out=$("${PCAPCHECK[@]}" seq "$f") || rc_fail "SIGTERM: frames repeated or reordered"
	frames=$(sed -n 's/^frames=\([0-9]*\) .*/\1/p' <<<"$out")
	[ "$frames" = "$(rc_summary "$RC_TMP/term.log" captured)" ] ||
		rc_fail "SIGTERM: $frames frames in the file, the summary says $(rc_summary "$RC_TMP/term.log" captured)"
	[ "$frames" -gt 0 ] || rc_fail "SIGTERM: nothing captured"
	echo "SIGTERM, $FMT: $frames frames, whole"
	rm -f "$RC_TMP/term.pcap"
done

# --- the disk fills ------------------------------------------------------------------
for FMT in pcap pcapng; do
	rm -f "$SMALL"/*
	"$RINGCAP" -i "$RC_CAP" -w "$SMALL/full.$FMT" -q 2>"$RC_TMP/full.log" &
	RC_PID=$!
	rc_wait_log "$RC_TMP/full.log" "listening on"
	rc_in_ns "$RCGEN" -i "$RC_GEN" -n 80000 -s 1000 -r 50000
	rc=0
	wait "$RC_PID" || rc=$?
	cat "$RC_TMP/full.log"
	[ $rc = 1 ] || rc_fail "disk full, $FMT: exit status $rc, expected 1"
	grep -q ": direct I/O (O_DIRECT" "$RC_TMP/full.log" || rc_fail "disk full, $FMT: not direct I/O"
	grep -q "No space left on device" "$RC_TMP/full.log" || rc_fail "disk full, $FMT: no message"
	f=$SMALL/full.$FMT
	capinfos "$f" >/dev/null || rc_fail "disk full, $FMT: capinfos rejects the file"
	tshark_reads "$f" "disk full, $FMT"
	if [ $FMT = pcapng ]; then
		editcap -F nsecpcap "$f" "$RC_TMP/full.pcap" || rc_fail "editcap cannot read $f"
		f=$RC_TMP/full.pcap
	fi
	"${PCAPCHECK[@]}" seq "$f" >/dev/null || rc_fail "disk full, $FMT: frames repeated or reordered"
	inFile=$("${PCAPCHECK[@]}" count "$f")
	[ "$inFile" = "$(rc_summary "$RC_TMP/full.log" captured)" ] ||
		rc_fail "disk full, $FMT: the file has $inFile frames, the summary says $(rc_summary "$RC_TMP/full.log" captured)"
	lost=$(sed -n 's/^\([0-9]*\) packets were not written because of an output error$/\1/p' "$RC_TMP/full.log")
	[ -n "$lost" ] && [ "$lost" -gt 0 ] || rc_fail "disk full, $FMT: lost frames not counted"
	received=$(rc_summary "$RC_TMP/full.log" "received by filter")
	dropped=$(rc_summary "$RC_TMP/full.log" "dropped by kernel")
	[ $((inFile + lost)) = $((received - dropped)) ] ||
		rc_fail "disk full, $FMT: $inFile written + $lost lost != $received received - $dropped dropped"
	# the file system was nearly all the capture's: most of it is in the file
	[ "$(stat -c %s "$SMALL/full.$FMT")" -gt $((30 << 20)) ] ||
		rc_fail "disk full, $FMT: only $(stat -c %s "$SMALL/full.$FMT") bytes kept of 48 MB"
	echo "disk full, $FMT: $inFile written + $lost lost = $received received - $dropped dropped"
	rm -f "$RC_TMP/full.pcap"
done

# --- the page cache --------------------------------------------------------------------
# 250,000 frames of 1514 bytes, 380 MB; fincore: the file's pages in the cache
cached_run() { # IO: sets BYTES CACHED
	local f=$BIG/pc-$1.pcap
	rm -f "$BIG"/*
	sync
	rc_start_capture "$RC_TMP/pc-$1.log" -i "$RC_CAP" -q -w "$f" --io "$1"
	rc_in_ns "$RCGEN" -i "$RC_GEN" -n 250000 -s 1514 -r 100000
	rc_stop_int "$RINGCAP_PID" || rc_fail "page cache, $1: ringcap exited with $?"
	rc_counted "$RC_TMP/pc-$1.log" 250000
	BYTES=$(stat -c %s "$f") CACHED=$(fincore -b -n -o RES "$f" | tr -d ' ')
}
cached_run auto
dbytes=$BYTES dcached=$CACHED
cached_run buffered
bbytes=$BYTES bcached=$CACHED
echo "page cache after a capture of $dbytes bytes: $dcached bytes of it cached (direct I/O); buffered: $bcached of $bbytes"
[ "$dbytes" -gt $((300 << 20)) ] || rc_fail "page cache: the direct capture wrote only $dbytes bytes"
# the measure sees a cache where there is one
[ "$bcached" -gt $((bbytes / 2)) ] || rc_fail "page cache: fincore finds only $bcached bytes of a buffered file of $bbytes"
# only the tail went through the cache: less than a block (and the header's)
[ "$dcached" -le 8192 ] || rc_fail "page cache: $dcached bytes of the direct capture's file are cached"

# --- the daemon: io: direct and io: buffered, two outputs of one capture ------------
daemon_attempt() {
	rm -f "$BIG"/* "$BUF"/*
	cat >"$RC_TMP/ringcap.yaml" <<YAML
daemon:
  user: ""
  runtime_directory: $RC_TMP/run
captures:
  - name: d
    interface: $RC_CAP
    outputs:
      - pcap: { path: $BIG/d.pcap, io: direct, rotate: { size: 20MB } }
      - pcap: { path: $BUF/d.pcap, io: buffered, rotate: { size: 20MB } }
YAML
	out=$("$RINGCAPD" -n -c "$RC_TMP/ringcap.yaml") || rc_fail "ringcapd -n rejects io: $out"
	rc_start_daemon "$RC_TMP/ringcap.yaml" "$RC_TMP/daemon.log"
	rc_in_ns "$RCGEN" -i "$RC_GEN" -n $N -s 60-1514 --seed 9 -r "$1"
	rc_daemon_accounted "$RC_TMP/run/ringcap.sock" d $N 2
	kill -TERM "$DAEMON_PID"
	wait "$DAEMON_PID" || rc_fail "ringcapd exited with status $? on SIGTERM"
	cat "$RC_TMP/daemon.log"
	grep -q "capture d: $BIG/d_00001.pcap: direct I/O (O_DIRECT" "$RC_TMP/daemon.log" ||
		rc_fail "daemon: io: direct is not said"
	grep -q "capture d: $BUF/d_00001.pcap: written through the page cache (buffered" \
		"$RC_TMP/daemon.log" || rc_fail "daemon: io: buffered is not said"
	"${PCAPCHECK[@]}" seq "$BIG"/d_*.pcap --expect $((N - RC_DROPS)) >/dev/null ||
		rc_fail "daemon: the direct output's files miss, repeat or reorder frames"
	for f in "$BIG"/d_*.pcap; do
		same_bytes "$f" "$BUF/$(basename "$f")"
	done
	echo "daemon: $(ls "$BIG" | wc -l) files through io: direct, each the same as through io: buffered"
}
rc_until_lossless 100000 daemon_attempt

# --- --io direct on tmpfs -------------------------------------------------------------------
rm -f "$BUF"/*
rc=0
"$RINGCAP" -i "$RC_CAP" -w "$BUF/x.pcap" --io direct -c 10 2>"$RC_TMP/tmpfs.log" || rc=$?
cat "$RC_TMP/tmpfs.log"
[ $rc != 0 ] || rc_fail "--io direct on tmpfs: exit status 0"
grep -q "cannot write $BUF/x.pcap with direct I/O (--io direct): tmpfs" "$RC_TMP/tmpfs.log" ||
	rc_fail "--io direct on tmpfs: no clear message"
[ -z "$(ls "$BUF")" ] || rc_fail "--io direct on tmpfs: left $(ls "$BUF")"

# --- the daemon on a full disk: no recovery claimed before frames are on it ------------
# A direct write only copies into a buffer; the output must not say it
# writes again, nor give up its backoff, until frames reached the disk.
# The disk-full capture above leaves the file system nearly full, but how
# nearly depends on the machine: the cut-back to a whole record and ext4's
# preallocations give blocks back.  A CI machine once had enough, the
# output rightly wrote frames into them and said "writing again", and a
# check that no such line came failed.  So the disk is filled here, up to
# one free block: room for a new file's header (so an attempt can get as
# far as a direct write), none for its frames.  And what is checked is the
# promise itself: a file said to be written again holds frames.
fill_up() { # DIR: 4 KiB direct writes until not one more goes in
	local i
	for i in $(seq 1 20); do
		dd if=/dev/zero of="$1/full.fill$i" bs=4096 oflag=direct status=none 2>/dev/null || true
		if ! dd if=/dev/zero of="$1/full.probe" bs=4096 count=1 oflag=direct status=none 2>/dev/null; then
			rm -f "$1/full.probe"
			return 0
		fi
		rm -f "$1/full.probe"
	done
	rc_fail "cannot fill $1: a 4 KiB write still goes in after 20 tries"
}
dd if=/dev/zero of="$SMALL/full.one" bs=4096 count=1 oflag=direct status=none ||
	rc_fail "no block left for the daemon's header"
fill_up "$SMALL"
rm "$SMALL/full.one"
cat >"$RC_TMP/full.yaml" <<YAML
daemon: { user: "", runtime_directory: $RC_TMP/run }
captures:
  - name: f
    interface: $RC_CAP
    outputs: [ { pcap: { path: $SMALL/dd.pcap, io: direct } } ]
YAML
rc_start_daemon "$RC_TMP/full.yaml" "$RC_TMP/dfull.log"
rc_in_ns "$RCGEN" -i "$RC_GEN" -n 14000 -s 1514 -r 2000 >/dev/null
cp "$RC_TMP/dfull.log" "$RC_TMP/dfull7.log"
# Every failed attempt is counted (sink_errors); the log says the first of
# an outage, and one after each "writing again".  An attempt that fails at
# its header is not logged again: a first file that kept the free block
# (one whole 4 KiB block of a write went in) leaves the retries nothing,
# and in a stress run they failed silently, as they should.
tries=$(rc_daemon_counters "$RC_TMP/run/ringcap.sock" f sink_errors)
said=$(grep -c "No space left on device" "$RC_TMP/dfull7.log" || true)
again=$(grep -c "writing again" "$RC_TMP/dfull7.log" || true)
echo "daemon, disk full for 7 s: $tries failed attempts ($said logged), $again 'writing again'"
[ "$said" -ge 1 ] || { cat "$RC_TMP/dfull7.log"; rc_fail "daemon, disk full: no failure logged in 7 s"; }
[ "$said" -le "$tries" ] || { cat "$RC_TMP/dfull7.log"; rc_fail "daemon, disk full: $said failures logged, $tries counted"; }
[ "$tries" -ge 2 ] || { cat "$RC_TMP/dfull7.log"; rc_fail "daemon, disk full: $tries failed attempts in 7 s, no retry"; }
# each file said to be written again holds frames (read now: it cannot
# grow on a full disk, and a name that lost its file may come back later)
while IFS= read -r f; do
	n=$("${PCAPCHECK[@]}" count --torn-tail "$f" 2>/dev/null) || n=0
	[ "$n" -gt 0 ] || { cat "$RC_TMP/dfull7.log"; rc_fail "daemon, disk full: 'writing again, to $f' said, and it holds no frame"; }
	echo "daemon, disk full: 'writing again, to $f': $n frames in it"
done < <(sed -n 's/.*writing again, to \(.*\); [0-9]* frames were lost.*/\1/p' "$RC_TMP/dfull7.log")
# backoff: within an outage each wait is longer than the one before (1, 2,
# 4 s); a recovery starts it again at 1 s
awk '/writing again/ { prev = 0 }
     match($0, /trying again in [0-9]+ s/) {
	n = substr($0, RSTART + 16, RLENGTH - 18) + 0
	if (n <= prev) { print "no backoff: " $0; bad = 1 }
	prev = n
     }
     END { exit bad }' "$RC_TMP/dfull7.log" ||
	{ cat "$RC_TMP/dfull7.log"; rc_fail "daemon, disk full: retries do not back off"; }
# without a recovery: 1, 2, 4 s, at most 4 attempts in 7 s
[ "$again" != 0 ] || [ "$tries" -le 4 ] ||
	{ cat "$RC_TMP/dfull7.log"; rc_fail "daemon, disk full: $tries attempts in 7 s, no backoff"; }
rm -f "$SMALL"/full.*
rc_in_ns "$RCGEN" -i "$RC_GEN" -n 24000 -s 1514 -r 2000 --start-seq 14000 >/dev/null
rc_wait_log "$RC_TMP/dfull.log" "writing again, to $SMALL/dd" 10
settled=0
rc_daemon_settle "$RC_TMP/run/ringcap.sock" f 38000 || settled=1
recv=$RC_RECV drop=$RC_DROPS frames=$RC_FRAMES lost=$RC_LOST
echo "daemon, after space was freed: $recv received, $drop dropped, $frames written, $lost lost"
[ "$recv" = 38000 ] || rc_fail "daemon, disk full: $recv received of 38000"
[ $settled = 0 ] || rc_fail "daemon, disk full: frames unaccounted for"
[ "$frames" -gt 0 ] || rc_fail "daemon, disk full: nothing written after space was freed"
kill -TERM "$DAEMON_PID"
wait "$DAEMON_PID" || rc_fail "ringcapd exited with status $? on SIGTERM"
"${PCAPCHECK[@]}" seq "$SMALL"/dd*.pcap >/dev/null || rc_fail "daemon, disk full: files miss, repeat or reorder frames"

rc_pass "direct I/O captures: the same bytes as through the page cache, whole at rotation, SIGTERM and disk full, exact counts, ${dcached} bytes cached of $dbytes"
