#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Run a capture tool, pass SIGINT/SIGTERM on to it, and report its CPU time.

    measure.py RESULT_FILE -- CMD ARGS...

Writes "user_s sys_s exit_status" to RESULT_FILE when CMD ends, from
wait4()'s rusage (microsecond resolution, every thread of the process).
"""
import os
import signal
import sys


def main():
    if len(sys.argv) < 4 or sys.argv[2] != "--":
        print(__doc__, file=sys.stderr)
        return 2
    out, cmd = sys.argv[1], sys.argv[3:]
    pid = os.fork()
    if pid == 0:
        os.execvp(cmd[0], cmd)
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda s, _f: os.kill(pid, s))
    while True:
        try:
            _, status, ru = os.wait4(pid, 0)
            break
        except InterruptedError:
            continue
    code = os.waitstatus_to_exitcode(status)
    with open(out, "w") as f:
        f.write(f"{ru.ru_utime:.6f} {ru.ru_stime:.6f} {code}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
