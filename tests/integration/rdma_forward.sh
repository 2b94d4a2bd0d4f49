#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# RDMA forwarding for real, on Soft-RoCE: the host kernel has no RDMA, so
# this boots Debian's 6.1 kernel under qemu (tests/vm/) with ringcap and
# rcgen in the initramfs and runs tests/vm/guest/rdma_forward.sh there.
# Then it checks, with the host's tools, what the guest left in /share:
#   same     the collector's pcap is byte-identical to the local pcap,
#            and forwarding was zero-copy (no byte copied in user space)
#   copy     the same in copy mode, which says so and counts its copies
#   restart  collector killed (SIGKILL) and restarted mid-run: the local
#            pcap is complete, forwarding resumed, and every frame is in
#            one of the collectors' files or counted as not delivered
#   stall    a collector that stops reading (SIGSTOP): the local pcap is
#            complete, the sender counted the blocks it could not send
#   hold     the same with policy hold: blocks were held, none unaccounted
#   flap     ringcapd, the collector killed and restarted three times during
#            traffic with the ring's registration and deregistration made
#            slow (RINGCAP_RDMA_TEST_SLOW_MS) and a ring that holds less than
#            that: the local pcap has every frame sent, in order, the kernel
#            dropped none, forwarding losses are counted, and "ringcap
#            stats" answered throughout
#   xdp      the AF_XDP backend: UMEM frames forwarded by gather lists, no
#            copy, identical files (skipped, with the reason, if the guest
#            kernel cannot run AF_XDP)
#   daemon   ringcapd with an rdma output in its YAML: identical files, and
#            ringcap stats shows the forwarding counters
#   rate     forwarded frames/s and bytes/s, beside ib_write_bw
# The whole VM run must end within 5 minutes.
source "$(dirname "$0")/../lib/ringcap.sh"
rc_need_root
rc_need qemu-system-x86_64 cpio
compgen -G '/boot/vmlinuz-6.1.*' >/dev/null || rc_skip "no Debian 6.1 kernel (make deps installs linux-image-amd64)"
"$RINGCAP" rdma-recv --help >/dev/null 2>&1 || rc_skip "ringcap has no rdma-recv"
if "$RINGCAP" rdma-recv --listen 127.0.0.1:1 -w /dev/null 2>&1 | grep -q 'without RDMA'; then
	rc_skip "ringcap was built without RDMA (make deps: libibverbs-dev librdmacm-dev)"
fi

T=$(mktemp -d /tmp/rc-rdma.XXXXXX)
rc_defer "rm -rf '$T'"
mkdir "$T/share"
# A sanitized build is several times slower under TCG: fewer frames, the
# same checks, so that the VM run stays well inside its 5 minutes.
SCALE=1
case $BUILD in *san*) SCALE=4 ;; esac
# the flap phase's slow connection set-up and teardown (ms)
FLAP_SLOW_MS=1500
printf 'SCALE=%s\nFLAP_SLOW_MS=%s\n' $SCALE $FLAP_SLOW_MS >"$T/share/params"
N_SAME=$((20000 / SCALE)) N_COPY=$((5000 / SCALE)) N_RESTART=$((30000 / SCALE + 3000 / SCALE))
N_STALL=$((20000 / SCALE)) N_HOLD=$((10000 / SCALE)) N_DAEMON=$((8000 / SCALE)) N_XDP=$((10000 / SCALE))
VM=$RC_TOP/tests/vm
bash "$VM/mkinitramfs.sh" "$T/initrd.gz" "$VM/guest/rdma_forward.sh" "$RINGCAP" "$RINGCAPD" "$RCGEN" \
	$(for o in /usr/lib/x86_64-linux-gnu/bpf/xdp-dispatcher.o; do [ -f $o ] && echo "$o:$o"; done) ||
	rc_fail "cannot build the initramfs"
t0=$SECONDS
rc=0
bash "$VM/run.sh" --timeout 300 --mem 2048 "$T/initrd.gz" "$T/share" >"$T/console.txt" 2>&1 || rc=$?
vmsecs=$((SECONDS - t0))
grep '^guest: ' "$T/console.txt" || true
S=$T/share
if [ $rc != 0 ]; then
	tail -n 60 "$T/console.txt"
	for f in "$S"/*.log; do [ -f "$f" ] && { echo "--- $f"; tail -n 20 "$f"; }; done
	[ $rc = 77 ] && rc_skip "the VM cannot run here"
	rc_fail "the VM run failed (status $rc) after ${vmsecs}s"
fi
echo "VM run: ${vmsecs}s"
[ $vmsecs -lt 300 ] || rc_fail "the VM test took ${vmsecs}s, more than 5 minutes"

# a number from a summary line of LOG: num LOG SED-REGEX
num() {
	local v
	v=$(sed -n "s/$2/\\1/p" "$1" | tail -n 1)
	[ -n "$v" ] || rc_fail "$1: no line matching '$2': $(cat "$1")"
	echo "$v"
}
fwd() { num "$1" '^\([0-9]*\) packets\{0,1\} forwarded over RDMA.*'; }
undelivered() { num "$1" '.*, \([0-9]*\) not delivered$'; }
copied() { num "$1" '.* \([0-9]*\) bytes copied in user space$'; }
written() { num "$1" '^RDMA: .* \([0-9]*\) bytes written, .*'; }
count() { if [ -f "$1" ]; then "${PCAPCHECK[@]}" count "$1"; else echo 0; fi; }

# --- same ----------------------------------------------------------------
cat "$S/same-local.log" "$S/same-remote.log"
"${PCAPCHECK[@]}" seq "$S/same-local.pcap" --expect $N_SAME || rc_fail "same: the local pcap misses frames"
cmp "$S/same-local.pcap" "$S/same-remote.pcap" || rc_fail "same: the collector's pcap differs from the local one"
capinfos "$S/same-remote.pcap" >/dev/null || rc_fail "same: capinfos rejects the collector's file"
[ "$(fwd "$S/same-local.log")" = $N_SAME ] || rc_fail "same: not $N_SAME frames forwarded"
[ "$(undelivered "$S/same-local.log")" = 0 ] || rc_fail "same: frames not delivered"
grep -q "zero-copy from the capture ring" "$S/same-local.log" || rc_fail "same: not zero-copy"
[ "$(copied "$S/same-local.log")" = 0 ] || rc_fail "same: bytes copied in zero-copy mode"
grep -q "^$N_SAME packets written" "$S/same-remote.log" || rc_fail "same: the collector did not write $N_SAME"

# --- copy ----------------------------------------------------------------
cat "$S/copy-local.log"
cmp "$S/copy-local.pcap" "$S/copy-remote.pcap" || rc_fail "copy: the collector's pcap differs from the local one"
[ "$(count "$S/copy-remote.pcap")" = $N_COPY ] || rc_fail "copy: not $N_COPY frames at the collector"
grep -q "mode: copy" "$S/copy-local.log" || rc_fail "copy: the log does not say mode: copy"
[ "$(copied "$S/copy-local.log")" -gt 0 ] || rc_fail "copy: no copied bytes counted"

# --- restart -------------------------------------------------------------
cat "$S/restart-local.log" "$S/restart-b.log"
"${PCAPCHECK[@]}" seq "$S/restart-local.pcap" --expect $N_RESTART ||
	rc_fail "restart: the local pcap is not complete"
# The killed collector's file may end in a cut record (SIGKILL inside its
# write), and it may have written blocks it had no time to credit: the
# sender counts those as not delivered, which is all it can know.  So the
# three add up to at least N (nothing vanished), and the two files to at
# most N (nothing twice).
a=$("${PCAPCHECK[@]}" count --torn-tail "$S/restart-a.pcap") b=$(count "$S/restart-b.pcap")
lost=$(undelivered "$S/restart-local.log")
echo "restart: $a frames at the first collector, $b at the second, $lost counted as not delivered" \
	"($((a + b + lost - N_RESTART)) written but not credited before the kill)"
[ "$b" -gt 0 ] || rc_fail "restart: forwarding did not resume"
[ "$lost" -gt 0 ] || rc_fail "restart: nothing counted as not delivered across a collector kill"
[ $((a + b + lost)) -ge $N_RESTART ] || rc_fail "restart: $a + $b + $lost < $N_RESTART: frames unaccounted for"
[ $((a + b)) -le $N_RESTART ] || rc_fail "restart: $a + $b > $N_RESTART: frames at both collectors"
grep -q "RDMA: .* [1-9][0-9]* reconnects" "$S/restart-local.log" || rc_fail "restart: no reconnect counted"
files=("$S/restart-b.pcap")
[ "$a" -gt 0 ] && files=("$S/restart-a.pcap" "$S/restart-b.pcap")
# the first collector's file, killed, may end in a cut record
"${PCAPCHECK[@]}" seq --torn-tails "${files[@]}" >/dev/null ||
	rc_fail "restart: the collectors' frames repeat or go backwards"

# --- stall ---------------------------------------------------------------
cat "$S/stall-local.log"
"${PCAPCHECK[@]}" seq "$S/stall-local.pcap" --expect $N_STALL ||
	rc_fail "stall: the capture did not get every frame while the collector was stopped"
r=$(count "$S/stall-remote.pcap")
lost=$(undelivered "$S/stall-local.log")
echo "stall: $r frames at the collector, $lost counted as not delivered"
[ "$lost" -gt 0 ] || rc_fail "stall: a stopped collector cost no counted drops"
grep -q "RDMA: [1-9][0-9]* blocks without credit" "$S/stall-local.log" || rc_fail "stall: no credit drops counted"
[ $((r + lost)) = $N_STALL ] || rc_fail "stall: $r + $lost != $N_STALL: frames unaccounted for"

# --- hold ----------------------------------------------------------------
cat "$S/hold-local.log"
"${PCAPCHECK[@]}" seq "$S/hold-local.pcap" --expect $N_HOLD || rc_fail "hold: the local pcap is not complete"
r=$(count "$S/hold-remote.pcap")
lost=$(undelivered "$S/hold-local.log")
grep -q "RDMA: [0-9]* blocks without credit, [1-9][0-9]* held" "$S/hold-local.log" ||
	rc_fail "hold: no block was held"
[ $((r + lost)) = $N_HOLD ] || rc_fail "hold: $r + $lost != $N_HOLD: frames unaccounted for"
echo "hold: $r frames at the collector, $lost counted as not delivered"
"${PCAPCHECK[@]}" seq "$S/hold-remote.pcap" >/dev/null || rc_fail "hold: held blocks went out of order"

# --- flap ----------------------------------------------------------------
cat "$S/flap-local.log"
sent=$(cat "$S/flap-sent")
complete=yes
"${PCAPCHECK[@]}" seq "$S/flap-local.pcap" --expect "$sent" || complete=no
# the killed collectors' files may end in a cut record (see restart)
r=0
for i in 0 1 2; do
	r=$((r + $("${PCAPCHECK[@]}" count --torn-tail "$S/flap-r$i.pcap")))
done
last=$(count "$S/flap-r3.pcap")
"${PCAPCHECK[@]}" seq "$S/flap-r3.pcap" >/dev/null || rc_fail "flap: the last collector's frames repeat or go backwards"
read -r drops lost flost reconnects < <(/usr/bin/python3 -c '
import json, sys
c = [c for c in json.load(open(sys.argv[1]))["captures"] if c["name"] == "flap"][0]
print(c["kernel_drops"], c["frames_lost"], c["rdma_lost"], c["rdma_reconnects"])' "$S/flap-stats.json") ||
	rc_fail "flap: no counters in ringcap stats: $(cat "$S/flap-stats.json")"
# each "ringcap stats" call: start and end time; "failed" for a call that failed
asks=$(grep -c . "$S/flap-stats-times.txt") || true
slowest=$(awk '$1 == "failed" { bad = 1; next } { d = $2 - $1; if (d > m) m = d }
	END { if (bad) print "failed"; else printf "%d", m * 1000 }' "$S/flap-stats-times.txt")
echo "flap: $sent frames sent; kernel drops $drops, lost $lost; $r frames at the killed" \
	"collectors, $last at the last, $flost not delivered, $reconnects reconnects;" \
	"$asks stats requests during the flaps, the slowest took ${slowest} ms"
[ $complete = yes ] || rc_fail "flap: the local pcap does not hold every one of the $sent frames sent, in order"
[ "$drops" = 0 ] || rc_fail "flap: the kernel dropped $drops frames: the capture worker was held up"
[ "$lost" = 0 ] || rc_fail "flap: $lost frames lost on the way to the local pcap"
[ "$flost" -gt 0 ] || rc_fail "flap: three collector kills cost no counted forwarding loss"
[ "$reconnects" -ge 3 ] || rc_fail "flap: $reconnects reconnects counted, not 3"
[ "$last" -gt 0 ] || rc_fail "flap: forwarding did not resume"
[ $((r + last + flost)) -ge "$sent" ] || rc_fail "flap: $r + $last + $flost < $sent: frames unaccounted for"
[ $((r + last)) -le "$sent" ] || rc_fail "flap: $r + $last > $sent: frames at two collectors"
# the requests ran through the flaps: the main thread reads the sink's
# counters while connections come and go.  Their times are shown, not
# judged: most of each is starting the CLI, which takes a second under load.
[ "$asks" -ge 3 ] || rc_fail "flap: only $asks stats requests were made"
[ "$slowest" != failed ] || rc_fail "flap: a stats request failed"

# --- xdp -----------------------------------------------------------------
if [ -f "$S/xdp-skip.txt" ]; then
	# only a set-up refusal (exit 2, with its message) is the guest's lack
	grep -q "(exit status 2)" "$S/xdp-skip.txt" ||
		rc_fail "xdp: the AF_XDP capture died: $(cat "$S/xdp-skip.txt")"
	echo "xdp: AF_XDP could not run in the guest, phase skipped: $(cat "$S/xdp-skip.txt")"
else
	cat "$S/xdp-local.log"
	"${PCAPCHECK[@]}" seq "$S/xdp-local.pcap" --expect $N_XDP || rc_fail "xdp: the local pcap misses frames"
	grep -q "zero-copy from the UMEM" "$S/xdp-local.log" || rc_fail "xdp: not forwarded from the UMEM"
	[ "$(copied "$S/xdp-local.log")" = 0 ] || rc_fail "xdp: bytes copied in user space"
	xf=$(fwd "$S/xdp-local.log") xnd=$(undelivered "$S/xdp-local.log")
	[ $((xf + xnd)) = $N_XDP ] || rc_fail "xdp: $xf forwarded + $xnd not delivered != $N_XDP"
	if [ "$xnd" = 0 ]; then
		cmp "$S/xdp-local.pcap" "$S/xdp-remote.pcap" ||
			rc_fail "xdp: the collector's pcap differs from the local one"
	else
		# a host too busy for the emulated collector to give credits back
		# in time: what did not go is counted; what went is whole, once,
		# in order
		echo "xdp: $xnd frames not delivered for want of credits (a busy host); checking what arrived"
		out=$("${PCAPCHECK[@]}" seq "$S/xdp-remote.pcap") || rc_fail "xdp: the collector's frames repeat or go backwards"
		[ "$(echo "$out" | sed -n 's/^frames=\([0-9]*\) .*/\1/p')" = "$xf" ] ||
			rc_fail "xdp: the collector's file does not hold the $xf frames forwarded"
	fi
fi

# --- daemon --------------------------------------------------------------
cat "$S/daemon-local.log"
"${PCAPCHECK[@]}" seq "$S/daemon-local.pcap" --expect $N_DAEMON || rc_fail "daemon: the local pcap misses frames"
cmp "$S/daemon-local.pcap" "$S/daemon-remote.pcap" || rc_fail "daemon: the collector's pcap differs from the daemon's"
/usr/bin/python3 - "$S/daemon-stats.json" $N_DAEMON <<'PY' || rc_fail "daemon: ringcap stats"
import json, sys
c = [c for c in json.load(open(sys.argv[1]))["captures"] if c["name"] == "fwd"][0]
n = int(sys.argv[2])
want = {"rdma_frames": n, "rdma_lost": 0, "rdma_connected": 1, "rdma_zero_copy": 1,
        "rdma_copied_bytes": 0}
bad = {k: c.get(k) for k, v in want.items() if c.get(k) != v}
print("daemon stats:", {k: c.get(k) for k in sorted(c) if k.startswith("rdma_")})
sys.exit("unexpected: %s" % bad if bad else 0)
PY

# --- rate ----------------------------------------------------------------
frames=$(fwd "$S/rate-local.log") wire=$(written "$S/rate-local.log")
read -r _ start _ end <"$S/rate-time.txt"
rate=$(awk -v f="$frames" -v w="$wire" -v a="$start" -v b="$end" \
	'BEGIN { d = b - a; printf "%d frames in %.2f s: %.0f frames/s, %.1f MB/s", f, d, f / d, w / d / 1e6 }')
bw=$(awk '/^ *65536 /{print $4}' "$S/ib_write_bw.txt" | tail -n 1)
echo "forwarding: $rate; ib_write_bw 64 KiB messages, same rxe device: ${bw:-?} MB/sec"
echo "user-space bytes copied per forwarded byte: $(copied "$S/rate-local.log") / $wire"
[ -n "$bw" ] || rc_fail "ib_write_bw gave no bandwidth: $(cat "$S/ib_write_bw.txt")"
rc_pass "RDMA forwarding on Soft-RoCE: identical files, resumed after a collector restart, counted drops on a stall (VM ${vmsecs}s)"
