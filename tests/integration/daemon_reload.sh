#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# ringcapd reload (SIGHUP), under continuous traffic:
#  - a broken file is refused, named in the log, and capture goes on with
#    no gap in the frames;
#  - a changed capture filter is swapped into the running sockets: the
#    same file continues, no gap, and the new filter applies;
#  - an added capture starts and a removed one stops.
source "$(dirname "$0")/../lib/ringcap.sh"
rc_need_root
rc_need capinfos
rc_tmpdir
rc_pair
A_CAP=$RC_CAP A_GEN=$RC_GEN A_NS=$RC_NS
rc_pair
B_CAP=$RC_CAP
SOCK=$RC_TMP/run/ringcap.sock
conf() { # FILTER [EXTRA-CAPTURE-YAML]
	cat >"$RC_TMP/ringcap.yaml" <<YAML
daemon: { user: "", runtime_directory: $RC_TMP/run, status_interval: 1s }
captures:
  - name: main
    interface: $A_CAP
    filter: "$1"
    outputs:
      - pcap: { path: $RC_TMP/main.pcap }
${2:-}
YAML
}
hup_and_wait() { # how many READY=1 lines to expect after it
	kill -HUP "$DAEMON_PID"
	for _ in $(seq 100); do
		[ "$(grep -c 'READY=1' "$NOTIFY_LOG")" -ge "$1" ] && return 0
		sleep 0.05
	done
	cat "$RC_TMP/daemon.log"
	rc_fail "no READY=1 after reload"
}

conf "udp"
rc_start_daemon "$RC_TMP/ringcap.yaml" "$RC_TMP/daemon.log"
ip netns exec "$A_NS" "$RCGEN" -i "$A_GEN" -n 60000 -s 60-300 --ports 5000,6000 -r 20000 &
GEN=$!
sleep 0.7
printf 'captures:\n  - name: main\n    interface: [oops\n' >"$RC_TMP/ringcap.yaml"
hup_and_wait 2
grep -q "has errors, not reloading" "$RC_TMP/daemon.log" || rc_fail "broken file not reported"
grep -q "ringcap.yaml:[0-9]*:[0-9]*: " "$RC_TMP/daemon.log" || { cat "$RC_TMP/daemon.log"; rc_fail "the error does not name file:line:col"; }
sleep 0.5
conf "udp or icmp"
hup_and_wait 3
grep -q "filter is now 'udp or icmp'" "$RC_TMP/daemon.log" || rc_fail "filter change not applied in place"
wait $GEN
sleep 0.3
# all 60000 frames of the stream, across two reloads, no gap
"${PCAPCHECK[@]}" seq "$RC_TMP/main.pcap" --expect 60000 || rc_fail "frames lost across the reloads"
[ "$(rc_stat "$SOCK" main frames)" = 60000 ] || rc_fail "stats disagree with the file"

# the new filter really applies: only port 6000 from here on
conf "udp dst port 6000"
hup_and_wait 4
ip netns exec "$A_NS" "$RCGEN" -i "$A_GEN" -n 1000 --ports 5000,6000 --start-seq 100000 >/dev/null
sleep 0.3
[ "$(rc_stat "$SOCK" main frames)" = 60500 ] || rc_fail "after the filter change: $(rc_stat "$SOCK" main frames) frames, expected 60500"

# add a capture, then remove it
conf "udp dst port 6000" "  - name: extra
    interface: $B_CAP
    outputs:
      - pcap: { path: $RC_TMP/extra.pcap }"
hup_and_wait 5
"$RINGCAP" status -S "$SOCK" | grep -q "capture extra: running" || rc_fail "added capture is not running"
conf "udp dst port 6000"
hup_and_wait 6
"$RINGCAP" status -S "$SOCK" | grep -q "capture extra" && rc_fail "removed capture still listed"
grep -q "capture extra: stopped (removed from the configuration)" "$RC_TMP/daemon.log" || rc_fail "removal not logged"
capinfos "$RC_TMP/extra.pcap" >/dev/null || rc_fail "removed capture's file is not valid"
grep -c "RELOADING=1" "$NOTIFY_LOG" | grep -qx 5 || rc_fail "expected 5 RELOADING=1"
kill -TERM "$DAEMON_PID"
wait "$DAEMON_PID" || rc_fail "exit status $?"
"${PCAPCHECK[@]}" count "$RC_TMP/main.pcap" | grep -qx 60500 || rc_fail "final file count"
cat "$RC_TMP/daemon.log"
rc_pass "reload: bad file kept the old config, filter swapped without a gap, captures added and removed"
