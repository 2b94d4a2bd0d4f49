#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# -r FILE: ringcap as a splitter of existing captures.  pcap and pcapng
# in, from a file or standard input; the filter applied; the matching
# frames written whole and in order, rotated by size, or by time as the
# frames' own timestamps say; a cut file ends with a message and status 1
# and keeps what came before the cut; a file that is no capture is bad
# input (status 2).  The rate is printed, not required.
source "$(dirname "$0")/../lib/ringcap.sh"
rc_need_root
rc_need tshark capinfos editcap
rc_pair
rc_tmpdir
PY=/usr/bin/python3

# an input: 20,000 frames over about 4 s, alternately to ports 5000 and 5001
N=20000
rc_start_capture "$RC_TMP/in.log" -i "$RC_CAP" -w "$RC_TMP/in.pcapng" -q
rc_in_ns "$RCGEN" -i "$RC_GEN" -n $N -s 60-1514 -r 5000 --ports 5000,5001 >/dev/null
rc_stop_int "$RINGCAP_PID" || rc_fail "input capture: exit status $?"
rc_accounted "$RC_TMP/in.log" $N "$RC_TMP/in.pcapng"
[ "$RC_DROPS" = 0 ] || rc_skip "the input capture lost $RC_DROPS frames at 5,000 frames/s"
editcap -F nsecpcap "$RC_TMP/in.pcapng" "$RC_TMP/in.pcap" || rc_fail "editcap"
# what tshark keeps of it with the same filter: the reference
tshark -r "$RC_TMP/in.pcap" -w "$RC_TMP/ref.pcap" -F pcap "udp dst port 5001" 2>/dev/null ||
	tshark -r "$RC_TMP/in.pcap" -w "$RC_TMP/ref.pcap" -F pcap -Y "udp.dstport == 5001" ||
	rc_fail "tshark cannot make the reference"
M=$("${PCAPCHECK[@]}" count "$RC_TMP/ref.pcap")
[ "$M" = $((N / 2)) ] || rc_fail "the reference holds $M frames, not $((N / 2))"

# --- pcapng in, filtered, rotated by size -----------------------------------------
mkdir "$RC_TMP/size"
t0=$(date +%s%N)
"$RINGCAP" -r "$RC_TMP/in.pcapng" -w "$RC_TMP/size/out.pcap" -C 2 udp dst port 5001 \
	2>"$RC_TMP/size.log" || rc_fail "-r pcapng: exit status $? ($(cat "$RC_TMP/size.log"))"
t1=$(date +%s%N)
cat "$RC_TMP/size.log"
grep -q "reading from file $RC_TMP/in.pcapng, link-type EN10MB" "$RC_TMP/size.log" ||
	rc_fail "-r: no 'reading from file' line"
grep -q "^$N packets read from $RC_TMP/in.pcapng$" "$RC_TMP/size.log" || rc_fail "-r: read count"
grep -q "^$((N - M)) packets rejected by the filter$" "$RC_TMP/size.log" || rc_fail "-r: rejected"
grep -q "^$M packets written$" "$RC_TMP/size.log" || rc_fail "-r: written"
files=("$RC_TMP"/size/out_*.pcap)
[ ${#files[@]} -ge 3 ] || rc_fail "-r -C 2: ${#files[@]} files for ~7.7 MB"
for f in "${files[@]}"; do
	[ "$(stat -c %s "$f")" -le 2000000 ] || rc_fail "-r -C 2: $f over 2 MB"
	capinfos "$f" >/dev/null || rc_fail "capinfos rejects $f"
done
"${PCAPCHECK[@]}" merge "$RC_TMP/size.pcap" "${files[@]}" >/dev/null || rc_fail "-r: order"
"${PCAPCHECK[@]}" same "$RC_TMP/ref.pcap" "$RC_TMP/size.pcap" ||
	rc_fail "-r: the frames written are not tshark's with the same filter"
echo "rate: $M of $N frames in $(( (t1 - t0) / 1000000 )) ms, $(( N * 1000 / ((t1 - t0) / 1000000 + 1) )) frames/s read"

# --- timestamps kept, nanosecond for nanosecond -------------------------------------
"$RINGCAP" -r "$RC_TMP/in.pcap" -w "$RC_TMP/all.pcapng" 2>"$RC_TMP/all.log" ||
	rc_fail "-r pcap: exit status $?"
"${PCAPCHECK[@]}" tsdiff "$RC_TMP/all.pcapng" "$RC_TMP/in.pcapng" --max-ns 0 >/dev/null ||
	rc_fail "-r: timestamps changed"
# a pcap file's seconds are unsigned 32 bits: times from 2038 to 2106 stay
# what they are in pcapng (64-bit) and pcap out (read by tshark as such)
$PY - "$RC_TMP/y2038.pcap" <<'PYEOF'
import struct, sys
f = open(sys.argv[1], "wb")
f.write(struct.pack("<IHHiIII", 0xa1b23c4d, 2, 4, 0, 0, 65535, 1))
for sec in (2147483647, 2147483648, 3000000000, 4294967295):
    d = bytes(12) + b"\x08\x00" + bytes(46)
    f.write(struct.pack("<IIII", sec, 123456789, len(d), len(d)) + d)
PYEOF
for fmt in pcapng pcap; do
	"$RINGCAP" -r "$RC_TMP/y2038.pcap" -w "$RC_TMP/y2038.$fmt.out" --format "$fmt" 2>"$RC_TMP/y2038.log" ||
		rc_fail "-r y2038.pcap --format $fmt: exit status $? ($(cat "$RC_TMP/y2038.log"))"
	want=$(tshark -r "$RC_TMP/y2038.pcap" -T fields -e frame.time_epoch) || rc_fail "tshark y2038.pcap"
	got=$(tshark -r "$RC_TMP/y2038.$fmt.out" -T fields -e frame.time_epoch) ||
		rc_fail "tshark y2038.$fmt.out"
	echo "$got" | tr '\n' ' '; echo "($fmt)"
	[ "$(echo "$want" | wc -l)" = 4 ] || rc_fail "tshark reads $(echo "$want" | wc -l) frames from y2038.pcap"
	[ "$got" = "$want" ] || rc_fail "-r --format $fmt: times after 2038 changed: $(echo "$got" | tr '\n' ' ')"
done

# --- standard input; rotation by the frames' own time ---------------------------------
mkdir "$RC_TMP/time"
"$RINGCAP" -r - -w "$RC_TMP/time/t-%H%M%S.pcapng" -G 1 <"$RC_TMP/in.pcap" 2>"$RC_TMP/time.log" ||
	rc_fail "-r - -G 1: exit status $? ($(cat "$RC_TMP/time.log"))"
cat "$RC_TMP/time.log"
span=$("${PCAPCHECK[@]}" monotonic "$RC_TMP/in.pcap" |
	sed -n 's/.*first=\([0-9]*\)\.[0-9]* last=\([0-9]*\)\.[0-9]*/\1 \2/p')
secs=$(( ${span#* } - ${span% *} ))
n=$(ls "$RC_TMP/time" | wc -l)
# one file per second of capture time, whatever the reading took
[ "$n" -ge "$secs" ] && [ "$n" -le $((secs + 2)) ] ||
	rc_fail "-r -G 1: $n files for frames spanning about $secs s"
"${PCAPCHECK[@]}" seq "$RC_TMP"/time/* --expect $N || rc_fail "-r -G 1: frames"
$PY - "$RC_TMP"/time/* <<'EOF' || rc_fail "-r -G 1: a file spans 1 s of frame time or more"
import subprocess, sys
from decimal import Decimal
for f in sys.argv[1:]:
    # tshark's epoch times keep the nanoseconds (capinfos rounds to microseconds)
    out = subprocess.run(["tshark", "-r", f, "-T", "fields", "-e", "frame.time_epoch"],
                         capture_output=True, text=True, check=True).stdout.split()
    t = [Decimal(x) for x in out]
    assert t and max(t) - min(t) < 1, (f, min(t), max(t))
EOF

# --- a cut file -----------------------------------------------------------------------
size=$(stat -c %s "$RC_TMP/in.pcap")
head -c $((size / 2 + 7)) "$RC_TMP/in.pcap" >"$RC_TMP/cut.pcap"
rc=0
"$RINGCAP" -r "$RC_TMP/cut.pcap" -w "$RC_TMP/cut-out.pcap" 2>"$RC_TMP/cut.log" || rc=$?
cat "$RC_TMP/cut.log"
[ "$rc" = 1 ] || rc_fail "a cut file: exit status $rc, not 1"
grep -q "reading $RC_TMP/cut.pcap: .*truncated" "$RC_TMP/cut.log" || rc_fail "a cut file: message"
w=$("${PCAPCHECK[@]}" count "$RC_TMP/cut-out.pcap")
k=$("${PCAPCHECK[@]}" count --torn-tail "$RC_TMP/cut.pcap" 2>/dev/null)
[ "$w" = "$k" ] || rc_fail "a cut file: $w frames written, $k whole ones before the cut"

# --- not a capture ----------------------------------------------------------------------
head -c 4096 /dev/urandom >"$RC_TMP/junk"
rc=0
"$RINGCAP" -r "$RC_TMP/junk" -w "$RC_TMP/junk.pcap" 2>"$RC_TMP/junk.log" || rc=$?
[ "$rc" = 2 ] && grep -q "$RC_TMP/junk" "$RC_TMP/junk.log" ||
	rc_fail "not a capture: exit $rc, $(cat "$RC_TMP/junk.log")"
rc_pass "-r: filtered, split by size and by the frames' time, from stdin, cut files"
