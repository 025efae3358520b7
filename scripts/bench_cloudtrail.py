#!/usr/bin/env python3
"""Benchmark permgap's CloudTrail reader against zcat and trailscraper.

    python3 scripts/bench_cloudtrail.py [--sizes 1,10] [--data DIR] [--no-trailscraper]

For each size (GB of uncompressed logs) it generates, unless DIR already
holds it, a realistic CloudTrail tree with scripts/gen_bench_aws.py (AWSLogs
layout, gzipped files of 1,000-2,000 records, IAM users, assumed-role
sessions, AWS services, data events and access-denied errors; ~1.19 KB an
event), warms the page cache, then measures in the same run:
  - zcat over every file (one core: the floor of decompression alone);
  - `permgap import aws` with --threads 1 and --threads 2 (the reader, plus
    the authorization details and writing the snapshot);
  - on the 1 GB input, trailscraper (PyPI, pinned in
    scripts/bench-requirements.txt, installed into .venv-bench):
    `trailscraper select --log-dir` over the same files (reading them), and
    `select | generate` (records to IAM actions: the work permgap does).
It prints wall time, events per second, MB/s of uncompressed logs and peak
RSS (getrusage of the child), and each figure as a ratio to zcat. Nothing is
asserted: the figures go in the README.
"""
import argparse
import os
import struct
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BYTES_PER_EVENT = 1190  # what gen_bench_aws.py writes, measured


def run(cmd, **kw):
    """Runs cmd; returns (wall seconds, peak RSS MB of the process tree's
    largest child, exit code)."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **kw)
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    code = os.waitstatus_to_exitcode(status)
    err = p.stderr.read().decode(errors="replace")
    if code not in (0, 3):
        sys.exit(f"{cmd} failed ({code}):\n{err[-2000:]}")
    return wall, usage.ru_maxrss / 1024, code


def log_files(tree):
    out = []
    for d, _, fs in os.walk(tree):
        out.extend(os.path.join(d, f) for f in fs if f.endswith(".json.gz"))
    return sorted(out)


def uncompressed(files):
    """Sum of the gzip trailers' ISIZE (each file is far below 4 GB)."""
    total = 0
    for f in files:
        with open(f, "rb") as h:
            h.seek(-4, os.SEEK_END)
            total += struct.unpack("<I", h.read(4))[0]
    return total


def warm(files):
    for f in files:
        with open(f, "rb") as h:
            while h.read(1 << 20):
                pass


def trailscraper():
    venv = os.path.join(ROOT, ".venv-bench")
    req = os.path.join(ROOT, "scripts", "bench-requirements.txt")
    stamp = os.path.join(venv, ".installed")
    if not (os.path.exists(stamp) and open(stamp).read() == open(req).read()):
        subprocess.run([sys.executable, "-m", "venv", venv], check=True)
        subprocess.run([os.path.join(venv, "bin", "pip"), "install", "--quiet", "--disable-pip-version-check",
                        "-r", req], check=True)
        with open(stamp, "w") as f:
            f.write(open(req).read())
    return os.path.join(venv, "bin", "trailscraper")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1,10", help="GB of uncompressed logs, comma-separated")
    ap.add_argument("--data", default=os.path.join(ROOT, "bench-data"))
    ap.add_argument("--no-trailscraper", action="store_true")
    args = ap.parse_args()
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    exe = os.path.join(ROOT, "target", "release", "permgap")
    print(f"{os.cpu_count()} cores; {os.uname().machine}")
    for size in [float(x) for x in args.sizes.split(",")]:
        events = int(size * 1e9 / BYTES_PER_EVENT)
        data = os.path.join(args.data, f"ct-{size:g}g")
        if not os.path.exists(os.path.join(data, "credential-report.csv")):
            t0 = time.perf_counter()
            subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "gen_bench_aws.py"), "--identities", "5000",
                            "--events", str(events), "--out", data], check=True)
            print(f"generated {size:g} GB in {time.perf_counter() - t0:.0f} s", flush=True)
        tree = os.path.join(data, "cloudtrail")
        files = log_files(tree)
        raw = uncompressed(files)
        gz = sum(os.path.getsize(f) for f in files)
        warm(files)
        print(f"\n{size:g} GB input: {len(files)} files, {events:,} events, {raw / 1e9:.2f} GB uncompressed, "
              f"{gz / 1e6:.0f} MB gzipped", flush=True)
        rows = []
        w, rss, _ = run(["sh", "-c", 'find "$1" -name "*.json.gz" -print0 | xargs -0 zcat', "_", tree])
        rows.append(("zcat (1 core)", w, rss))
        zcat = w
        snap = os.path.join(data, "bench-snapshot.json")
        base = [exe, "--quiet"]
        imp = ["import", "aws", "--authorization-details", os.path.join(data, "authorization-details.json"),
               "--cloudtrail", tree, "--output", snap]
        w, rss, _ = run(base + ["import", "aws", "--authorization-details",
                                os.path.join(data, "authorization-details.json"), "--output", snap])
        rows.append(("permgap import, no CloudTrail (fixed cost)", w, rss))
        for threads in (1, 2):
            w, rss, _ = run(base + ["--threads", str(threads)] + imp)
            rows.append((f"permgap import, --threads {threads}", w, rss))
        if size <= 1 and not args.no_trailscraper:
            ts = trailscraper()
            span = ["--from", "2026-07-01", "--to", "2026-11-02"]
            w, rss, _ = run([ts, "select", "--log-dir", tree] + span)
            rows.append(("trailscraper 0.10.0 select", w, rss))
            # The same work as permgap's: records to IAM actions.
            w, rss, _ = run(["sh", "-c", '"$1" select --log-dir "$2" --from "$3" --to "$4" | "$1" generate',
                             "_", ts, tree, span[1], span[3]])
            rows.append(("trailscraper select | generate", w, rss))
        print(f"{'':44} {'wall s':>8} {'events/s':>11} {'MB/s':>8} {'peak MB':>8} {'vs zcat':>8}")
        for name, w, rss in rows:
            print(f"{name:44} {w:8.2f} {events / w:11,.0f} {raw / w / 1e6:8.0f} {rss:8.0f} {zcat / w:7.2f}x",
                  flush=True)


if __name__ == "__main__":
    main()
