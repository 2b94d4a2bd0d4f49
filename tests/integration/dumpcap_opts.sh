#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# dumpcap's ring buffer and autostop options, accepted as aliases:
# -b filesize:KB / duration:S / files:N rotate as -C, -G, -W do (1 kB =
# 1000 bytes, as dumpcap counts); -a packets:N / duration:S / filesize:KB /
# files:N end the capture by themselves, with status 0, files complete.
# And tcpdump's -F FILE: the filter read from a file, # to the end of a
# line a comment.
source "$(dirname "$0")/../lib/ringcap.sh"
rc_need_root
rc_pair
rc_tmpdir

# --- -b filesize -b files: a ring of 3 files of at most 100 kB ------------------------
mkdir "$RC_TMP/ring"
rc_start_capture "$RC_TMP/ring.log" -i "$RC_CAP" -w "$RC_TMP/ring/r.pcap" \
	-b filesize:100 -b files:3 -q
rc_in_ns "$RCGEN" -i "$RC_GEN" -n 2000 -s 500 -r 20000 >/dev/null
rc_stop_int "$RINGCAP_PID" || rc_fail "-b: exit status $?"
ls -l "$RC_TMP/ring"
[ "$(ls "$RC_TMP/ring" | wc -l)" = 3 ] || rc_fail "-b files:3: not 3 files"
for f in "$RC_TMP"/ring/*; do
	[ "$(stat -c %s "$f")" -le 100000 ] || rc_fail "-b filesize:100: $f over 100,000 bytes"
done
out=$("${PCAPCHECK[@]}" seq "$RC_TMP"/ring/*) || rc_fail "-b: frames repeated or out of order"
echo "$out" | grep -q "last=1999 " || rc_fail "-b: the newest frames ($out)"

# --- -b duration ---------------------------------------------------------------------
mkdir "$RC_TMP/dur"
rc_start_capture "$RC_TMP/dur.log" -i "$RC_CAP" -w "$RC_TMP/dur/d.pcap" -b duration:1 -q
rc_in_ns "$RCGEN" -i "$RC_GEN" -n 7000 -s 100 -r 2000 >/dev/null
rc_stop_int "$RINGCAP_PID" || rc_fail "-b duration: exit status $?"
n=$(ls "$RC_TMP/dur" | wc -l)
[ "$n" -ge 3 ] && [ "$n" -le 6 ] || rc_fail "-b duration:1: $n files for 3.5 s"
"${PCAPCHECK[@]}" seq "$RC_TMP"/dur/* --expect 7000 || rc_fail "-b duration: frames"

# --- -a packets ----------------------------------------------------------------------
rc_start_capture "$RC_TMP/pk.log" -i "$RC_CAP" -w "$RC_TMP/pk.pcap" -a packets:500 -q
rc_in_ns "$RCGEN" -i "$RC_GEN" -n 2000 -s 100 -r 20000 >/dev/null
wait "$RINGCAP_PID" || rc_fail "-a packets: exit status $?"
[ "$("${PCAPCHECK[@]}" count "$RC_TMP/pk.pcap")" = 500 ] || rc_fail "-a packets:500"

# --- -a filesize: one file, stopped before it would pass 200 kB ------------------------
rc_start_capture "$RC_TMP/fs.log" -i "$RC_CAP" -w "$RC_TMP/fs.pcapng" -a filesize:200 -q
rc_bg rc_in_ns "$RCGEN" -i "$RC_GEN" -n 100000 -s 500 -r 5000
GEN=$RC_BG_PID
for _ in $(seq 200); do kill -0 "$RINGCAP_PID" 2>/dev/null || break; sleep 0.05; done
rc_stop "$GEN" || true
if kill -0 "$RINGCAP_PID" 2>/dev/null; then rc_fail "-a filesize:200: still running after 10 s"; fi
wait "$RINGCAP_PID" || rc_fail "-a filesize: exit status $?"
cat "$RC_TMP/fs.log"
s=$(stat -c %s "$RC_TMP/fs.pcapng")
[ "$s" -le 200000 ] && [ "$s" -gt 190000 ] || rc_fail "-a filesize:200: the file has $s bytes"
"${PCAPCHECK[@]}" ng "$RC_TMP/fs.pcapng" >"$RC_TMP/fs.json" || rc_fail "-a filesize: not a pcapng file"
grep -q '"ISB"' "$RC_TMP/fs.json" || rc_fail "-a filesize: no ISB: not closed"
c=$("${PCAPCHECK[@]}" count "$RC_TMP/fs.pcapng")
[ "$c" = "$(rc_summary "$RC_TMP/fs.log" captured)" ] || rc_fail "-a filesize: summary says otherwise"

# --- -a files with -b filesize ---------------------------------------------------------
mkdir "$RC_TMP/af"
rc_start_capture "$RC_TMP/af.log" -i "$RC_CAP" -w "$RC_TMP/af/a.pcap" -b filesize:100 \
	-a files:2 -q
rc_bg rc_in_ns "$RCGEN" -i "$RC_GEN" -n 100000 -s 500 -r 5000
GEN=$RC_BG_PID
for _ in $(seq 200); do kill -0 "$RINGCAP_PID" 2>/dev/null || break; sleep 0.05; done
rc_stop "$GEN" || true
if kill -0 "$RINGCAP_PID" 2>/dev/null; then rc_fail "-a files:2: still running after 10 s"; fi
wait "$RINGCAP_PID" || rc_fail "-a files: exit status $?"
[ "$(ls "$RC_TMP/af" | wc -l)" = 2 ] || rc_fail "-a files:2: $(ls "$RC_TMP/af")"
"${PCAPCHECK[@]}" seq "$RC_TMP"/af/* --start 0 >/dev/null || rc_fail "-a files: frames"

# --- -a duration -----------------------------------------------------------------------
t0=$(date +%s%N)
"$RINGCAP" -i "$RC_CAP" -w "$RC_TMP/ad.pcap" -a duration:2 -q 2>"$RC_TMP/ad.log" ||
	rc_fail "-a duration: exit status $?"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
[ "$ms" -ge 2000 ] && [ "$ms" -lt 10000 ] || rc_fail "-a duration:2 took $ms ms"

# --- -F --------------------------------------------------------------------------------
printf 'udp dst port 5001 # the second port only\n  and ip src 198.18.0.1\n' >"$RC_TMP/filter"
rc_start_capture "$RC_TMP/F.log" -i "$RC_CAP" -w "$RC_TMP/F.pcap" -F "$RC_TMP/filter" -q
rc_in_ns "$RCGEN" -i "$RC_GEN" -n 1000 -s 100 -r 20000 --ports 5000,5001 >/dev/null
rc_stop_int "$RINGCAP_PID" || rc_fail "-F: exit status $?"
"${PCAPCHECK[@]}" seq "$RC_TMP/F.pcap" --ports 5001 || rc_fail "-F: other frames"
[ "$(rc_summary "$RC_TMP/F.log" 'received by filter')" = 500 ] ||
	rc_fail "-F: the kernel did not filter (received by filter)"
rc_pass "dumpcap's -b and -a, tcpdump's -F"
