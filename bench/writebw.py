#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The file system's own limit: write() bandwidth in 1 MiB writes.

    writebw.py DIR BYTES

Creates a new file in DIR, writes BYTES (rounded up to whole MiB) into it
with one write() of 1 MiB at a time, as ringcap writes, and removes it.
No fsync, nothing dropped: what a capture tool's write() calls meet.
Prints "bytes wall_ns cpu_ns": the time from the first write() to the end
of the last, and the CPU time (user + system) this process spent in it.
"""
import os
import sys
import time


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    d, want = sys.argv[1], int(sys.argv[2])
    block = bytes(range(256)) * 4096  # 1 MiB, not all zero
    n = -(-want // len(block))
    path = os.path.join(d, f"writebw.{os.getpid()}")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        c0, t0 = time.process_time_ns(), time.monotonic_ns()
        for _ in range(n):
            if os.write(fd, block) != len(block):
                raise OSError("short write")
        t1, c1 = time.monotonic_ns(), time.process_time_ns()
    finally:
        os.close(fd)
        os.unlink(path)
    print(f"{n * len(block)} {t1 - t0} {c1 - c0}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
