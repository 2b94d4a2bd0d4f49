#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `ringcap config check` and `ringcapd -n`: the shipped conf/ringcap.yaml
# checks OK when its interface exists; a missing interface is a warning (the
# daemon waits for it) and still OK, and so is memory over half the
# machine's (rings and direct-I/O buffers, with the numbers); a YAML error, an unknown key, a bad value and two outputs that would write one file (through
# per-worker names, //, .. and a symlinked directory) are reported as
# FILE:LINE:COL with exit 2; and ringcapd refuses to start on such a file.
source "$(dirname "$0")/../lib/ringcap.sh"
rc_need_root
rc_tmpdir
SHIPPED=$RC_TOP/conf/ringcap.yaml
iface=$(sed -n 's/^ *interface: *\([A-Za-z0-9_.-]*\).*/\1/p' "$SHIPPED" | head -n 1)
[ -n "$iface" ] || rc_fail "no interface in the shipped config"
if [ ! -e "/sys/class/net/$iface" ]; then
	ip link add "$iface" type veth peer name "${iface:0:10}peer" || rc_fail "cannot make $iface"
	rc_defer "ip link del '$iface'"
fi
for cmd in "$RINGCAP config check" "$RINGCAPD -n -c"; do
	out=$($cmd "$SHIPPED" 2>&1) || rc_fail "$cmd rejects the shipped config: $out"
	[ "$out" = "configuration OK" ] || rc_fail "$cmd said '$out'"
done

# memory: rings and direct-I/O buffers (8 MiB per output and worker) over
# half of the machine's is a warning naming the numbers, still OK
phys_mib=$(( $(getconf _PHYS_PAGES) * $(getconf PAGESIZE) >> 20 ))
nout=$(( phys_mib / 2 / 8 / 16 + 2 ))   # 16 workers: just over half the machine
{
	printf 'captures:\n  - name: big\n    interface: %s\n    workers: 16\n    ring: { size: 4MiB }\n    outputs:\n' "$iface"
	for ((i = 0; i < nout; i++)); do printf '      - pcap: { path: %s/m%d.pcap }\n' "$RC_TMP" "$i"; done
} >"$RC_TMP/mem.yaml"
for cmd in "$RINGCAP config check" "$RINGCAPD -n -c"; do
	out=$($cmd "$RC_TMP/mem.yaml" 2>&1) || rc_fail "$cmd: exit $? for a configuration that is too big: $out"
	echo "$out"
	grep -q "^warning: $RC_TMP/mem.yaml:2:5: the captures take [0-9]* MiB of memory (rings [0-9]* MiB; direct-I/O buffers [0-9]* MiB, 8 MiB for each output of each worker, $((nout * 16)) in all), over half of this machine's $phys_mib MiB" <<<"$out" ||
		rc_fail "$cmd: no memory warning"
	grep -q "^configuration OK$" <<<"$out" || rc_fail "$cmd: not OK after the memory warning"
done
# the same outputs written through the page cache need only the rings
sed -i 's/\.pcap }$/.pcap, io: buffered }/' "$RC_TMP/mem.yaml"
out=$("$RINGCAP" config check "$RC_TMP/mem.yaml" 2>&1) || rc_fail "config check: exit $?: $out"
[ "$out" = "configuration OK" ] || rc_fail "io: buffered outputs: '$out'"

expect_bad() { # FILE-CONTENT PATTERN
	printf '%s\n' "$1" >"$RC_TMP/bad.yaml"
	for cmd in "$RINGCAP config check" "$RINGCAPD -n -c"; do
		rc=0
		$cmd "$RC_TMP/bad.yaml" >"$RC_TMP/out" 2>&1 || rc=$?
		[ $rc = 2 ] || rc_fail "$cmd: exit $rc for a bad file ($(cat "$RC_TMP/out"))"
		grep -q -- "$2" "$RC_TMP/out" || rc_fail "$cmd: '$(cat "$RC_TMP/out")' lacks '$2'"
	done
	echo "ok: $(head -n 1 "$RC_TMP/out")"
}
F=$RC_TMP/bad.yaml
# a missing interface is no error (the daemon waits for it): a warning, OK
printf '%s\n' "captures:
  - name: x
    interface: rcnosuch0
    outputs: [ { pcap: { path: /tmp/x.pcap } } ]" >"$F"
for cmd in "$RINGCAP config check" "$RINGCAPD -n -c"; do
	out=$($cmd "$F" 2>&1) || rc_fail "$cmd: a missing interface made it fail: $out"
	echo "$out" | grep -q "^warning: $F:3:5: captures\[0\].interface: no such network interface 'rcnosuch0'" ||
		rc_fail "$cmd: no warning about the missing interface: $out"
	echo "$out" | grep -qx "configuration OK" || rc_fail "$cmd: not OK: $out"
done
expect_bad "captures:
  - name: x
    interfce: $iface" "$F:3:5: .*unknown key 'interfce', did you mean 'interface'?"
expect_bad "captures: [ { name: x" "$F:2:1: YAML syntax error"
expect_bad "captures:
  - name: x
    interface: $iface
    snaplen: 0
    outputs: [ { pcap: { path: /tmp/x.pcap } } ]" "$F:4:14: captures\[0\].snaplen: 0 is out of range"
# two outputs that would write one file, once the names are made
R=$(realpath "$RC_TMP")
expect_bad "captures:
  - name: x
    interface: $iface
    workers: 2
    outputs: [ { pcap: { path: $RC_TMP/a.pcap } } ]
  - name: y
    interface: $iface
    outputs: [ { pcap: { path: $RC_TMP/a_w0.pcap } } ]" \
	"^$F:8:32: captures\[1\]\.outputs\[0\]\.pcap\.path: outputs '$RC_TMP/a_w0\.pcap' and '$RC_TMP/a\.pcap' (capture 'x' at 5:32) would both write $R/a_w0\.pcap, a per-worker name of '$RC_TMP/a\.pcap'\$"
mkdir "$RC_TMP/d"
ln -s d "$RC_TMP/l"
expect_bad "captures:
  - name: x
    interface: $iface
    outputs:
      - pcap: { path: $RC_TMP/d/b.pcap }
      - pcap: { path: \"/$RC_TMP//l/../d/./b.pcap\" }" \
	"^$F:6:23: captures\[0\]\.outputs\[1\]\.pcap\.path: outputs '/$RC_TMP//l/\.\./d/\./b\.pcap' and '$RC_TMP/d/b\.pcap' (capture 'x' at 5:23) would both write $R/d/b\.pcap\$"
rc=0
"$RINGCAPD" -c "$F" 2>"$RC_TMP/start.log" || rc=$?
[ $rc = 2 ] || rc_fail "ringcapd started on a bad file (exit $rc)"
grep -q "has errors, not starting" "$RC_TMP/start.log" || rc_fail "no 'not starting' message"
rc_pass "config check: shipped file OK, errors named with file:line:col, exit 2"
