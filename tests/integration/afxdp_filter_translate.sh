#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The capture filter's translation for the XDP program (classic BPF from
# libpcap to eBPF, src/capture/xdp_filter.c), verdict by verdict against
# libpcap's own interpreter: build/tests/xdpfilter_check loads each
# translated filter into the kernel and runs it by BPF_PROG_TEST_RUN on
# tens of thousands of crafted and random frames (802.1Q, QinQ, IPv4
# options and fragments, IPv6 extension headers, ARP, ICMP, TCP flags,
# truncated headers, 9000-byte frames in fragments), once as a
# single-buffer program and once as a multi-buffer one, and compares each
# verdict with bpf_filter()'s.  It also checks that the filters no XDP
# program can run (`inbound`, `protochain`) are refused with the reason.
# Loading programs needs root, hence an integration test; no network.
source "$(dirname "$0")/../lib/ringcap.sh"
rc_need_root
CHECK=$RC_TOP/$BUILD/tests/xdpfilter_check
[ -x "$CHECK" ] || rc_skip "$BUILD/tests/xdpfilter_check is not built (ringcap without AF_XDP)"
rc=0
out=$("$CHECK" -s 14 2>&1) || rc=$?
echo "$out" | tail -n 40
[ "$rc" = 77 ] && rc_skip "may not load BPF programs"
[ "$rc" = 0 ] || rc_fail "the translated filters disagree with libpcap (exit $rc)"
summary=$(echo "$out" | tail -n 1)
[[ $summary =~ ^([0-9]+)\ filters,\ ([0-9]+)\ verdicts\ compared,\ 0\ disagreements,\ 0\ filters ]] ||
	rc_fail "no summary line: $summary"
[ "${BASH_REMATCH[1]}" -ge 80 ] && [ "${BASH_REMATCH[2]}" -ge 1000000 ] ||
	rc_fail "too few filters or verdicts: $summary"
rc_pass "$summary"
