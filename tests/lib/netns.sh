# shellcheck shell=bash
# netns.sh - helpers for ringcap integration tests (source it, run as root).
#
# Creates throw-away network namespaces + veth pairs, tmpfs-backed temp
# dirs and background processes, and tears all of them down again from a
# single EXIT trap.  Safe under "set -euo pipefail".  Functions:
#   rc_need TOOL...      skip (exit 77) unless every TOOL is in PATH
#   rc_need_root         skip (exit 77) unless running as root
#   rc_pair [QUEUES]     netns "rct-XXXXXXXX" + veth rccXXXXXXXX (root ns,
#                        capture side) <-> rcgXXXXXXXX (inside the netns);
#                        IPv6 off, both up (waited for); sets RC_NS RC_CAP RC_GEN
#   rc_link_wait_up NS DEV   until DEV (in NS, "" = here) is operationally up
#   rc_loop_ext4 NAME SIZE   an ext4 on a loop device, mounted; sets RC_MNT
#   rc_tmpdir            fresh 4G tmpfs-backed temp dir; sets RC_TMP
#   rc_bg CMD...         run CMD in the background; sets RC_BG_PID
#   rc_stop [PID]        TERM (KILL after 2 s) a rc_bg process, reap it and
#                        return its exit status (default PID: $RC_BG_PID)
#   rc_in_ns CMD...      run CMD inside $RC_NS
#   rc_defer CMD...      run CMD (eval'd string) at cleanup, before teardown,
#                        last in, first out; if it fails, again once the
#                        rc_bg processes are stopped
#   rc_check DESC CMD... run CMD; rc_fail DESC if it fails
#   rc_fail MSG / rc_pass MSG / rc_skip MSG   exit 1 / 0 / 77
#   rc_cleanup           the EXIT trap body; idempotent, never fails
# Call rc_pair, rc_tmpdir and rc_bg directly (not inside $(...) or a
# pipeline): they must run in the main shell to register their cleanup.

if [[ -n "${_RC_NETNS_SH_LOADED:-}" ]]; then
	return 0
fi
_RC_NETNS_SH_LOADED=1

_RC_OWNER_PID=$BASHPID
_RC_NETNS=()        # namespaces we created
_RC_LINKS=()        # veth names (root namespace side) we created
_RC_TMPDIRS=()      # temp dirs (maybe tmpfs mount points) we created
_RC_BG_PIDS=()      # background pids we started
_RC_DEFERRED=()     # extra cleanup commands
_RC_NETNS_MARK=/run/rct-netns-mount   # see rc_pair

RC_NS="${RC_NS:-}"
RC_CAP="${RC_CAP:-}"
RC_GEN="${RC_GEN:-}"
RC_TMP="${RC_TMP:-}"
RC_BG_PID="${RC_BG_PID:-}"

rc_fail() {
	echo "FAIL: $*" >&2
	exit 1
}

rc_pass() {
	echo "PASS: $*"
	exit 0
}

rc_skip() {
	echo "SKIP: $*"
	exit 77
}

rc_need() {
	local t
	for t in "$@"; do
		if ! command -v -- "$t" >/dev/null 2>&1; then
			rc_skip "needs $t"
		fi
	done
	return 0
}

rc_need_root() {
	if [[ "$(id -u)" != 0 ]]; then
		rc_skip "needs root"
	fi
	return 0
}

rc_check() {
	local desc=$1
	shift
	if ! "$@"; then
		rc_fail "$desc"
	fi
	return 0
}

# 8 random hex digits
_rc_rand() {
	local h
	h=$(od -An -N4 -tx1 /dev/urandom 2>/dev/null | tr -d ' \n') || h=""
	if [[ ${#h} -ne 8 ]]; then
		printf -v h '%04x%04x' "$RANDOM" "$RANDOM"
	fi
	printf '%s' "$h"
}

# Wait until interface $2 in namespace $1 ("" = root namespace) is
# operationally up.  A veth that was just set up drops what is sent on it
# (its queue is not active yet) until the kernel's link watcher has run,
# up to a second after the last link event: a generator must not start
# before.
rc_link_wait_up() {
	local ns=$1 dev=$2 i
	for ((i = 0; i < 500; i++)); do
		if ip ${ns:+-n "$ns"} -o link show dev "$dev" 2>/dev/null | grep -q ' state UP '; then
			return 0
		fi
		sleep 0.01
	done
	rc_fail "interface $dev${ns:+ in $ns} did not come up in 5 s"
}

# An ext4 of SIZE (no journal, 4 KiB blocks) on a loop device, its image
# under /var/tmp (on a disk: the loop device does its own direct I/O
# there when it can), mounted on a fresh directory: sets RC_MNT.  All of
# it goes at cleanup (umount, rmdir, losetup -d, rm: last in, first out).
rc_loop_ext4() {
	local name=$1 size=$2 img dev
	img=$(mktemp /var/tmp/rc-dio-"$name".XXXXXXXX)
	rc_defer "rm -f '$img'"
	truncate -s "$size" "$img"
	mkfs.ext4 -q -F -b 4096 -O ^has_journal "$img" || rc_fail "mkfs.ext4 failed"
	dev=$(losetup -f --show --direct-io=on "$img" 2>/dev/null) ||
		dev=$(losetup -f --show "$img") || rc_skip "no loop device"
	rc_defer "losetup -d '$dev'"
	RC_MNT=$(mktemp -d /tmp/rc-dio-mnt.XXXXXXXX)
	rc_defer "rmdir '$RC_MNT'"
	mount -t ext4 "$dev" "$RC_MNT" || rc_fail "cannot mount $dev"
	rc_defer "umount '$RC_MNT'"
}

# Disable IPv6 on interface $2, in namespace $1 ("" = root namespace).
_rc_no_ipv6() {
	local ns=$1 knob="/proc/sys/net/ipv6/conf/$2/disable_ipv6"
	if [[ -z "$ns" ]]; then
		[[ -e "$knob" ]] || return 0      # IPv6 not available at all
		echo 1 >"$knob"
	else
		ip netns exec "$ns" sh -c \
			"[ ! -e '$knob' ] || echo 1 >'$knob'"
	fi
}

rc_pair() {
	local queues=${1:-} qargs=() id ns cap gen tries=0
	if [[ -n "$queues" ]]; then
		if ! [[ "$queues" =~ ^[1-9][0-9]{0,3}$ ]]; then
			rc_fail "rc_pair: bad queue count '$queues'"
		fi
		qargs=(numtxqueues "$queues" numrxqueues "$queues")
	fi
	command -v ip >/dev/null 2>&1 || rc_skip "needs ip"
	# "ip netns add" turns /run/netns into a mount point.  If it is not one
	# yet, leave a marker so that whichever rc test finishes last (and
	# finds /run/netns empty) unmounts it again.
	if ! mountpoint -q /run/netns 2>/dev/null; then
		: >"$_RC_NETNS_MARK" 2>/dev/null || true
	fi

	while :; do
		tries=$((tries + 1))
		id=$(_rc_rand)
		ns="rct-$id" cap="rcc$id" gen="rcg$id"
		if [[ -e "/run/netns/$ns" ]] || [[ -e "/sys/class/net/$cap" ]]; then
			continue
		fi
		if ip netns add "$ns" 2>/dev/null; then
			_RC_NETNS+=("$ns")
			break
		fi
		[[ $tries -lt 5 ]] || rc_fail "rc_pair: cannot create netns $ns"
	done

	# no IPv6 (hence no autoconfiguration chatter) for anything in the netns
	# shellcheck disable=SC2016  # expanded by the inner sh
	ip netns exec "$ns" sh -c 'for k in default all; do
		f=/proc/sys/net/ipv6/conf/$k/disable_ipv6
		[ ! -e "$f" ] || echo 1 >"$f"; done' ||
		rc_fail "rc_pair: cannot disable IPv6 in $ns"
	ip link add "$cap" "${qargs[@]}" type veth \
		peer name "$gen" "${qargs[@]}" netns "$ns" ||
		rc_fail "rc_pair: cannot create veth pair $cap/$gen"
	_RC_LINKS+=("$cap")
	_rc_no_ipv6 "" "$cap" ||
		rc_fail "rc_pair: cannot disable IPv6 on $cap"
	_rc_no_ipv6 "$ns" "$gen" ||
		rc_fail "rc_pair: cannot disable IPv6 on $gen in $ns"
	ip netns exec "$ns" ip link set lo up ||
		rc_fail "rc_pair: cannot bring up lo in $ns"
	ip link set "$cap" up ||
		rc_fail "rc_pair: cannot bring up $cap"
	ip netns exec "$ns" ip link set "$gen" up ||
		rc_fail "rc_pair: cannot bring up $gen in $ns"
	rc_link_wait_up "" "$cap"
	rc_link_wait_up "$ns" "$gen"
	RC_NS=$ns RC_CAP=$cap RC_GEN=$gen
	return 0
}

rc_in_ns() {
	[[ -n "${RC_NS:-}" ]] || rc_fail "rc_in_ns: no namespace (call rc_pair)"
	ip netns exec "$RC_NS" "$@"
}

rc_tmpdir() {
	local d
	d=$(mktemp -d /tmp/rctmp.XXXXXXXX) || rc_fail "rc_tmpdir: mktemp failed"
	_RC_TMPDIRS+=("$d")
	# mode 1777 like /tmp: tcpdump drops privileges before (re)opening files
	if ! mount -t tmpfs -o size=4G,mode=1777 rctmp "$d" 2>/dev/null; then
		echo "WARN: rc_tmpdir: cannot mount tmpfs on $d, using disk" >&2
		chmod 1777 "$d" || true
	fi
	RC_TMP=$d
	return 0
}

rc_bg() {
	[[ $# -gt 0 ]] || rc_fail "rc_bg: no command"
	if [[ "$1" == rc_in_ns ]]; then
		# exec the real command (ip netns exec execs), so the pid is its own
		shift
		[[ -n "${RC_NS:-}" ]] || rc_fail "rc_bg: no namespace (call rc_pair)"
		ip netns exec "$RC_NS" "$@" &
	else
		"$@" &
	fi
	RC_BG_PID=$!
	_RC_BG_PIDS+=("$RC_BG_PID")
	return 0
}

rc_defer() {
	_RC_DEFERRED+=("$*")
}

# Print pid $1 and all its descendants, children first.
_rc_tree() {
	local c
	for c in $(ps -o pid= --ppid "$1" 2>/dev/null); do
		_rc_tree "$c"
	done
	echo "$1"
}

# Terminate pid $1 and its descendants: TERM, then KILL after 2 s.
_rc_kill_tree() {
	local pid=$1 pids p i
	kill -0 "$pid" 2>/dev/null || return 0
	pids=$(_rc_tree "$pid")
	for p in $pids; do kill -TERM "$p" 2>/dev/null || true; done
	for ((i = 0; i < 20; i++)); do
		local alive=0
		for p in $pids; do
			# a zombie counts as gone
			if kill -0 "$p" 2>/dev/null &&
				[[ "$(ps -o stat= -p "$p" 2>/dev/null)" != Z* ]]; then
				alive=1
			fi
		done
		[[ $alive == 1 ]] || return 0
		sleep 0.1
	done
	for p in $pids; do kill -KILL "$p" 2>/dev/null || true; done
	return 0
}

rc_stop() {
	local pid=${1:-${RC_BG_PID:-}} rc=0
	[[ -n "$pid" ]] || return 0
	_rc_kill_tree "$pid"
	wait "$pid" 2>/dev/null || rc=$?
	return $rc
}

rc_cleanup() {
	local rc=$? i p d ns l opts c again
	[[ "$BASHPID" == "$_RC_OWNER_PID" ]] || return 0
	opts=$(set +o)
	set +e +u
	trap '' INT TERM HUP
	# a deferred command that fails (an umount while a background process
	# still has files open there) is run again once those processes are gone
	again=()
	for ((i = ${#_RC_DEFERRED[@]} - 1; i >= 0; i--)); do
		eval "${_RC_DEFERRED[i]}" >/dev/null 2>&1 </dev/null || again+=("${_RC_DEFERRED[i]}")
	done
	_RC_DEFERRED=()
	for p in "${_RC_BG_PIDS[@]}"; do
		_rc_kill_tree "$p" >/dev/null 2>&1
		wait "$p" 2>/dev/null
	done
	_RC_BG_PIDS=()
	for c in "${again[@]}"; do
		eval "$c" >/dev/null 2>&1 </dev/null
	done
	for l in "${_RC_LINKS[@]}"; do
		if [[ -e "/sys/class/net/$l" ]]; then
			ip link del "$l" >/dev/null 2>&1
		fi
	done
	_RC_LINKS=()
	for ns in "${_RC_NETNS[@]}"; do
		if [[ -e "/run/netns/$ns" ]]; then
			# kill anything still running inside before deleting it
			for p in $(ip netns pids "$ns" 2>/dev/null); do
				kill -KILL "$p" 2>/dev/null
			done
			ip netns del "$ns" >/dev/null 2>&1
		fi
	done
	_RC_NETNS=()
	# undo the /run/netns mount made on behalf of rc tests once it is empty
	# (a non-lazy umount fails harmlessly if another namespace appeared)
	if [[ -e "$_RC_NETNS_MARK" ]] && [[ -d /run/netns ]] &&
		[[ -z "$(ls -A /run/netns 2>/dev/null)" ]]; then
		if ! mountpoint -q /run/netns 2>/dev/null ||
			umount /run/netns >/dev/null 2>&1; then
			rm -f "$_RC_NETNS_MARK"
		fi
	fi
	for d in "${_RC_TMPDIRS[@]}"; do
		[[ -n "$d" && -d "$d" ]] || continue
		if mountpoint -q "$d" 2>/dev/null; then
			umount "$d" >/dev/null 2>&1 || umount -l "$d" >/dev/null 2>&1
		fi
		if ! mountpoint -q "$d" 2>/dev/null; then
			rm -rf -- "$d" >/dev/null 2>&1
		fi
	done
	_RC_TMPDIRS=()
	trap 'exit 130' INT
	trap 'exit 143' TERM
	trap 'exit 129' HUP
	eval "$opts"
	return "$rc"
}

trap rc_cleanup EXIT
# Turn fatal signals into a normal exit so that the EXIT trap runs.
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP
