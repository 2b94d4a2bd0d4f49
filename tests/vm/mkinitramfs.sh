#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# mkinitramfs.sh OUT.cpio.gz GUEST_SCRIPT [FILE...]
#
# Owns the contents of the test VM's initramfs (booted by tests/vm/run.sh
# on Debian's 6.1 kernel, which has Soft-RoCE as a module; the host kernel
# has no RDMA).  Everything the guest runs comes from this host's own
# Debian packages, copied with the libraries ldd lists; nothing is built.
#
# The guest script contract (what /init gives GUEST_SCRIPT, run as root
# from / with stdin /dev/null and stdout/stderr on the serial console):
#   /guest.sh          GUEST_SCRIPT; its exit status is reported to the
#                      host as "RC-GUEST-EXIT=<status>" (124: time limit)
#   /share  $RC_SHARE  the host's SHAREDIR (9p over virtio, read-write,
#                      files appear on the host as root's)
#   /rc/bin $RC_BIN    each FILE (by basename; SRC:/DEST puts one at
#                      DEST instead), iproute2's ip and rdma, ib_write_bw,
#                      ibv_rc_pingpong, ibv_devinfo, ibv_devices, bash
#   $RC_IP $RC_RDMA    iproute2's ip and rdma.  busybox sh runs its own
#                      "ip" applet before any file of that name: call these
#                      by full path (bash scripts get them first in PATH)
#   $RC_KVER           the guest kernel release
#   $RC_GUEST_TIMEOUT  seconds the script has before it is killed
#   /tmp, /run         tmpfs (RAM: run.sh --mem); lo is up
#   modules loaded     crc32_generic udp_tunnel ip6_udp_tunnel ib_core
#                      ib_uverbs ib_cm iw_cm rdma_cm rdma_ucm rdma_rxe veth,
#                      the virtio/9p ones, and what they depend on
# Tools: /bin/sh is busybox (every applet linked in /bin, /sbin, /usr/...),
# /bin/bash is Debian's bash, so "#!/bin/bash" with set -euo pipefail works.
#
# The kernel is the newest /boot/vmlinuz-6.1.* unless RC_VM_KERNEL names
# one (run.sh picks it the same way); its modules come from
# /lib/modules/<kver>/, decompressed here if compressed.  Exits 77 when the
# kernel, its modules or busybox are missing (make deps installs them).
set -euo pipefail

# kernel modules the guest loads; their dependencies are added from
# modules.dep.  crc32_generic is no dependency of anything but rdma_rxe
# asks the crypto API for "crc32" at "rdma link add" (ENOENT without it);
# virtio_pci is what finds the 9p PCI device.
MODULES=(crc32_generic udp_tunnel ip6_udp_tunnel ib_core ib_uverbs ib_cm
	iw_cm rdma_cm rdma_ucm rdma_rxe veth
	virtio_pci 9pnet_virtio 9p)
# tools from Debian packages, copied to /rc/bin
TOOLS=(ib_write_bw ibv_rc_pingpong ibv_devinfo ibv_devices)

die() { echo "mkinitramfs: $*" >&2; exit 1; }
skip() { echo "mkinitramfs: SKIP: $*" >&2; exit 77; }

[ $# -ge 2 ] || { echo "usage: $0 OUT.cpio.gz GUEST_SCRIPT [FILE|SRC:/DEST...]" >&2; exit 2; }
OUT=$1 GUEST=$2
shift 2
[ -f "$GUEST" ] || die "$GUEST: no such guest script"

if [ -n "${RC_VM_KERNEL:-}" ]; then
	KERNEL=$RC_VM_KERNEL
else
	KERNEL=$(compgen -G '/boot/vmlinuz-6.1.*' | sort -V | tail -n 1 || true)
fi
if [ -z "$KERNEL" ] || [ ! -e "$KERNEL" ]; then
	skip "no /boot/vmlinuz-6.1.* (apt-get install linux-image-amd64)"
fi
KVER=${KERNEL##*/vmlinuz-}
MODDIR=/lib/modules/$KVER
[ -f "$MODDIR/modules.dep" ] || skip "no $MODDIR/modules.dep for $KERNEL"
BUSYBOX=$(command -v busybox || true)
[ -n "$BUSYBOX" ] || skip "no busybox (apt-get install busybox-static)"
ldd "$BUSYBOX" >/dev/null 2>&1 && skip "$BUSYBOX is dynamically linked; needs busybox-static"
for t in cpio gzip ldd; do
	command -v $t >/dev/null || skip "needs $t"
done

# iproute2's binaries by their package path (busybox-static also puts an
# "ip" on PATH on some systems)
find_bin() {
	local p
	for p in "$@"; do [ -x "$p" ] && { echo "$p"; return 0; }; done
	return 1
}
IP=$(find_bin /usr/bin/ip /bin/ip /usr/sbin/ip /sbin/ip) || skip "no iproute2 ip"
RDMA=$(find_bin /usr/bin/rdma /usr/sbin/rdma /sbin/rdma) || skip "no iproute2 rdma"
BASH=$(find_bin /usr/bin/bash /bin/bash) || skip "no bash"
RXE=$(compgen -G '/usr/lib/*/libibverbs/librxe-rdmav*.so' | head -n 1 || true)
[ -n "$RXE" ] || skip "no rxe verbs provider (apt-get install ibverbs-providers)"
[ -f /etc/libibverbs.d/rxe.driver ] || skip "no /etc/libibverbs.d/rxe.driver"

ST=$(mktemp -d "${TMPDIR:-/tmp}/rcinitrd.XXXXXXXX")
trap 'rm -rf -- "$ST"' EXIT
# the host's merged-/usr layout, so every absolute path ldd prints (and
# the loader path compiled into each binary) resolves the same way
mkdir -p "$ST"/usr/{bin,sbin,lib,lib64} "$ST"/{dev,proc,sys,tmp,run,share,etc,root,rc/bin}
for d in bin sbin lib lib64; do ln -s usr/$d "$ST/$d"; done
mkdir -p "$ST/dev" && chmod 1777 "$ST/tmp"

# copy SRC to DEST inside the tree (symlinks followed: the content counts)
put() {
	local src=$1 dst=$2
	mkdir -p "$ST$(dirname "$dst")"
	cp -L --preserve=mode "$src" "$ST$dst"
}

# copy every library ldd lists for an ELF file, and the loader
declare -A HAVE_LIB=()
put_libs() {
	local f=$1 out lib
	[ "$(head -c 4 "$f" | od -An -c | tr -d ' ')" = '177ELF' ] || return 0
	out=$(ldd "$f" 2>&1) || {
		case $out in *"not a dynamic executable"* | *"statically linked"*) return 0 ;; esac
		die "ldd $f: $out"
	}
	case $out in *"not found"*) die "ldd $f: a library is missing: $(grep 'not found' <<<"$out")" ;; esac
	while read -r lib; do
		[ -n "${HAVE_LIB[$lib]:-}" ] && continue
		HAVE_LIB[$lib]=1
		put "$lib" "$lib"
	done < <(awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' <<<"$out")
}

put_bin() {
	put "$1" "$2"
	put_libs "$1"
}

# busybox and its applets; an applet never replaces a real file
put "$BUSYBOX" /usr/bin/busybox
while read -r a; do
	[ -n "$a" ] && [ ! -e "$ST/$a" ] && [ ! -L "$ST/$a" ] && ln -s /usr/bin/busybox "$ST/$a"
done < <("$BUSYBOX" --list-full)
put_bin "$BASH" /usr/bin/bash

# iproute2, verbs, the rxe provider
put_bin "$IP" /rc/bin/ip
put_bin "$RDMA" /rc/bin/rdma
for t in "${TOOLS[@]}"; do
	p=$(command -v "$t") || skip "no $t (apt-get install perftest ibverbs-utils)"
	put_bin "$p" "/rc/bin/$t"
done
put_bin "$RXE" "$RXE"
put /etc/libibverbs.d/rxe.driver /etc/libibverbs.d/rxe.driver
for l in librdmacm.so.1 libibverbs.so.1; do
	p=$(compgen -G "/usr/lib/*/$l" | head -n 1 || true)
	[ -n "$p" ] || skip "no $l (apt-get install librdmacm1 libibverbs1)"
	put_bin "$p" "$p"
done

# the caller's files
for f in "$@"; do
	case $f in
	*:/*) src=${f%%:/*} dst=/${f#*:/} ;;
	*) src=$f dst=/rc/bin/$(basename "$f") ;;
	esac
	[ -f "$src" ] || die "$src: no such file"
	put_bin "$src" "$dst"
done
put "$GUEST" /guest.sh
chmod 0755 "$ST/guest.sh"

# kernel modules, dependencies first (depth-first over modules.dep)
declare -A DEPS=() BYNAME=() SEEN=()
while IFS=: read -r path deps; do
	DEPS[$path]=$deps
	n=${path##*/}
	n=${n%%.ko*}
	BYNAME[${n//-/_}]=$path
done <"$MODDIR/modules.dep"
ORDER=()
add_mod() {
	local path=$1 d
	[ -n "${SEEN[$path]:-}" ] && return 0
	SEEN[$path]=1
	for d in ${DEPS[$path]}; do add_mod "$d"; done
	ORDER+=("$path")
}
for m in "${MODULES[@]}"; do
	p=${BYNAME[${m//-/_}]:-}
	if [ -z "$p" ]; then
		grep -q "/${m}\.ko" "$MODDIR/modules.builtin" 2>/dev/null && continue
		die "module $m is neither in $MODDIR/modules.dep nor built in"
	fi
	add_mod "$p"
done
: >"$ST/etc/rc-modules"
for p in "${ORDER[@]}"; do
	dst=/lib/modules/$KVER/${p%.ko*}.ko
	mkdir -p "$ST$(dirname "$dst")"
	# busybox insmod takes only plain .ko files
	case $p in
	*.ko) cp "$MODDIR/$p" "$ST$dst" ;;
	*.ko.xz) xz -dc "$MODDIR/$p" >"$ST$dst" ;;
	*.ko.zst) zstd -qdc "$MODDIR/$p" >"$ST$dst" ;;
	*.ko.gz) gzip -dc "$MODDIR/$p" >"$ST$dst" ;;
	*) die "$p: unknown module compression" ;;
	esac
	echo "$dst" >>"$ST/etc/rc-modules"
done
echo "$KVER" >"$ST/etc/rc-kver"
echo "root:x:0:0:root:/root:/bin/sh" >"$ST/etc/passwd"
echo "root:x:0:" >"$ST/etc/group"

cat >"$ST/init" <<'EOF'
#!/bin/sh
# /init of the ringcap test VM (made by tests/vm/mkinitramfs.sh): set up,
# run /guest.sh under a time limit, report its status, power off.
export PATH=/rc/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs -o mode=1777 tmpfs /tmp
mount -t tmpfs -o mode=0755 tmpfs /run
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
/rc/bin/ip link set lo up

finish() {
	cd /
	sync
	umount /share 2>/dev/null
	printf '\nRC-GUEST-EXIT=%s\n' "$1"
	poweroff -f
	sleep 5
}

timeout=300
for a in $(cat /proc/cmdline); do
	case $a in rc_timeout=*) timeout=${a#rc_timeout=} ;; esac
done
kver=$(uname -r)
if [ "$kver" != "$(cat /etc/rc-kver)" ]; then
	echo "rc-init: kernel $kver booted, initramfs made for $(cat /etc/rc-kver)"
	finish 125
fi
while read -r m; do
	out=$(insmod "$m" 2>&1) || case $out in
		*"File exists"*) ;;
		*) echo "rc-init: insmod $m: $out"; finish 125 ;;
	esac
done </etc/rc-modules
# the 9p device is found while virtio_pci loads; allow it a moment
i=0
until mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 rcshare /share 2>/tmp/mount.err; do
	i=$((i + 1))
	if [ $i -ge 30 ]; then
		echo "rc-init: cannot mount the 9p share rcshare at /share: $(cat /tmp/mount.err)"
		finish 125
	fi
	sleep 0.1
done

export RC_BIN=/rc/bin RC_SHARE=/share RC_IP=/rc/bin/ip RC_RDMA=/rc/bin/rdma \
	RC_KVER=$kver RC_GUEST_TIMEOUT=$timeout
echo "rc-init: modules loaded, /share mounted, running /guest.sh (limit ${timeout}s)"
# its own session, so that the time limit ends whatever it started
setsid /guest.sh </dev/null &
pid=$!
(
	sleep "$timeout"
	echo "rc-init: /guest.sh still running after ${timeout}s, killing it"
	: >/run/rc-timeout
	kill -TERM -"$pid" 2>/dev/null
	sleep 3
	kill -KILL -"$pid" 2>/dev/null
) &
dog=$!
wait $pid
rc=$?
kill $dog 2>/dev/null
[ -e /run/rc-timeout ] && rc=124
finish $rc
EOF
chmod 0755 "$ST/init"

mkdir -p "$(dirname "$OUT")"
(cd "$ST" && find . -mindepth 1 | LC_ALL=C sort |
	cpio -o -H newc -R 0:0 --quiet) | gzip -6 >"$OUT.tmp.$$"
mv -f "$OUT.tmp.$$" "$OUT"
echo "mkinitramfs: $OUT for $KVER ($(du -k "$OUT" | cut -f1) KiB, ${#ORDER[@]} modules)"
