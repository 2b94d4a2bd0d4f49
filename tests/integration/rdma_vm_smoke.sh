#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# RDMA for real, in a VM: the host kernel has no RDMA, so Debian's 6.1
# kernel boots under qemu TCG (tests/vm/run.sh) with an initramfs holding
# ringcap, rcgen, the verbs stack and Soft-RoCE (tests/vm/mkinitramfs.sh),
# and runs tests/vm/guest/ibv_smoke.sh: rxe0 on a veth, ib_write_bw server
# and client on it.  Checked here, from the files the guest left in the
# shared directory:
#   1. ringcap and rcgen run in the guest (--version, --help)
#   2. rxe0 is up: ibv_devinfo shows PORT_ACTIVE on an Ethernet link
#   3. ib_write_bw moved data: its table has a non-zero average bandwidth
# Skips when qemu or the 6.1 kernel is not installed (make deps).
# Prints the bandwidth and the wall time of boot + test.
source "$(dirname "$0")/../lib/ringcap.sh"
rc_need_root
rc_need qemu-system-x86_64 cpio gzip busybox
VM=$RC_TOP/tests/vm
compgen -G '/boot/vmlinuz-6.1.*' >/dev/null || rc_skip "no Debian 6.1 kernel in /boot (make deps: linux-image-amd64)"

rc_tmpdir
T=$RC_TMP
SHARE=$T/share
mkdir -p "$SHARE"
# the scripts' own temp files too, so that the trap removes them whatever
# happens to the scripts
export TMPDIR=$T

rc=0
"$VM/mkinitramfs.sh" "$T/initrd.cpio.gz" "$VM/guest/ibv_smoke.sh" "$RINGCAP" "$RCGEN" || rc=$?
[ $rc = 77 ] && rc_skip "cannot build the VM's initramfs (make deps)"
[ $rc = 0 ] || rc_fail "mkinitramfs.sh failed (exit $rc)"

t0=$(date +%s%N)
"$VM/run.sh" --timeout 240 "$T/initrd.cpio.gz" "$SHARE" >"$T/console" 2>&1 || rc=$?
t1=$(date +%s%N)
secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", (b - a) / 1e9 }')
echo "--- VM console:"
cat "$T/console"
echo "---"
[ $rc = 77 ] && rc_skip "$(tail -n 1 "$T/console")"
[ $rc = 0 ] || rc_fail "the VM run failed (exit $rc after ${secs}s): $(tail -n 1 "$T/console")"

# 1. our binaries ran in the guest
grep -q '^ringcap [0-9]' "$SHARE/ringcap_version.txt" 2>/dev/null ||
	rc_fail "ringcap --version did not run in the guest: $(cat "$SHARE/ringcap_version.txt" 2>&1)"
grep -q '^usage: rcgen' "$SHARE/rcgen_help.txt" 2>/dev/null ||
	rc_fail "rcgen --help did not run in the guest: $(cat "$SHARE/rcgen_help.txt" 2>&1)"
echo "in the guest: $(cat "$SHARE/ringcap_version.txt")"

# 2. the rxe device
grep -q 'PORT_ACTIVE' "$SHARE/ibv_devinfo.txt" 2>/dev/null ||
	rc_fail "rxe0 is not active: $(cat "$SHARE/ibv_devinfo.txt" 2>&1)"
grep -q 'link_layer:[[:space:]]*Ethernet' "$SHARE/ibv_devinfo.txt" ||
	rc_fail "rxe0 is not on an Ethernet link"

# 3. the transfer: the row under "#bytes #iterations BW peak BW average ..."
[ -s "$SHARE/ib_write_bw.txt" ] || rc_fail "no ib_write_bw.txt from the guest"
row=$(awk '/^ *#bytes/ { getline; print; exit }' "$SHARE/ib_write_bw.txt")
read -r bytes iters peak avg _rest <<<"$row" || true
[[ ${bytes:-} =~ ^[0-9]+$ && ${iters:-} =~ ^[0-9]+$ && ${avg:-} =~ ^[0-9]+(\.[0-9]+)?$ ]] ||
	rc_fail "no bandwidth row in ib_write_bw's output: $(cat "$SHARE/ib_write_bw.txt")"
awk -v a="$avg" 'BEGIN { exit !(a > 0) }' || rc_fail "ib_write_bw average bandwidth is $avg MB/s"

echo "ib_write_bw on rxe in the VM: $iters x $bytes bytes, average $avg MB/s (peak $peak MB/s)"
echo "VM boot + test: ${secs}s wall"
rc_pass "RDMA write on Soft-RoCE in a 6.1 VM: $avg MB/s; ringcap and rcgen run there (${secs}s)"
