#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The README's demo: ringcapd on the shipped conf/ringcap.yaml.
# It makes the interface that file names (rcdemo0, a veth whose peer sits in
# a throw-away network namespace), the service user and /var/lib/ringcap,
# starts the daemon, sends test traffic (198.18.0.0/15 only) from inside the
# namespace, shows `ringcap status` and `ringcap stats`, stops the daemon
# with SIGTERM, prints what tshark reads back from the file, and removes the
# namespace and the veth pair.  Run as root via `make demo`.
set -euo pipefail
cd "$(dirname "$0")/.."
export RC_TOP=$PWD BUILD=${BUILD:-build}
source tests/lib/ringcap.sh
[ "$(id -u)" = 0 ] || { echo "demo: run as root (it creates a network namespace)" >&2; exit 2; }
CONF=$RC_TOP/conf/ringcap.yaml
IFACE=$(sed -n 's/^ *interface: *\([A-Za-z0-9_.-]*\).*/\1/p' "$CONF" | head -n 1)
OUTDIR=/var/lib/ringcap

# the interface the shipped file captures on, fed from a namespace
NS=rct-demo-$$
ip link del "$IFACE" 2>/dev/null || true
ip netns add "$NS"
rc_defer "ip netns del '$NS' 2>/dev/null; ip link del '$IFACE' 2>/dev/null"
ip link add "$IFACE" type veth peer name rcdemo-gen netns "$NS"
sysctl -qw "net.ipv6.conf.$IFACE.disable_ipv6=1"
ip netns exec "$NS" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
ip link set "$IFACE" up
ip -n "$NS" link set rcdemo-gen up
rc_link_wait_up "" "$IFACE"
rc_link_wait_up "$NS" rcdemo-gen

# the service user and its directory, as `make install` would set them up
getent passwd ringcap >/dev/null || systemd-sysusers "$RC_TOP/systemd/ringcap.sysusers" ||
	useradd --system --home-dir "$OUTDIR" --shell /usr/sbin/nologin ringcap
install -d -o ringcap -g ringcap -m 0750 "$OUTDIR"
before=$(ls "$OUTDIR"/demo-*.pcap 2>/dev/null || true)

echo "== ringcapd -c $CONF"
grep -v '^ *#' "$CONF" | grep -v '^ *$' | sed 's/^/   /'
LOG=$(mktemp /tmp/ringcapd-demo.XXXXXX)
rc_defer "rm -f '$LOG'"
"$RINGCAPD" -c "$CONF" 2>"$LOG" &
DAEMON=$!
rc_defer "kill $DAEMON 2>/dev/null"
rc_wait_log "$LOG" "ready:" 10
sed 's/^/   /' "$LOG"

echo "== sending 100000 UDP frames of 60..1514 bytes, then 1000 with VLAN tag 100"
ip netns exec "$NS" "$RCGEN" -i rcdemo-gen -n 100000 -s 60-1514 --ports 5000,6000,7000 -r 200000 | sed 's/^/   /'
ip netns exec "$NS" "$RCGEN" -i rcdemo-gen -n 1000 --vlan 100 --start-seq 100000 -s 64-200 | sed 's/^/   /'
sleep 0.5
echo "== ringcap status"
"$RINGCAP" status | sed 's/^/   /'
echo "== ringcap stats"
"$RINGCAP" stats | sed 's/^/   /'
kill -TERM "$DAEMON"
wait "$DAEMON" || { cat "$LOG"; exit 1; }
echo "== ringcapd stopped (SIGTERM)"
tail -n 2 "$LOG" | sed 's/^/   /'

new=$(comm -13 <(printf '%s\n' $before | sort) <(ls "$OUTDIR"/demo-*.pcap | sort))
for f in $new; do
	echo "== capinfos $f"
	capinfos -M -t -c -s -u "$f" | sed 's/^/   /'
	echo "== tshark -r $f (first 5 frames, last 2)"
	tshark -r "$f" -c 5 2>/dev/null | sed 's/^/   /'
	echo "   ..."
	tshark -r "$f" 2>/dev/null | tail -n 2 | sed 's/^/   /'
done
echo "== done: files stay in $OUTDIR; the namespace and veth pair are removed"
