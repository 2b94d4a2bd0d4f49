#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# -z CMD, as tcpdump runs it: after each file is closed (here also the last
# one, at stop), CMD with the file's name as its one argument, not through
# a shell; the capture does not wait for it (a command that takes seconds
# does not hold up the files), ringcap waits for its commands before it
# exits, and a command that fails or cannot be run is reported.
source "$(dirname "$0")/../lib/ringcap.sh"
rc_need_root
rc_need gzip
rc_pair
rc_tmpdir

# --- gzip every file ------------------------------------------------------------------
mkdir "$RC_TMP/gz"
N=20000
attempt() {
	rm -f "$RC_TMP"/gz/*
	rc_start_capture "$RC_TMP/gz.log" -i "$RC_CAP" -w "$RC_TMP/gz/cap.pcap" -C 1 -z gzip -q
	rc_in_ns "$RCGEN" -i "$RC_GEN" -n $N -s 500 -r "$1" >/dev/null
	rc_stop_int "$RINGCAP_PID" || rc_fail "gzip: exit status $?"
	RC_DROPS=$(rc_summary "$RC_TMP/gz.log" 'dropped by kernel')
}
rc_until_lossless 50000 attempt
cat "$RC_TMP/gz.log"
ls -l "$RC_TMP/gz"
ls "$RC_TMP"/gz/*.pcap 2>/dev/null && rc_fail "gzip: files left uncompressed (the last one too?)"
n=$(ls "$RC_TMP"/gz/*.pcap.gz | wc -l)
[ "$n" -ge 10 ] || rc_fail "gzip: $n files"
for f in "$RC_TMP"/gz/*.pcap.gz; do
	gzip -t "$f" || rc_fail "gzip: $f is damaged"
	gzip -dc "$f" >"${f%.gz}" || rc_fail "gunzip $f"
done
"${PCAPCHECK[@]}" seq "$RC_TMP"/gz/*.pcap --expect $N || rc_fail "gzip: frames"

# --- one argument, the file's name, not through a shell -------------------------------
cat >"$RC_TMP/record" <<EOF
#!/bin/sh
# say how many arguments, and each one, and how long it takes
echo "argc=\$# \$*" >>"$RC_TMP/args.txt"
sleep \${RC_SLEEP:-0}
echo "done \$1" >>"$RC_TMP/args.txt"
EOF
chmod +x "$RC_TMP/record"
mkdir "$RC_TMP/odd dir"
name='$(touch pwned) a;b.pcap'
export RC_SLEEP=2
rc_start_capture "$RC_TMP/rec.log" -i "$RC_CAP" -w "$RC_TMP/odd dir/$name" -C 1 \
	-z "$RC_TMP/record" -q
unset RC_SLEEP
t0=$(date +%s%N)
rc_in_ns "$RCGEN" -i "$RC_GEN" -n 8000 -s 500 -r 20000 >/dev/null
sleep 0.5
# the commands sleep 2 s each: the capture went on writing meanwhile
files_during=$(ls "$RC_TMP/odd dir" | wc -l)
rc_stop_int "$RINGCAP_PID" || rc_fail "record: exit status $?"
t1=$(date +%s%N)
cat "$RC_TMP/rec.log" "$RC_TMP/args.txt"
[ "$files_during" -ge 4 ] || rc_fail "the capture waited for its -z commands ($files_during files)"
for p in "$PWD/pwned" "$RC_TMP/odd dir/pwned" "$RC_TMP/pwned"; do
	if [ -e "$p" ]; then rc_fail "the file name was run through a shell"; fi
done
n=$(ls "$RC_TMP/odd dir" | wc -l)
[ "$(grep -c '^argc=1 ' "$RC_TMP/args.txt")" = "$n" ] ||
	rc_fail "not one command with one argument per file ($n files)"
[ "$(grep -c '^done ' "$RC_TMP/args.txt")" = "$n" ] ||
	rc_fail "ringcap exited before its commands ended"
for f in "$RC_TMP/odd dir"/*; do
	grep -qxF "argc=1 $f" "$RC_TMP/args.txt" || rc_fail "no command for $f"
done
echo "stop to exit: $(( (t1 - t0) / 1000000 )) ms (commands of 2 s each)"

# --- a command that fails, one that cannot run --------------------------------------------
rc_start_capture "$RC_TMP/false.log" -i "$RC_CAP" -w "$RC_TMP/f.pcap" -z false -q
rc_in_ns "$RCGEN" -i "$RC_GEN" -n 10 -r 1000 >/dev/null
rc_stop_int "$RINGCAP_PID" || rc_fail "-z false: exit status $? (the capture itself is fine)"
grep -q "^ringcap: -z false $RC_TMP/f.pcap: exited with status 1$" "$RC_TMP/false.log" ||
	rc_fail "-z false: not reported ($(cat "$RC_TMP/false.log"))"
rc_start_capture "$RC_TMP/none.log" -i "$RC_CAP" -w "$RC_TMP/n.pcap" -z rc-no-such-command -q
rc_stop_int "$RINGCAP_PID" || rc_fail "-z missing command: exit status $?"
grep -q "rc-no-such-command $RC_TMP/n.pcap: cannot run it: No such file or directory" \
	"$RC_TMP/none.log" || rc_fail "-z missing command: not reported ($(cat "$RC_TMP/none.log"))"
rc_pass "-z: every file, one argument, no shell, not waited for, failures told"
