#!/usr/bin/python3
"""pcapcheck - check pcap and pcapng files written in ringcap's tests.

Reads classic libpcap files (usec or nsec, either byte order; stdlib only)
and pcapng files (their packet blocks are read as the records of a
nanosecond pcap file; `ng` prints their blocks, statistics included)
and checks frame counts, file equality, rcgen sequence numbers,
timestamp order and how far apart two captures' timestamps of the same
frames are.  Exit status: 0 check holds, 1 check failed (one-line
reason on stderr), 2 usage error or unreadable/malformed file.
Record indices in messages are 0-based.
"""

import argparse
import mmap
import struct
import sys

PROG = "pcapcheck"

# magic bytes as stored in the file -> (struct byte-order char, precision)
MAGICS = {
    b"\xd4\xc3\xb2\xa1": ("<", "usec"),
    b"\xa1\xb2\xc3\xd4": (">", "usec"),
    b"\x4d\x3c\xb2\xa1": ("<", "nsec"),
    b"\xa1\xb2\x3c\x4d": (">", "nsec"),
}

RCGEN_MAGIC = b"RCGEN\x00\x00\x01"

LINKTYPE_ETHERNET = 1
LINKTYPE_LINUX_SLL = 113
LINKTYPE_LINUX_SLL2 = 276

VLAN_TPIDS = (0x8100, 0x88A8)

_U16BE = struct.Struct(">H")
_U16X2BE = struct.Struct(">HH")
_U64BE = struct.Struct(">Q")


class Malformed(Exception):
    """File cannot be read or is not a valid classic pcap file (exit 2)."""


class CheckFailed(Exception):
    """The requested check does not hold (exit 1)."""


class Pcap:
    """A whole classic pcap file in memory plus the offset of every record.

    Loading validates the complete file, so a truncated record is reported
    (as Malformed) before any check looks at the data.
    """

    def __init__(self, path, torn_tail=False):
        self.path = path
        self.torn_tail = torn_tail  # a cut last record ends the file, no error
        self.torn = 0               # bytes of that cut record
        try:
            if path == "-":
                data = sys.stdin.buffer.read()
            else:
                with open(path, "rb") as f:
                    # a finished file is mapped, not read: a capture of a
                    # million frames is most of a GB, and copying it cost
                    # more than the walk; one still being written (torn
                    # tail) is read, as its writer may yet cut it shorter
                    try:
                        if torn_tail:
                            raise ValueError
                        data = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
                    except (ValueError, OSError):
                        data = f.read()     # empty, or not a regular file
        except OSError as e:
            raise Malformed("%s: cannot read: %s" % (path, e.strerror or e))
        self.size = len(data)
        if len(data) < 24:
            raise Malformed("%s: too short for a pcap file header "
                            "(%d of 24 bytes)" % (path, len(data)))
        magic = bytes(data[0:4])
        self.ng = None
        if magic == b"\x0a\x0d\x0d\x0a":
            self.ng = PcapNg(path, data, torn_tail)
            self.torn = self.ng.torn
            data = self.ng.as_pcap()
            magic = bytes(data[0:4])
        if magic not in MAGICS:
            raise Malformed("%s: not a pcap file (magic %s)"
                            % (path, magic.hex()))
        self.endian, self.precision = MAGICS[magic]
        (vmaj, vmin, _thiszone, _sigfigs, self.snaplen,
         ltfield) = struct.unpack_from(self.endian + "HHiIII", data, 4)
        if vmaj != 2:
            raise Malformed("%s: unsupported pcap version %d.%d"
                            % (path, vmaj, vmin))
        self.linktype = ltfield & 0xFFFF
        self.buf = data
        self.offsets = self._walk()

    def _walk(self):
        """Return the list of record header offsets; raise on truncation."""
        buf = self.buf
        size = len(buf)
        u32 = struct.Struct(self.endian + "I").unpack_from
        offs = []
        append = offs.append
        off = 24
        idx = 0
        while off < size:
            # A cut record is where the file ends before the record does;
            # it can only be the last one.  Its header, when whole, must
            # still be plausible: a caplen over the snaplen is damage, not
            # a cut.
            if self.torn_tail and (off + 16 > size or
                                   (off + 16 + u32(buf, off + 8)[0] > size and
                                    u32(buf, off + 8)[0] <= self.snaplen)):
                self.torn = size - off
                break
            if off + 16 > size:
                raise Malformed(
                    "%s: record %d at byte offset %d: truncated record header "
                    "(%d of 16 bytes)" % (self.path, idx, off, size - off))
            caplen = u32(buf, off + 8)[0]
            end = off + 16 + caplen
            if end > size:
                raise Malformed(
                    "%s: record %d at byte offset %d: truncated packet data "
                    "(caplen %d, only %d bytes left)"
                    % (self.path, idx, off, caplen, size - off - 16))
            append(off)
            off = end
            idx += 1
        return offs

    def __len__(self):
        return len(self.offsets)

    def headers(self):
        """Yield (index, offset, ts_sec, ts_frac, caplen, origlen)."""
        hdr = struct.Struct(self.endian + "IIII").unpack_from
        buf = self.buf
        for i, off in enumerate(self.offsets):
            sec, frac, caplen, origlen = hdr(buf, off)
            yield i, off, sec, frac, caplen, origlen

    def captured_bytes(self):
        u32 = struct.Struct(self.endian + "I").unpack_from
        buf = self.buf
        return sum(u32(buf, off + 8)[0] for off in self.offsets)


class PcapNg:
    """A pcapng file's blocks: sections, interfaces, packets, statistics.

    Every block is checked (length fields, the trailing copy of the length,
    option lengths).  Packets are kept as (interface, ts_ns, caplen, len,
    data offset, flags, dropcount); as_pcap() turns them into one classic
    nanosecond pcap, which needs every interface to have one link type.
    """

    SHB, IDB, EPB, SPB, ISB = 0x0A0D0D0A, 1, 6, 3, 5

    def __init__(self, path, data, torn_tail=False):
        self.path = path
        self.buf = data
        self.torn = 0
        self.blocks = []         # (type, offset, length), in file order
        self.sections = []       # per SHB: {"options": ..., "ifaces": [...]}
        self.packets = []
        self.isbs = []
        off = 0
        size = len(data)
        while off < size:
            btype = self._u32(data, off, off) if off + 4 <= size else None
            if btype == self.SHB and off + 12 <= size:
                # the section's byte order first: the length depends on it
                magic = data[off + 8:off + 12]
                if magic == b"\x4d\x3c\x2b\x1a":
                    self.e = "<"
                elif magic == b"\x1a\x2b\x3c\x4d":
                    self.e = ">"
                else:
                    raise Malformed("%s: bad byte-order magic at %d"
                                    % (path, off))
            if off + 12 > size or self._u32(data, off + 4, off) > size - off:
                if torn_tail:
                    self.torn = size - off
                    break
                raise Malformed("%s: block at byte offset %d is cut short"
                                % (path, off))
            btype = self._u32(data, off, off)
            if btype != self.SHB and not self.sections:
                raise Malformed("%s: the first block is not a section "
                                "header" % path)
            blen = self._u32(data, off + 4, off)
            if blen < 12 or blen % 4:
                raise Malformed("%s: block at %d has length %d"
                                % (path, off, blen))
            if self._u32(data, off + blen - 4, off) != blen:
                raise Malformed("%s: block at %d: the trailing length "
                                "differs" % (path, off))
            self.blocks.append((btype, off, blen))
            body = data[off + 8:off + blen - 4]
            self._block(btype, body, off)
            off += blen

    def _u32(self, data, at, blk):
        e = getattr(self, "e", "<")
        if at + 4 > len(data):
            raise Malformed("%s: block at %d is cut short" % (self.path, blk))
        return struct.unpack_from(e + "I", data, at)[0]

    def _opts(self, body, at, blk):
        """{code: [raw values]} of the options from body[at:]."""
        out = {}
        while at + 4 <= len(body):
            code, olen = struct.unpack_from(self.e + "HH", body, at)
            if code == 0:
                break
            if at + 4 + olen > len(body):
                raise Malformed("%s: block at %d: option %d runs past the "
                                "block" % (self.path, blk, code))
            out.setdefault(code, []).append(body[at + 4:at + 4 + olen])
            at += 4 + ((olen + 3) & ~3)
        return out

    def _u64(self, raw):
        return struct.unpack(self.e + "Q", raw)[0]

    def _time(self, raw):
        hi, lo = struct.unpack(self.e + "II", raw)
        return (hi << 32) | lo

    def _block(self, btype, body, blk):
        e = self.e
        if btype == self.SHB:
            opts = self._opts(body, 16, blk)
            txt = lambda c: opts[c][0].decode(errors="replace") if c in opts else None
            self.sections.append({"hardware": txt(2), "os": txt(3),
                                  "userappl": txt(4), "ifaces": [],
                                  "offset": blk})
        elif btype == self.IDB:
            lt, _r, snap = struct.unpack_from(e + "HHI", body, 0)
            opts = self._opts(body, 8, blk)
            tsresol = opts[9][0][0] if 9 in opts else 6
            if tsresol & 0x80:
                raise Malformed("%s: binary if_tsresol not handled" % self.path)
            filt = None
            if 11 in opts and opts[11][0][:1] == b"\0":
                filt = opts[11][0][1:].decode(errors="replace")
            txt = lambda c: opts[c][0].decode(errors="replace") if c in opts else None
            self.sections[-1]["ifaces"].append({
                "linktype": lt, "snaplen": snap, "name": txt(2),
                "description": txt(3), "tsresol": tsresol, "filter": filt})
        elif btype in (self.EPB, self.SPB):
            ifs = self.sections[-1]["ifaces"]
            if btype == self.EPB:
                ifid, hi, lo, cap, olen = struct.unpack_from(e + "IIIII", body, 0)
                dat = 20
            else:
                ifid, hi, lo = 0, 0, 0
                olen = struct.unpack_from(e + "I", body, 0)[0]
                cap = min(olen, ifs[0]["snaplen"] if ifs else olen)
                dat = 4
            if ifid >= len(ifs):
                raise Malformed("%s: packet block at %d names interface %d "
                                "of %d" % (self.path, blk, ifid, len(ifs)))
            if dat + cap > len(body):
                raise Malformed("%s: packet block at %d: caplen %d runs past "
                                "the block" % (self.path, blk, cap))
            flags = drops = None
            if btype == self.EPB:
                opts = self._opts(body, dat + ((cap + 3) & ~3), blk)
                if 2 in opts:
                    flags = struct.unpack(e + "I", opts[2][0])[0]
                if 4 in opts:
                    drops = self._u64(opts[4][0])
            units = 10 ** ifs[ifid]["tsresol"]
            ts = (hi << 32) | lo
            ts_ns = ts * 1000000000 // units
            self.packets.append((len(self.sections) - 1, ifid, ts_ns, cap,
                                 olen, blk + 8 + dat, flags, drops))
        elif btype == self.ISB:
            ifid, hi, lo = struct.unpack_from(e + "III", body, 0)
            opts = self._opts(body, 12, blk)
            names = {2: "starttime", 3: "endtime", 4: "ifrecv", 5: "ifdrop",
                     6: "filteraccept", 7: "osdrop", 8: "usrdeliv"}
            isb = {"section": len(self.sections) - 1, "iface": ifid,
                   "time": (hi << 32) | lo, "offset": blk}
            for code, name in names.items():
                if code in opts:
                    isb[name] = (self._time(opts[code][0]) if code in (2, 3)
                                 else self._u64(opts[code][0]))
            self.isbs.append(isb)

    def as_pcap(self):
        """The packets as one classic nanosecond pcap file (host order)."""
        lts = {i["linktype"] for s in self.sections for i in s["ifaces"]}
        if len(lts) > 1:
            raise Malformed("%s: interfaces of several link types (%s): "
                            "not one pcap" % (self.path, sorted(lts)))
        lt = lts.pop() if lts else LINKTYPE_ETHERNET
        snap = max([i["snaplen"] for s in self.sections for i in s["ifaces"]]
                   or [262144])
        out = [struct.pack("<IHHiIII", 0xA1B23C4D, 2, 4, 0, 0, snap, lt)]
        for _s, _i, ts, cap, olen, doff, _f, _d in self.packets:
            out.append(struct.pack("<IIII", ts // 1000000000, ts % 1000000000,
                                   cap, olen))
            out.append(self.buf[doff:doff + cap])
        return b"".join(out)

    def summary(self):
        per_if = {}
        dirs = {"in": 0, "out": 0, "unknown": 0}
        drops = 0
        for sec, ifid, _ts, _c, _o, _d, flags, dc in self.packets:
            per_if[(sec, ifid)] = per_if.get((sec, ifid), 0) + 1
            d = (flags or 0) & 3
            dirs["in" if d == 1 else "out" if d == 2 else "unknown"] += 1
            drops += dc or 0
        names = {self.SHB: "SHB", self.IDB: "IDB", self.EPB: "EPB",
                 self.SPB: "SPB", self.ISB: "ISB"}
        order = []      # runs: [name, count]
        for t, _o, _l in self.blocks:
            name = names.get(t, "0x%x" % t)
            if order and order[-1][0] == name:
                order[-1][1] += 1
            else:
                order.append([name, 1])
        return {"file": self.path, "sections": self.sections,
                "block_types": order, "packets": len(self.packets),
                "packets_per_iface": [[s, i, n] for (s, i), n
                                      in sorted(per_if.items())],
                "directions": dirs, "dropcount": drops, "isbs": self.isbs}


def l2_layout(linktype):
    """(offset of the ethertype, offset of the payload after it) or None."""
    if linktype == LINKTYPE_ETHERNET:
        return 12, 14
    if linktype == LINKTYPE_LINUX_SLL:
        return 14, 16
    if linktype == LINKTYPE_LINUX_SLL2:
        return 0, 20
    return None


def parse_rcgen(buf, d, caplen, layout):
    """Parse the frame at buf[d:d+caplen].

    Return (seq, udp_dst_port, outer_vid_or_None) for an rcgen frame,
    None for anything else.
    """
    if layout is None:
        return None
    end = d + caplen
    et_off, l3 = layout
    l3 += d
    if l3 > end:
        return None
    et = _U16BE.unpack_from(buf, d + et_off)[0]
    vid = None
    tags = 0
    while et in VLAN_TPIDS and tags < 2:
        if l3 + 4 > end:
            return None
        tci, et = _U16X2BE.unpack_from(buf, l3)
        if vid is None:
            vid = tci & 0x0FFF
        l3 += 4
        tags += 1
    if et != 0x0800 or l3 + 20 > end:
        return None
    vihl = buf[l3]
    ihl = (vihl & 0x0F) * 4
    if vihl >> 4 != 4 or ihl < 20 or buf[l3 + 9] != 17:
        return None
    if _U16BE.unpack_from(buf, l3 + 6)[0] & 0x1FFF:
        return None                      # non-first fragment
    u = l3 + ihl
    if u + 24 > end:                     # UDP header + magic + seq
        return None
    if buf[u + 8:u + 16] != RCGEN_MAGIC:
        return None
    return (_U64BE.unpack_from(buf, u + 16)[0],
            _U16BE.unpack_from(buf, u + 2)[0], vid)


# ---------------------------------------------------------------- commands

def load(path, torn_tail):
    """Pcap(path); with torn_tail, a cut last record is left out and said."""
    pc = Pcap(path, torn_tail=torn_tail)
    if pc.torn:
        print("pcapcheck: %s: the last record is cut (%d bytes); not counted"
              % (path, pc.torn), file=sys.stderr)
    return pc


def cmd_count(args):
    total = 0
    for path in args.files:
        total += len(load(path, args.torn_tail))
    print(total)


def cmd_ng(args):
    import json
    out = []
    for path in args.files:
        pc = Pcap(path)
        if pc.ng is None:
            raise Malformed("%s: not a pcapng file" % path)
        out.append(pc.ng.summary())
    print(json.dumps(out, indent=1))


def cmd_info(args):
    pc = Pcap(args.file)
    print("frames=%d snaplen=%d linktype=%d precision=%s bytes=%d"
          % (len(pc), pc.snaplen, pc.linktype, pc.precision,
             pc.captured_bytes()))


def _spans(pc, only_rcgen):
    """List of (record index, record offset, record end offset)."""
    offs = pc.offsets
    ends = offs[1:] + [pc.size]
    if not only_rcgen:
        return list(zip(range(len(offs)), offs, ends))
    layout = l2_layout(pc.linktype)
    buf = pc.buf
    return [(i, off, end) for i, off, end in zip(range(len(offs)), offs, ends)
            if parse_rcgen(buf, off + 16, end - off - 16, layout) is not None]


def _describe_diff(a, oa, b, ob):
    """Say what differs between two records (lengths first, then data)."""
    ua = struct.Struct(a.endian + "II").unpack_from
    ub = struct.Struct(b.endian + "II").unpack_from
    ca, la = ua(a.buf, oa + 8)
    cb, lb = ub(b.buf, ob + 8)
    if ca != cb:
        return "caplen differs: %d vs %d" % (ca, cb)
    if la != lb:
        return "original length differs: %d vs %d" % (la, lb)
    da = a.buf[oa + 16:oa + 16 + ca]
    db = b.buf[ob + 16:ob + 16 + cb]
    pos = next(j for j in range(ca) if da[j] != db[j])
    return "data differs at byte %d: 0x%02x vs 0x%02x" % (pos, da[pos], db[pos])


def cmd_same(args):
    a = Pcap(args.a)
    b = Pcap(args.b)
    what = "rcgen frames" if args.ignore_nonrcgen else "frames"
    if a.linktype != b.linktype:
        raise CheckFailed("linktype differs: %s has %d, %s has %d"
                          % (a.path, a.linktype, b.path, b.linktype))
    fa = _spans(a, args.ignore_nonrcgen)
    fb = _spans(b, args.ignore_nonrcgen)
    abuf, bbuf = a.buf, b.buf
    same_order = a.endian == b.endian
    for k, ((ia, oa, ea), (ib, ob, eb)) in enumerate(zip(fa, fb)):
        # with equal byte order, caplen + origlen + data compare in one go
        if same_order and abuf[oa + 8:ea] == bbuf[ob + 8:eb]:
            continue
        if not same_order:
            ca, la = struct.unpack_from(a.endian + "II", abuf, oa + 8)
            cb, lb = struct.unpack_from(b.endian + "II", bbuf, ob + 8)
            if (ca == cb and la == lb
                    and abuf[oa + 16:ea] == bbuf[ob + 16:eb]):
                continue
        raise CheckFailed("%s %d (record %d in %s, record %d in %s): %s"
                          % (what[:-1], k, ia, a.path, ib, b.path,
                             _describe_diff(a, oa, b, ob)))
    if len(fa) != len(fb):
        raise CheckFailed("%s count differs: %s has %d, %s has %d "
                          "(first %d are identical)"
                          % (what, a.path, len(fa), b.path, len(fb),
                             min(len(fa), len(fb))))
    print("same: %d %s" % (len(fa), what))


def cmd_seq(args):
    ports = set(args.ports) if args.ports is not None else None
    n = 0
    first = last = None
    prev = prev_where = None
    seen = set()
    dups = 0
    first_dup = None
    disorder = 0
    first_disorder = None
    nonrc = 0
    first_nonrc = None
    badport = 0
    first_badport = None
    badvlan = 0
    first_badvlan = None
    below = 0
    for k, path in enumerate(args.files):
        pc = load(path, args.torn_tails or
                  (args.torn_tail and k == len(args.files) - 1))
        layout = l2_layout(pc.linktype)
        buf = pc.buf
        for i, off, _s, _f, caplen, _o in pc.headers():
            r = parse_rcgen(buf, off + 16, caplen, layout)
            if r is None:
                nonrc += 1
                if first_nonrc is None:
                    first_nonrc = "%s record %d" % (path, i)
                continue
            seq, dport, vid = r
            n += 1
            if args.below is not None and seq < args.below:
                below += 1
            if ports is not None and dport not in ports:
                badport += 1
                if first_badport is None:
                    first_badport = ("%s record %d: seq %d has UDP port %d"
                                     % (path, i, seq, dport))
            if args.vlan is not None and vid != args.vlan:
                badvlan += 1
                if first_badvlan is None:
                    first_badvlan = ("%s record %d: seq %d has %s"
                                     % (path, i, seq,
                                        "no VLAN tag" if vid is None
                                        else "VLAN %d" % vid))
            if seq in seen:
                dups += 1
                if first_dup is None:
                    first_dup = "seq %d again at %s record %d" % (seq, path, i)
            elif prev is not None and seq < prev:
                disorder += 1
                if first_disorder is None:
                    first_disorder = ("seq %d at %s record %d after seq %d "
                                      "at %s" % (seq, path, i, prev,
                                                 prev_where))
            seen.add(seq)
            if first is None:
                first = seq
            last = seq
            prev = seq
            prev_where = "%s record %d" % (path, i)

    if nonrc and not args.ignore_nonrcgen:
        raise CheckFailed("%d non-rcgen frame(s), first at %s"
                          % (nonrc, first_nonrc))
    if badport:
        raise CheckFailed("%d frame(s) with UDP port not in %s, first: %s"
                          % (badport, ",".join(map(str, args.ports)),
                             first_badport))
    if badvlan:
        raise CheckFailed("%d frame(s) without VLAN tag %d, first: %s"
                          % (badvlan, args.vlan, first_badvlan))
    if dups:
        raise CheckFailed("%d duplicate sequence number(s), first: %s"
                          % (dups, first_dup))
    if disorder:
        raise CheckFailed("sequence numbers not strictly increasing "
                          "(%d time(s)), first: %s"
                          % (disorder, first_disorder))

    # From here on the sequence numbers are strictly increasing.
    if args.expect is not None:
        start = args.start if args.start is not None else 0
        stop = start + args.expect          # exclusive
        inside = 0
        first_missing = None
        want = start
        for seq in sorted(seen):
            if seq < start or seq >= stop:
                continue
            inside += 1
            if first_missing is None and seq != want:
                first_missing = want
            want = seq + 1
        if first_missing is None and want < stop:
            first_missing = want
        missing = args.expect - inside
        outside = n - inside
        if n != args.expect or missing or outside:
            msg = "expected %d frames with seq %d..%d, got %d" % (
                args.expect, start, stop - 1, n)
            if missing:
                msg += ", %d missing (first missing seq %d)" % (
                    missing, first_missing)
            if outside:
                msg += ", %d outside the range" % outside
            raise CheckFailed(msg)
        missing_out = missing
    else:
        if args.start is not None and first != args.start:
            raise CheckFailed("first sequence number is %s, expected %d"
                              % (first, args.start))
        missing_out = (last - first + 1 - n) if n else 0

    print("frames=%d first=%s last=%s missing=%d dup=%d%s"
          % (n, "-" if first is None else first,
             "-" if last is None else last, missing_out, dups,
             "" if args.below is None else " below=%d" % below))


def cmd_monotonic(args):
    n = 0
    prev = None
    prev_where = None
    first = None
    for path in args.files:
        pc = Pcap(path)
        mult = 1000 if pc.precision == "usec" else 1
        for i, _off, sec, frac, _c, _o in pc.headers():
            ts = sec * 1000000000 + frac * mult
            if prev is not None and ts < prev:
                raise CheckFailed(
                    "timestamp goes backwards at %s record %d: %s < %s "
                    "(%s)" % (path, i, fmt_ts(ts), fmt_ts(prev), prev_where))
            if first is None:
                first = ts
            prev = ts
            prev_where = "%s record %d" % (path, i)
            n += 1
    print("frames=%d first=%s last=%s"
          % (n, "-" if first is None else fmt_ts(first),
             "-" if prev is None else fmt_ts(prev)))


def cmd_merge(args):
    """The rcgen frames of several files (one capture's per-queue or
    per-worker files) as one pcap, sorted by sequence number."""
    recs, header = [], None
    for path in args.files:
        pc = Pcap(path)
        header = header or pc.buf[:24]
        layout = l2_layout(pc.linktype)
        prev = -1
        for i, off, _s, _f, caplen, _o in pc.headers():
            r = parse_rcgen(pc.buf, off + 16, caplen, layout)
            if r is None:
                raise CheckFailed("%s record %d: a frame that is not rcgen's"
                                  % (path, i))
            if r[0] <= prev:
                raise CheckFailed("%s record %d: seq %d after seq %d"
                                  % (path, i, r[0], prev))
            prev = r[0]
            recs.append((r[0], pc.buf[off:off + 16 + caplen]))
        print("%s: %d frames" % (path, len(pc)))
    recs.sort(key=lambda x: x[0])
    for a, b in zip(recs, recs[1:]):
        if a[0] == b[0]:
            raise CheckFailed("sequence number %d is in more than one file"
                              % a[0])
    with open(args.out, "wb") as f:
        f.write(header)
        for _seq, rec in recs:
            f.write(rec)
    print("merged %d frames from %d files" % (len(recs), len(args.files)))


def _stamps_by_seq(path):
    """{rcgen seq: timestamp in ns} of one file; raise on a foreign frame
    or a repeated sequence number."""
    pc = Pcap(path)
    mult = 1000 if pc.precision == "usec" else 1
    layout = l2_layout(pc.linktype)
    buf = pc.buf
    out = {}
    for i, off, sec, frac, caplen, _o in pc.headers():
        r = parse_rcgen(buf, off + 16, caplen, layout)
        if r is None:
            raise CheckFailed("%s record %d is not an rcgen frame" % (path, i))
        if r[0] in out:
            raise CheckFailed("%s record %d: seq %d again" % (path, i, r[0]))
        out[r[0]] = sec * 1000000000 + frac * mult
    return out


def _pct(sorted_vals, q):
    """Nearest-rank percentile q (0..100) of a sorted non-empty list."""
    k = max(0, min(len(sorted_vals) - 1,
                   int(-(-q * len(sorted_vals) // 100)) - 1))
    return sorted_vals[k]


def _us(ns):
    return "%.3f" % (ns / 1000.0)


def _tsdiff_where(a, b, seq):
    text = "seq %d, A - B = %s us" % (seq, _us(a[seq] - b[seq]))
    if seq + 1 in b:
        text += (", B's next frame (seq %d) %s us after this one"
                 % (seq + 1, _us(b[seq + 1] - b[seq])))
    return text


def cmd_tsdiff(args):
    a = _stamps_by_seq(args.a)
    b = _stamps_by_seq(args.b)
    only_a = len(a.keys() - b.keys())
    only_b = len(b.keys() - a.keys())
    diffs = sorted(ts - b[seq] for seq, ts in a.items() if seq in b)
    if not diffs:
        raise CheckFailed("no frame is in both %s and %s" % (args.a, args.b))
    n = len(diffs)
    absd = sorted(abs(d) for d in diffs)
    print("tsdiff: %d frames paired by rcgen seq; A - B in us: min=%s "
          "mean=%s max=%s; |A - B| in us: p50=%s p90=%s p99=%s p99.9=%s "
          "max=%s" % (n, _us(diffs[0]), _us(sum(diffs) / n), _us(diffs[-1]),
                      _us(_pct(absd, 50)), _us(_pct(absd, 90)),
                      _us(_pct(absd, 99)), _us(_pct(absd, 99.9)),
                      _us(absd[-1])))
    # The pair furthest apart, with the gap to the next frame in B: when
    # the next frame's B stamp is as late as this frame's A stamp, nothing
    # was sent between the two stamps of this frame (the sender did not run,
    # e.g. a stalled vCPU), rather than the frame lagging behind others.
    worst = max((abs(ts - b[seq]), seq) for seq, ts in a.items() if seq in b)
    print("tsdiff: worst: %s" % _tsdiff_where(a, b, worst[1]))
    if args.max_ns is not None:
        over = sorted(seq for seq, ts in a.items()
                      if seq in b and abs(ts - b[seq]) > args.max_ns)
        # A later than B, and B's next frame not before A's stamp: no
        # frame in B between this frame's two stamps
        stalled = sum(1 for seq in over
                      if a[seq] > b[seq] and seq + 1 in b
                      and b[seq + 1] >= a[seq])
        # A frame over the bound with nothing sent between its two stamps
        # means the (virtual) CPU between them was not running, not that a
        # stamp is wrong: tolerated up to --allow-stalled per million.
        allowed = (n * args.allow_stalled + 999999) // 1000000
        if over and stalled == len(over) and stalled <= allowed:
            print("tsdiff: all %d over the bound are stalls (nothing sent "
                  "between their stamps), within the %d allowed"
                  % (stalled, allowed))
            over_fail = []
        else:
            over_fail = over
        print("tsdiff: %d of %d frames more than %d ns apart (%d of them "
              "with no frame in B between their two stamps)"
              % (len(over), n, args.max_ns, stalled))
        for seq in over[:10]:
            print("tsdiff: over %d ns: %s"
                  % (args.max_ns, _tsdiff_where(a, b, seq)))
        if over_fail:
            raise CheckFailed(
                "%d frame(s) more than %d ns apart; first: %s; worst: %s"
                % (len(over), args.max_ns, _tsdiff_where(a, b, over[0]),
                   _tsdiff_where(a, b, worst[1])))
    if only_a or only_b:
        raise CheckFailed("%d frame(s) only in %s, %d only in %s"
                          % (only_a, args.a, only_b, args.b))


def fmt_ts(ns):
    return "%d.%09d" % divmod(ns, 1000000000)


# ------------------------------------------------------------------- main

def port_list(text):
    out = []
    for p in text.split(","):
        try:
            v = int(p, 10)
        except ValueError:
            raise argparse.ArgumentTypeError("bad port %r in %r" % (p, text))
        if not 0 <= v <= 65535:
            raise argparse.ArgumentTypeError("port %d out of range" % v)
        out.append(v)
    return out


def nonneg_int(text):
    try:
        v = int(text, 10)
    except ValueError:
        raise argparse.ArgumentTypeError("not an integer: %r" % text)
    if v < 0:
        raise argparse.ArgumentTypeError("must be >= 0: %r" % text)
    return v


def vlan_id(text):
    v = nonneg_int(text)
    if v > 4095:
        raise argparse.ArgumentTypeError("VLAN ID out of range: %r" % text)
    return v


def build_parser():
    p = argparse.ArgumentParser(
        prog=PROG,
        description="Check classic pcap files (usec/nsec, any byte order). "
        "Exit 0: check holds; 1: check failed (reason on stderr); "
        "2: usage error or unreadable/malformed file. "
        "Record indices are 0-based.")
    sub = p.add_subparsers(dest="cmd", metavar="COMMAND")
    sub.required = True

    s = sub.add_parser("count", help="print the total number of frames")
    s.add_argument("files", nargs="+", metavar="FILE")
    s.add_argument("--torn-tail", action="store_true",
                   help="a cut last record of each FILE (a writer killed "
                   "mid-write) is left out and said on stderr instead of an "
                   "error")
    s.set_defaults(func=cmd_count)

    s = sub.add_parser("ng", help="print the blocks of pcapng FILE... as "
                       "JSON: sections with their interfaces, the order of "
                       "block types, packets (per interface, directions, "
                       "drop counts) and statistics blocks")
    s.add_argument("files", nargs="+", metavar="FILE")
    s.set_defaults(func=cmd_ng)

    s = sub.add_parser("info", help="print frames=, snaplen=, linktype=, "
                       "precision=, bytes= (sum of captured lengths)")
    s.add_argument("file", metavar="FILE")
    s.set_defaults(func=cmd_info)

    s = sub.add_parser("merge", help="write the rcgen frames of FILE... to "
                       "OUT sorted by sequence number; every frame must be "
                       "rcgen's, each file in order, no number in two files; "
                       "prints each file's count")
    s.add_argument("out", metavar="OUT")
    s.add_argument("files", nargs="+", metavar="FILE")
    s.set_defaults(func=cmd_merge)

    s = sub.add_parser("same", help="both files hold the same frames "
                       "(lengths and data, in order; timestamps ignored)")
    s.add_argument("a", metavar="A")
    s.add_argument("b", metavar="B")
    s.add_argument("--ignore-nonrcgen", action="store_true",
                   help="drop frames that are not rcgen frames first")
    s.set_defaults(func=cmd_same)

    s = sub.add_parser("seq", help="check rcgen sequence numbers across "
                       "files in the given order")
    s.add_argument("files", nargs="+", metavar="FILE")
    s.add_argument("--expect", type=nonneg_int, metavar="N",
                   help="exactly N frames carrying seq START..START+N-1")
    s.add_argument("--start", type=nonneg_int, metavar="S",
                   help="first sequence number (default 0 with --expect; "
                   "without --expect the first frame must have seq S)")
    s.add_argument("--ports", type=port_list, metavar="P,...",
                   help="every frame's UDP destination port is in the list")
    s.add_argument("--vlan", type=vlan_id, metavar="ID",
                   help="every frame carries an (outer) 802.1Q tag with VID ID")
    s.add_argument("--torn-tail", action="store_true",
                   help="the last FILE may end in one cut record (a writer "
                   "killed mid-write): it is left out and said on stderr; "
                   "every other file must be whole")
    s.add_argument("--torn-tails", action="store_true",
                   help="every FILE may end in one cut record (writers killed "
                   "and restarted into the next file)")
    s.add_argument("--below", type=nonneg_int, metavar="SEQ",
                   help="also print below=K: the frames with a sequence "
                   "number under SEQ")
    s.add_argument("--ignore-nonrcgen", action="store_true",
                   help="leave out frames that are not rcgen frames (a "
                   "bridge's own, say) instead of failing on them")
    s.set_defaults(func=cmd_seq)

    s = sub.add_parser("monotonic", help="timestamps never go backwards "
                       "within or across the files")
    s.add_argument("files", nargs="+", metavar="FILE")
    s.set_defaults(func=cmd_monotonic)

    s = sub.add_parser("tsdiff", help="pair the frames of A and B by rcgen "
                       "sequence number and print how far apart their "
                       "timestamps are (A - B: min, mean, max; |A - B|: "
                       "percentiles); every frame must be in both files")
    s.add_argument("a", metavar="A")
    s.add_argument("b", metavar="B")
    s.add_argument("--max-ns", type=nonneg_int, metavar="NS",
                   help="fail if any pair is more than NS nanoseconds apart")
    s.add_argument("--allow-stalled", type=nonneg_int, default=0,
                   metavar="PER_MILLION",
                   help="with --max-ns: tolerate up to PER_MILLION pairs per "
                   "million over the bound when every one of them is a stall "
                   "(A after B, and B's next frame not before A: nothing was "
                   "sent between the two stamps, the CPU was not running)")
    s.set_defaults(func=cmd_tsdiff)
    return p


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        args.func(args)
    except Malformed as e:
        print("%s: %s" % (PROG, e), file=sys.stderr)
        return 2
    except CheckFailed as e:
        print("%s %s: FAILED: %s" % (PROG, args.cmd, e), file=sys.stderr)
        return 1
    except BrokenPipeError:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
