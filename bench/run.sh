#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# make bench: the same traffic captured by ringcap, tcpdump, dumpcap,
# netsniff-ng and xdpdump, one tool after the other, in one run.
#
# A veth pair (capture side CAP in the root namespace, GEN in a namespace of
# its own); trafgen sends into GEN at full speed; each tool captures CAP into
# a pcap file, with its default settings and with 64 MiB of ring memory.
# Scenarios: (a) 64-byte frames from one trafgen process, (b) 64-byte frames
# from two, (c) 1514-byte frames (1500-byte IP packets) from two, (d) the
# same as (c) into a capture that is stopped (SIGSTOP) while the traffic
# fills its ring and then let go (SIGCONT): how fast it writes a full ring
# out when it has a CPU to itself (bench/drain.py); (f) 64-byte frames from
# one process with a capture filter that matches one in ten (only the tools
# that take a filter as words: ringcap, tcpdump), where the CPU per offered
# frame counts too.  The output
# directory is a fresh tmpfs and a directory under /var/tmp on the disk.
# Two scenarios measure what the disk really takes, on the disk only:
# (e) 1514-byte frames from one trafgen process at full speed, FRAMES_DISK
# of them (by default 2.5 times the dirty-page limit in pcap bytes, so that
# a writer through the page cache must write most of it back while the
# traffic runs), every file kept until its data is durable: the time runs
# from the first frame until syncfs() returns after the tool has exited
# (less the wait before the stop if by then nothing was left to write
# back: bench/settle.py), and the file's pages left in the page cache are
# counted (fincore); next
# to it, the disk's own limits for the same number of bytes, until
# durable: dd oflag=direct, buffered dd conv=fsync and ringcap's own
# direct-I/O writer alone (bench/diobw).  (f) the same frames paced by
# rcgen (tests/tools/rcgen.c, -r) at PACE_PCT % of dd oflag=direct.
# Every point runs REPS times; bench/report.py turns bench/results/raw.txt
# into bench/results/bench.md (median and min..max) and the gnuplot chart
# bench/results/bench.png.  The columns are defined in bench.md.
#
#   bench/run.sh                          # everything, about 25 minutes
#   FRAMES=500000 REPS=1 BENCH_FS=tmpfs bench/run.sh
#   TOOLS="rc-def td-def" SCENARIOS="a" bench/run.sh
#   TOOLS="rc-def rc-xdp xd-def" RESULTS=bench/results/afxdp bench/run.sh
#   TOOLS="rc-def td-64 dc-64 ns-64" SCENARIOS="e f" REPS=1 RESULTS=bench/results/disk bench/run.sh
#   TOOLS="rc-def rc-xdp rc-xdpsh" SCENARIOS=g REPS=1 BENCH_FS=tmpfs \
#     RESULTS=bench/results/afxdp-filter bench/run.sh
#
# FRAMES       frames per run in scenarios a and b (default 2000000)
# FRAMES_1500  frames per run in scenario c (default FRAMES / 4)
# FRAMES_BURST frames per run in scenario d (default 32000: 49 MB, which
#              fits into every 64 MiB ring)
# FRAMES_DISK  frames per run in scenarios e and f (default: 2.5 x the
#              dirty-page limit / 1530 bytes per record; 8.4 M frames,
#              12.9 GB of pcap, with 24 GiB and vm.dirty_ratio 20)
# PACE_PCT     scenario f's rate in % of dd oflag=direct (default 80)
# REPS         runs per point (default 3)
# BENCH_FS     tmpfs | disk | both (default both)
# TOOLS        tool ids to run (default all; see the table below)
# SCENARIOS    subset of "a b c d e f g" (default "a b c d e f"; g: afxdp's filter)
# SETTLE       seconds between the end of the traffic and SIGINT (default
#              1.5: tcpdump and dumpcap hand over their last block after 1 s)
# RESULTS      where raw.txt, bench.md and bench.png go (bench/results)
# QUIET_PCT    other load allowed, in % of all CPUs (default 15): before each
#              capture the bench waits (up to QUIET_WAIT seconds, default 900)
#              until the machine is that quiet, and a capture during which
#              other processes used more is repeated (up to RETRIES times in
#              all, default 3; the last one is kept and marked)
set -euo pipefail
cd "$(dirname "$0")/.."
RC_TOP=$PWD
BUILD=${BUILD:-build}
FRAMES=${FRAMES:-2000000}
FRAMES_1500=${FRAMES_1500:-$((FRAMES / 4))}
FRAMES_BURST=${FRAMES_BURST:-32000}
# the dirty-page limit: vm.dirty_bytes, or vm.dirty_ratio % of memory
DIRTY_LIMIT=$(awk -v b="$(cat /proc/sys/vm/dirty_bytes)" -v r="$(cat /proc/sys/vm/dirty_ratio)" \
	'/^MemTotal:/ {printf "%.0f\n", (b > 0 ? b : $2 * 1024 * r / 100)}' /proc/meminfo)
FRAMES_DISK=${FRAMES_DISK:-$((DIRTY_LIMIT * 5 / 2 / 1530))}
PACE_PCT=${PACE_PCT:-80}
PACE_PPS=0 # scenario f: set from dd oflag=direct (disk_limits)
REPS=${REPS:-3}
BENCH_FS=${BENCH_FS:-both}
SCENARIOS=${SCENARIOS:-a b c d e f}
# the filter of scenario g: one frame in ten of bench/udp60_10pct.cfg
FILTER_10PCT="udp dst port 5000"
SETTLE=${SETTLE:-1.5}
RESULTS=${RESULTS:-bench/results}
QUIET_PCT=${QUIET_PCT:-15}
QUIET_WAIT=${QUIET_WAIT:-900}
RETRIES=${RETRIES:-3}
source tests/lib/netns.sh
rc_need_root
rc_need trafgen tcpdump dumpcap capinfos netsniff-ng xdpdump gnuplot stdbuf findmnt fincore dd
PY=/usr/bin/python3
[[ -x "$RC_TOP/$BUILD/ringcap" ]] || rc_fail "build ringcap first (make)"
[[ $FRAMES =~ ^[1-9][0-9]*$ && $FRAMES_1500 =~ ^[1-9][0-9]*$ && $FRAMES_BURST =~ ^[1-9][0-9]*$ &&
	$FRAMES_DISK =~ ^[1-9][0-9]*$ && $PACE_PCT =~ ^[1-9][0-9]*$ && $REPS =~ ^[1-9][0-9]*$ ]] ||
	rc_fail "FRAMES, FRAMES_1500, FRAMES_BURST, FRAMES_DISK, PACE_PCT and REPS must be positive integers"
case $BENCH_FS in
tmpfs) FSLIST=(tmpfs) ;;
disk) FSLIST=(disk) ;;
both) FSLIST=(tmpfs disk) ;;
*) rc_fail "BENCH_FS must be tmpfs, disk or both" ;;
esac
T_START=$(date +%s)

# --- tools -------------------------------------------------------------------
# id | label | how to tell it is listening (grep in its output) | command
# (CAP and OUT are replaced by the capture interface and the output file)
TOOL_TABLE=(
	"rc-def|ringcap (default: 64 MiB ring)|listening on|RINGCAP -i CAP -w OUT -q"
	"rc-64|ringcap -B 64MiB|listening on|RINGCAP -i CAP -w OUT -q -B 64MiB"
	"rc-ng|ringcap --format pcapng (default: 64 MiB ring)|listening on|RINGCAP -i CAP -w OUT -q --format pcapng"
	"rc-xdp|ringcap --backend afxdp (native XDP, 64 MiB UMEM)|listening on|RINGCAP -i CAP -w OUT -q --backend afxdp --dedicated-port"
	"rc-xdpskb|ringcap --backend afxdp --xdp-mode skb|listening on|RINGCAP -i CAP -w OUT -q --backend afxdp --dedicated-port --xdp-mode skb"
	"rc-xdpsh|ringcap --backend afxdp --take-matching (shared port: needs a filter, scenario g)|listening on|RINGCAP -i CAP -w OUT -q --backend afxdp --take-matching"
	"td-def|tcpdump (default: 2 MiB)|listening on|tcpdump -i CAP -w OUT -Z root"
	"td-64|tcpdump -B 65536|listening on|tcpdump -i CAP -w OUT -Z root -B 65536"
	"dc-def|dumpcap (default: 2 MiB)|Capturing on|dumpcap -i CAP -w OUT -P -q"
	"dc-64|dumpcap -B 64|Capturing on|dumpcap -i CAP -w OUT -P -q -B 64"
	"dc-ng|dumpcap pcapng (default: 2 MiB)|Capturing on|dumpcap -i CAP -w OUT -q"
	"ns-def|netsniff-ng (default ring)|Running!|stdbuf -oL netsniff-ng --in CAP --out OUT --silent"
	"ns-64|netsniff-ng --ring-size 64MiB|Running!|stdbuf -oL netsniff-ng --in CAP --out OUT --silent --ring-size 64MiB"
	"xd-def|xdpdump (native XDP, default)|listening on|xdpdump -i CAP -w OUT --load-xdp-program --use-pcap"
	"xd-skb|xdpdump (skb-mode XDP)|listening on|xdpdump -i CAP -w OUT --load-xdp-program --load-xdp-mode skb --use-pcap"
)
# points that cannot be run at all: id | label | why
NA_TABLE=(
	"xd-64|xdpdump, 64 MiB|n/a: xdpdump has no buffer option; its perf ring is fixed at 256 pages (1 MiB) per CPU"
)
declare -A TLABEL TREADY TCMD
TIDS=()
for t in "${TOOL_TABLE[@]}"; do
	IFS='|' read -r id label ready cmd <<<"$t"
	if [[ -n "${TOOLS:-}" ]] && [[ " $TOOLS " != *" $id "* ]]; then continue; fi
	TIDS+=("$id") TLABEL[$id]=$label TREADY[$id]=$ready TCMD[$id]=$cmd
done
[[ ${#TIDS[@]} -gt 0 ]] || rc_fail "TOOLS='${TOOLS:-}' selects no tool"

# --- scenarios ---------------------------------------------------------------
declare -A SLABEL SCFG SFRAMES SPROCS SFLEN SBURST SDISK SPACED SFILTER
SLABEL[a]="64-byte frames, one trafgen process" SCFG[a]=udp60.cfg SFRAMES[a]=$FRAMES SPROCS[a]=1 SFLEN[a]=60
SLABEL[b]="64-byte frames, two trafgen processes" SCFG[b]=udp60.cfg SFRAMES[b]=$FRAMES SPROCS[b]=2 SFLEN[b]=60
SLABEL[c]="1500-byte packets (1514-byte frames), two trafgen processes" SCFG[c]=udp1514.cfg SFRAMES[c]=$FRAMES_1500 SPROCS[c]=2 SFLEN[c]=1514
SLABEL[d]="1500-byte packets, two trafgen processes, into a stopped capture: burst drain" SCFG[d]=udp1514.cfg SFRAMES[d]=$FRAMES_BURST SPROCS[d]=2 SFLEN[d]=1514 SBURST[d]=1
SLABEL[e]="1514-byte frames, one trafgen process, sustained to disk until durable" SCFG[e]=udp1514.cfg SFRAMES[e]=$FRAMES_DISK SPROCS[e]=1 SFLEN[e]=1514 SDISK[e]=1
SLABEL[f]="1514-byte frames paced at $PACE_PCT % of dd oflag=direct (rcgen -r), to disk until durable" SCFG[f]=- SFRAMES[f]=$FRAMES_DISK SPROCS[f]=1 SFLEN[f]=1514 SDISK[f]=1 SPACED[f]=1
SLABEL[g]="64-byte frames, one trafgen process, a capture filter that matches 10 % ($FILTER_10PCT)" SCFG[g]=udp60_10pct.cfg SFRAMES[g]=$FRAMES SPROCS[g]=1 SFLEN[g]=60 SFILTER[g]=$FILTER_10PCT
SCENS=()
NDISK=0
for s in $SCENARIOS; do
	[[ -n "${SLABEL[$s]:-}" ]] || rc_fail "unknown scenario '$s' (a, b, c, d, e, f, g)"
	SCENS+=("$s")
	[[ -z ${SDISK[$s]:-} ]] || NDISK=$((NDISK + 1))
done
# e and f write to the disk only
if ((NDISK == ${#SCENS[@]})); then
	[[ $BENCH_FS != tmpfs ]] || rc_fail "scenarios e and f write to the disk (BENCH_FS=tmpfs)"
	FSLIST=(disk)
fi
DISK_BYTES=$((24 + FRAMES_DISK * 1530))
RCGEN=$RC_TOP/$BUILD/tests/rcgen DIOBW=$RC_TOP/$BUILD/bench/diobw
if ((NDISK)); then
	[[ -x $RCGEN ]] || rc_fail "build $BUILD/tests/rcgen first (make)"
	[[ -x $DIOBW ]] || echo "bench: $BUILD/bench/diobw not built (no liburing): no row for ringcap's direct-I/O writer"
fi

# the largest file one run writes (pcap: 24-byte file header, 16 per record);
# with 1514-byte frames the write() limit is also measured in their shape
BIGGEST=0 SHAPED_FLEN=0
for s in "${SCENS[@]}"; do
	[[ -z ${SDISK[$s]:-} ]] || continue
	b=$((24 + SFRAMES[$s] * (SFLEN[$s] + 16)))
	((b > BIGGEST)) && BIGGEST=$b
	((SFLEN[$s] == 1514)) && SHAPED_FLEN=1514
done

# --- set-up ------------------------------------------------------------------
rc_pair
rc_tmpdir
W=$RC_TMP
RAW=$W/raw.txt
: >"$RAW"

# ringcap may be rebuilt while the bench runs: use one copy throughout
cp "$RC_TOP/$BUILD/ringcap" "$W/ringcap"
RINGCAP=$W/ringcap
"$RINGCAP" --version >/dev/null 2>&1 || rc_fail "$BUILD/ringcap does not run"

CUR_MPID="" CUR_SPID="" BPF_MOUNTED=0 QUIET_WAITED=0
bench_abort() { # cleanup on any exit: the running tool and sampler, bpffs, sysctls
	local p tpid=""
	if [[ -n $CUR_MPID ]] && [[ -f $W/ru.pid ]]; then
		tpid=$(cat "$W/ru.pid")
		kill -CONT "$tpid" 2>/dev/null || true # stopped for a burst (d)
	fi
	for p in $CUR_SPID $CUR_MPID; do
		kill -TERM "$p" 2>/dev/null || true
	done
	if [[ -n $CUR_SPID$CUR_MPID ]]; then
		sleep 1
		for p in $CUR_SPID $tpid $CUR_MPID; do
			kill -KILL "$p" 2>/dev/null || true
		done
		wait 2>/dev/null || true
	fi
	bpffs_down
	sysctl_restore
	return 0
}

# netsniff-ng tunes (and on exit restores) these system-wide; check that
SYSCTLS=(rmem_default rmem_max wmem_default wmem_max)
declare -A SYSCTL0
for k in "${SYSCTLS[@]}"; do SYSCTL0[$k]=$(cat /proc/sys/net/core/"$k"); done
sysctl_restore() { # prints the names it had to put back
	local k changed=""
	for k in "${SYSCTLS[@]}"; do
		if [[ "$(cat /proc/sys/net/core/"$k")" != "${SYSCTL0[$k]}" ]]; then
			echo "${SYSCTL0[$k]}" >/proc/sys/net/core/"$k" && changed+="$k,"
		fi
	done
	echo "${changed%,}"
}

# xdpdump: libxdp pins its dispatcher in bpffs; mount it only if it is missing,
# only around xdpdump, and unmount only our own mount
BPF_SRC=rcbench-bpf
bpffs_up() {
	if ! mountpoint -q /sys/fs/bpf; then
		mount -t bpf "$BPF_SRC" /sys/fs/bpf && BPF_MOUNTED=1
	fi
	return 0
}
bpffs_down() {
	if [[ $BPF_MOUNTED == 1 ]] &&
		[[ "$(findmnt -n -o SOURCE --mountpoint /sys/fs/bpf | tail -n 1)" == "$BPF_SRC" ]]; then
		umount /sys/fs/bpf
	fi
	BPF_MOUNTED=0
	return 0
}

# output directories: a fresh tmpfs (inside the work dir, unmounted at exit)
# and a directory under /var/tmp
declare -A OUTDIR FSDESC
for fs in "${FSLIST[@]}"; do
	if [[ $fs == tmpfs ]]; then
		avail=$(($(awk '/^MemAvailable:/{print $2}' /proc/meminfo) * 1024))
		size=$(((2 * BIGGEST >> 20) + 256))
		((size << 20 < avail / 2)) || rc_fail "a tmpfs for ${BIGGEST}-byte files needs more memory (FRAMES too large?)"
		mkdir "$W/out-tmpfs"
		mount -t tmpfs -o "size=${size}m,mode=1777" rcbench-out "$W/out-tmpfs" ||
			rc_fail "cannot mount a tmpfs on $W/out-tmpfs"
		rc_defer "umount '$W/out-tmpfs'"
		OUTDIR[tmpfs]=$W/out-tmpfs
	else
		d=$(mktemp -d /var/tmp/ringcap-bench.XXXXXXXX)
		rc_defer "rm -rf -- '$d'"
		chmod 1777 "$d"
		avail=$(df --output=avail -B1 "$d" | tail -n 1)
		((avail > 2 * BIGGEST)) || rc_fail "$d: too little space for ${BIGGEST}-byte files"
		# e, f: one capture file or one limit's file at a time, plus room
		((NDISK == 0 || avail > DISK_BYTES + DISK_BYTES / 4 + (2 << 30))) ||
			rc_fail "$d: too little space for ${DISK_BYTES}-byte files (FRAMES_DISK=$FRAMES_DISK)"
		OUTDIR[disk]=$d
	fi
	FSDESC[$fs]="$(findmnt -n -o FSTYPE -T "${OUTDIR[$fs]}") on $(findmnt -n -o SOURCE -T "${OUTDIR[$fs]}" | head -n 1), ${OUTDIR[$fs]}"
done
# registered last, so it runs first: stop the tool before unmounting its directory
rc_defer bench_abort

# --- helpers -----------------------------------------------------------------
raw() { # fields, tab-separated key=value
	local IFS=$'\t'
	echo "$*" >>"$RAW"
}
cap_stat() { cat "/sys/class/net/$RC_CAP/statistics/$1"; }
gen_stat() { rc_in_ns cat "/sys/class/net/$RC_GEN/statistics/$1"; }
stat_busy() { awk '/^cpu /{print $2 + $3 + $4 + $7 + $8}' /proc/stat; } # USER_HZ ticks
task_cpu_ns() { cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{s += $1} END {printf "%d\n", s}'; }
# time the tool's threads were runnable but waiting for a CPU (schedstat field 2)
task_wait_ns() { cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{s += $2} END {printf "%d\n", s}'; }
KSOFT_STATS=$(ps -eo pid=,comm= | awk '$2 ~ /^ksoftirqd\// {printf "/proc/%d/stat ", $1}')
# shellcheck disable=SC2086
ksoft_ticks() { awk '{s += $14 + $15} END {print s + 0}' $KSOFT_STATS 2>/dev/null; }
cpu_idle_total() { awk '/^cpu /{print $5 + $6, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9}' /proc/stat; }
oneline() { tr -s '\t\n' '  ' | sed 's/ *$//' | cut -c1-300; }
meminfo_bytes() { awk -v k="$1:" '$1 == k {printf "%.0f\n", $2 * 1024}' /proc/meminfo; }

# (e, f) The disk's own limits for the bytes of a full capture, each until
# its data is durable, its file kept until then: dd oflag=direct, buffered
# dd conv=fsync, and ringcap's direct-I/O writer alone (bench/diobw).
# Sets PACE_PPS from dd oflag=direct.  Appends "disklimit" lines.
disk_limits() { # REP
	local d=${OUTDIR[disk]} f=${OUTDIR[disk]}/limit.dat mib=$(((DISK_BYTES + 1048575) >> 20))
	local what t0 t1 cached bytes wall line
	for what in dd-direct dd-buffered diobw; do
		[[ $what != diobw || -x $DIOBW ]] || continue
		wait_quiet
		sync
		rm -f "$f"
		t0=$(date +%s%N)
		case $what in
		dd-direct) dd if=/dev/zero of="$f" bs=1M count="$mib" oflag=direct conv=fsync status=none ;;
		dd-buffered) dd if=/dev/zero of="$f" bs=1M count="$mib" conv=fsync status=none ;;
		diobw) line=$("$DIOBW" "$d" "$DISK_BYTES" 1514) ;;
		esac
		t1=$(date +%s%N)
		bytes=$((mib << 20)) wall=$((t1 - t0)) cached=0
		if [[ $what == diobw ]]; then
			# bench/diobw: bytes, write ns, cpu ns, fdatasync ns, cached bytes, registered
			read -r bytes wall _ sync_ns cached _ <<<"$line"
			wall=$((wall + sync_ns))
		else
			cached=$(fincore -b -n -o RES "$f" | tr -d ' ')
		fi
		rm -f "$f"
		raw disklimit "fs=disk" "rep=$1" "what=$what" "bytes=$bytes" "wall_ns=$wall" "file_cached=$cached"
		echo "disk limit, run $1: $what $(awk -v b="$bytes" -v w="$wall" 'BEGIN{printf "%.0f MB/s", b / w * 1e3}') until durable, $((cached >> 20)) MiB left in the page cache"
		[[ $what != dd-direct ]] ||
			PACE_PPS=$(awk -v b="$bytes" -v w="$wall" -v p="$PACE_PCT" 'BEGIN{printf "%d", b / w * 1e9 * p / 100 / 1530}')
	done
	echo "disk: scenario f paces at $PACE_PPS frames/s ($PACE_PCT % of dd oflag=direct)"
}

# the tool's own counts from its final summary: "captured dropped"
tool_counts() { # ID LOG
	local c d log=$W/tool.counts
	tr -d '\r' <"$2" >"$log" # netsniff-ng starts its summary lines with CR
	set -- "$1" "$log"
	case $1 in
	rc-* | td-*)
		c=$(sed -n 's/^\([0-9]*\) packets captured$/\1/p' "$2" | tail -n 1)
		d=$(sed -n 's/^\([0-9]*\) packets dropped by kernel$/\1/p' "$2" | tail -n 1) ;;
	dc-*)
		c=$(sed -n 's/^Packets captured: \([0-9]*\)$/\1/p' "$2" | tail -n 1)
		d=$(sed -n "s|^Packets received/dropped on interface '.*': [0-9]*/\([0-9]*\) .*|\1|p" "$2" | tail -n 1) ;;
	ns-*)
		c=$(sed -n 's/^ *\([0-9]*\)  packets passed filter$/\1/p' "$2" | tail -n 1)
		d=$(sed -n 's/^ *\([0-9]*\)  packets failed filter (out of space)$/\1/p' "$2" | tail -n 1) ;;
	xd-*)
		c=$(sed -n 's/^\([0-9]*\) packets captured$/\1/p' "$2" | tail -n 1)
		d=$(sed -n 's/^\([0-9]*\) packets dropped by perf ring$/\1/p' "$2" | tail -n 1) ;;
	esac
	echo "${c:--} ${d:--}"
}

stop_tool() { # MPID: SIGINT, wait up to 60 s, then KILL; sets RUN_ERR on trouble
	local mpid=$1 i
	kill -INT "$mpid" 2>/dev/null || true
	for ((i = 0; i < 600; i++)); do
		kill -0 "$mpid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$mpid" 2>/dev/null; then
		RUN_ERR=${RUN_ERR:-"did not stop within 60 s of SIGINT; killed"}
		kill -KILL "$(cat "$W/ru.pid")" 2>/dev/null || true
	fi
	wait "$mpid" 2>/dev/null || true
}

# Wait until other processes leave the CPUs alone (QUIET_PCT); sets QUIET_WAITED.
wait_quiet() {
	local t0=$SECONDS ia ta ib tb b said=0
	while :; do
		read -r ia ta < <(cpu_idle_total)
		sleep 0.3
		read -r ib tb < <(cpu_idle_total)
		b=$(awk -v i=$((ib - ia)) -v t=$((tb - ta)) 'BEGIN{printf "%.0f", t ? 100 * (1 - i / t) : 0}')
		((b <= QUIET_PCT || SECONDS - t0 >= QUIET_WAIT)) && break
		if [[ $said == 0 ]]; then
			echo "bench: other processes keep the CPUs $b % busy; waiting for quiet (at most ${QUIET_WAIT} s)"
			said=1
		fi
		sleep 1
	done
	QUIET_WAITED=$((SECONDS - t0))
	[[ $said == 0 ]] || echo "bench: waited ${QUIET_WAITED} s"
	return 0
}

# One capture.  Runs in the main shell (not in $(...)) so that the cleanup
# trap knows the processes it starts.  Appends a "run" line to raw.txt.
one_run() { # FS SCEN REP ID LAST-ATTEMPT(0/1)
	local fs=$1 sc=$2 rep=$3 id=$4 last=$5
	local out=${OUTDIR[$fs]}/out.pcap log=$W/tool.log res=$W/ru
	local cmd=${TCMD[$id]} mpid spid="" i ready=0 tg_rc=0 left burst=${SBURST[$sc]:-0}
	local disk=${SDISK[$sc]:-0} sender
	cmd=${cmd//RINGCAP/$RINGCAP} cmd=${cmd//CAP/$RC_CAP} cmd=${cmd//OUT/$out}
	RUN_ERR=""
	if [[ -n ${SFILTER[$sc]:-} ]]; then
		# a filter as words after the flags: ringcap and tcpdump take it so
		if [[ $id != rc-* && $id != td-* ]]; then
			raw run "fs=$fs" "scen=$sc" "rep=$rep" "tool=$id" status=fail "waited_s=$QUIET_WAITED" \
				"err=the bench gives a filter to ringcap and tcpdump only"
			return 0
		fi
		cmd+=" ${SFILTER[$sc]}"
	fi
	rm -f "$out" "$res" "$res".* "$log" "$W/smp" "$W/smp.ready" "$W/tg.log" "$W/drain"
	if [[ -n ${SPACED[$sc]:-} ]]; then
		sender=(ip netns exec "$RC_NS" "$RCGEN" -i "$RC_GEN" -n "${SFRAMES[$sc]}" -s "${SFLEN[$sc]}" -r "$PACE_PPS")
	else
		sender=(ip netns exec "$RC_NS" trafgen --dev "$RC_GEN" --conf "bench/${SCFG[$sc]}"
			-n "${SFRAMES[$sc]}" -P "${SPROCS[$sc]}")
	fi
	# (e, f): nothing dirty from before is written back during this run
	[[ $disk == 0 ]] || sync
	[[ $id == xd-* ]] && bpffs_up

	# shellcheck disable=SC2086  # the command line is split on purpose
	$PY bench/measure.py "$res" -- $cmd >"$log" 2>&1 &
	mpid=$! CUR_MPID=$!
	for ((i = 0; i < 1200; i++)); do # 60 s: netsniff-ng's default ring takes seconds
		if grep -qF -- "${TREADY[$id]}" "$log" 2>/dev/null; then ready=1; break; fi
		kill -0 "$mpid" 2>/dev/null || break
		sleep 0.05
	done
	if [[ $ready != 1 ]]; then
		RUN_ERR="did not start: $(tail -n 3 "$log" | oneline)"
		stop_tool "$mpid"
		CUR_MPID=""
		[[ $id == xd-* ]] && bpffs_down
		raw run "fs=$fs" "scen=$sc" "rep=$rep" "tool=$id" status=fail "waited_s=$QUIET_WAITED" "err=$RUN_ERR"
		return 0
	fi
	# settle, and see what else keeps the CPUs busy meanwhile
	local ia ta ib tb busy
	read -r ia ta < <(cpu_idle_total)
	sleep 0.2
	read -r ib tb < <(cpu_idle_total)
	busy=$(awk -v i=$((ib - ia)) -v t=$((tb - ta)) 'BEGIN{printf "%.0f", t ? 100 * (1 - i / t) : 0}')

	# mark the tool's CPU time now: only what follows counts per frame
	kill -USR1 "$mpid"
	for ((i = 0; i < 100; i++)); do [[ -f $res.mark ]] && break; sleep 0.01; done
	local rx0 rd0 gt0 gd0 rx1 rd1 gt1 gd1 tpid w0 w1 st0 st1 tc0 tc1 ks0 ks1 tw0 tw1
	tpid=$(cat "$res.pid")
	if [[ $burst == 1 ]]; then
		# (d): the frames pile up in the stopped tool's ring
		kill -STOP "$tpid"
	else
		$PY bench/sample.py "$RC_CAP" "$out" "$W/smp" &
		spid=$! CUR_SPID=$!
		for ((i = 0; i < 200; i++)); do [[ -f $W/smp.ready ]] && break; sleep 0.01; done
	fi

	rx0=$(cap_stat rx_packets) rd0=$(cap_stat rx_dropped)
	gt0=$(gen_stat tx_packets) gd0=$(gen_stat tx_dropped)
	rm -f "$W/tg.ru"
	local cached0 cached1=0 t_exit=0 t_sync=0 file_cached=0 dirty0 durable_ns=0
	cached0=$(meminfo_bytes Cached)
	dirty0=$(($(meminfo_bytes Dirty) + $(meminfo_bytes Writeback)))
	ks0=$(ksoft_ticks) tc0=$(task_cpu_ns "$tpid") tw0=$(task_wait_ns "$tpid") st0=$(stat_busy) w0=$(date +%s%N)
	$PY bench/measure.py "$W/tg.ru" -- "${sender[@]}" >"$W/tg.log" 2>&1 || true
	w1=$(date +%s%N) st1=$(stat_busy) tc1=$(task_cpu_ns "$tpid") tw1=$(task_wait_ns "$tpid") ks1=$(ksoft_ticks)
	local tg_u=0 tg_s=0 tg_self=0
	if [[ -f $W/tg.ru ]]; then
		read -r tg_u tg_s tg_rc _ _ _ tg_self <"$W/tg.ru"
	else
		tg_rc=-1
	fi
	# trafgen's parent may leave a sender child behind when another one fails
	left=$(ip netns pids "$RC_NS" 2>/dev/null | tr '\n' ' ')
	if [[ -n "$left" ]]; then
		if [[ $tg_rc == 0 ]]; then
			for ((i = 0; i < 300; i++)); do
				[[ -z "$(ip netns pids "$RC_NS" 2>/dev/null)" ]] && break
				sleep 0.1
			done
		fi
		for i in $(ip netns pids "$RC_NS" 2>/dev/null); do kill -TERM "$i" 2>/dev/null || true; done
		sleep 0.2
	fi
	if [[ -n $spid ]]; then
		sleep 0.02
		kill -TERM "$spid" 2>/dev/null || true
		wait "$spid" 2>/dev/null || true
		CUR_SPID=""
	fi
	rx1=$(cap_stat rx_packets) rd1=$(cap_stat rx_dropped)
	gt1=$(gen_stat tx_packets) gd1=$(gen_stat tx_dropped)
	if [[ $tg_rc != 0 ]]; then
		RUN_ERR="trafgen failed (exit $tg_rc): $(grep -v -e 'system socket memory' -e '^ *$' "$W/tg.log" | grep -i -m 1 -e fail -e error -e cannot | oneline)"
	fi

	# (d): SETTLE lets every tool's kernel ring hand over its last block
	# (libpcap's block timeout is 1 s), then the stopped tool goes on and
	# drain.py times how long it takes to write out what it holds.
	# (e, f): until the file has not grown for SETTLE (bench/settle.py)
	local last_growth=0 clean=0
	if [[ $disk == 1 ]]; then
		rm -f "$W/settle"
		$PY bench/settle.py "$out" "$(awk -v s="$SETTLE" 'BEGIN{printf "%d", s * 1000}')" "$dirty0" "$W/settle" ||
			RUN_ERR=${RUN_ERR:-"bench/settle.py failed"}
		[[ -f $W/settle ]] && read -r last_growth clean _ <"$W/settle"
	else
		sleep "$SETTLE"
	fi
	local drain_ns=0 drain_bytes=0 drain_cpu=0
	if [[ $burst == 1 ]]; then
		if ! $PY bench/drain.py "$tpid" "$out" "$W/drain" 300; then
			kill -CONT "$tpid" 2>/dev/null || true
			RUN_ERR=${RUN_ERR:-"bench/drain.py failed"}
		fi
		[[ -f $W/drain ]] && read -r drain_ns drain_bytes drain_cpu _ <"$W/drain"
	fi
	stop_tool "$mpid"
	CUR_MPID=""
	if [[ $disk == 1 ]]; then
		# (e, f): the file stays until its data is on the disk: syncfs()
		# of its file system, then what is left of it in the page cache
		t_exit=$(date +%s%N)
		[[ -f $out ]] && sync -f "$out"
		t_sync=$(date +%s%N)
		# durable: when syncfs() returned; but a writer whose data had
		# left the page cache before it was stopped (settle.py) was idle
		# from then to the stop, and only the syncfs() counts after that
		if ((clean > 0)); then
			durable_ns=$((clean + t_sync - t_exit - w0))
		else
			durable_ns=$((t_sync - w0))
		fi
		cached1=$(meminfo_bytes Cached)
		[[ -f $out ]] && file_cached=$(fincore -b -n -o RES "$out" | tr -d ' ')
	fi

	local user sys code mcpu maxrss exe ftype="-" captured="-" fbytes=0 src=file tc td fixed=""
	if [[ -f $res ]]; then
		read -r user sys code mcpu maxrss exe _ <"$res"
	else
		user=0 sys=0 code=-1 mcpu=- maxrss=0 exe=-
		RUN_ERR=${RUN_ERR:-"no result from measure.py"}
	fi
	local threads=- kids=-
	[[ -f $res.mark ]] && read -r _ _ threads kids <"$res.mark"
	if [[ -f $out ]]; then
		fbytes=$(stat -c %s "$out")
		read -r ftype captured < <(capinfos -T -M -t -c "$out" 2>/dev/null |
			awk -F'\t' 'NR == 2 {print $2, $3}') || true
	fi
	read -r tc td < <(tool_counts "$id" "$log")
	if ! [[ ${captured:-} =~ ^[0-9]+$ ]]; then
		# the file cannot be counted: take the tool's own count
		captured=$tc src=tool ftype=${ftype:--}
	fi
	[[ $id == ns-* ]] && fixed=$(sysctl_restore)
	if [[ $id == xd-* ]]; then
		if ip -o link show "$RC_CAP" | grep -q ' xdp'; then
			ip link set dev "$RC_CAP" xdp off 2>/dev/null || true
			ip link set dev "$RC_CAP" xdpgeneric off 2>/dev/null || true
			fixed+="${fixed:+,}xdp-left-attached"
		fi
		bpffs_down
	fi
	[[ $code == 0 || -n $RUN_ERR ]] || RUN_ERR="exit status $code: $(tail -n 2 "$log" | oneline)"
	local win_ns=0 win_rx=0 win_bytes=0 nsmp=0 smp_cpu=0 other
	[[ -f $W/smp ]] && read -r win_ns win_rx win_bytes nsmp smp_cpu <"$W/smp"
	# CPU time used by anything but this capture while trafgen ran, in % of
	# all CPUs: the machine's busy time (/proc/stat) less the tool, trafgen
	# (with the softirq work it runs), ksoftirqd, the sampler and the wrapper
	other=$(awk -v b=$((st1 - st0)) -v hz="$(getconf CLK_TCK)" -v w=$((w1 - w0)) -v n="$(nproc)" \
		-v tool=$((tc1 - tc0)) -v tg="$tg_u $tg_s $tg_self" -v ks=$((ks1 - ks0)) -v smp="$smp_cpu" '
		BEGIN { split(tg, t, " "); o = b / hz - tool / 1e9 - (t[1] + t[2] + t[3]) - ks / hz - smp / 1e9
			printf "%.1f", w ? 100 * o / (w / 1e9 * n) : 0 }')
	local status=ok noisy=0
	if [[ -n $RUN_ERR ]]; then
		status=fail
	elif [[ $disk == 0 ]] && awk -v o="$other" -v q="$QUIET_PCT" 'BEGIN { exit !(o > q) }'; then
		# (e, f) are not repeated: their "other" load holds the kernel's
		# writeback and file-system threads working for this very capture
		if [[ $last == 1 ]]; then noisy=1; else status=disturbed; fi
	fi

	raw run "fs=$fs" "scen=$sc" "rep=$rep" "tool=$id" "status=$status" "other_pct=$other" "noisy=$noisy" "waited_s=$QUIET_WAITED" \
		"trafgen=${SFRAMES[$sc]}" "sent=$((rx1 - rx0))" "cap_rxdrop=$((rd1 - rd0))" \
		"gen_tx=$((gt1 - gt0))" "gen_txdrop=$((gd1 - gd0))" \
		"captured=${captured:--}" "count_src=$src" "ftype=${ftype:--}" "fbytes=$fbytes" \
		"user_s=$user" "sys_s=$sys" "mark_cpu_s=$mcpu" "maxrss_kib=$maxrss" \
		"win_ns=$win_ns" "win_rx=$win_rx" "win_bytes=$win_bytes" "samples=$nsmp" \
		"tool_cap=$tc" "tool_drop=$td" "busy_pct=$busy" "tg_cpu_s=$(awk -v u="$tg_u" -v s="$tg_s" 'BEGIN{print u + s}')" \
		"exe=$exe" "threads=$threads" \
		"traffic_ns=$((w1 - w0))" "tool_traffic_cpu_ns=$((tc1 - tc0))" "tool_wait_ns=$((tw1 - tw0))" \
		"ksoft_s=$(awk -v k=$((ks1 - ks0)) -v hz="$(getconf CLK_TCK)" 'BEGIN{print k / hz}')" \
		"burst=$burst" "drain_ns=$drain_ns" "drain_bytes=$drain_bytes" "drain_cpu_ns=$drain_cpu" \
		"children=$kids" "disk=$disk" "exit_ns=$((t_exit ? t_exit - w1 : 0))" "sync_ns=$((t_sync - t_exit))" \
		"durable_ns=$durable_ns" "last_growth_ns=$((last_growth ? last_growth - w0 : 0))" \
		"clean_ns=$((clean ? clean - w0 : 0))" "cached_delta=$((cached1 ? cached1 - cached0 : 0))" \
		"file_cached=${file_cached:-0}" "pace_pps=$([[ -n ${SPACED[$sc]:-} ]] && echo "$PACE_PPS" || echo 0)" \
		"fixed=${fixed:--}" "err=${RUN_ERR:--}"
	rm -f "$out"
	# (e, f): the file system's work for the delete (discard) is done now,
	# not during the next capture
	[[ $disk == 0 ]] || sync
}

# --- the run -----------------------------------------------------------------
ver() { "$@" 2>&1 | grep -m 1 -i -o -E '[0-9]+\.[0-9]+(\.[0-9]+)?' | head -n 1; }
raw meta "date=$(date -u +%Y-%m-%dT%H:%MZ)" "kernel=$(uname -r)" "cpus=$(nproc)" \
	"mem_gib=$(awk '/^MemTotal:/{printf "%.0f", $2 / 1048576}' /proc/meminfo)" \
	"frames=$FRAMES" "frames_1500=$FRAMES_1500" "frames_burst=$FRAMES_BURST" "frames_disk=$FRAMES_DISK" \
	"dirty_limit=$DIRTY_LIMIT" "pace_pct=$PACE_PCT" "reps=$REPS" "settle_s=$SETTLE" "quiet_pct=$QUIET_PCT" \
	"ringcap=$("$RINGCAP" --version 2>&1 | head -n 1)" \
	"ringcap_sha256=$(sha256sum "$RINGCAP" | cut -c1-12)" \
	"git=$(git describe --always --dirty 2>/dev/null || echo -)" \
	"tcpdump=$(ver tcpdump --version)" "libpcap=$(tcpdump --version 2>&1 | sed -n 's/^libpcap version \([0-9.]*\).*/\1/p')" \
	"dumpcap=$(ver dumpcap -v)" "netsniff_ng=$(ver netsniff-ng -v)" "xdpdump=$(ver xdpdump --version)" \
	"trafgen=$(ver trafgen -v)" "loadavg=$(cut -d' ' -f1-3 /proc/loadavg)" \
	"veth=$RC_CAP"
for id in "${TIDS[@]}"; do
	c=${TCMD[$id]//RINGCAP/ringcap}
	raw tool "id=$id" "label=${TLABEL[$id]}" "cmd=$c"
done
for t in "${NA_TABLE[@]}"; do
	IFS='|' read -r id label why <<<"$t"
	raw na "id=$id" "label=$label" "why=$why"
done
for s in "${SCENS[@]}"; do
	raw scen "scen=$s" "label=${SLABEL[$s]}" "frames=${SFRAMES[$s]}" "procs=${SPROCS[$s]}" "burst=${SBURST[$s]:-0}" \
		"flen=${SFLEN[$s]}" "cfg=bench/${SCFG[$s]}" "disk=${SDISK[$s]:-0}" "paced=${SPACED[$s]:-0}" \
		"filter=${SFILTER[$s]:-}"
done

total=0
for fs in "${FSLIST[@]}"; do
	for s in "${SCENS[@]}"; do
		[[ -z ${SDISK[$s]:-} || $fs == disk ]] && total=$((total + REPS * ${#TIDS[@]}))
	done
done
n=0
echo "bench: ${#TIDS[@]} tool settings x ${#SCENS[@]} scenarios x ${#FSLIST[@]} file systems x $REPS runs: $total captures"
echo "bench: FRAMES=$FRAMES (64-byte) FRAMES_1500=$FRAMES_1500 FRAMES_BURST=$FRAMES_BURST FRAMES_DISK=$FRAMES_DISK; veth $RC_CAP <- $RC_GEN (netns $RC_NS); load $(cut -d' ' -f1-3 /proc/loadavg)"
for fs in "${FSLIST[@]}"; do
	raw fs "fs=$fs" "desc=${FSDESC[$fs]}"
	for r in $(seq "$REPS"); do
		[[ $fs != disk ]] || ((NDISK == 0)) || disk_limits "$r"
		((BIGGEST > 0)) || continue
		wait_quiet
		read -r bytes wall cpu < <($PY bench/writebw.py "${OUTDIR[$fs]}" "$BIGGEST")
		raw writebw "fs=$fs" "rep=$r" "bytes=$bytes" "wall_ns=$wall" "cpu_ns=$cpu"
		echo "write() bandwidth, $fs, run $r: $(awk -v b="$bytes" -v w="$wall" 'BEGIN{printf "%.0f MB/s", b / w * 1e3}')"
		if [[ $SHAPED_FLEN != 0 ]]; then
			# what the record shape alone costs (bench/writebw.py)
			read -r bytes wall cpu < <($PY bench/writebw.py "${OUTDIR[$fs]}" "$BIGGEST" "$SHAPED_FLEN")
			raw writebw "fs=$fs" "rep=$r" "shape=$SHAPED_FLEN" "bytes=$bytes" "wall_ns=$wall" "cpu_ns=$cpu"
			echo "capture-shaped writev() bandwidth ($SHAPED_FLEN-byte frames), $fs, run $r: $(awk -v b="$bytes" -v w="$wall" 'BEGIN{printf "%.0f MB/s", b / w * 1e3}')"
		fi
	done
	for sc in "${SCENS[@]}"; do
		[[ -z ${SDISK[$sc]:-} || $fs == disk ]] || continue
		for r in $(seq "$REPS"); do
			# the tools take turns within each repetition
			for id in "${TIDS[@]}"; do
				n=$((n + 1))
				for ((try = 1; ; try++)); do
					wait_quiet
					one_run "$fs" "$sc" "$r" "$id" $((try >= RETRIES))
					tail -n 1 "$RAW" | awk -F'\t' -v n="$n" -v total="$total" -v label="${TLABEL[$id]}" -v retries="$RETRIES" '
						{ for (i = 2; i <= NF; i++) { k = substr($i, 1, index($i, "=") - 1); v[k] = substr($i, index($i, "=") + 1) } }
						END {
							printf "[%d/%d] %s %s run %s, %s: ", n, total, v["fs"], v["scen"], v["rep"], label
							if (v["status"] == "fail") { print "FAILED: " v["err"]; exit }
							if (v["status"] == "disturbed") { printf "DISTURBED: other processes used %s %% of the CPUs; again\n", v["other_pct"]; exit }
							cpu = v["user_s"] + v["sys_s"] - v["mark_cpu_s"]
							# (d) burst: the drain after SIGCONT; otherwise while the traffic arrived
							if (v["burst"] == 1) { b = v["drain_bytes"]; t = v["drain_ns"] } else { b = v["win_bytes"]; t = v["win_ns"] }
							drain = t > 0 ? b * 1e3 / t : 0
							if (v["disk"] == 1)
								drain = v["durable_ns"] > 0 ? v["fbytes"] * 1e3 / v["durable_ns"] : 0
							printf "sent %d captured %d loss %.3f%% cpu %.1f ns/frame (%.1f per frame sent) %s %.0f MB/s%s (other load %s%%%s)\n",
								v["sent"], v["captured"], v["sent"] ? 100 * (v["sent"] - v["captured"]) / v["sent"] : 0,
								v["captured"] ? cpu * 1e9 / v["captured"] : 0,
								v["sent"] ? cpu * 1e9 / v["sent"] : 0,
								v["disk"] == 1 ? "durable" : "drain", drain,
								v["disk"] == 1 ? sprintf(", page cache +%.0f MiB (file %.0f MiB)", v["cached_delta"] / 1048576, v["file_cached"] / 1048576) : "",
								v["other_pct"],
								v["noisy"] == 1 ? ", still above QUIET_PCT after " retries " tries: kept, marked" : ""
						}'
					[[ "$(tail -n 1 "$RAW")" == *$'\tstatus=disturbed\t'* ]] || break
				done
			done
		done
	done
done
raw end "elapsed_s=$(($(date +%s) - T_START))" "loadavg=$(cut -d' ' -f1-3 /proc/loadavg)"

mkdir -p "$RESULTS"
cp "$RAW" "$RESULTS/raw.txt"
$PY bench/report.py "$RESULTS/raw.txt" "$RESULTS"
gnuplot -e "datafile='$RESULTS/plot.dat'; varsfile='$RESULTS/plot.vars'; outfile='$RESULTS/bench.png'" bench/plot.gp
echo "bench: $(($(date +%s) - T_START)) s; wrote $RESULTS/bench.md, $RESULTS/bench.png, $RESULTS/raw.txt"
