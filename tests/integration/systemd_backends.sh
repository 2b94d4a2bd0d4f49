#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The backends that need more than the shipped unit grants, under a real
# systemd (the booted container of tests/lib/container.sh, the build put in
# by `make install`), with the drop-ins an administrator enables
# (systemd/afxdp.conf, systemd/rdma.conf; ringcapd(8), "Running under
# systemd"):
#  - afxdp without its drop-in: ringcapd.service fails at boot, exit 2, not
#    restarted, and the journal names afxdp.conf; `ringcapd -n` and
#    `ringcap config check` name it too (exit 0);
#  - afxdp with the drop-in linked in: active, ringcap's XDP program on the
#    veth, every frame sent lands in /var/lib/ringcap; a reload that changes
#    the capture attaches a new program and detaches the old one; a daemon
#    killed with SIGKILL is restarted, and the new one removes the program
#    the dead one left and captures; `systemctl stop` leaves complete files
#    holding every frame counted, and no XDP program;
#  - an rdma output without its drop-in: the journal names rdma.conf.  The
#    kernel here has no RDMA, so device nodes are faked (rdma_cm, uverbs0,
#    umad0, mode 0600 like the kernel's) and a probe unit (the installed
#    unit, ExecStart= replaced by a shell that opens them) shows what the
#    drop-in changes: without it /dev/infiniband does not exist in the
#    unit; with it rdma_cm and uverbs0 reach the kernel (which answers "no
#    such device": no driver), umad0 stays refused, nothing else of /dev
#    appears, and the device list is exactly the drop-in's.  Not tested
#    here: that the device cgroup enforces that list (the container's
#    devices controller is not delegated), and a real RDMA transfer under
#    the unit (tests/integration/rdma_forward.sh runs one in a VM, without
#    systemd).
# The container gets bpf() (--system-call-filter=bpf: nspawn's own filter
# keeps it out); CAP_SYS_ADMIN is in nspawn's default set.
source "$(dirname "$0")/../lib/ringcap.sh"
source "$RC_TOP/tests/lib/container.sh"
rc_need_root
rc_need_afxdp
command -v capinfos >/dev/null 2>&1 || rc_fail "needs capinfos (make deps)"
T0=$(date +%s.%N)
rc_pair
CAP=$RC_CAP GEN=$RC_GEN NS=$RC_NS
ct_setup
CONF=$CT_ROOT/etc/ringcap/ringcap.yaml
OUT=$CT_ROOT/var/lib/ringcap
DROPINS=$CT_PREFIX/share/ringcap/systemd
UNITD=/etc/systemd/system/ringcapd.service.d
CT_NSPAWN_ARGS=(--system-call-filter=bpf)

conf_afxdp() { # FRAMES: UMEM chunks per queue
	cat >"$CONF" <<YAML
daemon: { status_interval: 1s }
captures:
  - name: span
    interface: $CAP
    backend: afxdp
    filter: "udp"
    xdp: { dedicated_port: true, frames: $1 }
    outputs:
      - pcap: { path: /var/lib/ringcap/span-%Y%m%d-%H%M%S.pcap }
YAML
}

die() {
	echo "--- journalctl -u ringcapd:" >&2
	ct_journal ringcapd 2>&1 | tail -n 30 >&2 || true
	rc_fail "$@"
}

step() {
	awk -v a="$T0" -v b="$(date +%s.%N)" 'BEGIN { printf "[%5.1f s] ", b - a }'
	echo "$*"
}

prop() { # PROPERTY [UNIT]
	ct_systemctl show -P "$1" "${2:-ringcapd.service}"
}

# the journal of ringcapd's latest start only
last_run() {
	ct_run journalctl --no-pager -q -o cat "_SYSTEMD_INVOCATION_ID=$(prop InvocationID)"
}

# the id of ringcap's XDP program on $CAP, as this host sees it; "" if none
xdp_id() {
	ip -d link show dev "$CAP" |
		sed -n 's|.*prog/xdp[a-z]* id \([0-9]*\) name ringcap_xdp.*|\1|p'
}

# "frames kernel_drops frames_lost" of capture span
counters() {
	local js
	js=$(ct_run ringcap stats --json) || die "ringcap stats failed"
	/usr/bin/python3 -c '
import json, sys
c = [c for c in json.load(sys.stdin)["captures"] if c["name"] == "span"][0]
print(c["frames"], c["kernel_drops"], c["frames_lost"])' <<<"$js"
}

# send COUNT frames, wait until the daemon counted them (captured or
# dropped by the kernel, none lost); FRAMES = those captured
send_counted() { # COUNT START-SEQ WHAT
	local f=0 d=0 l=0 i c
	ip netns exec "$NS" "$RCGEN" -i "$GEN" -n "$1" --start-seq "$2" -s 60-300 >/dev/null ||
		die "rcgen failed"
	for ((i = 0; i < 100; i++)); do
		c=$(counters) || die "cannot read the daemon's counters"
		read -r f d l <<<"$c"
		[ $((f + d)) -ge "$1" ] && break
		sleep 0.1
	done
	echo "$3: $f frames captured, $d kernel drops, $l lost (sent $1)"
	[ $((f + d)) = "$1" ] || die "$3: $f captured + $d dropped by the kernel, sent $1"
	[ "$l" = 0 ] || die "$3: $l frames lost"
	FRAMES=$f
}

active() { # WHAT
	local state
	state=$(ct_systemctl is-active ringcapd) || {
		ct_systemctl status --no-pager ringcapd >&2 || true
		die "$1: ringcapd is '$state'"
	}
}

# --- afxdp without its drop-in -------------------------------------------------
conf_afxdp 4096
step "booting (afxdp capture, no drop-in)"
ct_boot
step "booted"
state=$(ct_systemctl is-active ringcapd) && die "ringcapd is '$state' without the afxdp drop-in"
[ "$(prop ExecMainStatus)" = 2 ] || die "ringcapd exited with status $(prop ExecMainStatus), expected 2"
[ "$(prop NRestarts)" = 0 ] || die "ringcapd was restarted $(prop NRestarts) times: exit 2 must stop it"
msg=$(last_run | grep 'drop-in afxdp.conf') || die "the journal does not name the drop-in afxdp.conf"
echo "journal: $msg"
for cmd in "ringcapd -n -c /etc/ringcap/ringcap.yaml" "ringcap config check /etc/ringcap/ringcap.yaml"; do
	# shellcheck disable=SC2086  # the command's words
	out=$(ct_run $cmd) || die "'$cmd' failed (exit $?): an enabled drop-in is no error"
	grep -qx "configuration OK" <<<"$out" || die "'$cmd' says: $out"
	grep -q "needs the drop-in afxdp.conf: capture span uses backend afxdp" <<<"$out" ||
		die "'$cmd' does not name the drop-in afxdp.conf: $out"
	! grep -q "rdma.conf" <<<"$out" || die "'$cmd' names rdma.conf for a capture without rdma output"
done

# --- with it: start, capture, reload, SIGKILL, stop -----------------------------
step "afxdp drop-in enabled"
ct_run mkdir -p "$UNITD"
ct_run ln -s "$DROPINS/afxdp.conf" "$UNITD/" || die "cannot link $DROPINS/afxdp.conf"
mkdir -p "$CT_ROOT/etc/systemd/system/ringcapd.service.d"
cat >"$CT_ROOT/etc/systemd/system/ringcapd.service.d/test-restart.conf" <<'EOF'
# systemd_backends.sh: restart at once after the SIGKILL below
[Service]
RestartSec=200ms
EOF
ct_systemctl daemon-reload || die "systemctl daemon-reload failed"
ct_systemctl reset-failed ringcapd
ct_systemctl start ringcapd || die "systemctl start with the afxdp drop-in failed"
active "with the afxdp drop-in"
caps=$(prop AmbientCapabilities)
echo "AmbientCapabilities=$caps"
[ "$caps" = "cap_net_admin cap_net_raw cap_ipc_lock cap_sys_admin" ] ||
	die "the unit with afxdp.conf grants '$caps'"
id1=$(xdp_id)
[ -n "$id1" ] || die "no ringcap XDP program on $CAP while ringcapd runs"
echo "XDP program $id1 on $CAP"
send_counted 2000 0 "first run"
ct_systemctl stop ringcapd || die "systemctl stop failed"
[ "$(prop Result)" = success ] || die "ringcapd stopped with result '$(prop Result)'"
[ -z "$(xdp_id)" ] || die "XDP program $(xdp_id) still on $CAP after systemctl stop"
mapfile -t files < <(find "$OUT" -name 'span-*.pcap' | sort)
[ ${#files[@]} = 1 ] || die "${#files[@]} files after the first run, expected 1"
capinfos "${files[0]}" >/dev/null || die "${files[0]#"$CT_ROOT"} is not a complete pcap file"
n=$("${PCAPCHECK[@]}" count "${files[0]}")
[ "$n" = "$FRAMES" ] || die "$n frames in ${files[0]#"$CT_ROOT"}, the daemon counted $FRAMES"
FIRST=${files[0]}

step "reload that changes the capture"
ct_systemctl start ringcapd || die "systemctl start failed"
active "second start"
id2=$(xdp_id)
conf_afxdp 8192
ct_systemctl reload ringcapd || die "systemctl reload failed"
ct_wait_journal ringcapd "capture span: stopped (settings changed, restarting)"
active "after the reload"
id3=$(xdp_id)
if [ -z "$id3" ] || [ "$id3" = "$id2" ]; then
	die "after a reload that restarts the capture: XDP program '$id3', before '$id2'"
fi
echo "reload: XDP program $id2 detached, $id3 attached"
send_counted 1000 10000 "after the reload"

step "SIGKILL"
PID=$(prop MainPID)
ct_run kill -KILL "$PID"
for ((i = 0; i < 100; i++)); do
	npid=$(prop MainPID)
	[ "$npid" != 0 ] && [ "$npid" != "$PID" ] && [ "$(prop SubState)" = running ] && break
	sleep 0.1
done
if [ "$npid" = 0 ] || [ "$npid" = "$PID" ]; then
	die "the killed daemon was not restarted"
fi
active "after the restart"
last_run | grep -q "removed a stale ringcap XDP program (id $id3)" ||
	die "the restarted daemon did not remove the killed one's XDP program $id3"
id4=$(xdp_id)
if [ -z "$id4" ] || [ "$id4" = "$id3" ]; then
	die "after the restart: XDP program '$id4', the killed one's '$id3'"
fi
echo "restart: the killed daemon's program $id3 removed, $id4 attached"
send_counted 1000 20000 "after the restart"

step "stop"
ct_systemctl stop ringcapd || die "systemctl stop failed"
[ "$(prop Result)" = success ] || die "ringcapd stopped with result '$(prop Result)'"
[ -z "$(xdp_id)" ] || die "XDP program $(xdp_id) still on $CAP after systemctl stop"
newest=$(find "$OUT" -name 'span-*.pcap' -printf '%T@ %p\n' | sort -n | tail -n 1 | cut -d' ' -f2-)
[ "$newest" != "$FIRST" ] || die "the restarted daemon wrote no file"
capinfos "$newest" >/dev/null || die "${newest#"$CT_ROOT"} is not a complete pcap file"
n=$("${PCAPCHECK[@]}" count "$newest")
[ "$n" = "$FRAMES" ] || die "$n frames in ${newest#"$CT_ROOT"}, the daemon counted $FRAMES"
last_run | grep -q "capture span: stopped (daemon stopping): .*, $FRAMES frames written, 0 lost" ||
	die "no final tally of $FRAMES frames in the journal"

# --- rdma ----------------------------------------------------------------------
step "rdma output, no drop-in"
# what the kernel would make: rdma_cm (misc) and the verbs device 0666, umad
# root-only; no driver answers behind these numbers
ct_run sh -c 'mkdir -p /dev/infiniband && cd /dev/infiniband &&
	mknod -m 0666 rdma_cm c 10 250 && mknod -m 0666 uverbs0 c 231 192 &&
	mknod -m 0600 umad0 c 231 0' || die "cannot make the device nodes"
cat >"$CONF" <<YAML
captures:
  - name: fwd
    interface: $CAP
    outputs:
      - rdma: { peer: "198.18.0.2:7718" }
YAML
out=$(ct_run ringcapd -n -c /etc/ringcap/ringcap.yaml) || die "ringcapd -n failed"
grep -q "needs the drop-in rdma.conf: capture fwd has an rdma output" <<<"$out" ||
	die "ringcapd -n does not name rdma.conf: $out"
ct_systemctl start ringcapd && die "ringcapd started with an rdma output and no rdma drop-in"
[ "$(prop ExecMainStatus)" = 2 ] || die "exit status $(prop ExecMainStatus), expected 2"
msg=$(last_run | grep 'drop-in rdma.conf is not enabled') || die "the journal does not name rdma.conf"
echo "journal: $msg"

step "rdma drop-in enabled"
ct_run ln -s "$DROPINS/rdma.conf" "$UNITD/" || die "cannot link $DROPINS/rdma.conf"
ct_systemctl daemon-reload || die "systemctl daemon-reload failed"
ct_systemctl reset-failed ringcapd
ct_systemctl start ringcapd && die "ringcapd started with an RDMA output on a kernel without RDMA"
if last_run | grep 'drop-in rdma.conf'; then
	die "with rdma.conf enabled, ringcapd still asks for it"
fi
echo "journal: $(last_run | grep -m1 'capture fwd' || true)"
allow=$(prop DeviceAllow | sort | tr '\n' ' ')
[ "$allow" = "/dev/infiniband/rdma_cm rw char-infiniband_verbs rw char-rtc r " ] ||
	die "the unit with rdma.conf allows the devices: $allow"
[ "$(prop DevicePolicy)" = closed ] || die "DevicePolicy=$(prop DevicePolicy)"
[ "$(prop PrivateDevices)" = yes ] || die "PrivateDevices=$(prop PrivateDevices) with rdma.conf"

step "probe unit"
# the probe: the installed unit, ringcapd's drop-ins, a shell for ExecStart
U=$CT_ROOT/etc/systemd/system
# shellcheck disable=SC2016  # $$f is the probe shell's, systemd makes it $f
sed -e 's/^Type=notify/Type=oneshot/' -e '/^ExecReload=/d' -e '/^WatchdogSec=/d' \
	-e 's|^ExecStart=.*|ExecStart=/bin/sh -c "ls /dev /dev/infiniband; for f in rdma_cm uverbs0 umad0; do (: <>/dev/infiniband/$$f) 2>\&1; done; true"|' \
	"$CT_ROOT/lib/systemd/system/ringcapd.service" >"$U/rcprobe.service"
grep -q '^ExecStart=/bin/sh' "$U/rcprobe.service" || die "cannot make the probe unit"
# what the probe printed in its latest run (a oneshot unit that has ended
# has no invocation id left to ask for)
probe() {
	local cur
	cur=$(ct_run journalctl -q -n 0 --show-cursor | sed -n 's/^-- cursor: //p')
	[ -n "$cur" ] || die "no journal cursor"
	ct_systemctl start rcprobe || die "the probe unit failed"
	ct_run journalctl -q --no-pager -o cat -u rcprobe.service --after-cursor="$cur"
}
ct_systemctl daemon-reload || die "systemctl daemon-reload failed"
out=$(probe)
grep -q "cannot access '/dev/infiniband': No such file" <<<"$out" ||
	die "without rdma.conf, the probe sees: $out"
mkdir -p "$U/rcprobe.service.d"
ln -s "$DROPINS/rdma.conf" "$U/rcprobe.service.d/"
ct_systemctl daemon-reload || die "systemctl daemon-reload failed"
out=$(probe)
echo "probe with rdma.conf:"
sed 's/^/  /' <<<"$out"
grep -q "rdma_cm: No such device$" <<<"$out" || die "rdma_cm does not reach the kernel"
# where the device cgroup is enforced, uverbs0 is refused: this kernel has
# no infiniband_verbs major for char-infiniband_verbs to name
grep -Eq "uverbs0: (No such device or address|Operation not permitted)$" <<<"$out" ||
	die "uverbs0: neither reaches the kernel nor is refused by the device policy"
grep -q "umad0: Permission denied$" <<<"$out" || die "umad0 is not refused to user ringcap"
# /dev: the private one (PrivateDevices=), with infiniband bound in
devs=$(sed -n '/^\/dev:$/,/^$/p' <<<"$out" | sed '1d;/^$/d' | tr '\n' ' ')
for d in sda vda mem kmsg net dri; do
	! grep -qw "$d" <<<"$devs" || die "/dev/$d is visible in the unit with rdma.conf: $devs"
done
grep -qw infiniband <<<"$devs" || die "no /dev/infiniband in the unit with rdma.conf: $devs"

T3=$(date +%s.%N)
ct_poweroff
T4=$(date +%s.%N)
awk -v a="$T0" -v b="$T3" -v c="$T4" 'BEGIN { printf "time: %.1f s, poweroff %.1f s\n", b - a, c - b }'
rc_pass "afxdp under systemd with afxdp.conf (start, reload, SIGKILL, stop; refused and named without it); rdma.conf named, its devices reach the kernel"
