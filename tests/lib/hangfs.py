#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""hangfs - a FUSE file system whose opens can hang, for ringcap's tests.

    hangfs.py MOUNTPOINT BACKING_DIR FLAG_FILE

Every operation passes through to BACKING_DIR.  While FLAG_FILE exists,
open() and create() do not return: the caller waits in the kernel as it
would on a hung NFS mount, until FLAG_FILE is removed (or hangfs is
killed, which aborts the connection and fails the waiting call).  Runs in
the foreground; unmount with `fusermount -u -z MOUNTPOINT` or by killing it.
"""
import errno
import os
import sys
import time

import fusepy


class HangFS(fusepy.Operations):
    def __init__(self, root, flag):
        self.root = root
        self.flag = flag

    def _p(self, path):
        return os.path.join(self.root, path.lstrip("/"))

    def _maybe_hang(self):
        while os.path.exists(self.flag):
            time.sleep(0.05)

    def getattr(self, path, fh=None):
        try:
            st = os.lstat(self._p(path))
        except OSError as e:
            raise fusepy.FuseOSError(e.errno)
        return {k: getattr(st, k) for k in (
            "st_atime", "st_ctime", "st_gid", "st_mode", "st_mtime", "st_nlink",
            "st_size", "st_uid")}

    def readdir(self, path, fh):
        return [".", ".."] + os.listdir(self._p(path))

    def open(self, path, flags):
        self._maybe_hang()
        try:
            return os.open(self._p(path), flags)
        except OSError as e:
            raise fusepy.FuseOSError(e.errno)

    def create(self, path, mode, fi=None):
        self._maybe_hang()
        try:
            return os.open(self._p(path), os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
        except OSError as e:
            raise fusepy.FuseOSError(e.errno)

    def write(self, path, data, offset, fh):
        return os.pwrite(fh, data, offset)

    def read(self, path, size, offset, fh):
        return os.pread(fh, size, offset)

    def truncate(self, path, length, fh=None):
        os.truncate(self._p(path), length)

    def release(self, path, fh):
        os.close(fh)

    def flush(self, path, fh):
        return 0

    def fsync(self, path, datasync, fh):
        os.fsync(fh)

    def unlink(self, path):
        os.unlink(self._p(path))

    def rename(self, old, new):
        os.rename(self._p(old), self._p(new))

    def chmod(self, path, mode):
        os.chmod(self._p(path), mode)

    def chown(self, path, uid, gid):
        os.chown(self._p(path), uid, gid)

    def utimens(self, path, times=None):
        os.utime(self._p(path), times)

    def statfs(self, path):
        st = os.statvfs(self._p(path))
        return {k: getattr(st, k) for k in (
            "f_bavail", "f_bfree", "f_blocks", "f_bsize", "f_favail", "f_ffree",
            "f_files", "f_flag", "f_frsize", "f_namemax")}


def main():
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    mnt, root, flag = sys.argv[1:]
    fusepy.FUSE(HangFS(os.path.abspath(root), os.path.abspath(flag)), mnt,
                foreground=True, nothreads=False, allow_other=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
