#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `ringcap status` and `ringcap stats` print what ringcapd is told from
# outside - output paths, interface names, reasons - for a person at a
# terminal: an escape sequence or a newline in a name is shown as \xNN (as
# in log lines), so that it neither drives the terminal nor makes a line
# of its own.  --json keeps them, escaped as JSON does.
source "$(dirname "$0")/../lib/ringcap.sh"
rc_need_root
PY=/usr/bin/python3
rc_tmpdir
rc_pair
SOCK=$RC_TMP/run/ringcap.sock
mkdir "$RC_TMP/out"
# a file name with an escape sequence and a newline; an interface that is
# not there (yet), with an escape sequence in its name
cat >"$RC_TMP/d.yaml" <<YAML
daemon: { user: "", runtime_directory: $RC_TMP/run }
captures:
  - name: odd
    interface: $RC_CAP
    outputs: [ { pcap: { path: "$RC_TMP/out/a\\e[2Jb\\nc.pcap" } } ]
  - name: gone
    interface: "rc\\e]0;x\\a"
    outputs: [ { pcap: { path: $RC_TMP/out/g.pcap } } ]
YAML
rc_start_daemon "$RC_TMP/d.yaml" "$RC_TMP/daemon.log"
rc_in_ns "$RCGEN" -i "$RC_GEN" -n 10 -r 1000 >/dev/null
sleep 0.5
check() {
	local what=$1 file=$2
	cat -v "$file"
	if LC_ALL=C grep -q $'[\x01-\x08\x0b-\x1f\x7f]' "$file"; then
		rc_fail "$what: a control character reaches the terminal"
	fi
	grep -q 'a\\x1b\[2Jb\\x0ac\.pcap' "$file" || rc_fail "$what: the path is not shown as \\xNN"
	grep -q 'rc\\x1b\]0;x\\x07' "$file" || rc_fail "$what: the interface is not shown as \\xNN"
}
"$RINGCAP" status -S "$SOCK" >"$RC_TMP/status.txt" || rc_fail "ringcap status: exit status $?"
check status "$RC_TMP/status.txt"
[ "$(wc -l <"$RC_TMP/status.txt")" = 4 ] ||
	rc_fail "status: not 4 lines (the daemon, 2 captures, 1 output): a name made a line"
"$RINGCAP" stats -S "$SOCK" >"$RC_TMP/stats.txt" || rc_fail "ringcap stats: exit status $?"
check stats "$RC_TMP/stats.txt"
grep -c '^capture ' "$RC_TMP/stats.txt" | grep -qx 2 || rc_fail "stats: not one line per capture"
"$RINGCAP" stats --json -S "$SOCK" >"$RC_TMP/stats.json" || rc_fail "stats --json"
$PY - "$RC_TMP/stats.json" "$RC_TMP/out/a"$'\e[2Jb\nc.pcap' <<'PYEOF' || rc_fail "--json: the names"
import json, sys
caps = {c["name"]: c for c in json.load(open(sys.argv[1]))["captures"]}
assert caps["odd"]["outputs"][0]["path"] == sys.argv[2], caps["odd"]["outputs"]
assert caps["gone"]["interface"] == "rc\x1b]0;x\x07", caps["gone"]
PYEOF
rc_stop "$DAEMON_PID" || true
rc_pass "status and stats: names from outside as \\xNN, JSON as JSON"
