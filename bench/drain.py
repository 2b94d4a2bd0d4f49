#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Let a stopped capture go and time how fast it writes out its full ring.

    drain.py PID FILE OUT [IDLE_MS]

The bench stops the capture tool (SIGSTOP) before the traffic, so that the
frames pile up in the tool's ring, and calls this once the traffic is over.
drain.py sends PID SIGCONT, then watches FILE's size (every 0.2 ms) until it
has not grown for IDLE_MS (default 1000), and writes one line to OUT:

    drain_ns bytes cpu_ns samples self_cpu_ns

drain_ns runs from SIGCONT to the first sample that shows FILE's last size,
bytes is how much FILE grew in that time, and cpu_ns is the CPU time all of
PID's threads used in it (/proc/PID/task/*/schedstat, read at SIGCONT and
whenever FILE grows).  The drain rate is bytes / drain_ns: the tool alone on
a CPU, with everything it has to write already in memory.  self_cpu_ns is
this script's own CPU time, so that the bench can leave it out of "other
load".
"""
import os
import signal
import sys
import time

import procstat


def task_cpu_ns(pid):
    try:
        return procstat.task_cpu_ns(pid)
    except OSError:
        return None  # gone


def size(path):
    try:
        return os.stat(path).st_size
    except FileNotFoundError:
        return 0


def main():
    if len(sys.argv) not in (4, 5):
        print(__doc__, file=sys.stderr)
        return 2
    pid = int(sys.argv[1])
    path, out = sys.argv[2:4]
    idle_ns = int(float(sys.argv[4]) * 1e6) if len(sys.argv) == 5 else 1_000_000_000
    s0 = size(path)
    c0 = task_cpu_ns(pid)
    t0 = time.monotonic_ns()
    os.kill(pid, signal.SIGCONT)
    last_t, last_s, last_c, n = t0, s0, c0, 0
    while True:
        time.sleep(0.0002)
        now = time.monotonic_ns()
        s = size(path)
        n += 1
        if s != last_s:
            last_t, last_s = now, s
            c = task_cpu_ns(pid)
            if c is not None:
                last_c = c
        elif now - last_t >= idle_ns:
            break
    cpu = last_c - c0 if c0 is not None and last_c is not None else 0
    drain = last_t - t0 if last_s != s0 else 0
    with open(out + ".tmp", "w") as f:
        f.write(f"{drain} {last_s - s0} {cpu} {n} {time.process_time_ns()}\n")
    os.rename(out + ".tmp", out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
