# SPDX-License-Identifier: MIT
"""What the bench's helpers read from /proc about a measured process."""
import os


def task_cpu_ns(pid):
    """CPU time in ns that all of PID's threads have used so far: the sum of
    field 1 of /proc/PID/task/*/schedstat.  A thread that ends meanwhile is
    left out; raises OSError when PID itself is gone."""
    total = 0
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                total += int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            pass  # thread gone meanwhile
    return total
