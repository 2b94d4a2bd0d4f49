#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A 2-worker capture as the first fanout group after a boot.
#
# The kernel hands out PACKET_FANOUT_FLAG_UNIQUEID ids from one counter
# that starts at 0 at boot, so on a fresh machine the first capture's group
# has id 0.  Both workers must still be in that one group: each frame in
# exactly one worker's file, and the capture's sockets together receive
# each frame once.  (A worker that took id 0 for "no group yet" made a
# group of its own and wrote every frame a second time.)
#
# fanout_wrap (tests/tools) moves the counter, in a network namespace of its
# own, until the next unique group gets id 0; ss shows which groups the
# daemon's sockets are in.  If another process on the machine takes id 0
# first, the wrap is done again; the test is skipped only if that happens
# three times.  Whatever happens, the counter is moved on from 0 at exit,
# so that no other program on the machine inherits the fresh-boot state.
#
# Every attempt accounts for every frame (rc_daemon_accounted); the check
# that needs all of them runs on an attempt without kernel drops.
source "$(dirname "$0")/../lib/ringcap.sh"
rc_need_root
rc_need ss
FANOUT_WRAP=$RC_TOP/$BUILD/tests/fanout_wrap
[ -x "$FANOUT_WRAP" ] || rc_fail "$FANOUT_WRAP is not built (run make)"
rc_tmpdir
rc_pair
SOCK=$RC_TMP/run/ringcap.sock
N=30000
PORTS=$(seq -s, 1000 1015)
rc_defer "'$FANOUT_WRAP' --probe"
attempts=0

# start_fresh OUTDIR: ringcapd with the capture as the first unique fanout
# group since the counter wrapped
start_fresh() {
	local ids
	cat >"$RC_TMP/ringcap.yaml" <<YAML
daemon: { user: "", runtime_directory: $RC_TMP/run, status_interval: 1s }
captures:
  - name: fresh
    interface: $RC_CAP
    workers: 2
    fanout: hash
    outputs:
      - pcap: { path: $1/fresh.pcap }
YAML
	for _ in 1 2 3; do
		"$FANOUT_WRAP" || rc_fail "fanout_wrap failed"
		rc_start_daemon "$RC_TMP/ringcap.yaml" "$RC_TMP/daemon.log"
		ids=$(rc_fanout_ids "$DAEMON_PID" | tr '\n' ' ')
		ids=${ids% }
		echo "fanout group of each of the daemon's packet sockets: $ids"
		[ "$(wc -w <<<"$ids")" = 2 ] || rc_fail "expected 2 packet sockets in ringcapd, found: '$ids'"
		case " $ids " in
		*" 0 "*) FANOUT_IDS=$ids; return 0 ;;
		esac
		echo "another program took fanout id 0 first; again"
		kill -TERM "$DAEMON_PID"
		wait "$DAEMON_PID" || rc_fail "ringcapd exited with status $? on SIGTERM"
		rm -f "$1"/*
	done
	rc_skip "other programs took fanout id 0 three times in a row"
}

attempt() {
	local dir merged out f n w
	attempts=$((attempts + 1))
	dir=$RC_TMP/out$attempts
	mkdir "$dir"
	start_fresh "$dir"
	rc_in_ns "$RCGEN" -i "$RC_GEN" -n $N -s 60-1514 --ports "$PORTS" -r "$1"
	rc_daemon_accounted "$SOCK" fresh $N
	kill -TERM "$DAEMON_PID"
	wait "$DAEMON_PID" || rc_fail "ringcapd exited with status $? on SIGTERM"
	ls -l "$dir"
	# each worker's file in order, no frame in both, and together exactly
	# the frames the daemon says it wrote
	merged=$("${PCAPCHECK[@]}" merge "$RC_TMP/merged.pcap" "$dir"/fresh_w0.pcap "$dir"/fresh_w1.pcap) ||
		rc_fail "the workers' files repeat frames (fanout groups: $FANOUT_IDS)"
	echo "$merged"
	out=$("${PCAPCHECK[@]}" seq "$RC_TMP/merged.pcap") || rc_fail "merged files: frames repeated"
	echo "$out"
	n=$(echo "$out" | sed -n 's/^frames=\([0-9]*\) .*/\1/p')
	[ "$n" = "$RC_FRAMES" ] || rc_fail "$n frames in the files, the daemon wrote $RC_FRAMES"
	[ "$RC_DROPS" = 0 ] || return 0

	"${PCAPCHECK[@]}" seq "$RC_TMP/merged.pcap" --expect $N ||
		rc_fail "the workers' files together do not hold each of the $N frames once"
	for w in 0 1; do
		f=$(echo "$merged" | sed -n "s|.*fresh_w$w.pcap: \([0-9]*\) frames|\1|p")
		[ "${f:-0}" -gt 0 ] || rc_fail "worker $w got no frames: the group did not spread"
	done
	[ "$FANOUT_IDS" = "0 0" ] || rc_fail "the workers' sockets are in fanout groups $FANOUT_IDS, not both in 0"
}
rc_until_lossless 100000 attempt
rc_pass "2 workers in fanout group 0 (the first after a boot): each of $N frames once, at $RC_RATE frames/s"
