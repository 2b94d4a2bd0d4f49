#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Frames that capture code gets wrong, written to a pcap and sent from it.

    tricky_frames.py write OUT.pcap [--mtu MTU]   the frames, in order
    tricky_frames.py send IN.pcap IFACE [--gap-us N]

The set, each at several sizes up to what an MTU of MTU (default 9100)
lets a veth carry (the MTU plus the Ethernet header, plus one tag's 4 bytes
for a frame whose outer tag is 802.1Q; AF_PACKET allows no more, and
an 802.1ad frame no more than an untagged one):
  - untagged IPv4/UDP, up to 9000-byte frames and the largest the MTU allows
  - 802.1Q (VID 7, with priority and DEI bits set in some), IPv4 and IPv6
  - QinQ: 802.1ad (0x88a8) outer + 802.1Q inner, and 0x8100 + 0x8100
  - IPv6/UDP, IPv6/TCP, ICMPv6 echo, IPv6 with a hop-by-hop header
  - ARP requests and replies, untagged and tagged, unpadded (42 bytes)
Every frame carries its index in the set, so a capture that reorders or
repeats frames differs from the file byte for byte.  Addresses are from
198.18.0.0/15 and 2001:db8::/32 (documentation); the MACs are local.
The sender writes each frame with one send() on an AF_PACKET socket, in
the order of the file.
"""
import argparse
import socket
import struct
import sys
import time

DST = bytes.fromhex("020000000002")
SRC = bytes.fromhex("020000000001")


def eth(ethertype, tags=()):
    """Ethernet header with (tpid, tci) tags, outermost first."""
    h = DST + SRC
    for tpid, tci in tags:
        h += struct.pack("!HH", tpid, tci)
    return h + struct.pack("!H", ethertype)


def fill(n, seed):
    return bytes((seed + 13 * i) & 0xFF for i in range(n))


def ipv4_udp(total, idx, dport=5000):
    """IPv4/UDP with @total bytes of IP packet."""
    udp_len = total - 20
    payload = struct.pack("!I", idx) + fill(udp_len - 8 - 4, idx)
    udp = struct.pack("!HHHH", 4000, dport, udp_len, 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, total, idx & 0xFFFF, 0x4000, 64, 17, 0,
                     socket.inet_aton("198.18.0.1"), socket.inet_aton("198.18.0.2"))
    return ip + udp


def ipv6(total, idx, nh, hop_by_hop=False):
    """IPv6 with @total bytes of IP packet; next header @nh."""
    plen = total - 40
    body = b""
    first = nh
    if hop_by_hop:
        first = 0
        body += struct.pack("!BB", nh, 0) + bytes(6)
    rest = plen - len(body)
    if nh == 17:
        body += struct.pack("!HHHH", 4000, 5000, rest, 0) + struct.pack("!I", idx) + \
            fill(rest - 12, idx)
    elif nh == 6:
        body += struct.pack("!HHIIBBHHH", 4000, 80, idx, 0, 0x50, 0x02, 1024, 0, 0) + \
            struct.pack("!I", idx) + fill(rest - 24, idx)
    else:  # ICMPv6 echo request
        body += struct.pack("!BBHHH", 128, 0, 0, 1, idx & 0xFFFF) + fill(rest - 8, idx)
    hdr = struct.pack("!IHBB16s16s", 0x60000000, plen, first, 64,
                      socket.inet_pton(socket.AF_INET6, "2001:db8::1"),
                      socket.inet_pton(socket.AF_INET6, "2001:db8::2"))
    return hdr + body


def arp(op, idx):
    return struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, op, SRC,
                       socket.inet_aton("198.18.0.1"),
                       DST if op == 2 else bytes(6),
                       socket.inet_aton("198.18.%d.%d" % (idx >> 8 & 0xFF, idx & 0xFF)))


def frames(mtu):
    out = []
    untagged_max = mtu + 14
    tagged_max = mtu + 18

    def add(f):
        assert len(f) <= tagged_max, len(f)
        out.append(f)

    sizes = [n for n in (64, 1514, 4000, 8014, 9014) if n < untagged_max]
    for rnd in range(3):
        for n in sizes + [untagged_max]:
            add(eth(0x0800) + ipv4_udp(n - 14, len(out)))
        for n in sizes + [tagged_max]:
            tci = 7 | (0xE000 if n % 2 else 0) | (0x1000 if rnd == 1 else 0)
            add(eth(0x0800, [(0x8100, tci)]) + ipv4_udp(n - 18, len(out)))
            add(eth(0x86DD, [(0x8100, 7)]) + ipv6(n - 18, len(out), 17))
        for n in sizes + [tagged_max]:
            add(eth(0x0800, [(0x88A8, 100), (0x8100, 7)]) +
                ipv4_udp(min(n, untagged_max) - 22, len(out)))
            add(eth(0x86DD, [(0x8100, 200), (0x8100, 7)]) + ipv6(n - 22, len(out), 58))
        for n in sizes + [untagged_max]:
            add(eth(0x86DD) + ipv6(n - 14, len(out), 17))
            add(eth(0x86DD) + ipv6(n - 14, len(out), 6))
            add(eth(0x86DD) + ipv6(n - 14, len(out), 58, hop_by_hop=True))
        for op in (1, 2):
            add(eth(0x0806) + arp(op, len(out)))
            add(eth(0x0806, [(0x8100, 7)]) + arp(op, len(out)))
    return out


def write_pcap(path, frames_):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
        t = int(time.time())
        for i, fr in enumerate(frames_):
            f.write(struct.pack("<IIII", t, i, len(fr), len(fr)))
            f.write(fr)


def read_pcap(path):
    with open(path, "rb") as f:
        buf = f.read()
    magic = struct.unpack_from("<I", buf, 0)[0]
    if magic not in (0xA1B2C3D4, 0xA1B23C4D):
        sys.exit("%s: not a little-endian pcap" % path)
    off, out = 24, []
    while off + 16 <= len(buf):
        caplen = struct.unpack_from("<I", buf, off + 8)[0]
        out.append(buf[off + 16:off + 16 + caplen])
        off += 16 + caplen
    return out


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    w = sub.add_parser("write")
    w.add_argument("out")
    w.add_argument("--mtu", type=int, default=9100)
    s = sub.add_parser("send")
    s.add_argument("pcap")
    s.add_argument("iface")
    s.add_argument("--gap-us", type=int, default=500)
    a = p.parse_args()
    if a.cmd == "write":
        fr = frames(a.mtu)
        write_pcap(a.out, fr)
        print("%d frames, %d to %d bytes" % (len(fr), min(map(len, fr)), max(map(len, fr))))
        return
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
    sock.bind((a.iface, 0))
    n = 0
    for fr in read_pcap(a.pcap):
        sock.send(fr)
        n += 1
        time.sleep(a.gap_us / 1e6)
    print("sent %d frames" % n)


if __name__ == "__main__":
    main()
