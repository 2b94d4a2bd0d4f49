#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# run.sh [--timeout SECS] [--mem MB] INITRAMFS SHAREDIR
#
# Owns booting the test VM: Debian's 6.1 kernel (newest /boot/vmlinuz-6.1.*,
# or RC_VM_KERNEL) under qemu TCG with an initramfs from mkinitramfs.sh,
# SHAREDIR shared read-write as the guest's /share (9p over virtio, tag
# "rcshare").  The serial console is copied to stdout as it comes.
#
# Exit status: the guest script's own (from the console line
# "RC-GUEST-EXIT=<status>"; 124 when /init killed it at its time limit,
# 125 when /init could not set up); 77 when qemu or the kernel is missing;
# 1 when the VM did not finish within SECS (default 180) or powered off
# without that line.  qemu never outlives this script: it is killed on a
# timeout or a signal, and dies with the script even on SIGKILL
# (parent-death signal).  TCG, not KVM: KVM hung at boot on the testbed.
#
# Boot time under TCG is mostly the kernel unpacking itself (xz, ~4 s), so
# the ELF vmlinux inside the bzImage is unpacked here (~1 s of host CPU)
# and booted through its PVH entry point; without readelf or a PVH note
# the bzImage itself is booted.  RC_VM_PVH=0 forces the bzImage.
# -display none -nodefaults rather than -nographic: with -nographic
# SeaBIOS writes terminal resets to the serial console (the console here
# is stdout), and the default floppy, CD-ROM and VGA only cost boot time.
set -euo pipefail

TIMEOUT=180 MEM=1024
while [ $# -gt 0 ]; do
	case $1 in
	--timeout) TIMEOUT=$2; shift 2 ;;
	--mem) MEM=$2; shift 2 ;;
	--) shift; break ;;
	-*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
done
if [ $# -ne 2 ]; then
	echo "usage: $0 [--timeout SECS] [--mem MB] INITRAMFS SHAREDIR" >&2
	exit 2
fi
INITRD=$1 SHARE=$2
[[ $TIMEOUT =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: bad --timeout $TIMEOUT" >&2; exit 2; }
[[ $MEM =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: bad --mem $MEM" >&2; exit 2; }
[ -f "$INITRD" ] || { echo "run.sh: $INITRD: no such initramfs" >&2; exit 2; }
[ -d "$SHARE" ] || { echo "run.sh: $SHARE: no such directory" >&2; exit 2; }

QEMU=$(command -v qemu-system-x86_64 || true)
[ -n "$QEMU" ] || { echo "run.sh: SKIP: no qemu-system-x86_64 (apt-get install qemu-system-x86)"; exit 77; }
if [ -n "${RC_VM_KERNEL:-}" ]; then
	KERNEL=$RC_VM_KERNEL
else
	KERNEL=$(compgen -G '/boot/vmlinuz-6.1.*' | sort -V | tail -n 1 || true)
fi
if [ -z "$KERNEL" ] || [ ! -e "$KERNEL" ]; then
	echo "run.sh: SKIP: no /boot/vmlinuz-6.1.* (apt-get install linux-image-amd64)"
	exit 77
fi
[ -r "$KERNEL" ] || { echo "run.sh: SKIP: cannot read $KERNEL (needs root)"; exit 77; }

# /init's own limit for the guest script: short of ours, so that a hung
# script still gets reported (and the share unmounted) rather than cut off
if [ "$TIMEOUT" -gt 60 ]; then GUEST_LIMIT=$((TIMEOUT - 30)); else GUEST_LIMIT=$((TIMEOUT * 2 / 3)); fi
[ "$GUEST_LIMIT" -ge 1 ] || GUEST_LIMIT=1

TMP=$(mktemp -d "${TMPDIR:-/tmp}/rcvm.XXXXXXXX")
LOG=$TMP/console
QPID='' TAILPID=''
# shellcheck disable=SC2317  # run by the traps
cleanup() {
	local p
	trap - EXIT INT TERM HUP
	for p in $QPID $TAILPID; do
		kill -TERM "$p" 2>/dev/null || continue
		for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$p" 2>/dev/null || break; sleep 0.2; done
		kill -KILL "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	rm -rf -- "$TMP"
}
trap cleanup EXIT
trap 'echo "run.sh: interrupted, stopping qemu" >&2; exit 130' INT
trap 'echo "run.sh: terminated, stopping qemu" >&2; exit 143' TERM
trap 'exit 129' HUP

# pvh_kernel BZIMAGE OUT: unpack the ELF vmlinux with a PVH entry note
pvh_kernel() {
	local z=$1 out=$2 magic off dec notes
	command -v readelf >/dev/null || return 1
	for magic in 'xz:\xfd7zXZ\x00' 'zstd:\x28\xb5\x2f\xfd' 'gzip:\x1f\x8b\x08'; do
		dec=${magic%%:*}
		command -v "$dec" >/dev/null || continue
		off=$(LC_ALL=C grep -obUaP -m 1 "${magic#*:}" "$z" | head -n 1 | cut -d: -f1 || true)
		[ -n "$off" ] || continue
		case $dec in
		xz) tail -c +$((off + 1)) "$z" | xz -dcq --single-stream >"$out" 2>/dev/null ;;
		zstd) tail -c +$((off + 1)) "$z" | zstd -dcq >"$out" 2>/dev/null ;;
		gzip) tail -c +$((off + 1)) "$z" | gzip -dcq >"$out" 2>/dev/null ;;
		esac
		# a decompressor may stop with an error at the data after the
		# stream: what counts is a whole ELF file with the PVH entry note
		# (XEN_ELFNOTE_PHYS32_ENTRY, type 18)
		[ "$(head -c 4 "$out" | od -An -tx1 | tr -d ' ')" = 7f454c46 ] &&
			notes=$(readelf -n "$out" 2>/dev/null) &&
			grep -qiE 'PHYS32_ENTRY|note type: \(0x0*12\)' <<<"$notes" &&
			return 0
	done
	rm -f "$out"
	return 1
}
BOOT=$KERNEL
if [ "${RC_VM_PVH:-1}" != 0 ] && pvh_kernel "$KERNEL" "$TMP/vmlinux"; then
	# qemu gets it as an open descriptor of a deleted file: 64 MB that
	# not even a SIGKILL of this script can leave behind
	exec {KFD}<"$TMP/vmlinux"
	rm -f "$TMP/vmlinux"
	BOOT=/dev/fd/$KFD
fi

PDEATH=()
[[ $(setpriv --help 2>&1 || true) == *--pdeathsig* ]] && PDEATH=(setpriv --pdeathsig KILL --)

: >"$LOG"
# cryptomgr.notests: the crypto self-tests take most of a second in TCG
"${PDEATH[@]}" "$QEMU" -accel tcg -m "$MEM" -smp 2 \
	-kernel "$BOOT" -initrd "$INITRD" \
	-append "console=ttyS0 quiet panic=-1 cryptomgr.notests rc_timeout=$GUEST_LIMIT" \
	-display none -nodefaults -monitor none -serial stdio -no-reboot -net none \
	-virtfs "local,path=$SHARE,mount_tag=rcshare,security_model=none,id=rcshare" \
	</dev/null >"$LOG" 2>&1 &
QPID=$!
# the console's CRs go: logs are read with grep and sed
tail -n +1 -s 0.2 -f --pid="$QPID" "$LOG" | tr -d '\r' &
TAILPID=$!

t0=$SECONDS
while kill -0 "$QPID" 2>/dev/null; do
	if [ $((SECONDS - t0)) -ge "$TIMEOUT" ]; then
		echo "run.sh: FAIL: the VM did not finish within ${TIMEOUT}s, killing qemu" >&2
		exit 1
	fi
	sleep 0.2
done
qrc=0
wait "$QPID" || qrc=$?
QPID=''
wait "$TAILPID" 2>/dev/null || true
TAILPID=''
rc=$(tr -d '\r' <"$LOG" | sed -n 's/^RC-GUEST-EXIT=\([0-9][0-9]*\).*/\1/p' | tail -n 1)
if [ -z "$rc" ]; then
	echo "run.sh: FAIL: the VM stopped (qemu exit $qrc) after $((SECONDS - t0))s without reporting the guest's status (kernel panic or /init failure?)" >&2
	exit 1
fi
case $rc in
0) echo "run.sh: guest script passed (VM ran $((SECONDS - t0))s)" >&2 ;;
124) echo "run.sh: FAIL: the guest script hit its ${GUEST_LIMIT}s limit" >&2 ;;
125) echo "run.sh: FAIL: the VM's /init could not set up (see its rc-init: lines)" >&2 ;;
*) echo "run.sh: guest script exited with status $rc" >&2 ;;
esac
exit "$rc"
