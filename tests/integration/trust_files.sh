#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Files are never destroyed: no start, restart or reload truncates,
# overwrites or deletes a file that this run did not write.
#  - `ringcap -w cap.pcap` run twice: the first run's file is untouched, the
#    second run's frames are in cap_00001.pcap (and a third in _00002);
#  - `-C 1 -W 2` run three times: every earlier run's file is still there,
#    byte for byte, and the numbers go on after the highest one;
#  - a symlink planted at the next name is never written through;
#  - the ring (-W) deletes only the files this run wrote: not a file put at
#    a name it used, not one reached through a directory swapped for a link;
#  - ringcapd: a reload that restarts a capture (files: 6 -> 8) leaves its
#    current file as it was, and the restarted capture numbers on.
source "$(dirname "$0")/../lib/ringcap.sh"
rc_need_root
rc_need sha256sum comm
export LC_ALL=C
rc_pair
rc_tmpdir

# hashes of every file in DIR, one "hash  name" line each
snapshot() { (cd "$1" && sha256sum -- * 2>/dev/null | sort) || true; }
# every line of snapshot $1 is still in snapshot $2
kept() {
	local missing
	missing=$(comm -23 <(echo "$1") <(echo "$2"))
	[ -z "$missing" ] || { echo "changed or gone:"; echo "$missing"; return 1; }
}

# --- the same -w twice (and a third time) ---------------------------------
mkdir "$RC_TMP/a"
for run in 1 2 3; do
	before=$(snapshot "$RC_TMP/a")
	rc_start_capture "$RC_TMP/a$run.log" -i "$RC_CAP" -w "$RC_TMP/a/cap.pcap" -c 100 -q
	rc_in_ns "$RCGEN" -i "$RC_GEN" -n 100 -r 20000 --start-seq $((run * 1000)) >/dev/null
	wait "$RINGCAP_PID" || rc_fail "run $run: ringcap exited with status $?"
	cat "$RC_TMP/a$run.log"
	after=$(snapshot "$RC_TMP/a")
	kept "$before" "$after" || rc_fail "run $run of -w cap.pcap destroyed an earlier run's file"
done
ls -l "$RC_TMP/a"
"${PCAPCHECK[@]}" seq "$RC_TMP/a/cap.pcap" --expect 100 --start 1000 || rc_fail "run 1's frames"
"${PCAPCHECK[@]}" seq "$RC_TMP/a/cap_00001.pcap" --expect 100 --start 2000 || rc_fail "run 2's frames"
"${PCAPCHECK[@]}" seq "$RC_TMP/a/cap_00002.pcap" --expect 100 --start 3000 || rc_fail "run 3's frames"
grep -q "cap.pcap exists; writing .*cap_00001.pcap instead" "$RC_TMP/a2.log" ||
	rc_fail "run 2 did not say where it wrote"

# --- a ring of two 1 MB files, three times -------------------------------
mkdir "$RC_TMP/r"
: >"$RC_TMP/victim"
for run in 1 2 3; do
	before=$(snapshot "$RC_TMP/r")
	if [ $run = 3 ]; then
		# a trap: the name after the highest number is a symlink
		last=$(ls "$RC_TMP/r" | sort | tail -n 1)
		n=$(echo "$last" | sed 's/^r_0*\([0-9]*\)\.pcap$/\1/')
		ln -s "$RC_TMP/victim" "$RC_TMP/r/$(printf 'r_%05d.pcap' $((n + 1)))"
		before=$(snapshot "$RC_TMP/r")
	fi
	rc_start_capture "$RC_TMP/r$run.log" -i "$RC_CAP" -w "$RC_TMP/r/r.pcap" -C 1 -W 2 -c 3000 -q
	rc_in_ns "$RCGEN" -i "$RC_GEN" -n 3000 -s 1000 -r 50000 --start-seq $((run * 10000)) >/dev/null
	wait "$RINGCAP_PID" || rc_fail "ring run $run: exit status $?"
	after=$(snapshot "$RC_TMP/r")
	kept "$before" "$after" || rc_fail "ring run $run destroyed an earlier run's file"
	# this run kept exactly its own two newest files
	mine=$(comm -13 <(echo "$before" | awk '{print $2}' | sort) <(echo "$after" | awk '{print $2}' | sort) | wc -l)
	[ "$mine" = 2 ] || rc_fail "ring run $run left $mine files of its own, expected 2"
done
ls -l "$RC_TMP/r"
[ ! -s "$RC_TMP/victim" ] || rc_fail "a symlink at the next name was written through"

# --- the ring deletes only what this run wrote, even at a name it used ------
mkdir -p "$RC_TMP/w/sub" "$RC_TMP/victims"
echo VICTIM >"$RC_TMP/victims/w_00002.pcap"
rc_start_capture "$RC_TMP/w.log" -i "$RC_CAP" -w "$RC_TMP/w/sub/w.pcap" -C 20kB -W 2 -q
rc_in_ns "$RCGEN" -i "$RC_GEN" -n 50 -s 200 -r 5000 >/dev/null
for _ in $(seq 40); do [ -e "$RC_TMP/w/sub/w_00002.pcap" ] && break; sleep 0.05; done
# a file of someone else's at a name the ring used, and the directory
# swapped for a link to another directory whose next-oldest name exists
mv "$RC_TMP/w/sub/w_00001.pcap" "$RC_TMP/w/moved.pcap"
echo PRECIOUS >"$RC_TMP/w/sub/w_00001.pcap"
rc_in_ns "$RCGEN" -i "$RC_GEN" -n 300 -s 200 -r 5000 >/dev/null
# swapped in one step (renameat2 RENAME_EXCHANGE): between a mv and an ln
# the directory would be missing, and a rotation then is an output error
ln -s ../victims "$RC_TMP/w/sub.new"
/usr/bin/python3 -c '
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
if libc.renameat2(-100, sys.argv[1].encode(), -100, sys.argv[2].encode(), 2):
    sys.exit("renameat2: " + os.strerror(ctypes.get_errno()))' "$RC_TMP/w/sub" "$RC_TMP/w/sub.new" ||
	rc_fail "cannot swap the directory for a link"
mv "$RC_TMP/w/sub.new" "$RC_TMP/w/sub.old"
rc_in_ns "$RCGEN" -i "$RC_GEN" -n 300 -s 200 -r 5000 >/dev/null
kill -INT "$RINGCAP_PID" 2>/dev/null || { cat "$RC_TMP/w.log"; rc_fail "ringcap ended before SIGINT"; }
wait "$RINGCAP_PID" || true
cat "$RC_TMP/w.log"
[ "$(cat "$RC_TMP/w/sub.old/w_00001.pcap" 2>/dev/null)" = PRECIOUS ] ||
	rc_fail "the ring deleted a file put at a name it had used"
[ "$(cat "$RC_TMP/victims/w_00002.pcap" 2>/dev/null)" = VICTIM ] ||
	rc_fail "the ring deleted a file through a directory swapped for a link"
grep -q "is no longer the file this run wrote there; not removing it" "$RC_TMP/w.log" ||
	rc_fail "the ring did not say why it kept a file"

# --- ringcapd: a reload that restarts the capture --------------------------
mkdir "$RC_TMP/d"
conf() {
	cat >"$RC_TMP/d.yaml" <<YAML
daemon: { user: "", runtime_directory: $RC_TMP/run }
captures:
  - name: c
    interface: $RC_CAP
    outputs:
      - pcap: { path: $RC_TMP/d/d.pcap, rotate: { size: 10MB, files: $1 } }
YAML
}
conf 6
rc_start_daemon "$RC_TMP/d.yaml" "$RC_TMP/d.log"
rc_in_ns "$RCGEN" -i "$RC_GEN" -n 2000 -s 500 -r 20000 >/dev/null
sleep 0.5   # a block retires after 40 ms: the frames are in the file now
cur=$(ls "$RC_TMP/d")
before=$(snapshot "$RC_TMP/d")
echo "before the reload: $cur"
[ "$(echo "$cur" | wc -l)" = 1 ] || rc_fail "expected one file before the reload"
conf 8
kill -HUP "$DAEMON_PID"
rc_wait_log "$RC_TMP/d.log" "reloaded" 10
rc_in_ns "$RCGEN" -i "$RC_GEN" -n 2000 -s 500 -r 20000 --start-seq 2000 >/dev/null
sleep 0.5
kill -TERM "$DAEMON_PID"
wait "$DAEMON_PID" || rc_fail "ringcapd exited with status $?"
cat "$RC_TMP/d.log"
ls -l "$RC_TMP/d"
after=$(snapshot "$RC_TMP/d")
kept "$before" "$after" || rc_fail "the reload truncated or removed the capture's current file"
[ "$(ls "$RC_TMP/d" | wc -l)" = 2 ] || rc_fail "expected the old file and one new one"
# shellcheck disable=SC2046
"${PCAPCHECK[@]}" seq $(ls "$RC_TMP"/d/*.pcap | sort) --expect 4000 ||
	rc_fail "frames lost or repeated across the reload"
rc_pass "no run, reload or restart destroyed a file it did not write"
