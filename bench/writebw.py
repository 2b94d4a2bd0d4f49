#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The file system's own limit: write() bandwidth.

    writebw.py DIR BYTES            # 1 MiB write() calls
    writebw.py DIR BYTES FLEN       # capture-shaped writev() calls

Creates a new file in DIR, writes BYTES (rounded up) into it and removes
it.  No fsync, nothing dropped: what a capture tool's write() calls meet.

Without FLEN: one write() of the same 1 MiB buffer at a time, the best case
a writer can have (one piece, always in the cache).

With FLEN: what a capture that copies nothing has to do instead.  Records
of a 16-byte pcap header plus FLEN bytes of frame, where the frames lie
TPACKET_V3-style (82 bytes of ring header in front of each, 16-byte
aligned) in 64 MiB of 4 KiB pages, as a kernel packet ring is mapped, and
are walked through in order, so that they come from memory rather than the
cache; the headers come from a small buffer of their own.  512 records (1024
iovecs) per writev(), as ringcap sends them.  Only the time inside
writev() is counted: the CPU a capture cannot avoid for that shape, however
little work it does itself.

Prints "bytes wall_ns cpu_ns": the time from the first write to the end of
the last (FLEN: the time inside writev() only) and the CPU time (user +
system) this process spent on it.
"""
import mmap
import os
import sys
import time

REGION = 64 << 20
RING_HDR = 82      # tpacket3 header + sockaddr_ll + padding, as the kernel lays it out
PCAP_HDR = 16
PER_CALL = 512


def plain(fd, want):
    block = bytes(range(256)) * 4096  # 1 MiB, not all zero
    n = -(-want // len(block))
    c0, t0 = time.process_time_ns(), time.monotonic_ns()
    for _ in range(n):
        if os.write(fd, block) != len(block):
            raise OSError("short write")
    t1, c1 = time.monotonic_ns(), time.process_time_ns()
    return n * len(block), t1 - t0, c1 - c0


def shaped(fd, want, flen):
    stride = (RING_HDR + flen + 15) & ~15
    nring = REGION // stride
    ring = mmap.mmap(-1, REGION, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
    if hasattr(mmap, "MADV_NOHUGEPAGE"):
        ring.madvise(mmap.MADV_NOHUGEPAGE)  # a packet ring is mapped page by page
    pattern = bytes(range(256)) * (stride // 256 + 1)
    for i in range(nring):
        ring[i * stride:(i + 1) * stride] = pattern[:stride]
    ring_mv = memoryview(ring)
    hdrs = memoryview(bytearray(b"\x5a" * (PCAP_HDR * PER_CALL)))
    total = wall = cpu = 0
    k = 0
    while total < want:
        iov = []
        for j in range(PER_CALL):
            off = (k % nring) * stride + RING_HDR
            iov.append(hdrs[j * PCAP_HDR:(j + 1) * PCAP_HDR])
            iov.append(ring_mv[off:off + flen])
            k += 1
        size = PER_CALL * (PCAP_HDR + flen)
        c0, t0 = time.thread_time_ns(), time.monotonic_ns()
        if os.writev(fd, iov) != size:
            raise OSError("short write")
        t1, c1 = time.monotonic_ns(), time.thread_time_ns()
        total += size
        wall += t1 - t0
        cpu += c1 - c0
    del iov, ring_mv
    ring.close()
    return total, wall, cpu


def main():
    if len(sys.argv) not in (3, 4):
        print(__doc__, file=sys.stderr)
        return 2
    d, want = sys.argv[1], int(sys.argv[2])
    path = os.path.join(d, f"writebw.{os.getpid()}")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        if len(sys.argv) == 4:
            res = shaped(fd, want, int(sys.argv[3]))
        else:
            res = plain(fd, want)
    finally:
        os.close(fd)
        os.unlink(path)
    print(*res)
    return 0


if __name__ == "__main__":
    sys.exit(main())
