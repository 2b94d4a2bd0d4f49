#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The direct-I/O writer (src/sink/dio.c) into a disk that fills up: a 64 MiB
# ext4 on a loop device made here.  The unit test binary does the work
# (tests/unit/test_dio.c, test_enospc, run with RC_DIO_FULL_DIR): records
# until ENOSPC, then the writer must say where durability ends, the end of
# its last whole write call must be a record boundary with the right record
# count, and the file cut back there must hold exactly those records, in
# order.  Needs root (losetup, mount); skips without liburing.
set -euo pipefail
source "$(dirname "$0")/../lib/netns.sh"
rc_need_root
rc_need losetup mkfs.ext4 mount umount
T=$RC_TOP/$BUILD/tests/unit/test_dio
[[ -x $T ]] || rc_fail "$T not built (make)"

# the image lives on disk, not on tmpfs: the loop device then does its own
# direct I/O underneath, as a real disk would be written
rc_loop_ext4 full 64M
mnt=$RC_MNT
log=$(mktemp /tmp/rc-dio-full.log.XXXXXXXX)
rc_defer "rm -f '$log'"
set +e
RC_DIO_FULL_DIR=$mnt "$T" >"$log" 2>&1
rc=$?
set -e
cat "$log"
[[ $rc != 77 ]] || rc_skip "$(grep -m1 '^SKIP' "$log")"
[[ $rc == 0 ]] || rc_fail "test_dio failed (exit $rc)"
# the ENOSPC case must have run, not been skipped
grep -qxF '[       OK ] test_enospc' "$log" || rc_fail "test_enospc did not run"
grep -q "^$mnt: No space left on device after" "$log" || rc_fail "no ENOSPC seen"
rc_pass "direct I/O into a full ext4: a durable prefix of whole records, in order"
