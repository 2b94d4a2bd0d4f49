#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Turn the bench's raw.txt into bench.md and the chart's data (plot.dat).

    report.py RAW_TXT OUT_DIR

raw.txt has one record per line: a kind, then tab-separated key=value
fields (written by bench/run.sh).  Every number in bench.md is computed here
from raw.txt alone, so the report can be made again from a kept raw.txt.
"""
import os
import statistics
import sys

METRICS = ("cpu", "loss", "drain")


def parse(path):
    recs = []
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if not line:
                continue
            kind, *fields = line.split("\t")
            d = {"kind": kind}
            for fld in fields:
                k, _, v = fld.partition("=")
                d[k] = v
            recs.append(d)
    return recs


def num(v, default=None):
    try:
        return float(v)
    except (TypeError, ValueError):
        return default


def derive(r):
    """Per-run numbers from a 'run' record (status ok)."""
    sent, cap = num(r["sent"]), num(r["captured"])
    cpu = num(r["user_s"], 0) + num(r["sys_s"], 0)
    mark = num(r.get("mark_cpu_s"))
    if mark is not None:
        cpu -= mark
    # while the traffic ran: the tool, the sender with the softirq work it
    # runs (the kernel's filter and the copy into the ring), and ksoftirqd
    tcpu = num(r.get("tool_traffic_cpu_ns"))
    allcpu = (tcpu / 1e9 + num(r.get("tg_cpu_s"), 0) + num(r.get("ksoft_s"), 0)
              if tcpu is not None and r.get("ksoft_s") is not None else None)
    win_ns = num(r.get("win_ns"), 0)
    tns = num(r.get("traffic_ns"))
    burst = r.get("burst") == "1"
    dns = num(r.get("drain_ns"), 0)
    if burst:
        # (d): the tool was stopped while the traffic ran; what counts is
        # how fast it wrote out its ring afterwards (bench/drain.py)
        win_ns = dns
        r = dict(r, win_bytes=r.get("drain_bytes", 0), win_rx=0)
    disk = r.get("disk") == "1"
    dur = num(r.get("durable_ns"), 0)
    fbytes = num(r.get("fbytes"), 0)
    flen = num(r.get("flen"), 0)
    return {
        # (e, f): from the first frame until syncfs() returned after the exit
        "durable": fbytes * 1e3 / dur if disk and dur else None,
        "dur_s": dur / 1e9 if disk and dur else None,
        "file_mb": fbytes / 1e6 if disk else None,
        "arrival": num(r["win_rx"]) * (flen + 16) * 1e3 / win_ns if disk and win_ns and flen else None,
        "pps": num(r["win_rx"]) * 1e9 / win_ns if disk and win_ns else None,
        "cache_mb": num(r.get("cached_delta"), 0) / 1e6 if disk else None,
        "fcache_mb": num(r.get("file_cached"), 0) / 1e6 if disk else None,
        "fcache_pct": 100 * num(r.get("file_cached"), 0) / fbytes if disk and fbytes else None,
        "dcpu": 100 * num(r.get("drain_cpu_ns"), 0) / dns if burst and dns else None,
        "dms": dns / 1e6 if burst and dns else None,
        # while the traffic ran: the tool's threads on a CPU, and runnable
        # but waiting for one, in % of the time (100 = one CPU's worth)
        "oncpu": 100 * num(r["tool_traffic_cpu_ns"]) / tns if tns else None,
        "waitcpu": 100 * num(r["tool_wait_ns"]) / tns if tns else None,
        "sent": sent,
        "captured": cap,
        "loss": 100 * (sent - cap) / sent if sent else None,
        "cpu": cpu * 1e9 / cap if cap else None,
        "cpu_off": cpu * 1e9 / sent if sent else None,
        "all_off": allcpu * 1e9 / sent if sent and allcpu is not None else None,
        "drain": (fbytes * 1e3 / dur if dur else None) if disk else
                 (num(r["win_bytes"]) * 1e3 / win_ns if win_ns else None),
        "rate": num(r["win_rx"]) * 1e3 / win_ns if win_ns and not burst else None,
        "drops": num(r.get("tool_drop")),
        "busy": num(r.get("busy_pct")),
        "setup": mark,
    }


def agg(vals):
    vals = [v for v in vals if v is not None]
    if not vals:
        return None
    return statistics.median(vals), min(vals), max(vals)


def fmt(a, nd, spread=True):
    if a is None:
        return "–"
    med, lo, hi = a
    f = f"{{:.{nd}f}}"
    if not spread or f.format(lo) == f.format(hi):
        return f.format(med)
    return f"{f.format(med)} ({f.format(lo)}..{f.format(hi)})"


def disk_table(w, fsn, s, tools, runs_of, lim_mbs, fs_plot, failed, notes):
    """(e, f): a table of what reached the disk, and when."""
    sc = s["scen"]
    w(f"### {fsn}, ({sc}) {s['label']}")
    w("")
    ddd = lim_mbs.get("dd-direct")
    if s.get("paced") == "1":
        pace = [num(r.get("pace_pps")) for t in tools for r in runs_of(fsn, sc, t["id"]) if num(r.get("pace_pps"))]
        if pace:
            w(f"Paced at {pace[0]:.0f} frames/s ({pace[0] * 1530 / 1e6:.0f} MB/s of pcap) by "
              f"`rcgen -i GEN -n {s['frames']} -s {s['flen']} -r PPS`.")
            w("")
    w("| tool | frames sent | frames captured | loss % | tool drops | arrival MB/s | file MB | durable s "
      "| durable MB/s | % of dd oflag=direct | page cache +MB | file in page cache MB (%) | CPU ns / captured frame |")
    w("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for t in tools:
        rs = runs_of(fsn, sc, t["id"])
        ok = [r for r in rs if r["status"] == "ok"]
        bad = [r for r in rs if r["status"] == "fail"]
        d = [derive(r) for r in ok]
        a = {k: agg([x[k] for x in d]) for k in ("sent", "captured", "loss", "drops", "arrival", "file_mb",
                                                  "dur_s", "durable", "cache_mb", "fcache_mb", "fcache_pct",
                                                  "cpu", "drain")}
        pct = agg([x["durable"] * 100 / ddd if x["durable"] and ddd else None for x in d])
        for r in bad:
            failed.setdefault((t["label"], r.get("err", "?")), []).append(f"{fsn} ({sc}) run {r['rep']}")
        for r in ok:
            notes.append(f"{fsn} ({sc}) {t['label']}, run {r['rep']}: other load {r['other_pct']} % of the CPUs "
                         f"while the traffic ran (not repeated for it: in a disk scenario this holds the kernel's "
                         f"writeback and file-system work for the capture itself)")
        for m in METRICS:
            fs_plot[m].append(a[m] if ok else None)
        if not rs:
            continue
        if not ok:
            why = bad[0].get("err", "?").replace("|", "/")
            w(f"| {t['label']} | not measured: {why} |" + " |" * 11)
            continue
        name = t["label"] + (" ‡" if any(r.get("noisy") == "1" for r in ok) else "")
        dag = "†" if any(r.get("count_src") == "tool" for r in ok) else ""
        w(f"| {name} | {fmt(a['sent'], 0)} | {fmt(a['captured'], 0)}{dag} | {fmt(a['loss'], 3)} "
          f"| {fmt(a['drops'], 0)} | {fmt(a['arrival'], 0)} | {fmt(a['file_mb'], 0)} | {fmt(a['dur_s'], 1)} "
          f"| {fmt(a['durable'], 0)} | {fmt(pct, 0)} | {fmt(a['cache_mb'], 0)} "
          f"| {fmt(a['fcache_mb'], 0)} ({fmt(a['fcache_pct'], 0, False)}) | {fmt(a['cpu'], 1)} |")
    w("")


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    recs = parse(sys.argv[1])
    outdir = sys.argv[2]
    meta = next(r for r in recs if r["kind"] == "meta")
    end = next((r for r in recs if r["kind"] == "end"), {})
    tools = [r for r in recs if r["kind"] == "tool"]
    nas = [r for r in recs if r["kind"] == "na"]
    scens = [r for r in recs if r["kind"] == "scen"]
    fss = [r for r in recs if r["kind"] == "fs"]
    runs = [r for r in recs if r["kind"] == "run"]
    wbw = [r for r in recs if r["kind"] == "writebw"]
    dlim = [r for r in recs if r["kind"] == "disklimit"]
    flen_of = {s["scen"]: s["flen"] for s in recs if s["kind"] == "scen"}
    for r in runs:
        r["flen"] = flen_of.get(r["scen"], "0")
    label = {t["id"]: t["label"] for t in tools}

    def runs_of(fs, sc, tid):
        return [r for r in runs if r["fs"] == fs and r["scen"] == sc and r["tool"] == tid]

    el = int(end.get("elapsed_s", 0))
    L = []
    w = L.append
    w("# Capture benchmark: ringcap, tcpdump, dumpcap, netsniff-ng, xdpdump")
    w("")
    w(f"Run {meta['date']}, took {el // 60} min {el % 60} s "
      f"(load average before: {meta.get('loadavg', '?')}, after: {end.get('loadavg', '?')}). "
      f"Kernel {meta['kernel']}, {meta['cpus']} CPUs, {meta['mem_gib']} GiB. "
      f"{meta['ringcap']} (git {meta['git']}, binary sha256 {meta['ringcap_sha256']}…), "
      f"tcpdump {meta['tcpdump']} with libpcap {meta['libpcap']}, dumpcap {meta['dumpcap']}, "
      f"netsniff-ng {meta['netsniff_ng']}, xdpdump {meta['xdpdump']}; sender trafgen {meta['trafgen']}.")
    w("")
    burst_n = f", {meta['frames_burst']} in the burst" if "frames_burst" in meta else ""
    w(f"{meta['reps']} runs per point; each cell is the median and, in brackets, the min..max of "
      f"the runs. Frames per run: {meta['frames']} with 64-byte frames, {meta['frames_1500']} "
      f"with 1514-byte frames{burst_n}. Produced by `make bench` (bench/run.sh, bench/report.py) from "
      f"`raw.txt` in this directory.")
    w("")
    w("## How it is measured")
    w("")
    w("A veth pair: the capture side in the root namespace, its peer in a namespace of its own "
      "where trafgen sends Ethernet/IPv4/UDP frames 198.18.0.1 → 198.18.0.2 at full speed "
      "(UDP source port cycling through 64 values). One tool at a time captures into a pcap file; "
      "within each repetition the tools take turns. Each capture: start the tool, wait until it "
      "says it is listening, 0.2 s, start traffic, wait for trafgen to end, "
      f"{meta['settle_s']} s, SIGINT, wait for the tool to exit, count the file.")
    w("")
    w("- **frames sent**: what arrived on the capture interface (its rx_packets counter, before and after the traffic).")
    w("- **frames captured**: records in the output file (`capinfos -M -c`); † marks the tool's own count where the file could not be counted.")
    w("- **loss %**: (sent − captured) / sent.")
    w("- **tool drops**: what the tool itself reports as lost at exit (ringcap/tcpdump: dropped by kernel, i.e. ring full; "
      "dumpcap: dropped on interface; netsniff-ng: failed filter (out of space); xdpdump: dropped by perf ring).")
    w("- **CPU ns / captured frame**: user + system CPU time of the capture process itself, all threads (measured by "
      "bench/measure.py, which execs the tool, from /proc/PID/task/*/schedstat when traffic starts and wait4() at exit), "
      "counted from the start of the traffic to the exit, divided by frames captured. Start-up work "
      "(ring allocation) is left out. The kernel's copy into the tool's ring runs in the sender's "
      "softirq and is not in this number.")
    w("- **CPU ns / frame sent** (scenarios with a filter): the same CPU time divided by the frames that "
      "arrived, matching or not; **all CPU ns / frame sent** adds trafgen's CPU time (with the softirq work "
      "it runs: the kernel's filter, the XDP program, the copy into the ring) and ksoftirqd's, while the "
      "traffic ran: the receive path's whole cost per offered frame, sending included.")
    w("- **drain MB/s**: bytes the tool wrote into its file while the traffic was arriving, divided by that time "
      "(MB = 10⁶ bytes; bench/sample.py reads the interface counter and the file size every 5 ms; the window runs from "
      "the first to the last frame arriving, ±10 ms). A tool that keeps up drains at the arrival rate × record size.")
    w("- **arrival Mframes/s**: frames arriving on the capture interface in that window / its length. The sender "
      "slows down when the capture costs more in its softirq, so this differs per tool.")
    w("- **on CPU %** and **waiting for a CPU %**: while trafgen ran, the time the tool's threads spent on a CPU, and "
      "runnable but waiting for one (/proc/PID/task/*/schedstat, fields 1 and 2), in % of that time; 100 is one "
      "CPU's worth. Waiting time is what the machine's two CPUs, busy with the senders and their softirq work, "
      "did not give the capture.")
    w("- **burst drain** (scenario d): the tool is stopped (SIGSTOP) once it is listening, the traffic fills its "
      "ring, and after the traffic and the settling time it is let go (SIGCONT). bench/drain.py then reads the "
      "file size every 0.2 ms until it stops growing for 300 ms. **drain MB/s** there is the bytes written from "
      "SIGCONT to the last growth, divided by that time (**drain ms**): how fast the tool writes out a full ring "
      "with a CPU to itself, next to the file system's write() limit (**% of write() limit**). **on CPU % while "
      "draining** is the tool's CPU time in that window (schedstat) in % of it; 100 means the drain was CPU-bound. "
      "A ring smaller than the burst loses the rest; that is counted as loss.")
    if any(s.get("disk") == "1" for s in scens):
        w("- **Disk scenarios (e, f)**, on the disk only: every capture file is kept until its data is durable. "
          "**durable s** runs from the start of the traffic until the capture's data is on the disk: after the "
          "traffic the bench waits until the file has not grown for the settling time (bench/settle.py, which also "
          "watches Dirty + Writeback in /proc/meminfo), stops the tool and runs `sync -f FILE` (syncfs()). If the "
          "machine's unwritten data had fallen back to what it was before the traffic (+32 MiB) while waiting, the "
          "tool's data was durable then, and durable s ends there plus the syncfs() time (which writes what the "
          "tool's exit added); otherwise it ends when syncfs() returns: writeback during the wait counts. "
          "**durable MB/s** is the file's size / durable s. **page cache +MB** is the growth of Cached in "
          "/proc/meminfo from the start of the traffic to that moment (the whole machine, so other processes add "
          "noise); **file in page cache** is what `fincore` finds of the capture file itself then (clean pages "
          "that stay cached until memory is needed elsewhere). **arrival MB/s** is what arrived on the interface "
          "in pcap bytes (1530 per frame) / the time it took. Limits for the same number of bytes, each until "
          "durable: `dd if=/dev/zero bs=1M oflag=direct conv=fsync`, `dd if=/dev/zero bs=1M conv=fsync`, and "
          "ringcap's direct-I/O writer alone (`bench/diobw DIR BYTES 1514`: capture-shaped records from memory "
          "through src/sink/dio.c, then fdatasync()). Before every capture and every limit, `sync`.")
    w("- **write() limit**: bench/writebw.py, 1 MiB write() calls into a new file in the same directory, as many bytes "
      "as the largest capture file of the run, no fsync. Disk: the directory is on the disk, but files are deleted "
      "before writeback would finish, so this is mostly the page cache path of that file system.")
    w("")
    w("## Commands")
    w("")
    w("`CAP` is the capture-side veth, `OUT` the output file.")
    w("")
    w("| tool | command |")
    w("|---|---|")
    for t in tools:
        w(f"| {t['label']} | `{t['cmd']}` |")
    for n in nas:
        w(f"| {n['label']} | {n['why']} |")
    w("")
    w("Sender: `trafgen --dev GEN --conf CFG -n FRAMES -P PROCS` inside the namespace:")
    w("")
    for s in scens:
        w(f"- ({s['scen']}) {s['label']}: `{s['cfg']}`, `-n {s['frames']} -P {s['procs']}`")
    w("")

    plot_blocks = []
    notes = []
    failed = {}
    for fs in fss:
        fsn = fs["fs"]
        w(f"## Output on {fsn}: {fs['desc']}")
        w("")
        bw = [(num(r["bytes"]), num(r["wall_ns"]), num(r["cpu_ns"])) for r in wbw
              if r["fs"] == fsn and "shape" not in r]
        bwa = agg([b * 1e3 / t for b, t, _ in bw])
        shp = [r for r in wbw if r["fs"] == fsn and "shape" in r]
        shpa = agg([num(r["bytes"]) * 1e3 / num(r["wall_ns"]) for r in shp])
        cpu_mib = agg([c / (b / 1048576) for b, _, c in bw])
        if bwa:
            w(f"**write() limit of this file system:** {fmt(bwa, 0)} MB/s in 1 MiB writes "
              f"({bw[0][0] / 1e6:.0f} MB per run; the writer spends "
              f"{fmt(tuple(x / 1e3 for x in cpu_mib), 0)} µs of CPU per MiB).")
            w("")
        if shpa:
            flen = int(shp[0]["shape"])
            w(f"**Capture-shaped writev() limit:** {fmt(shpa, 0)} MB/s: 16-byte headers and {flen}-byte frames "
              f"straight from 64 MiB of 4 KiB pages, two iovecs per record, 512 records per call "
              f"(`bench/writebw.py DIR BYTES {flen}`, time inside writev() only): what a capture that does no "
              f"work of its own and copies nothing could reach.")
            w("")
        fs_plot = {m: [] for m in METRICS}
        lims = [r for r in dlim if r["fs"] == fsn]
        lim_mbs = {}
        if lims:
            w("**The disk's limits** for the bytes of one full capture, until durable:")
            w("")
            w("| writer | MB | until durable s | MB/s | left in the page cache MB |")
            w("|---|---:|---:|---:|---:|")
            names = {"dd-direct": "`dd oflag=direct conv=fsync`", "dd-buffered": "`dd conv=fsync` (page cache)",
                     "diobw": "ringcap's direct-I/O writer alone (`bench/diobw`)"}
            for what in ("dd-direct", "dd-buffered", "diobw"):
                rs = [r for r in lims if r["what"] == what]
                if not rs:
                    continue
                mbs = agg([num(r["bytes"]) * 1e3 / num(r["wall_ns"]) for r in rs])
                lim_mbs[what] = mbs[0]
                w(f"| {names[what]} | {num(rs[0]['bytes']) / 1e6:.0f} | "
                  f"{fmt(agg([num(r['wall_ns']) / 1e9 for r in rs]), 1)} | {fmt(mbs, 0)} | "
                  f"{fmt(agg([num(r['file_cached']) / 1e6 for r in rs]), 0)} |")
            w("")
        for s in scens:
            sc = s["scen"]
            rec = int(s["flen"]) + 16
            if s.get("disk") == "1":
                if fsn != "disk" or not any(r["fs"] == fsn and r["scen"] == sc for r in runs):
                    for m in METRICS:
                        fs_plot[m].extend([None] * len(tools))
                    continue
                disk_table(w, fsn, s, tools, runs_of, lim_mbs, fs_plot, failed, notes)
                continue
            w(f"### {fsn}, ({sc}) {s['label']}")
            w("")
            if bwa:
                w(f"The write() limit is {bwa[0] / rec:.2f} M records/s of {rec} bytes "
                  f"({s['flen']}-byte frame + 16-byte pcap header); a writer pays "
                  f"{cpu_mib[0] * rec / 1048576:.1f} ns of CPU per record for write() alone.")
                w("")
            burst = s.get("burst") == "1"
            filt = bool(s.get("filter"))
            if filt:
                w(f"Capture filter `{s['filter']}`.")
                w("")
                w("| tool | frames sent | frames captured | tool drops | CPU ns / captured frame "
                  "| CPU ns / frame sent | all CPU ns / frame sent | arrival Mframes/s | on CPU % "
                  "| waiting for a CPU % |")
            elif burst:
                w("| tool | frames sent | frames captured | loss % | tool drops | CPU ns / captured frame "
                  "| drain MB/s | % of write() limit | % of capture-shaped limit | drain ms "
                  "| on CPU % while draining |")
            else:
                w("| tool | frames sent | frames captured | loss % | tool drops | CPU ns / captured frame "
                  "| drain MB/s | arrival Mframes/s | on CPU % | waiting for a CPU % |")
            if not filt:
                w("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|" + ("---:|" if burst else ""))
            else:
                w("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
            for t in tools:
                tid = t["id"]
                rs = runs_of(fsn, sc, tid)
                ok = [r for r in rs if r["status"] == "ok"]
                bad = [r for r in rs if r["status"] == "fail"]
                d = [derive(r) for r in ok]
                a = {k: agg([x[k] for x in d]) for k in
                     ("sent", "captured", "loss", "cpu", "drain", "rate", "drops", "busy",
                      "oncpu", "waitcpu", "dcpu", "dms", "cpu_off", "all_off")}
                if filt:
                    a["loss"] = None  # most frames fail the filter: no loss to tell
                a["pct"] = agg([x["drain"] * 100 / bwa[0] if x["drain"] else None for x in d]) if bwa else None
                a["spct"] = agg([x["drain"] * 100 / shpa[0] if x["drain"] else None for x in d]) if shpa else None
                name = t["label"]
                if not rs:
                    for m in METRICS:
                        fs_plot[m].append(None)
                    continue
                if not ok:
                    why = bad[0].get("err", "?").replace("|", "/")
                    w(f"| {name} | not measured: {why} | | | | | | | | |" + (" |" if burst else ""))
                else:
                    dag = "†" if any(r.get("count_src") == "tool" for r in ok) else ""
                    if bad:
                        name += f" ({len(ok)} of {len(ok) + len(bad)} runs ok)"
                    if any(r.get("noisy") == "1" for r in ok):
                        name += " ‡"
                    tail = (f"{fmt(a['pct'], 0)} | {fmt(a['spct'], 0)} | {fmt(a['dms'], 1)} | {fmt(a['dcpu'], 0)}" if burst else
                            f"{fmt(a['rate'], 2)} | {fmt(a['oncpu'], 0)} | {fmt(a['waitcpu'], 0)}")
                    if filt:
                        w(f"| {name} | {fmt(a['sent'], 0)} | {fmt(a['captured'], 0)}{dag} "
                          f"| {fmt(a['drops'], 0)} | {fmt(a['cpu'], 1)} | {fmt(a['cpu_off'], 1)} "
                          f"| {fmt(a['all_off'], 1)} | {tail} |")
                    else:
                        w(f"| {name} | {fmt(a['sent'], 0)} | {fmt(a['captured'], 0)}{dag} | {fmt(a['loss'], 3)} "
                          f"| {fmt(a['drops'], 0)} | {fmt(a['cpu'], 1)} | {fmt(a['drain'], 0)} | {tail} |")
                for r in bad:
                    failed.setdefault((t["label"], r.get("err", "?")), []).append(f"{fsn} ({sc}) run {r['rep']}")
                for r in ok:
                    if r.get("fixed", "-") != "-":
                        notes.append(f"{fsn} ({sc}) {t['label']}, run {r['rep']}: put back after the run: {r['fixed']}")
                    if num(r.get("gen_txdrop"), 0) or num(r.get("cap_rxdrop"), 0):
                        notes.append(f"{fsn} ({sc}) {t['label']}, run {r['rep']}: veth drops before the capture "
                                     f"point: sender tx_dropped {r['gen_txdrop']}, capture rx_dropped {r['cap_rxdrop']}")
                    if num(r["sent"]) != num(r["trafgen"]):
                        notes.append(f"{fsn} ({sc}) {t['label']}, run {r['rep']}: trafgen was asked for "
                                     f"{r['trafgen']} frames, {r['sent']} arrived")
                    if r.get("noisy") == "1":
                        notes.append(f"{fsn} ({sc}) {t['label']}, run {r['rep']} ‡: other processes used "
                                     f"{r['other_pct']} % of the CPUs during the traffic in every try; the last try is kept")
                    if r.get("children", "0") not in ("0", "-"):
                        notes.append(f"{fsn} ({sc}) {t['label']}, run {r['rep']}: the tool had "
                                     f"{r['children']} child processes (not in its CPU time)")
                for m in METRICS:
                    fs_plot[m].append(a[m] if ok else None)
            for n in nas:
                w(f"| {n['label']} | {n['why']} | | | | | | | | |" + (" |" if burst else ""))
            w("")
        limits = ([f"its write() limit: {bwa[0]:.0f} MB/s"] if bwa else []) + \
                 ([f"dd oflag=direct: {lim_mbs['dd-direct']:.0f} MB/s"] if "dd-direct" in lim_mbs else [])
        plot_blocks.append((fsn, fs_plot, "; ".join(limits) or "no limit measured"))

    w("## Notes")
    w("")
    setup = {}
    for r in runs:
        if r["status"] == "ok" and num(r.get("mark_cpu_s")) is not None:
            setup.setdefault(r["tool"], []).append(num(r["mark_cpu_s"]))
    w("Start-up CPU (before the traffic, left out above), median per tool: " + ", ".join(
        f"{label[k]} {statistics.median(v) * 1e3:.0f} ms" for k, v in setup.items()) + ".")
    w("")
    other = [num(r.get("other_pct")) for r in runs if r["status"] == "ok" and num(r.get("other_pct")) is not None]
    dist = [r for r in runs if r["status"] == "disturbed"]
    waited = sum(num(r.get("waited_s"), 0) for r in runs)
    if other:
        w(f"Other load: before each capture the bench waits until the machine is quiet (at most "
          f"{meta.get('quiet_pct', '?')} % of all CPUs busy), and a capture during which other processes used more "
          f"than that is repeated. Other processes' share of the CPUs while the traffic ran (the machine's busy "
          f"time less the tool, trafgen with its softirq work, ksoftirqd and the bench's sampler), over the kept "
          f"runs: median {statistics.median(other):.1f} %, max {max(other):.1f} %. "
          f"{len(dist)} captures were repeated for other load; {waited:.0f} s were spent waiting for quiet.")
        w("")
    exes = sorted({r.get("exe", "-") for r in runs if r["status"] == "ok"})
    w("Processes measured (/proc/PID/exe at the start of the traffic): " + ", ".join(f"`{e}`" for e in exes) + ".")
    w("")
    if any("Flushing TX_RING failed" in r.get("err", "") for r in runs):
        w("trafgen aborts with \"Flushing TX_RING failed: Resource temporarily unavailable\" when the capture "
          "side of the veth runs a native XDP program: the veth then queues frames in a 256-entry ring for NAPI "
          "instead of handing them on at once, the sender socket's send buffer (net.core.wmem_default, which "
          "trafgen cannot raise inside a network namespace) fills up, sendto() returns EAGAIN and trafgen gives up. "
          "No numbers are shown for those runs.")
        w("")
    for (lab, err), where in failed.items():
        w(f"- {lab}, {len(where)} runs failed ({', '.join(where)}): {err}")
    for n in notes:
        w(f"- {n}")
    if notes or failed:
        w("")
    w("![CPU ns per captured frame, loss % and drain MB/s per tool and scenario](bench.png)")
    w("")
    with open(os.path.join(outdir, "bench.md"), "w") as f:
        f.write("\n".join(L))

    # chart data: per file system and metric one block (gnuplot index
    # fs * 3 + metric); a row per scenario, three columns per tool
    with open(os.path.join(outdir, "plot.dat"), "w") as f:
        f.write("# " + " ".join(b[0] for b in plot_blocks) + "; metrics: " + " ".join(METRICS) + "\n")
        for _fs, fp, _bw in plot_blocks:
            for m in METRICS:
                f.write('"scenario" ' + " ".join(f'"{t["label"]}" lo hi' for t in tools) + "\n")
                for i, s in enumerate(scens):
                    vals = []
                    for j in range(len(tools)):
                        a = fp[m][i * len(tools) + j] if fp[m] else None
                        vals += ["NaN"] * 3 if a is None else [f"{x:.4g}" for x in a]
                    short = {"a": "(a) 64 B, 1 sender", "b": "(b) 64 B, 2 senders",
                             "c": "(c) 1514 B, 2 senders",
                             "d": "(d) 1514 B burst drain",
                             "e": "(e) 1514 B to disk, durable",
                             "f": "(f) 1514 B paced, durable",
                             "g": "(g) 64 B, filter 10 %"}.get(s["scen"], s["scen"])
                    f.write(f'"{short}" ' + " ".join(vals) + "\n")
                # a row outside plot.gp's x range, so that a tool without any
                # number in this block (all runs failed) is no error for gnuplot
                f.write('"" ' + " ".join(["1"] * 3 * len(tools)) + "\n")
                f.write("\n\n")
    # what bench/plot.gp needs to know about plot.dat
    with open(os.path.join(outdir, "plot.vars"), "w") as f:
        f.write(f"ntools = {len(tools)}\n")
        f.write(f"nscen = {len(scens)}\n")
        f.write(f"fsnames = '{' '.join(b[0] for b in plot_blocks)}'\n")
        f.write(f"array bwlabel[{len(plot_blocks)}] = [" + ", ".join(f'"{b[2]}"' for b in plot_blocks) + "]\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
