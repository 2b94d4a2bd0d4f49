#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `ringcap -D` numbers the interfaces as `tcpdump -D` does (libpcap's
# order: loopback and down interfaces after the others, pseudo-devices
# such as nflog keep their numbers), and -i N captures on the N-th of that
# list - unless an interface is named N.  A number that is no interface's is
# bad input: exit 2, a clear message.
source "$(dirname "$0")/../lib/ringcap.sh"
rc_need_root
rc_need tcpdump
rc_tmpdir
rc_pair
# more interfaces in the test's namespace: up and down, one named "3"
ip -n "$RC_NS" link add advc0 type veth peer name advq1 || rc_fail "veth in $RC_NS"
ip -n "$RC_NS" link set advc0 up
ip -n "$RC_NS" link set advq1 up
ip -n "$RC_NS" link add zz9 type veth peer name 3 || rc_fail "an interface named 3"
ip -n "$RC_NS" link set 3 up

# --- -D: tcpdump's numbers ----------------------------------------------------
rc_in_ns tcpdump -D >"$RC_TMP/tcpdump-D.txt" 2>&1 || rc_fail "tcpdump -D: exit status $?"
rc_in_ns "$RINGCAP" -D >"$RC_TMP/ringcap-D.txt" || rc_fail "ringcap -D: exit status $?"
paste -d '|' "$RC_TMP/tcpdump-D.txt" "$RC_TMP/ringcap-D.txt"
sed -n 's/^\([0-9]*\.[^ ]*\).*/\1/p' "$RC_TMP/tcpdump-D.txt" >"$RC_TMP/t.txt"
sed -n 's/^\([0-9]*\.[^ ]*\).*/\1/p' "$RC_TMP/ringcap-D.txt" >"$RC_TMP/r.txt"
[ "$(wc -l <"$RC_TMP/t.txt")" -ge 6 ] || rc_fail "tcpdump -D lists too few interfaces"
diff "$RC_TMP/t.txt" "$RC_TMP/r.txt" || rc_fail "-D: not tcpdump's numbers"
# what ringcap says of each is its own, and right
grep -Eq "^[0-9]+\.$RC_GEN \[Up, Running\] EN10MB \(Ethernet\)" "$RC_TMP/ringcap-D.txt" ||
	rc_fail "-D: $RC_GEN"
grep -Eq "^[0-9]+\.zz9 \[Down\] EN10MB" "$RC_TMP/ringcap-D.txt" || rc_fail "-D: zz9 is down"
grep -Eq "^[0-9]+\.lo \[Up, Running, Loopback\]" "$RC_TMP/ringcap-D.txt" || rc_fail "-D: lo"
grep -Eq "^[0-9]+\.any .*LINUX_SLL2" "$RC_TMP/ringcap-D.txt" || rc_fail "-D: any"
if grep -q '^[0-9]*\.nflog ' "$RC_TMP/ringcap-D.txt"; then
	grep -q '^[0-9]*\.nflog .*not capturable by ringcap' "$RC_TMP/ringcap-D.txt" ||
		rc_fail "-D: nflog listed as if ringcap could capture there"
fi

# --- -i N: the N-th of that list ----------------------------------------------
n=$(sed -n "s/^\([0-9]*\)\.$RC_GEN\$/\1/p" "$RC_TMP/t.txt")
[ -n "$n" ] || rc_fail "tcpdump does not list $RC_GEN"
[ "$n" != 3 ] || rc_skip "$RC_GEN is number 3, the name of another interface here"
rc_bg rc_in_ns "$RINGCAP" -i "$n" -w "$RC_TMP/n.pcap" -q 2>"$RC_TMP/n.log"
RINGCAP_PID=$RC_BG_PID
rc_wait_log "$RC_TMP/n.log" "listening on" 10
"$RCGEN" -i "$RC_CAP" -n 20 -r 1000 >/dev/null
sleep 0.3
rc_stop_int "$RINGCAP_PID" || rc_fail "-i $n: exit status $?"
cat "$RC_TMP/n.log"
grep -q "^ringcap: listening on $RC_GEN, " "$RC_TMP/n.log" || rc_fail "-i $n is not $RC_GEN"
[ "$(rc_summary "$RC_TMP/n.log" captured)" = 20 ] || rc_fail "-i $n: not the 20 frames sent"
# an interface named 3: the name, not the third
rc_bg rc_in_ns "$RINGCAP" -i 3 -w "$RC_TMP/3.pcap" -q 2>"$RC_TMP/3.log"
RINGCAP_PID=$RC_BG_PID
rc_wait_log "$RC_TMP/3.log" "listening on" 10
rc_stop_int "$RINGCAP_PID" || rc_fail "-i 3: exit status $?"
grep -q "^ringcap: listening on 3, " "$RC_TMP/3.log" || rc_fail "-i 3 is not the interface named 3"
# out of range
total=$(wc -l <"$RC_TMP/t.txt")
for bad in 0 $((total + 1)) 99999999999999999999; do
	rc=0
	rc_in_ns "$RINGCAP" -i "$bad" -w "$RC_TMP/bad.pcap" 2>"$RC_TMP/bad.log" || rc=$?
	cat "$RC_TMP/bad.log"
	[ "$rc" = 2 ] || rc_fail "-i $bad: exit status $rc, not 2"
	grep -q "^ringcap: -i $bad: no interface has number $bad (ringcap -D lists $total," \
		"$RC_TMP/bad.log" || rc_fail "-i $bad: no clear message"
	[ ! -e "$RC_TMP/bad.pcap" ] || rc_fail "-i $bad: a file was made"
done
rc_pass "-D numbers as tcpdump -D; -i N is the N-th, a name N wins, out of range is exit 2"
