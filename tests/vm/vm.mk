# SPDX-License-Identifier: MIT
# The test VM (tests/vm/): Debian's 6.1 kernel under qemu TCG with
# Soft-RoCE, for tests that need real RDMA, which the host kernel lacks.
# Included by the main Makefile after DEB_PKGS is set.
#   qemu-system-x86 linux-image-amd64   the VM and the kernel with rdma_rxe
#   busybox-static bash cpio gzip       the initramfs (mkinitramfs.sh)
#   rdma-core ibverbs-providers ...     verbs, the rxe provider, perftest
#   xz-utils binutils                   unpack the kernel's vmlinux for a
#                                       PVH boot (run.sh; readelf checks it)
#   util-linux                          setpriv: qemu dies with run.sh
DEB_PKGS += qemu-system-x86 linux-image-amd64 busybox-static rdma-core \
	ibverbs-providers ibverbs-utils perftest libibverbs-dev librdmacm-dev \
	cpio gzip xz-utils binutils bash util-linux iproute2

# one VM run: the RDMA smoke test (ib_write_bw on rxe in the guest)
vm-smoke: all
	$(Q)BUILD=$(BUILD) tests/run integration rdma_vm_smoke
.PHONY: vm-smoke
