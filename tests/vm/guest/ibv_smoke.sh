#!/bin/bash
# SPDX-License-Identifier: MIT
# Guest script (runs inside the test VM as /guest.sh, see
# tests/vm/mkinitramfs.sh for the contract): one real RDMA transfer on
# Soft-RoCE.  A veth pair rcv0/rcv1, rxe0 on rcv0 (198.18.7.1/24), and
# ib_write_bw server and client on the same rxe device (6.1's rxe has no
# netns support; two QPs on one device loop back).  Writes to /share:
#   ringcap_version.txt  /rc/bin/ringcap --version, if ringcap was included
#   rcgen_help.txt       /rc/bin/rcgen --help, if rcgen was included
#   rdma_link.txt        rdma link show
#   ibv_devinfo.txt      ibv_devinfo -v -d rxe0
#   ib_write_bw.txt      the client's output (the "#bytes" table)
#   ib_write_bw_server.txt  the server's
# Fails (non-zero) when any step does.
set -euo pipefail

S=$RC_SHARE
ADDR=198.18.7.1
PORT=18515
# short: rxe copies every byte with the (emulated) CPU
BW_ARGS=(-d rxe0 -x 1 -p "$PORT" -s 65536 -n 500 -F)

if [ -x "$RC_BIN/ringcap" ]; then
	"$RC_BIN/ringcap" --version >"$S/ringcap_version.txt" 2>&1
fi
if [ -x "$RC_BIN/rcgen" ]; then
	"$RC_BIN/rcgen" --help >"$S/rcgen_help.txt" 2>&1
fi

"$RC_IP" link add rcv0 type veth peer name rcv1
"$RC_IP" addr add "$ADDR/24" dev rcv0
"$RC_IP" link set rcv0 up
"$RC_IP" link set rcv1 up
"$RC_RDMA" link add rxe0 type rxe netdev rcv0
"$RC_RDMA" link show >"$S/rdma_link.txt"
cat "$S/rdma_link.txt"

# GID 1 (the IPv4-mapped one) is filled in from the address asynchronously
gid=/sys/class/infiniband/rxe0/ports/1/gids/1
for _ in $(seq 100); do
	[ -r "$gid" ] && grep -q "ffff:c612:0701" "$gid" && break
	sleep 0.1
done
grep -q "ffff:c612:0701" "$gid" || { echo "GID 1 of rxe0 is $(cat "$gid"), not $ADDR's"; exit 1; }

ibv_devinfo -v -d rxe0 >"$S/ibv_devinfo.txt"
grep -E 'hca_id|state|active_mtu|link_layer' "$S/ibv_devinfo.txt"

ib_write_bw "${BW_ARGS[@]}" >"$S/ib_write_bw_server.txt" 2>&1 &
server=$!
# the client gives up at once if nobody listens yet
hexport=$(printf ':%04X ' "$PORT")
for _ in $(seq 100); do
	grep -q "$hexport.* 0A " /proc/net/tcp && break
	sleep 0.1
done
t0=$(date +%s)
rc=0
ib_write_bw "${BW_ARGS[@]}" "$ADDR" >"$S/ib_write_bw.txt" 2>&1 || rc=$?
t1=$(date +%s)
src=0
wait $server || src=$?
echo "--- ib_write_bw client (exit $rc, $((t1 - t0))s):"
cat "$S/ib_write_bw.txt"
[ $rc = 0 ] || { echo "ib_write_bw client failed"; exit 1; }
[ $src = 0 ] || { echo "ib_write_bw server failed (exit $src):"; cat "$S/ib_write_bw_server.txt"; exit 1; }
