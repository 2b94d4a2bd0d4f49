#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""After the traffic of a disk scenario (e, f): wait until the capture file
stops growing, and say when its data had left the page cache.

    settle.py FILE IDLE_MS BASE_BYTES OUT

Every 5 ms reads FILE's size and Dirty + Writeback from /proc/meminfo, until
FILE has not grown for IDLE_MS.  Writes one line to OUT:

    last_growth_ns clean_ns samples cpu_ns

last_growth_ns: the time (CLOCK_REALTIME, ns, as `date +%s%N`) of the first
sample that showed FILE's last size.  clean_ns: the first sample at or after
that with Dirty + Writeback no more than BASE_BYTES (what was dirty before
the traffic) + 32 MiB, that is when the machine no longer held unwritten
data worth counting; 0 if that never happened while waiting.  The bench then
stops the tool and runs syncfs(): for a writer whose data was clean by
clean_ns, the time from there to the stop is idle and not counted; for one
whose data was still dirty, the writeback goes on in that time and it all
counts, up to the end of syncfs().  cpu_ns is this script's CPU time.
"""
import os
import sys
import time

SLACK = 32 << 20


def dirty_bytes():
    n = 0
    with open("/proc/meminfo") as f:
        for line in f:
            k, v = line.split(":", 1)
            if k in ("Dirty", "Writeback"):
                n += int(v.split()[0]) * 1024
    return n


def main():
    if len(sys.argv) != 5:
        print(__doc__, file=sys.stderr)
        return 2
    path, idle_ns, base, out = sys.argv[1], int(sys.argv[2]) * 1000000, int(sys.argv[3]), sys.argv[4]

    def size():
        try:
            return os.stat(path).st_size
        except FileNotFoundError:
            return 0

    last_size, last_growth, clean, n = size(), time.time_ns(), 0, 0
    last_mono = time.monotonic_ns()
    while time.monotonic_ns() - last_mono < idle_ns:
        time.sleep(0.005)
        n += 1
        s, now = size(), time.time_ns()
        if s != last_size:
            last_size, last_growth, last_mono, clean = s, now, time.monotonic_ns(), 0
        if not clean and dirty_bytes() <= base + SLACK:
            clean = now
    with open(out + ".tmp", "w") as f:
        f.write(f"{last_growth} {clean} {n} {time.process_time_ns()}\n")
    os.rename(out + ".tmp", out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
