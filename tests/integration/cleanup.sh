#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The tests' own cleanup (rc_cleanup in tests/lib/netns.sh) leaves nothing
# behind when a test fails while its processes still hold what is to be
# removed: a child test makes a network namespace, a tmpfs, an ext4 on a
# loop device and a small tmpfs inside its temp dir, starts processes that
# keep files open on each mount and one that runs inside the namespace,
# then fails.  Afterwards none of them may be left: no mount, no loop
# device, no namespace, no process.  (CI's run of dio_capture failed with
# its daemon writing to the loop-device ext4, and the umount, run before
# the daemon was stopped, left the mount and the loop device behind.)
set -euo pipefail
source "$(dirname "$0")/../lib/netns.sh"
rc_need_root
rc_need losetup mkfs.ext4 mount umount
rc_tmpdir
out=$RC_TMP/child.vars

child() {
	# shellcheck disable=SC2016
	bash -c '
set -euo pipefail
source "$1/tests/lib/netns.sh"
rc_pair
rc_tmpdir
rc_loop_ext4 cleanup 16M
mkdir "$RC_TMP/small"
mount -t tmpfs -o size=1M rcsmall "$RC_TMP/small"
rc_defer "umount '\''$RC_TMP/small'\''"
rc_bg bash -c "exec 3>\"\$1/held\" 4>\"\$2/held\" 5>\"\$3/held\"; exec sleep 60" _ \
	"$RC_MNT" "$RC_TMP" "$RC_TMP/small"
holder=$RC_BG_PID
rc_bg rc_in_ns sleep 60
in_ns=$RC_BG_PID
dev=$(findmnt -n -o SOURCE "$RC_MNT")
printf "%s\n" "MNT=$RC_MNT" "TMP=$RC_TMP" "NS=$RC_NS" "CAP=$RC_CAP" "DEV=$dev" \
	"HOLDER=$holder" "IN_NS=$in_ns" >"$2"
for _ in $(seq 50); do [ -e "$RC_MNT/held" ] && [ -e "$RC_TMP/small/held" ] && break; sleep 0.1; done
rc_fail "on purpose, with the mounts busy"
' child "$RC_TOP" "$out"
}

rc=0
child || rc=$?
[ "$rc" = 1 ] || rc_fail "the child test ended with status $rc, not 1 (its rc_fail)"
[ -s "$out" ] || rc_fail "the child test did not get as far as its set-up"
# shellcheck disable=SC1090
source "$out"
echo "child: mount $MNT on $DEV, temp dir $TMP, namespace $NS, holders $HOLDER $IN_NS"
left=()
findmnt -n "$MNT" >/dev/null && left+=("the mount on $MNT")
[ -e "$MNT" ] && left+=("the directory $MNT")
findmnt -n "$TMP/small" >/dev/null && left+=("the mount on $TMP/small")
findmnt -n "$TMP" >/dev/null && left+=("the mount on $TMP")
[ -e "$TMP" ] && left+=("the directory $TMP")
losetup -n -O NAME | grep -qx "$DEV" && left+=("the loop device $DEV ($(losetup -n -O BACK-FILE "$DEV"))")
[ -e "/run/netns/$NS" ] && left+=("the namespace $NS")
[ -e "/sys/class/net/$CAP" ] && left+=("the link $CAP")
kill -0 "$HOLDER" 2>/dev/null && left+=("the process $HOLDER")
kill -0 "$IN_NS" 2>/dev/null && left+=("the process $IN_NS")
if [ ${#left[@]} != 0 ]; then
	# mend what the child left, then fail
	umount -l "$MNT" "$TMP/small" "$TMP" 2>/dev/null || true
	kill -KILL "$HOLDER" "$IN_NS" 2>/dev/null || true
	losetup -d "$DEV" 2>/dev/null || true
	ip netns del "$NS" 2>/dev/null || true
	rmdir "$MNT" 2>/dev/null || true
	rm -rf "$TMP" 2>/dev/null || true
	rc_fail "a failed test left behind: $(IFS=,; echo "${left[*]}")"
fi
rc_pass "a test that fails with its mounts busy leaves no mount, loop device, namespace or process"
