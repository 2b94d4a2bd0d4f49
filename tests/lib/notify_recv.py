#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""notify_recv.py - stand in for systemd's end of sd_notify(3) in tests.

    notify_recv.py SOCKET LOG

Binds a unix datagram socket at SOCKET (a path, or "@name" for the abstract
namespace) and appends every field of every message it receives to LOG, one
line each:

    <CLOCK_MONOTONIC seconds> <FIELD=value>

e.g. "12345.678901 READY=1".  Each line is flushed at once, so tests can
grep LOG while the daemon runs.  Runs until SIGTERM or SIGINT (exit 0) and
then removes SOCKET.

Start it in the background, wait until SOCKET exists (messages sent from
then on are queued), and run the daemon with NOTIFY_SOCKET=SOCKET.  The
socket is made writable for everyone, so a daemon that has dropped to an
unprivileged user can still send, as long as it can reach the directory.
File descriptors passed along (FDSTORE=1) are closed; a message with none
of its fields in FIELD=value form is logged as "<seconds> ?<text>".
"""
import array
import os
import signal
import socket
import sys
import time

MAX_DGRAM = 65536
MAX_FDS = 253


def usage():
    sys.stderr.write("usage: notify_recv.py SOCKET LOG\n")
    sys.exit(2)


def close_fds(ancdata):
    for level, kind, data in ancdata:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds = array.array("i")
            fds.frombytes(data[: len(data) - len(data) % fds.itemsize])
            for fd in fds:
                try:
                    os.close(fd)
                except OSError:
                    pass


def main():
    if len(sys.argv) != 3:
        usage()
    path, logpath = sys.argv[1], sys.argv[2]
    abstract = path.startswith("@")
    addr = "\0" + path[1:] if abstract else path

    stop = False

    def on_signal(_sig, _frame):
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    log = open(logpath, "a", encoding="utf-8", errors="backslashreplace")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)
    if not abstract:
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
    old = os.umask(0)  # mode 0777 from the start: no window for EACCES
    try:
        sock.bind(addr)
    finally:
        os.umask(old)
    # a blocked recv must notice SIGTERM: wake up now and then
    sock.settimeout(0.2)
    fdspace = socket.CMSG_SPACE(MAX_FDS * array.array("i").itemsize)
    try:
        while not stop:
            try:
                data, anc, flags, _ = sock.recvmsg(MAX_DGRAM, fdspace)
            except socket.timeout:
                continue
            except InterruptedError:
                continue
            now = time.clock_gettime(time.CLOCK_MONOTONIC)
            close_fds(anc)
            text = data.decode("utf-8", errors="backslashreplace")
            if flags & socket.MSG_TRUNC:
                text += "\n?TRUNCATED"
            lines = [l for l in text.split("\n") if l]
            if not lines:
                continue
            for line in lines:
                if "=" not in line or line.startswith("="):
                    line = "?" + line
                log.write("%.6f %s\n" % (now, line))
            log.flush()
    finally:
        sock.close()
        if not abstract:
            try:
                os.unlink(path)
            except FileNotFoundError:
                pass
        log.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
