#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""What the shape of a capture's writes costs, piece by piece.

    writeshapes.py DIR [MB] [REPS]

Writes MB (default 150) megabytes into a new file in DIR, REPS times
(default 5) in each of these ways, taking turns, and prints the median CPU
time inside write()/writev() per MB and the bandwidth it comes to:

  1 MiB write(), hot          the same 1 MiB buffer each time (writebw.py)
  records, 2 iovecs, cold     16-byte header + 1514-byte frame per record,
                              frames TPACKET_V3-style in 64 MiB of 4 KiB
                              pages (as a packet ring is mapped), in order,
                              512 records per writev() (writebw.py FLEN)
  records, frames only, cold  the same without the headers: one iovec per
                              record (what the headers cost)
  records, 2 iovecs, THP      the same 64 MiB in 2 MiB pages (what the 4 KiB
                              pages cost: TLB misses)
  records, 2 iovecs, hot      frames from 1 MiB that stays in the cache
                              (what reading the frames from memory costs)

No fsync; the file is removed after each write.
"""
import mmap
import os
import statistics
import sys
import time

FLEN = 1514
RING_HDR = 82
PER_CALL = 512


def records(path, total, region_mib, thp, headers):
    region = region_mib << 20
    stride = (RING_HDR + FLEN + 15) & ~15
    nring = region // stride
    ring = mmap.mmap(-1, region, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
    advice = getattr(mmap, "MADV_HUGEPAGE" if thp else "MADV_NOHUGEPAGE", None)
    if advice is not None:
        ring.madvise(advice)
    pattern = (bytes(range(256)) * (stride // 256 + 1))[:stride]
    for i in range(nring):
        ring[i * stride:(i + 1) * stride] = pattern
    mv = memoryview(ring)
    hdrs = memoryview(bytearray(b"\x5a" * (16 * PER_CALL)))
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    done = cpu = k = 0
    try:
        while done < total:
            iov = []
            for j in range(PER_CALL):
                if headers:
                    iov.append(hdrs[16 * j:16 * (j + 1)])
                off = (k % nring) * stride + RING_HDR
                iov.append(mv[off:off + FLEN])
                k += 1
            c0 = time.thread_time_ns()
            done += os.writev(fd, iov)
            cpu += time.thread_time_ns() - c0
    finally:
        os.close(fd)
        os.unlink(path)
    del iov, mv
    ring.close()
    return cpu * 1e6 / done


def plain(path, total):
    block = bytes(range(256)) * 4096
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    done = 0
    try:
        c0 = time.thread_time_ns()
        while done < total:
            done += os.write(fd, block)
        cpu = time.thread_time_ns() - c0
    finally:
        os.close(fd)
        os.unlink(path)
    return cpu * 1e6 / done


def main():
    if not 2 <= len(sys.argv) <= 4:
        print(__doc__, file=sys.stderr)
        return 2
    path = os.path.join(sys.argv[1], f"writeshapes.{os.getpid()}")
    total = int(sys.argv[2]) * 1000000 if len(sys.argv) > 2 else 150000000
    reps = int(sys.argv[3]) if len(sys.argv) > 3 else 5
    cases = {
        "1 MiB write(), hot": lambda: plain(path, total),
        "records, 2 iovecs, cold": lambda: records(path, total, 64, False, True),
        "records, frames only, cold": lambda: records(path, total, 64, False, False),
        "records, 2 iovecs, THP": lambda: records(path, total, 64, True, True),
        "records, 2 iovecs, hot": lambda: records(path, total, 1, False, True),
    }
    res = {name: [] for name in cases}
    for _ in range(reps):
        for name, fn in cases.items():
            res[name].append(fn())
    print(f"{'way of writing':28s} {'CPU ns/MB':>10s} {'MB/s':>6s}  (min..max ns/MB over {reps})")
    for name, v in res.items():
        med = statistics.median(v)
        print(f"{name:28s} {med:10.0f} {1e9 / med:6.0f}  ({min(v):.0f}..{max(v):.0f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
