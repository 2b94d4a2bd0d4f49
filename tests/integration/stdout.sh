#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# -w - : pcap on standard output, read live by tshark; and a reader that
# goes away (EPIPE) stops ringcap with a clear message and status 1.
source "$(dirname "$0")/../lib/ringcap.sh"
rc_need_root
rc_need tshark
rc_pair
rc_tmpdir

# ringcap | tshark -r -
( "$RINGCAP" -i "$RC_CAP" -w - -c 5000 -q 2>"$RC_TMP/pipe.log" |
	tshark -r - -T fields -e frame.number -e udp.dstport >"$RC_TMP/tshark.txt" 2>"$RC_TMP/tshark.err" ) &
PIPE=$!
rc_wait_log "$RC_TMP/pipe.log" "listening on"
rc_in_ns "$RCGEN" -i "$RC_GEN" -n 6000 -s 60-1514 --ports 5353
wait "$PIPE" || rc_fail "pipeline failed: $(cat "$RC_TMP/pipe.log" "$RC_TMP/tshark.err")"
n=$(wc -l <"$RC_TMP/tshark.txt")
[ "$n" = 5000 ] || rc_fail "tshark read $n frames from the pipe, expected 5000"
[ "$(awk '$2 != 5353' "$RC_TMP/tshark.txt" | wc -l)" = 0 ] || rc_fail "tshark decoded unexpected frames"
[ "$(rc_summary "$RC_TMP/pipe.log" captured)" = 5000 ] || rc_fail "summary does not say 5000"

# EPIPE: the reader quits after 1000 bytes
( rc=0; "$RINGCAP" -i "$RC_CAP" -w - -q 2>"$RC_TMP/epipe.log" || rc=$?; echo "status=$rc" >>"$RC_TMP/epipe.log" ) |
	head -c 1000 >/dev/null &
EP=$!
rc_wait_log "$RC_TMP/epipe.log" "listening on"
rc_in_ns "$RCGEN" -i "$RC_GEN" -n 20000 -s 500 -r 20000 >/dev/null &
GEN=$!
rc_wait_log "$RC_TMP/epipe.log" "status=" 10
kill "$GEN" 2>/dev/null || true
wait "$GEN" 2>/dev/null || true
wait "$EP" || true
cat "$RC_TMP/epipe.log"
grep -q "status=1" "$RC_TMP/epipe.log" || rc_fail "EPIPE: exit status is not 1"
grep -q "standard output failed: Broken pipe" "$RC_TMP/epipe.log" || rc_fail "EPIPE: no clear message"
rc_pass "stdout pipe read by tshark; EPIPE reported"
