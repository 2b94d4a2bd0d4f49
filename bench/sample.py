#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Watch a capture while traffic flows: frames arriving and file growth.

    sample.py IFACE FILE OUT [INTERVAL_MS]

Every INTERVAL_MS (default 5) reads IFACE's rx_packets counter and FILE's
size.  After the first sample it creates OUT.ready; on SIGTERM or SIGINT it
stops and writes one line to OUT:

    window_ns rx_in_window bytes_in_window samples cpu_ns

The window runs from the last sample before the counter first moved to the
first sample that shows its final value: the time traffic was arriving on
IFACE, to within one or two sampling intervals.  bytes_in_window is how much
FILE grew in that window, i.e. what the capture tool wrote out while the
traffic was coming in.  Without traffic all three are 0.  cpu_ns is the
CPU time this sampler used (so the bench can leave it out of "other load").
"""
import os
import signal
import sys
import time


def main():
    if len(sys.argv) not in (4, 5):
        print(__doc__, file=sys.stderr)
        return 2
    iface, path, out = sys.argv[1:4]
    interval = (float(sys.argv[4]) if len(sys.argv) == 5 else 5.0) / 1000
    stop = []
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda _s, _f: stop.append(1))
    fd = os.open(f"/sys/class/net/{iface}/statistics/rx_packets", os.O_RDONLY)

    def size():
        try:
            return os.stat(path).st_size
        except FileNotFoundError:
            return 0

    samples = []
    while not stop:
        samples.append((time.monotonic_ns(), int(os.pread(fd, 64, 0)), size()))
        if len(samples) == 1:
            with open(out + ".ready", "w"):
                pass
        time.sleep(interval)
    samples.append((time.monotonic_ns(), int(os.pread(fd, 64, 0)), size()))
    rx0, rx1 = samples[0][1], samples[-1][1]
    if rx1 == rx0:
        line = "0 0 0"
    else:
        first = next(i for i, s in enumerate(samples) if s[1] != rx0)
        last = next(i for i, s in enumerate(samples) if s[1] == rx1)
        a, b = samples[first - 1], samples[last]
        line = f"{b[0] - a[0]} {b[1] - a[1]} {b[2] - a[2]}"
    with open(out + ".tmp", "w") as f:
        f.write(f"{line} {len(samples)} {time.process_time_ns()}\n")
    os.rename(out + ".tmp", out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
