#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# ringcapd under a real systemd, for months: the parts of a service's life
# that systemd_real.sh does not cover, in a booted container
# (tests/lib/container.sh).
#  - boot with one of two interfaces missing: the service is active, the
#    present capture runs, the missing one shows as waiting; the interface
#    is created and frames land in both captures' files;
#  - `systemctl stop`: the journal holds each capture's final tally;
#  - a worker stuck writing (its output a FIFO whose reader is stopped)
#    withholds the watchdog ping and systemd restarts the service.
source "$(dirname "$0")/../lib/ringcap.sh"
source "$RC_TOP/tests/lib/container.sh"
rc_need_root
rc_pair
A_CAP=$RC_CAP A_GEN=$RC_GEN A_NS=$RC_NS
id=$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')
B_CAP=rcl$id B_GEN=rcm$id B_NS=rct-l$id
ip netns add "$B_NS"
rc_defer "ip netns del '$B_NS'"
# no IPv6 chatter from the generator's side: only rcgen's frames
ip netns exec "$B_NS" sh -c 'for k in default all; do echo 1 >/proc/sys/net/ipv6/conf/$k/disable_ipv6; done'
rc_defer "ip link del '$B_CAP' 2>/dev/null"
ct_setup
CONF=$CT_ROOT/etc/ringcap/ringcap.yaml
OUT=$CT_ROOT/var/lib/ringcap

die() {
	echo "--- journalctl -u ringcapd:" >&2
	ct_journal ringcapd 2>&1 | tail -n 40 >&2 || true
	rc_fail "$@"
}
prop() { ct_systemctl show -P "$1" ringcapd.service; }

cat >"$CONF" <<YAML
daemon: { status_interval: 1s }
captures:
  - name: present
    interface: $A_CAP
    outputs: [ { pcap: { path: /var/lib/ringcap/present.pcap } } ]
  - name: late
    interface: $B_CAP
    outputs: [ { pcap: { path: /var/lib/ringcap/late.pcap } } ]
YAML

# --- boot with an interface missing ---------------------------------------------
ct_boot
state=$(ct_systemctl is-active ringcapd) || die "ringcapd is '$state' with one interface missing"
status=$(ct_run ringcap status) || die "ringcap status failed"
echo "$status"
grep -q "capture present: running" <<<"$status" || die "capture present is not running"
grep -q "capture late: waiting: interface $B_CAP does not exist" <<<"$status" ||
	die "capture late is not waiting"
ip link add "$B_CAP" type veth peer name "$B_GEN" netns "$B_NS"
echo 1 >"/proc/sys/net/ipv6/conf/$B_CAP/disable_ipv6"
ip link set "$B_CAP" up
ip -n "$B_NS" link set "$B_GEN" up
rc_link_wait_up "" "$B_CAP"
rc_link_wait_up "$B_NS" "$B_GEN"
ct_wait_journal ringcapd "capture late: running on $B_CAP" 10
ip netns exec "$A_NS" "$RCGEN" -i "$A_GEN" -n 800 -r 20000 >/dev/null
ip netns exec "$B_NS" "$RCGEN" -i "$B_GEN" -n 900 -r 20000 >/dev/null
sleep 0.5

# --- stop: every file complete, the tally in the journal ----------------------
ct_systemctl stop ringcapd || die "systemctl stop failed"
"${PCAPCHECK[@]}" seq "$OUT/present.pcap" --expect 800 || die "present's frames"
"${PCAPCHECK[@]}" seq "$OUT/late.pcap" --expect 900 || die "late's frames"
ct_journal ringcapd | grep "stopped (daemon stopping)"
ct_journal ringcapd | grep -q "capture present: stopped (daemon stopping): 800 frames received, 0 dropped by the kernel, 800 frames written, 0 lost" ||
	die "no final tally for capture present in the journal"
ct_journal ringcapd | grep -q "capture late: stopped (daemon stopping): 900 frames received, 0 dropped by the kernel, 900 frames written, 0 lost" ||
	die "no final tally for capture late in the journal"

# --- a stalled worker stops the watchdog pings ----------------------------------
cat >"$CONF" <<YAML
captures:
  - name: stall
    interface: $A_CAP
    outputs: [ { pcap: { path: /var/lib/ringcap/stall.fifo } } ]
YAML
ct_short_watchdog
ct_run mkfifo -m 0660 /var/lib/ringcap/stall.fifo || die "mkfifo"
ct_run chown ringcap:ringcap /var/lib/ringcap/stall.fifo
rc_bg ct_run sh -c 'exec cat /var/lib/ringcap/stall.fifo >/dev/null'
READER=$RC_BG_PID
ct_systemctl daemon-reload || die "daemon-reload"
ct_systemctl start ringcapd || die "start with a FIFO output"
PID=$(prop MainPID)
ct_wait_journal ringcapd "capture stall: running" 10
sleep 0.5
# the reader stops reading: 5 MB into a 64 KiB pipe blocks the worker
rdr=$(ct_run pgrep -f 'cat /var/lib/ringcap/stall.fifo' | head -n 1)
[ -n "$rdr" ] || die "no FIFO reader in the container"
ct_run kill -STOP "$rdr"
ip netns exec "$A_NS" "$RCGEN" -i "$A_GEN" -n 5000 -s 1000 >/dev/null
ct_wait_journal ringcapd "worker 0 is not making progress" 15
for ((i = 0; i < 200; i++)); do
	npid=$(prop MainPID)
	[ "$npid" != 0 ] && [ "$npid" != "$PID" ] && break
	sleep 0.1
done
[ "$npid" != 0 ] && [ "$npid" != "$PID" ] || die "the stalled daemon was not restarted"
ct_wait_journal ringcapd "Watchdog timeout" 5
echo "stalled worker: pid $PID killed by the watchdog, restarted as $npid"
ct_run kill -CONT "$rdr" || true
ct_systemctl stop ringcapd || true
rc_stop "$READER" || true
ct_poweroff
rc_pass "ringcapd under systemd: a missing interface waited for, the stop tally in the journal, a stalled worker restarted by the watchdog"
