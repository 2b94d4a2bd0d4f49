#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Interfaces come and go; ringcapd keeps every capture it can:
#  - one of two interfaces is missing at start: the daemon starts (READY),
#    the other capture runs, the missing one shows as waiting in status;
#  - the interface appears: its capture starts by itself (rtnetlink) and
#    frames land in both captures' files;
#  - the interface is deleted: the capture waits again, its counters stay;
#    it comes back: the capture resumes in a new file, the old one intact;
#  - renamed away: the capture follows the name, waits, and resumes on the
#    device that takes the name;
#  - `ringcap config check` warns about the missing interface but says OK,
#    and a real configuration error is still exit 2;
#  - `ringcap rotate` starts new files at once; `ringcap reload` returns the
#    daemon's own verdict (exit 1 and the errors for a broken file).
source "$(dirname "$0")/../lib/ringcap.sh"
rc_need_root
rc_tmpdir
rc_pair
A_CAP=$RC_CAP A_GEN=$RC_GEN A_NS=$RC_NS
id=$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')
B_CAP=rcw$id B_GEN=rcx$id B_NS=rct-w$id
ip netns add "$B_NS"
rc_defer "ip netns del '$B_NS'"
rc_defer "ip link del '$B_CAP' 2>/dev/null"
SOCK=$RC_TMP/run/ringcap.sock
mkdir "$RC_TMP/out"
make_b() {
	ip link add "$B_CAP" type veth peer name "$B_GEN" netns "$B_NS"
	echo 1 >"/proc/sys/net/ipv6/conf/$B_CAP/disable_ipv6"
	ip netns exec "$B_NS" sh -c "echo 1 >/proc/sys/net/ipv6/conf/$B_GEN/disable_ipv6"
	ip link set "$B_CAP" up
	ip -n "$B_NS" link set "$B_GEN" up
	rc_link_wait_up "" "$B_CAP"
	rc_link_wait_up "$B_NS" "$B_GEN"
}
cat >"$RC_TMP/d.yaml" <<YAML
daemon: { user: "", runtime_directory: $RC_TMP/run }
captures:
  - name: a
    interface: $A_CAP
    outputs: [ { pcap: { path: $RC_TMP/out/a.pcap } } ]
  - name: b
    interface: $B_CAP
    outputs: [ { pcap: { path: $RC_TMP/out/b.pcap } } ]
YAML
out=$("$RINGCAP" config check "$RC_TMP/d.yaml" 2>&1) || rc_fail "config check: $out"
echo "$out"
echo "$out" | grep -q "warning: .*no such network interface '$B_CAP'" || rc_fail "config check did not warn"
echo "$out" | grep -q "^configuration OK$" || rc_fail "config check did not say OK"

rc_start_daemon "$RC_TMP/d.yaml" "$RC_TMP/d.log"
"$RINGCAP" status -S "$SOCK" | tee "$RC_TMP/st1.txt"
grep -q "capture a: running" "$RC_TMP/st1.txt" || rc_fail "capture a is not running"
grep -q "capture b: waiting: interface $B_CAP does not exist" "$RC_TMP/st1.txt" ||
	rc_fail "capture b is not shown as waiting"

make_b
rc_wait_log "$RC_TMP/d.log" "capture b: running on $B_CAP" 5
ip netns exec "$A_NS" "$RCGEN" -i "$A_GEN" -n 1000 -r 20000 >/dev/null
ip netns exec "$B_NS" "$RCGEN" -i "$B_GEN" -n 1000 -r 20000 >/dev/null
rc_wait_frames "$RC_TMP/out/a.pcap" 1000
rc_wait_frames "$RC_TMP/out/b.pcap" 1000
"${PCAPCHECK[@]}" seq "$RC_TMP/out/a.pcap" --expect 1000 || rc_fail "capture a's frames"
"${PCAPCHECK[@]}" seq "$RC_TMP/out/b.pcap" --expect 1000 || rc_fail "capture b's frames"

# b's interface goes, and comes back
ip link del "$B_CAP"
rc_wait_log "$RC_TMP/d.log" "capture b: interface $B_CAP went away; the capture resumes" 5
"$RINGCAP" status -S "$SOCK" | grep -q "capture b: waiting: interface $B_CAP went away" ||
	rc_fail "capture b is not waiting after its interface went"
[ "$(rc_stat "$SOCK" b frames)" = 1000 ] || rc_fail "capture b's counters went with its interface"
make_b
# the second start: the first one's lines are in the log already
rc_wait_log "$RC_TMP/d.log" "capture b: interface $B_CAP is there; starting" 5 2
rc_wait_log "$RC_TMP/d.log" "capture b: running on $B_CAP" 5 2
ip netns exec "$B_NS" "$RCGEN" -i "$B_GEN" -n 500 -r 20000 --start-seq 1000 >/dev/null
rc_wait_frames "$RC_TMP/out/b_00001.pcap" 500
"${PCAPCHECK[@]}" seq "$RC_TMP/out/b.pcap" --expect 1000 || rc_fail "b's first file changed"
"${PCAPCHECK[@]}" seq "$RC_TMP/out/b_00001.pcap" --expect 500 --start 1000 ||
	rc_fail "b did not resume in a new file"

# b's interface is renamed away: the capture follows the name, not the
# device, and resumes when a device of that name is there again
ip link set "$B_CAP" down
ip link set "$B_CAP" name "rcy$id"
rc_defer "ip link del 'rcy$id' 2>/dev/null"
rc_wait_log "$RC_TMP/d.log" "capture b: $B_CAP is now no device" 5
"$RINGCAP" status -S "$SOCK" | grep -q "capture b: waiting" || rc_fail "capture b does not wait after a rename"
ip link del "rcy$id"
ip netns del "$B_NS"; ip netns add "$B_NS"
ip netns exec "$B_NS" sh -c 'for k in default all; do echo 1 >/proc/sys/net/ipv6/conf/$k/disable_ipv6; done'
make_b
rc_wait_log "$RC_TMP/d.log" "capture b: running on $B_CAP" 5 3

# ringcap rotate: a new file for every output, now
"$RINGCAP" rotate -S "$SOCK" | grep -q "rotating the files of 2 captures" || rc_fail "ringcap rotate"
rc_wait_log "$RC_TMP/d.log" "rotating the files of 2 captures" 3
for _ in $(seq 40); do [ -e "$RC_TMP/out/b_00002.pcap" ] && [ -e "$RC_TMP/out/a_00001.pcap" ] && break; sleep 0.05; done
ls "$RC_TMP/out"
[ -e "$RC_TMP/out/a_00001.pcap" ] && [ -e "$RC_TMP/out/b_00002.pcap" ] || rc_fail "ringcap rotate started no new files"

# ringcap reload: the daemon's verdict
cp "$RC_TMP/d.yaml" "$RC_TMP/good.yaml"
printf 'captures:\n  - name: [\n' >"$RC_TMP/d.yaml"
rc=0
"$RINGCAP" reload -S "$SOCK" >"$RC_TMP/reload.out" 2>&1 || rc=$?
cat "$RC_TMP/reload.out"
[ "$rc" = 1 ] || rc_fail "ringcap reload of a broken file: exit $rc"
grep -q "$RC_TMP/d.yaml:[0-9]*:[0-9]*: " "$RC_TMP/reload.out" || rc_fail "ringcap reload did not show the error"
grep -q "^error: config file .* has errors, not reloading" "$RC_TMP/reload.out" || rc_fail "no verdict"
cp "$RC_TMP/good.yaml" "$RC_TMP/d.yaml"
"$RINGCAP" reload -S "$SOCK" | grep -q "reloaded $RC_TMP/d.yaml: 2 captures, 2 running" || rc_fail "ringcap reload of a good file"

kill -TERM "$DAEMON_PID"
wait "$DAEMON_PID" || rc_fail "ringcapd exited with status $?"
rc_pass "a missing interface is waited for, a vanished one resumes; rotate and reload on the control socket"
