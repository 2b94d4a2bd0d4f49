#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The systemd unit as `make install` puts it in place: `systemd-analyze
# verify` has nothing to say about it, and `systemd-analyze security` rates
# its exposure at 2.5 or better (RC_MAX_EXPOSURE overrides the limit).
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
# reload: check the file, signal, wait until the daemon has reloaded
for want in "ExecReload=$prefix/sbin/ringcapd -n -c /etc/ringcap/ringcap.yaml" \
	'ExecReload=/bin/kill -HUP $MAINPID' \
	"ExecReload=/bin/sh -c \"exec $prefix/bin/ringcap status --timeout 1h >/dev/null\""; do
	grep -qxF "$want" "$unit" ||
		rc_fail "unit has '$(grep '^ExecReload=' "$unit" | tr '\n' ' ' || true)', want '$want'"
done
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

# --- verify --------------------------------------------------------------
# shellcheck disable=SC2016  # expanded by the inner sh
if ! unshare --mount --propagation private sh -c '
	mount --bind "$1$2/sbin" "$2/sbin" &&
	MANPATH="$1$2/share/man" exec systemd-analyze verify \
		--recursive-errors=no "$3"' sh "$stage" "$prefix" "$unit" \
	>"$tmp/verify.log" 2>&1; then
	cat "$tmp/verify.log" >&2
	rc_fail "systemd-analyze verify failed"
fi
if [ -s "$tmp/verify.log" ]; then
	cat "$tmp/verify.log" >&2
	rc_fail "systemd-analyze verify has complaints"
fi
echo "systemd-analyze verify: clean"

# --- security ------------------------------------------------------------
if ! systemd-analyze security --offline=true --no-pager "$unit" \
	>"$tmp/security.log" 2>"$tmp/security.err"; then
	cat "$tmp/security.log" "$tmp/security.err" >&2
	rc_fail "systemd-analyze security failed"
fi
cat "$tmp/security.err" >&2
grep '✗' "$tmp/security.log" || true
score=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9][0-9.]*\).*/\1/p' \
	"$tmp/security.log")
[ -n "$score" ] || {
	cat "$tmp/security.log" >&2
	rc_fail "no overall exposure level in the output of systemd-analyze security"
}
echo "exposure level: $score (limit $max)"
awk -v s="$score" -v m="$max" 'BEGIN { exit !(s + 0 <= m + 0) }' ||
	rc_fail "exposure level $score is above $max"

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

rc_pass "unit verifies cleanly, exposure level $score <= $max (collector unit $cscore)"
