#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# -z CMD with many files at once (here -r and a tiny -C): at most as many
# commands run together as there are online CPUs; the others wait their
# turn, in order, which ringcap says once; every file still gets its
# command exactly once, the last ones too, and ringcap exits only when all
# have ended.  A relative file name that begins with '-' reaches the
# command as ./-name, so that it is not taken for an option (gzip).
source "$(dirname "$0")/../lib/ringcap.sh"
rc_need gzip
rc_tmpdir
PY=/usr/bin/python3
CPUS=$(getconf _NPROCESSORS_ONLN)

# an input of 120 frames of 1000 bytes: about 40 files of 4 KiB
$PY - "$RC_TMP/in.pcap" <<'PYEOF'
import struct, sys
with open(sys.argv[1], "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    for i in range(120):
        frame = b"\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02\x88\xb5" + \
            struct.pack(">I", i) + bytes(982)
        f.write(struct.pack("<IIII", 1000 + i, 0, len(frame), len(frame)) + frame)
PYEOF

# --- at most one command per CPU at once -----------------------------------------
mkdir "$RC_TMP/run" "$RC_TMP/out"
cat >"$RC_TMP/slow" <<SCRIPT_END
#!/bin/sh
# how many commands run now (this one included), then a while of work
: >"$RC_TMP/run/\$\$"
echo "start \$(ls "$RC_TMP/run" | wc -l) \$1" >>"$RC_TMP/slow.txt"
sleep 0.2
echo "done \$1" >>"$RC_TMP/slow.txt"
rm -f "$RC_TMP/run/\$\$"
SCRIPT_END
chmod +x "$RC_TMP/slow"
t0=$(date +%s%N)
"$RINGCAP" -r "$RC_TMP/in.pcap" -w "$RC_TMP/out/o.pcap" -C 4KiB -z "$RC_TMP/slow" \
	2>"$RC_TMP/slow.log" || rc_fail "-z slow: exit status $? ($(cat "$RC_TMP/slow.log"))"
t1=$(date +%s%N)
cat "$RC_TMP/slow.log"
n=$(ls "$RC_TMP/out" | wc -l)
[ "$n" -ge 20 ] || rc_fail "only $n files: the test needs many"
most=$(awk '$1 == "start" && $2 > m { m = $2 } END { print m + 0 }' "$RC_TMP/slow.txt")
echo "$n files, at most $most commands at once, $CPUS CPUs, $(( (t1 - t0) / 1000000 )) ms"
[ "$most" -ge 1 ] && [ "$most" -le "$CPUS" ] ||
	rc_fail "$most commands ran at once on $CPUS CPUs"
# each file's command once, all ended before ringcap exited
[ "$(grep -c '^start ' "$RC_TMP/slow.txt")" = "$n" ] || rc_fail "not one command per file"
[ "$(grep -c '^done ' "$RC_TMP/slow.txt")" = "$n" ] || rc_fail "ringcap exited before its commands"
for f in "$RC_TMP"/out/*; do
	[ "$(grep -cxF "done $f" "$RC_TMP/slow.txt")" = 1 ] || rc_fail "$f: not exactly one command"
done
# said once that commands wait
[ "$(grep -c "commands wait" "$RC_TMP/slow.log")" = 1 ] ||
	rc_fail "the waiting commands are not told once on stderr"
[ "$(ls "$RC_TMP/run" | wc -l)" = 0 ] || rc_fail "commands still running after ringcap exited"

# --- a name that begins with '-' ------------------------------------------------
mkdir "$RC_TMP/dash"
(cd "$RC_TMP/dash" && "$RINGCAP" -r "$RC_TMP/in.pcap" -w -dash.pcap -C 4KiB -z gzip \
	2>"$RC_TMP/dash.log") || rc_fail "-w -dash.pcap -z gzip: exit status $?"
cat "$RC_TMP/dash.log"
if grep -q "invalid option\|exited with status" "$RC_TMP/dash.log"; then
	rc_fail "-z gzip took the file name for an option"
fi
ls "$RC_TMP/dash"
if ls "$RC_TMP/dash"/*.pcap >/dev/null 2>&1; then rc_fail "-dash files left uncompressed"; fi
n=$(ls "$RC_TMP/dash"/-dash_*.pcap.gz | wc -l)
[ "$n" -ge 20 ] || rc_fail "$n -dash files compressed"
rc_pass "-z: at most $CPUS at once, the rest queued and told, each file once, ./-name"
