# shellcheck shell=bash
# SPDX-License-Identifier: MIT
# container.sh - a booted Debian container with a real systemd as PID 1, to
# test ringcapd as an administrator runs it.  Source it after ringcap.sh
# (root).
#
# The root file system is made once with mmdebstrap, from the archive apt
# uses on this machine (read from /etc/apt at run time: the archive's
# address is never written into the repository), and cached in
# $RC_CT_CACHE (default $RC_TOP/.ct-cache, shared by every BUILD, so the
# sanitized and the normal pass of .ci/run build it once; not under a build
# directory, where the Makefile looks for *.d files).  Its name holds a hash
# of the recipe (release, architecture, packages).  It is built under a
# temporary name and renamed when complete, under a lock, so that an
# interrupted build is never used.  `rm -rf .ct-cache` frees the space.
#
# Each test boots a fresh root: the cached one, read-only, under an overlay
# whose writable layer is on a new tmpfs (a copy without the copying), with
# the BUILD under test put in by `make install`.  Nothing carries over from
# one run to the next.  The container shares the host's network namespace,
# so a veth made by rc_pair is capturable inside.
#
#   ct_setup            fresh working root $CT_ROOT over the cache, with
#                       `make install DESTDIR=$CT_ROOT PREFIX=/usr/local`
#                       and ringcapd.service enabled (a wants/ symlink).
#                       Skips (exit 77) only when the root is not cached
#                       and the archive cannot be reached.
#   ct_boot             boot it (systemd-nspawn -b) and wait until its
#                       systemd is up; sets CT_PID (its PID 1 as seen here).
#                       CT_NSPAWN_ARGS (an array, empty by default): more
#                       systemd-nspawn options, e.g. --system-call-filter=bpf
#                       (nspawn's own filter keeps bpf() out of the container)
#   ct_run CMD...       run CMD inside the container (all its namespaces)
#   ct_systemctl ARG... systemctl inside
#   ct_journal UNIT [ARG...]          journalctl -u UNIT inside
#   ct_wait_journal UNIT PATTERN [SECS]   until UNIT's journal matches
#   ct_short_watchdog   a drop-in for ringcapd.service in the root: a 3 s
#                       watchdog and quick restarts, so a test need not wait
#                       (systemctl daemon-reload when the container runs)
#   ct_poweroff         shut it down and wait (also done at exit); kills
#                       it if it does not go, and leaves no process behind
# At exit (rc_cleanup) the container is shut down, then the overlay and the
# tmpfs are unmounted and removed.

if [[ -n "${_RC_CONTAINER_SH_LOADED:-}" ]]; then
	return 0
fi
_RC_CONTAINER_SH_LOADED=1

: "${RC_CT_CACHE:=$RC_TOP/.ct-cache}"
CT_PREFIX=/usr/local
# Everything ringcapd and ringcap link against, for every build: the
# sanitized one needs libasan8 and libubsan1.  ct_setup checks with ldd
# inside the root and names what is missing.
CT_PACKAGES=(systemd systemd-sysv dbus iproute2 libpcap0.8 libyaml-0-2 libbpf1
	libxdp1 libibverbs1 librdmacm1 liburing2 libasan8 libubsan1)
# bump when the way the root is made changes: a new cache entry is built
CT_RECIPE=1

CT_ROOT=""
CT_DIR=""
CT_PID=""
CT_NSPAWN=""
CT_MACHINE=""
CT_ENTER=()
[[ -n "${CT_NSPAWN_ARGS+set}" ]] || CT_NSPAWN_ARGS=()

# The host's Debian codename (bookworm): the container runs the same release.
_ct_codename() {
	(
		# shellcheck disable=SC1091
		. /etc/os-release && echo "${VERSION_CODENAME:-}"
	)
}

# Print one "deb URI SUITE COMPONENTS" line per source apt uses for the
# codename $1 and its -updates/-security suites (deb822 .sources files and
# the one-line sources.list format).
_ct_sources() {
	local cn=$1 f
	for f in /etc/apt/sources.list.d/*.sources; do
		[[ -f "$f" ]] || continue
		awk -v cn="$cn" '
		BEGIN { RS = ""; FS = "\n" }
		{
			split("", v); key = ""
			for (i = 1; i <= NF; i++) {
				l = $i
				if (l ~ /^#/) continue
				if (l ~ /^[ \t]/) { if (key != "") v[key] = v[key] " " l; continue }
				p = index(l, ":")
				if (!p) continue
				key = tolower(substr(l, 1, p - 1))
				v[key] = substr(l, p + 1)
			}
			if (tolower(v["enabled"]) ~ /no/) next
			if (v["types"] !~ /(^|[ \t])deb([ \t]|$)/) next
			comps = v["components"]; gsub(/^[ \t]+|[ \t]+$/, "", comps)
			nu = split(v["uris"], u, /[ \t]+/)
			ns = split(v["suites"], s, /[ \t]+/)
			for (a = 1; a <= nu; a++)
				for (b = 1; b <= ns; b++)
					if (u[a] != "" && (s[b] == cn || index(s[b], cn "-") == 1))
						print "deb " u[a] " " s[b] " " comps
		}' "$f"
	done
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[[ -f "$f" ]] || continue
		awk -v cn="$cn" '
		$1 == "deb" {
			i = 2
			if ($i ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
			uri = $i; suite = $(i + 1); comps = ""
			for (j = i + 2; j <= NF && $j !~ /^#/; j++) comps = comps " " $j
			if (suite == cn || index(suite, cn "-") == 1)
				print "deb " uri " " suite comps
		}' "$f"
	done
}

# Can the archive of source line $1 ("deb URI SUITE ...") be reached?  With
# apt's own downloader, so that apt's proxy settings apply.
_ct_reachable() {
	local uri suite out
	read -r _ uri suite _ <<<"$1"
	out=$(mktemp /tmp/rcct-release.XXXXXXXX)
	if timeout 60 /usr/lib/apt/apt-helper download-file \
		"$uri/dists/$suite/InRelease" "$out" >/dev/null 2>&1 && [[ -s "$out" ]]; then
		rm -f "$out"
		return 0
	fi
	rm -f "$out"
	return 1
}

# Remove a directory tree that a killed build may have left with mounts in
# it: unmount them first, and never cross into another file system.
_ct_rmtree() {
	local d=$1 m
	[[ -n "$d" && -e "$d" ]] || return 0
	while read -r m; do
		umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
	done < <(awk -v p="$d/" 'index($2 "/", p) == 1 { print $2 }' /proc/self/mounts | sort -r)
	rm -rf --one-file-system -- "$d"
}

# Build the cached root $1 (called with the cache lock held).
_ct_build() {
	local dest=$1 cn=$2 tmp lines=() t0 pkgs
	tmp=$dest.tmp.$$
	mapfile -t lines < <(_ct_sources "$cn")
	[[ ${#lines[@]} -gt 0 ]] ||
		rc_fail "no 'deb' source for $cn in /etc/apt: cannot build the container root"
	_ct_reachable "${lines[0]}" ||
		rc_skip "cannot reach the Debian archive $(awk '{ print $2 }' <<<"${lines[0]}") to build the container root"
	command -v mmdebstrap >/dev/null 2>&1 || rc_fail "needs mmdebstrap (make deps)"
	_ct_rmtree "$tmp"
	rc_defer "_ct_rmtree '$tmp'"
	pkgs=$(IFS=,; echo "${CT_PACKAGES[*]}")
	echo "building the container root $dest (mmdebstrap, $cn)"
	t0=$(date +%s)
	if ! mmdebstrap --variant=important --include="$pkgs" "$cn" "$tmp" "${lines[@]}" \
		>"$tmp.log" 2>&1; then
		tail -n 30 "$tmp.log" >&2
		_ct_rmtree "$tmp"
		rm -f -- "$tmp.log"
		rc_fail "mmdebstrap failed to build the container root"
	fi
	rm -f -- "$tmp.log"
	mv -T -- "$tmp" "$dest" || rc_fail "cannot rename $tmp to $dest"
	echo "container root built in $(($(date +%s) - t0)) s"
}

ct_setup() {
	local cn key cache lockfd keep=${RC_TMP:-} d t u out
	cn=$(_ct_codename)
	[[ -n "$cn" ]] || rc_fail "no VERSION_CODENAME in /etc/os-release"
	key=$(printf '%s\n' "$CT_RECIPE" "$cn" "$(dpkg --print-architecture)" \
		"${CT_PACKAGES[@]}" | sha256sum | cut -c1-12)
	cache=$RC_CT_CACHE/root-$cn-$key
	mkdir -p "$RC_CT_CACHE" || rc_fail "cannot create $RC_CT_CACHE"
	exec {lockfd}>"$RC_CT_CACHE/lock"
	flock -w 900 "$lockfd" || rc_fail "cannot lock $RC_CT_CACHE/lock"
	if [[ ! -d "$cache" ]]; then
		# leftovers of interrupted builds
		for d in "$RC_CT_CACHE"/root-*.tmp.*; do
			_ct_rmtree "$d"
		done
		_ct_build "$cache" "$cn"
	fi
	for t in systemd-nspawn nsenter chroot; do
		command -v "$t" >/dev/null 2>&1 || rc_fail "needs $t (make deps)"
	done

	# the working root: the cached one, read-only, under an overlay whose
	# writable layer is on a fresh tmpfs (as good as a copy, in no time)
	rc_tmpdir
	CT_DIR=$RC_TMP
	RC_TMP=$keep
	CT_ROOT=$CT_DIR/root
	mkdir "$CT_ROOT" "$CT_DIR/upper" "$CT_DIR/work" || rc_fail "cannot make directories in $CT_DIR"
	if mount -t overlay rcct -o "lowerdir=$cache,upperdir=$CT_DIR/upper,workdir=$CT_DIR/work" \
		"$CT_ROOT" 2>/dev/null; then
		rc_defer "umount '$CT_ROOT' || umount -l '$CT_ROOT'"
	else
		echo "no overlayfs here: copying the container root" >&2
		cp -a -- "$cache/." "$CT_ROOT/" || rc_fail "cannot copy $cache to $CT_ROOT"
	fi
	exec {lockfd}>&-

	# the build under test, installed as an administrator would
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$RC_TOP" --no-print-directory \
		BUILD="$BUILD" DESTDIR="$CT_ROOT" PREFIX="$CT_PREFIX" install \
		>"$CT_DIR/install.log" 2>&1 || {
		cat "$CT_DIR/install.log" >&2
		rc_fail "make install DESTDIR=$CT_ROOT PREFIX=$CT_PREFIX failed"
	}
	out=$(chroot "$CT_ROOT" ldd "$CT_PREFIX/sbin/ringcapd" "$CT_PREFIX/bin/ringcap" 2>&1) ||
		{ echo "$out" >&2; rc_fail "ldd fails inside the container root"; }
	if grep -q 'not found' <<<"$out"; then
		grep 'not found' <<<"$out" >&2
		rc_fail "libraries missing in the container root: add their packages to CT_PACKAGES in tests/lib/container.sh"
	fi
	# LeakSanitizer's check at exit stops the threads with ptrace(2), which
	# the unit's SystemCallFilter= denies (the process exits 1, "LeakSanitizer
	# has encountered a fatal error"): allow it in an ASan build's unit only
	if grep -qa __asan_init "$RC_TOP/$BUILD/ringcapd"; then
		mkdir -p "$CT_ROOT/etc/systemd/system/ringcapd.service.d"
		printf '%s\n' "# tests/lib/container.sh: LeakSanitizer needs ptrace" \
			"[Service]" "SystemCallFilter=ptrace" \
			>"$CT_ROOT/etc/systemd/system/ringcapd.service.d/asan.conf"
	fi
	# the container shares the host's network: nothing in it may configure
	# interfaces (ifupdown) or go to the network on its own (apt's timers)
	for u in networking.service apt-daily.timer apt-daily-upgrade.timer; do
		ln -sf /dev/null "$CT_ROOT/etc/systemd/system/$u"
	done
	mkdir -p "$CT_ROOT/etc/systemd/system/multi-user.target.wants"
	ln -sf /lib/systemd/system/ringcapd.service \
		"$CT_ROOT/etc/systemd/system/multi-user.target.wants/ringcapd.service"
	return 0
}

ct_run() {
	[[ -n "$CT_PID" ]] || rc_fail "ct_run: the container is not running (ct_boot)"
	"${CT_ENTER[@]}" "$@"
}

ct_systemctl() {
	ct_run systemctl "$@"
}

ct_journal() {
	local unit=$1
	shift
	ct_run journalctl -u "$unit" --no-pager -q "$@"
}

ct_short_watchdog() {
	local d=$CT_ROOT/etc/systemd/system/ringcapd.service.d
	mkdir -p "$d" || rc_fail "cannot make $d"
	cat >"$d/test-watchdog.conf" <<EOF || rc_fail "cannot write $d/test-watchdog.conf"
# $(basename "$0"): a short watchdog, so that the test is quick
[Service]
WatchdogSec=3s
RestartSec=1s
TimeoutAbortSec=5s
EOF
}

ct_wait_journal() {
	local unit=$1 pat=$2 secs=${3:-10} i out
	for ((i = 0; i < secs * 10; i++)); do
		out=$(ct_journal "$unit" 2>/dev/null) || true
		grep -q -- "$pat" <<<"$out" && return 0
		sleep 0.1
	done
	ct_journal "$unit" >&2 || true
	rc_fail "timed out waiting for '$pat' in the journal of $unit"
}

ct_boot() {
	local i c state="" deadline
	[[ -n "$CT_ROOT" ]] || rc_fail "ct_boot: no root (ct_setup)"
	CT_MACHINE=rcct-$(_rc_rand)
	# --register=no --keep-unit: no host systemd to register with; the two
	# capabilities are not in nspawn's default bounding set
	systemd-nspawn -q -D "$CT_ROOT" -M "$CT_MACHINE" -b --register=no --keep-unit \
		--console=pipe --capability=CAP_NET_ADMIN,CAP_IPC_LOCK "${CT_NSPAWN_ARGS[@]}" \
		</dev/null >"$CT_DIR/console.log" 2>&1 &
	CT_NSPAWN=$!
	rc_defer ct_poweroff
	# its PID 1: the child of nspawn that is PID 1 in its own namespace
	for ((i = 0; i < 400; i++)); do
		for c in $(ps -o pid= --ppid "$CT_NSPAWN" 2>/dev/null); do
			[[ "$(awk '/^NSpid:/ { print $NF }' "/proc/$c/status" 2>/dev/null)" == 1 ]] &&
				CT_PID=$c
		done
		[[ -n "$CT_PID" ]] && break
		_ct_nspawn_alive ||
			{ cat "$CT_DIR/console.log" >&2; rc_fail "systemd-nspawn exited at boot"; }
		sleep 0.05
	done
	[[ -n "$CT_PID" ]] || rc_fail "the container's PID 1 did not appear"
	CT_ENTER=(nsenter -t "$CT_PID" -a env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
		LANG=C.UTF-8 SYSTEMD_PAGER=cat SYSTEMD_COLORS=0)
	# until its manager answers and has finished booting (2 min at most)
	deadline=$((SECONDS + 120))
	while [[ $SECONDS -lt $deadline ]]; do
		state=$(timeout 120 "${CT_ENTER[@]}" systemctl is-system-running --wait 2>/dev/null) || true
		case $state in
		running | degraded) break ;;
		esac
		_ct_nspawn_alive ||
			{ cat "$CT_DIR/console.log" >&2; rc_fail "the container stopped while booting"; }
		sleep 0.1
	done
	case $state in
	running) ;;
	degraded)
		echo "container booted degraded; failed units:" >&2
		ct_systemctl --failed --no-legend >&2 || true
		;;
	*) rc_fail "the container's systemd did not finish booting (state '$state')" ;;
	esac
	return 0
}

# Still there, and still ours: nspawn is a child of this shell (which reaps
# it as soon as it exits), the container's PID 1 is the init of a PID
# namespace.  A reused PID is neither.
_ct_nspawn_alive() {
	[[ -n "$CT_NSPAWN" ]] && kill -0 "$CT_NSPAWN" 2>/dev/null &&
		[[ "$(awk '{ print $4 }' "/proc/$CT_NSPAWN/stat" 2>/dev/null)" == "$_RC_OWNER_PID" ]]
}
_ct_init_alive() {
	[[ -n "$CT_PID" ]] && kill -0 "$CT_PID" 2>/dev/null &&
		[[ "$(awk '/^NSpid:/ { print $NF }' "/proc/$CT_PID/status" 2>/dev/null)" == 1 ]]
}

ct_poweroff() {
	local i
	[[ -n "$CT_NSPAWN" ]] || return 0
	if _ct_nspawn_alive && [[ -n "$CT_PID" ]]; then
		timeout 10 "${CT_ENTER[@]}" systemctl poweroff --no-block >/dev/null 2>&1 || true
		for ((i = 0; i < 300; i++)); do
			_ct_nspawn_alive || break
			sleep 0.1
		done
	fi
	if _ct_nspawn_alive; then
		echo "container did not power off; terminating systemd-nspawn" >&2
		kill -TERM "$CT_NSPAWN" 2>/dev/null || true
		for ((i = 0; i < 100; i++)); do
			_ct_nspawn_alive || break
			sleep 0.1
		done
	fi
	if _ct_nspawn_alive || _ct_init_alive; then
		echo "container still there; killing it" >&2
		# SIGKILL to a PID namespace's init ends every process in it
		if _ct_init_alive; then
			kill -KILL "$CT_PID" 2>/dev/null || true
		fi
		if _ct_nspawn_alive; then
			kill -KILL "$CT_NSPAWN" 2>/dev/null || true
		fi
	fi
	wait "$CT_NSPAWN" 2>/dev/null || true
	for ((i = 0; i < 100; i++)); do
		_ct_init_alive || break
		sleep 0.1
	done
	# what a killed nspawn cannot remove itself
	if [[ -n "$CT_MACHINE" ]]; then
		rm -rf -- "/run/systemd/nspawn/propagate/$CT_MACHINE"
	fi
	CT_NSPAWN="" CT_PID=""
	return 0
}
