#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# ringcapd under a real systemd, as an administrator sees it: a Debian
# container booted with systemd as PID 1 (tests/lib/container.sh), the
# build under test put in by `make install`, ringcapd.service enabled and
# started at boot, capturing on a veth of this test into /var/lib/ringcap.
#  - boot: enabled, active (so READY=1 arrived), running as ringcap, the
#    counter line in StatusText;
#  - `systemctl reload` with a changed filter, under traffic: returns 0,
#    the filter applies, no frame lost; and when the daemon is slow to take
#    the signal, reload still returns only once the new filter is in place;
#  - `systemctl reload` with a broken file: fails (exit != 0), the
#    file:line:col error in `journalctl -u ringcapd`, the old configuration
#    keeps capturing;
#  - `systemctl stop`: every file complete (capinfos), every frame the
#    daemon counted is in them, each once, in order;
#  - a member of group ringcap runs `ringcap status`, nobody is refused;
#  - watchdog (shortened to 3 s by a drop-in): a SIGSTOPped daemon is
#    killed and restarted, and the new one captures.
# Every sent frame is either captured or counted as a kernel drop.
source "$(dirname "$0")/../lib/ringcap.sh"
source "$RC_TOP/tests/lib/container.sh"
rc_need_root
command -v capinfos >/dev/null 2>&1 || rc_fail "needs capinfos (make deps)"
T0=$(date +%s.%N)
rc_pair
CAP=$RC_CAP GEN=$RC_GEN NS=$RC_NS
ct_setup
T1=$(date +%s.%N)
CONF=$CT_ROOT/etc/ringcap/ringcap.yaml
OUT=$CT_ROOT/var/lib/ringcap

conf() { # FILTER
	cat >"$CONF" <<YAML
daemon: { status_interval: 1s }
captures:
  - name: main
    interface: $CAP
    filter: "$1"
    outputs:
      - pcap: { path: /var/lib/ringcap/main-%Y%m%d-%H%M%S.pcap }
YAML
}

# fail, with what the administrator would look at first
die() {
	echo "--- journalctl -u ringcapd:" >&2
	ct_journal ringcapd 2>&1 | tail -n 40 >&2 || true
	rc_fail "$@"
}

# elapsed time, for the log
step() {
	awk -v a="$T0" -v b="$(date +%s.%N)" 'BEGIN { printf "[%5.1f s] ", b - a }'
	echo "$*"
}

prop() { # PROPERTY: one property of ringcapd.service
	ct_systemctl show -P "$1" ringcapd.service
}

# "frames kernel_drops frames_lost" of capture main, from the daemon
counters() {
	local js
	js=$(ct_run ringcap stats --json) || die "ringcap stats failed"
	/usr/bin/python3 -c '
import json, sys
c = [c for c in json.load(sys.stdin)["captures"] if c["name"] == "main"][0]
print(c["frames"], c["kernel_drops"], c["frames_lost"])' <<<"$js"
}

# wait_counted TOTAL WHAT: until captured + kernel drops reach TOTAL (the
# frames sent so far that pass the filter); then exactly TOTAL, none lost
wait_counted() {
	local total=$1 what=$2 f=0 d=0 l=0 i c
	for ((i = 0; i < 100; i++)); do
		c=$(counters) || die "cannot read the daemon's counters"
		read -r f d l <<<"$c"
		[ $((f + d)) -ge "$total" ] && break
		sleep 0.1
	done
	echo "$what: $f frames captured, $d kernel drops, $l lost (expected $total)"
	[ $((f + d)) = "$total" ] ||
		die "$what: $f captured + $d dropped by the kernel = $((f + d)), expected $total"
	[ "$l" = 0 ] || die "$what: $l frames lost"
	FRAMES=$f
}

send() { # COUNT START-SEQ PORTS [RATE]
	ip netns exec "$NS" "$RCGEN" -i "$GEN" -n "$1" --start-seq "$2" --ports "$3" \
		-s 60-300 ${4:+-r "$4"} >/dev/null || die "rcgen failed"
}

# --- boot: enabled, started, ready ------------------------------------------
conf "udp"
step "booting"
ct_boot
step "booted"
T2=$(date +%s.%N)
[ "$(ct_systemctl is-enabled ringcapd)" = enabled ] || die "ringcapd is not enabled"
# active: for Type=notify, only once READY=1 has arrived
state=$(ct_systemctl is-active ringcapd) || {
	ct_systemctl status --no-pager ringcapd >&2 || true
	die "ringcapd is '$state' after boot"
}
[ "$(prop SubState)" = running ] || die "ringcapd is not running"
PID=$(prop MainPID)
[ "$(ct_run ps -o user= -p "$PID")" = ringcap ] || die "ringcapd does not run as user ringcap"
status=$(prop StatusText)
echo "StatusText=$status"
[[ $status =~ ^1/1\ captures\ running,\ [0-9]+\ frames,\ .+\ written,\ [0-9]+\ kernel\ drops,\ [0-9]+\ lost$ ]] ||
	die "StatusText is not the counter line: '$status'"
ct_wait_journal ringcapd "ready: 1 captures from /etc/ringcap/ringcap.yaml"
ct_run useradd -M -G ringcap rcoperator || die "cannot add a user to group ringcap"

# --- reload with a changed filter, under traffic ---------------------------
step "reload under traffic"
rc_bg rc_in_ns "$RCGEN" -i "$GEN" -n 30000 -s 60-300 --ports 5000,6000 -r 20000
GENPID=$RC_BG_PID
sleep 0.5
conf "udp or icmp"
ct_systemctl reload ringcapd || die "systemctl reload with a good file failed"
kill -0 "$GENPID" 2>/dev/null ||
	echo "note: the stream had ended before the reload returned (a slow machine)"
wait "$GENPID" || die "rcgen failed"
wait_counted 30000 "30000 frames across a reload"
ct_wait_journal ringcapd "filter is now 'udp or icmp'"

conf "udp dst port 6000"
ct_systemctl reload ringcapd || die "systemctl reload with a good file failed"
send 2000 100000 5000,6000
wait_counted 31000 "after the filter 'udp dst port 6000', 1000 of 2000 frames"

# When the daemon takes the signal late (a busy machine), `systemctl
# reload` must still return only once it has reloaded: a kill -HUP that
# systemd sees exit first lets the reload job end before the daemon even
# sent RELOADING=1, and the next frames meet the old filter.
step "reload while the daemon is slow to take the signal"
conf "udp dst port 5000"
ct_run kill -STOP "$PID"
rc_bg ct_run sh -c "sleep 1; kill -CONT $PID"
ct_systemctl reload ringcapd || die "systemctl reload with a good file failed"
send 1000 200000 5000
wait_counted 32000 "sent at once after 'systemctl reload' returned, to port 5000 only"
rc_stop "$RC_BG_PID" || true

# --- reload with a broken file ------------------------------------------------
step "reload with a broken file"
printf 'captures:\n  - name: main\n    interface: [oops\n' >"$CONF"
if ct_systemctl reload ringcapd; then
	die "systemctl reload with a broken file returned 0: the operator is not told"
fi
ct_wait_journal ringcapd "ringcap.yaml:[0-9]*:[0-9]*: "
ct_journal ringcapd | grep "ringcap.yaml:[0-9]*:[0-9]*: "
ct_systemctl is-active ringcapd >/dev/null || die "ringcapd is not active after a refused reload"
[ "$(prop MainPID)" = "$PID" ] || die "ringcapd was restarted by a refused reload"
send 1000 300000 5000
wait_counted 33000 "after the refused reload, the old filter"
status=$(prop StatusText)
[[ $status =~ ^1/1\ captures\ running, ]] || die "StatusText after a refused reload: '$status'"
conf "udp dst port 5000"

# --- stop: every file complete, every counted frame in them -------------------
step "stop"
c=$(counters) || die "cannot read the daemon's counters"
read -r FRAMES _ _ <<<"$c"
ct_systemctl stop ringcapd || die "systemctl stop failed"
state=$(ct_systemctl is-active ringcapd) && die "ringcapd is still '$state' after stop"
[ "$(prop Result)" = success ] || die "ringcapd stopped with result '$(prop Result)'"
mapfile -t files < <(find "$OUT" -name 'main-*.pcap' | sort)
[ ${#files[@]} -ge 1 ] || die "no pcap file in /var/lib/ringcap"
for f in "${files[@]}"; do
	capinfos "$f" >/dev/null || die "${f#"$CT_ROOT"} is not a complete pcap file"
	perm=$(ct_run stat -c '%a %U:%G' "${f#"$CT_ROOT"}")
	[ "$perm" = "640 ringcap:ringcap" ] || die "${f#"$CT_ROOT"}: mode and owner $perm"
done
out=$("${PCAPCHECK[@]}" seq "${files[@]}") || die "frames repeated or out of order in the files"
infile=$(echo "$out" | sed -n 's/^frames=\([0-9]*\) .*/\1/p')
echo "files: ${#files[@]}, $infile frames; the daemon counted $FRAMES"
[ "$infile" = "$FRAMES" ] || die "$infile frames in the files, the daemon counted $FRAMES"

# --- start again; who may ask for the status ----------------------------------
step "start, access"
ct_short_watchdog
ct_systemctl daemon-reload || die "systemctl daemon-reload failed"
ct_systemctl start ringcapd || die "systemctl start failed"
[ "$(prop WatchdogUSec)" = 3s ] || die "the watchdog drop-in is not in effect"
PID=$(prop MainPID)
out=$(ct_run setpriv --reuid=rcoperator --regid=rcoperator --init-groups ringcap status) ||
	die "a member of group ringcap cannot run 'ringcap status'"
echo "$out"
grep -q "^capture main: running on $CAP" <<<"$out" || die "'ringcap status' does not show capture main running"
if out=$(ct_run setpriv --reuid=nobody --regid=nogroup --clear-groups ringcap status 2>&1); then
	die "user nobody may run 'ringcap status'"
fi
echo "as nobody: $out"
grep -q "needs root or the ringcap group" <<<"$out" || die "nobody is refused without a clear message: '$out'"

# --- watchdog: a stopped daemon is killed and restarted ------------------------
step "watchdog"
ct_run kill -STOP "$PID"
for ((i = 0; i < 300; i++)); do
	npid=$(prop MainPID)
	[ "$npid" != 0 ] && [ "$npid" != "$PID" ] && [ "$(prop SubState)" = running ] && break
	sleep 0.1
done
if [ "$npid" = 0 ] || [ "$npid" = "$PID" ]; then
	die "the stopped daemon was not restarted (MainPID $npid)"
fi
[ "$(prop NRestarts)" = 1 ] || die "NRestarts is $(prop NRestarts), expected 1"
ct_run kill -0 "$PID" 2>/dev/null && die "the stopped daemon (pid $PID) is still there"
ct_systemctl is-active ringcapd >/dev/null || die "the restarted ringcapd is not active"
ct_wait_journal ringcapd "Watchdog timeout"
echo "watchdog: pid $PID killed, restarted as $npid"
send 1000 400000 5000
wait_counted 1000 "after the watchdog restart"
ct_systemctl stop ringcapd || die "systemctl stop failed"
newest=$(find "$OUT" -name 'main-*.pcap' | sort | tail -n 1)
capinfos "$newest" >/dev/null || die "${newest#"$CT_ROOT"} is not a complete pcap file"
[ "$("${PCAPCHECK[@]}" count "$newest")" = "$FRAMES" ] || die "the restarted daemon's file does not hold its $FRAMES frames"

T3=$(date +%s.%N)
ct_poweroff
T4=$(date +%s.%N)
awk -v a="$T0" -v b="$T1" -v c="$T2" -v d="$T3" -v e="$T4" 'BEGIN {
	printf "time: root + install %.1f s, boot %.1f s, checks %.1f s, poweroff %.1f s\n",
		b - a, c - b, d - c, e - d }'
rc_pass "ringcapd under systemd: boot, reload (good, late, broken), stop, access, watchdog restart"
