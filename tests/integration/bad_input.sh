#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Bad input ends with a clear message naming the problem and exit status 2:
# unknown interface, bad filter (libpcap's message and the expression), bad
# sizes and durations, an unwritable output path, missing privilege.
source "$(dirname "$0")/../lib/ringcap.sh"
rc_need_root
rc_need setpriv
rc_pair
rc_tmpdir

expect2() { # DESCRIPTION PATTERN CMD...
	local desc=$1 pat=$2 rc=0
	shift 2
	"$@" >"$RC_TMP/out" 2>"$RC_TMP/err" </dev/null || rc=$?
	[ $rc = 2 ] || rc_fail "$desc: exit status $rc, expected 2 ($(cat "$RC_TMP/err"))"
	grep -q -- "$pat" "$RC_TMP/err" || rc_fail "$desc: message '$(cat "$RC_TMP/err")' lacks '$pat'"
	echo "ok: $desc: $(head -n 1 "$RC_TMP/err")"
}
W=$RC_TMP/x.pcap
expect2 "unknown interface" "no such interface: rcnope0" "$RINGCAP" -i rcnope0 -w "$W"
expect2 "bad filter" "bad filter expression 'udp prot 53'" "$RINGCAP" -i "$RC_CAP" -w "$W" udp prot 53
expect2 "bad filter (libpcap text)" "syntax error" "$RINGCAP" -i "$RC_CAP" -w "$W" -f "tcp and and"
expect2 "bad -C" "-C: 'lots' is not a file size" "$RINGCAP" -i "$RC_CAP" -w "$W" -C lots
expect2 "bad -B" "-B: '12parsecs' is not a ring size" "$RINGCAP" -i "$RC_CAP" -w "$W" -B 12parsecs
expect2 "bad --duration" "--duration: '5 fortnights' is not a duration" "$RINGCAP" -i "$RC_CAP" -w "$W" --duration "5 fortnights"
expect2 "bad -G" "-G: '0' is not a rotation time" "$RINGCAP" -i "$RC_CAP" -w "$W" -G 0
expect2 "bad -s" "snapshot length 'big'" "$RINGCAP" -i "$RC_CAP" -w "$W" -s big
expect2 "-W alone" "needs rotation by size (-C) or time (-G)" "$RINGCAP" -i "$RC_CAP" -w "$W" -W 3
expect2 "unwritable path" "cannot open /nonexistent-rc/x.pcap for writing: No such file or directory" \
	"$RINGCAP" -i "$RC_CAP" -w /nonexistent-rc/x.pcap
expect2 "no interface" "no interface given" "$RINGCAP" -w "$W"
expect2 "no output" "no output given" "$RINGCAP" -i "$RC_CAP"
expect2 "unknown option" "unknown option --frobnicate" "$RINGCAP" capture --frobnicate
expect2 "unknown command" "unknown command 'frobnicate'" "$RINGCAP" frobnicate
expect2 "missing privilege" "needs the CAP_NET_RAW capability" \
	setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all \
	"$RINGCAP" -i "$RC_CAP" -w "$W"
[ ! -e "$W" ] || rc_fail "a failed start left an output file behind"
rc_pass "every bad input gives exit 2 and names the problem"
