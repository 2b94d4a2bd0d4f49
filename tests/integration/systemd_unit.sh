#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The systemd unit as `make install` puts it in place: `systemd-analyze
# verify` has nothing to say about it, and `systemd-analyze security` rates
# its exposure at 2.5 or better (RC_MAX_EXPOSURE overrides the limit) -
# alone, with either of its drop-ins (afxdp.conf, rdma.conf) and with
# both; and each drop-in adds exactly the exposure it is meant to (afxdp:
# CAP_SYS_ADMIN, bpf(), AF_INET and AF_XDP; rdma: two device entries, with
# PrivateDevices= still on), nothing else.  `ringcapd -n` names the
# drop-ins a configuration needs, and they are installed under that name.
# Also checks what the install leaves where: ExecStart= and ExecReload=
# pointing at the installed programs, the man pages it names, an existing
# configuration file kept on reinstall, and uninstall removing everything
# but that file.
#
# verify insists that ExecStart='s binary exists at its real path, so it runs
# in a private mount namespace where the staged $PREFIX/sbin is bind-mounted
# over the real one, with MANPATH pointing at the staged man pages; nothing
# outside the temporary directory is touched.
set -euo pipefail
: "${RC_TOP:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${BUILD:=build}"
# shellcheck source=tests/lib/netns.sh
source "$RC_TOP/tests/lib/netns.sh"
rc_need systemd-analyze make sed awk unshare mount
rc_need_root

max=${RC_MAX_EXPOSURE:-2.5}
prefix=/usr
# a make started by `make test` passes its jobserver on; not to this one
mk() {
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
		make -C "$RC_TOP" --no-print-directory BUILD="$BUILD" "$@"
}

if ! mk -n "$BUILD/ringcapd" >/dev/null 2>&1; then
	rc_skip "the Makefile has no rule for $BUILD/ringcapd yet"
fi

tmp=$(mktemp -d /tmp/rcunit.XXXXXXXX)
rc_defer "rm -rf '$tmp'"
stage=$tmp/stage
unit=$stage/lib/systemd/system/ringcapd.service

# --- install -----------------------------------------------------------
mk install DESTDIR="$stage" PREFIX="$prefix" >"$tmp/install.log" 2>&1 || {
	cat "$tmp/install.log" >&2
	rc_fail "make install DESTDIR=$stage PREFIX=$prefix failed"
}
echo "installed:"
(cd "$stage" && find . ! -type d | sort | sed 's/^\./  /')

[ -f "$unit" ] || rc_fail "no unit at ${unit#"$stage"}"
want="ExecStart=$prefix/sbin/ringcapd -c /etc/ringcap/ringcap.yaml"
grep -qxF "$want" "$unit" ||
	rc_fail "unit has '$(grep '^ExecStart=' "$unit" || true)', want '$want'"
# reload: through the control socket, which returns the daemon's verdict
want="ExecReload=$prefix/bin/ringcap reload --timeout 1h"
[ "$(grep -c '^ExecReload=' "$unit")" = 1 ] && grep -qxF "$want" "$unit" ||
	rc_fail "unit has '$(grep '^ExecReload=' "$unit" | tr '\n' ' ' || true)', want '$want'"
# every command line of the unit follows PREFIX, none is left in the default
left=$(awk '!/^#/ && /\/usr\/local\//' "$unit")
[ -z "$left" ] || rc_fail "with PREFIX=$prefix, the unit still says: $left"
for f in usr/sbin/ringcapd usr/bin/ringcap; do
	[ -x "$stage/$f" ] || rc_fail "/$f not installed"
done
for f in etc/ringcap/ringcap.yaml usr/lib/sysusers.d/ringcap.conf \
	usr/share/man/man8/ringcapd.8 usr/share/man/man8/ringcap.8 \
	usr/share/man/man5/ringcap.yaml.5; do
	[ -f "$stage/$f" ] || rc_fail "/$f not installed"
done

# --- the drop-ins --------------------------------------------------------
# installed beside the unit, their comment's `ln -s` line naming where they
# are; ringcapd -n names an installed one for a configuration that needs it
dropdir=$prefix/share/ringcap/systemd
for d in afxdp rdma; do
	f=$stage$dropdir/$d.conf
	[ -f "$f" ] || rc_fail "$dropdir/$d.conf not installed"
	grep -q "^#     ln -s $dropdir/$d.conf /etc/systemd/system/ringcapd.service.d/$" "$f" ||
		rc_fail "$dropdir/$d.conf does not say where it is: $(grep 'ln -s' "$f" || true)"
done
cat >"$tmp/afxdp.yaml" <<'YAML'
captures:
  - name: span
    interface: lo
    backend: afxdp
    xdp: { dedicated_port: true }
    outputs:
      - pcap: { path: /var/lib/ringcap/span.pcap }
      - rdma: { peer: "198.18.0.2:7718" }
YAML
out=$("$RC_TOP/$BUILD/ringcapd" -n -c "$tmp/afxdp.yaml") || rc_fail "ringcapd -n failed: $out"
echo "$out"
for d in afxdp rdma; do
	grep -q "needs the drop-in $d.conf: capture span " <<<"$out" ||
		rc_fail "ringcapd -n does not name $d.conf for a capture that needs it"
done
# and nothing for the shipped configuration
out=$("$RC_TOP/$BUILD/ringcapd" -n -c "$RC_TOP/conf/ringcap.yaml" 2>&1) || true
if grep "drop-in" <<<"$out"; then
	rc_fail "ringcapd -n names a drop-in for conf/ringcap.yaml"
fi

# --- each variant: the unit alone, with either drop-in, with both ----------
# verify insists on finding ExecStart='s and ExecReload='s binaries (see the
# top): the staged sbin is bound over the real one, and the staged bin laid
# over the real one (read-only overlay: systemd-analyze itself lives there).  The drop-ins
# go into the unit's own .d directory here, as copies: systemd-analyze does
# not follow an absolute link inside a staged tree, a real systemd does
# (systemd_backends.sh enables them with ln -s).
verify() { # LOG
	# shellcheck disable=SC2016  # expanded by the inner sh
	if ! unshare --mount --propagation private sh -c '
		mount --bind "$1$2/sbin" "$2/sbin" &&
		mount -t overlay rcstage -o "lowerdir=$1$2/bin:$2/bin" "$2/bin" &&
		MANPATH="$1$2/share/man" exec systemd-analyze verify \
			--recursive-errors=no "$3"' sh "$stage" "$prefix" "$unit" \
		>"$1" 2>&1; then
		cat "$1" >&2
		rc_fail "systemd-analyze verify failed ($variant)"
	fi
	if [ -s "$1" ]; then
		cat "$1" >&2
		rc_fail "systemd-analyze verify has complaints ($variant)"
	fi
}
security() { # LOG: sets score
	if ! systemd-analyze security --offline=true --no-pager "$unit" \
		>"$1" 2>"$1.err"; then
		cat "$1" "$1.err" >&2
		rc_fail "systemd-analyze security failed ($variant)"
	fi
	cat "$1.err" >&2
	score=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9][0-9.]*\).*/\1/p' "$1")
	[ -n "$score" ] || {
		cat "$1" >&2
		rc_fail "no overall exposure level in the output of systemd-analyze security ($variant)"
	}
	awk -v s="$score" -v m="$max" 'BEGIN { exit !(s + 0 <= m + 0) }' ||
		rc_fail "$variant: exposure level $score is above $max"
}
# the names of the settings marked ✗, one a line
exposed() { # LOG
	awk '$1 == "✗" { print $2 }' "$1" | sort
}
dropd=$unit.d
scores=""
for variant in default afxdp rdma afxdp+rdma; do
	rm -rf "$dropd"
	if [ "$variant" != default ]; then
		mkdir "$dropd"
		for d in ${variant//+/ }; do
			cp "$stage$dropdir/$d.conf" "$dropd/"
		done
	fi
	# verify takes seconds: the unit alone, and with both drop-ins
	case $variant in
	default | afxdp+rdma)
		verify "$tmp/verify.$variant.log"
		echo "$variant: systemd-analyze verify clean"
		;;
	esac
	security "$tmp/security.$variant.log"
	[ "$variant" = default ] && grep '✗' "$tmp/security.$variant.log"
	scores="$scores, $variant $score"
	echo "$variant: exposure level $score (limit $max)"
done
rm -rf "$dropd"
scores=${scores#, }

# What each drop-in adds, as systemd-analyze sees it, and nothing else:
# afxdp.conf a capability (CAP_SYS_ADMIN), a privileged system call (bpf),
# AF_INET and an address family it calls exotic (AF_XDP); rdma.conf only
# two entries of the device list (PrivateDevices= stays on).
added() { # VARIANT: settings exposed there and not in the default
	comm -13 <(exposed "$tmp/security.default.log") <(exposed "$tmp/security.$1.log") |
		tr '\n' ' '
}
removed() { # VARIANT
	comm -23 <(exposed "$tmp/security.default.log") <(exposed "$tmp/security.$1.log") |
		tr '\n' ' '
}
want_afxdp="CapabilityBoundingSet=~CAP_SYS_ADMIN RestrictAddressFamilies=~AF_(INET|INET6) RestrictAddressFamilies=~… SystemCallFilter=~@privileged "
for variant in afxdp rdma afxdp+rdma; do
	want=""
	[[ $variant == *afxdp* ]] && want=$want_afxdp
	[ "$(added "$variant")" = "$want" ] ||
		rc_fail "$variant: the drop-ins expose '$(added "$variant")', expected '$want'"
	[ -z "$(removed "$variant")" ] ||
		rc_fail "$variant: the drop-ins change what the unit protects: $(removed "$variant")"
	devs=$(awk '$1 == "✗" && $2 == "DeviceAllow=" { sub(/.*special devices: /, ""); print }' \
		"$tmp/security.$variant.log" | awk '{ NF--; print }')
	want="char-rtc:r"
	[[ $variant == *rdma* ]] && want="char-rtc:r char-infiniband_verbs:rw /dev/infiniband/rdma_cm:rw"
	[ "$devs" = "$want" ] || rc_fail "$variant: devices allowed: '$devs', expected '$want'"
	grep -q '✓ PrivateDevices=' "$tmp/security.$variant.log" ||
		rc_fail "$variant: PrivateDevices= is off"
done
echo "exposure levels: $scores"

# the collector's unit (ringcap rdma-recv): installed with its ExecStart=
# rewritten, and as well hardened (verify would need /usr/bin/ringcap on
# the host, which the private mount namespace cannot fake without hiding
# the tools that run the check)
cunit=$stage/lib/systemd/system/ringcap-rdma-recv.service
[ -f "$cunit" ] || rc_fail "no ringcap-rdma-recv.service installed"
grep -q "^ExecStart=$prefix/bin/ringcap rdma-recv " "$cunit" ||
	rc_fail "collector unit has '$(grep '^ExecStart=' "$cunit" || true)'"
systemd-analyze security --offline=true --no-pager "$cunit" >"$tmp/csecurity.log" 2>&1 ||
	{ cat "$tmp/csecurity.log" >&2; rc_fail "systemd-analyze security failed on the collector unit"; }
cscore=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9][0-9.]*\).*/\1/p' "$tmp/csecurity.log")
[ -n "$cscore" ] || rc_fail "no exposure level for the collector unit"
echo "collector unit exposure level: $cscore (limit $max)"
awk -v s="$cscore" -v m="$max" 'BEGIN { exit !(s + 0 <= m + 0) }' ||
	rc_fail "collector unit exposure level $cscore is above $max"

# --- reinstall keeps the configuration, uninstall leaves only it ------------
echo "# local change" >>"$stage/etc/ringcap/ringcap.yaml"
mk install DESTDIR="$stage" PREFIX="$prefix" >"$tmp/install2.log" 2>&1 || {
	cat "$tmp/install2.log" >&2
	rc_fail "second make install failed"
}
grep -qxF "# local change" "$stage/etc/ringcap/ringcap.yaml" ||
	rc_fail "make install replaced an existing /etc/ringcap/ringcap.yaml"
mk uninstall DESTDIR="$stage" PREFIX="$prefix" >"$tmp/uninstall.log" 2>&1 || {
	cat "$tmp/uninstall.log" >&2
	rc_fail "make uninstall failed"
}
left=$(cd "$stage" && find . ! -type d | sort)
[ "$left" = "./etc/ringcap/ringcap.yaml" ] ||
	rc_fail "make uninstall left: $(echo "$left" | tr '\n' ' ')"

rc_pass "unit verifies cleanly with and without its drop-ins, exposure levels $scores (limit $max; collector unit $cscore)"
