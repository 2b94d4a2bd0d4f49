#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Run a capture tool, pass SIGINT/SIGTERM on to it, and report its CPU time.

    measure.py RESULT_FILE -- CMD ARGS...

The tool is exec'd directly in a child of this process (no shell), so the
pid measured is the capture process itself.  Its signal dispositions are
reset to the defaults before the exec (a shell's background job would
otherwise pass SIGINT on as ignored).

RESULT_FILE.pid   the tool's pid, written at once.
RESULT_FILE.mark  written on SIGUSR1 ("mark"): "cpu_s exe threads children",
                  the CPU time (user + system, all live threads, from
                  /proc/PID/task/*/schedstat, nanoseconds) the tool has used
                  so far, the binary it runs (/proc/PID/exe), its thread
                  count and its number of child processes.  The bench marks
                  the moment traffic starts, so that start-up work (ring
                  allocation) can be told apart from capture work.
RESULT_FILE       written when the tool ends:
                  "user_s sys_s exit_status mark_cpu_s maxrss_kib exe self_s"
                  user/sys from wait4()'s rusage (microseconds, every thread
                  of the process and the children it waited for);
                  mark_cpu_s is "-" without a mark; self_s is the CPU time
                  of measure.py itself.

The kernel keeps utime + stime equal to the summed scheduler runtime, so
(user_s + sys_s) - mark_cpu_s is the CPU time spent after the mark.
"""
import os
import signal
import sys

from procstat import task_cpu_ns


def _children(pid):
    n = 0
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/children") as f:
                n += len(f.read().split())
        except OSError:
            pass
    return n


def main():
    if len(sys.argv) < 4 or sys.argv[2] != "--":
        print(__doc__, file=sys.stderr)
        return 2
    out, cmd = sys.argv[1], sys.argv[3:]
    pid = os.fork()
    if pid == 0:
        try:
            for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT,
                        signal.SIGPIPE, signal.SIGUSR1, signal.SIGHUP):
                signal.signal(sig, signal.SIG_DFL)
            signal.pthread_sigmask(signal.SIG_SETMASK, [])
            os.execvp(cmd[0], cmd)
        except OSError as e:
            print(f"measure.py: cannot run {cmd[0]}: {e}", file=sys.stderr)
        os._exit(127)
    with open(out + ".pid.tmp", "w") as f:
        f.write(f"{pid}\n")
    os.rename(out + ".pid.tmp", out + ".pid")

    mark = {}

    def on_mark(_s, _f):
        try:
            cpu = task_cpu_ns(pid)
            exe = os.readlink(f"/proc/{pid}/exe")
            threads = len(os.listdir(f"/proc/{pid}/task"))
            kids = _children(pid)
        except OSError:
            return  # already gone: no mark
        mark["cpu"] = cpu / 1e9
        mark["exe"] = exe
        with open(out + ".mark.tmp", "w") as f:
            f.write(f"{cpu / 1e9:.9f} {exe} {threads} {kids}\n")
        os.rename(out + ".mark.tmp", out + ".mark")

    signal.signal(signal.SIGUSR1, on_mark)
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda s, _f: os.kill(pid, s))
    while True:
        try:
            _, status, ru = os.wait4(pid, 0)
            break
        except InterruptedError:
            continue
    code = os.waitstatus_to_exitcode(status)
    m = f"{mark['cpu']:.9f}" if "cpu" in mark else "-"
    exe = mark.get("exe", "-")
    own = sum(os.times()[:2])
    with open(out + ".tmp", "w") as f:
        f.write(f"{ru.ru_utime:.6f} {ru.ru_stime:.6f} {code} {m} {ru.ru_maxrss} {exe} {own:.3f}\n")
    os.rename(out + ".tmp", out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
