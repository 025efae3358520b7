#!/usr/bin/env python3
"""Benchmark `permgap import` + `permgap audit` on a generated AWS account,
then `permgap baseline` and `permgap check` (the gate) in every format.

    python3 scripts/bench_audit.py [--identities 5000] [--events 1000000] [--data DIR]

Generates the data with scripts/gen_bench_aws.py (unless DIR already holds
it), builds the release binary, then runs each stage once and prints wall
time and peak RSS (from getrusage of the child). Nothing here is asserted:
the figures go in the README.
"""
import argparse
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(cmd, ok=(0, 3)):
    """Runs cmd; returns (wall seconds, peak RSS in MB of that process, exit code)."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    code = os.waitstatus_to_exitcode(status)
    err = p.stderr.read().decode(errors="replace")
    if code not in ok:
        sys.exit(f"{' '.join(cmd)} failed ({code}):\n{err}")
    return wall, usage.ru_maxrss / 1024, code


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--identities", type=int, default=5000)
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--data", default=os.path.join(ROOT, "bench-data"))
    args = ap.parse_args()
    data = os.path.join(args.data, f"aws-{args.identities}-{args.events}")
    if not os.path.exists(os.path.join(data, "authorization-details.json")):
        subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "gen_bench_aws.py"),
                        "--identities", str(args.identities), "--events", str(args.events),
                        "--out", data], check=True)
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    exe = os.path.join(ROOT, "target", "release", "permgap")
    snap = os.path.join(data, "snapshot.json")
    size = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(os.path.join(data, "cloudtrail")) for f in fs)
    print(f"data: {args.identities} identities, {args.events} events, {size / 1e6:.1f} MB of gzipped CloudTrail; {os.cpu_count()} cores")
    w, rss, rc = run([exe, "--quiet", "import", "aws",
                      "--authorization-details", os.path.join(data, "authorization-details.json"),
                      "--credential-report", os.path.join(data, "credential-report.csv"),
                      "--cloudtrail", os.path.join(data, "cloudtrail"), "--output", snap])
    print(f"import: {w:.2f} s wall, peak RSS {rss:.0f} MB, exit {rc}, {args.events / w / 1e3:.0f}k events/s")
    w, rss2, rc = run([exe, "--quiet", "audit", snap, "--as-of", "2026-11-01T00:00:00Z", "--format", "json",
                       "--output", os.devnull])
    print(f"audit:  {w:.2f} s wall, peak RSS {rss2:.0f} MB, exit {rc}")
    as_of = ["--as-of", "2026-11-01T00:00:00Z"]
    base = os.path.join(data, "baseline.json")
    w, rss, rc = run([exe, "--quiet", "baseline", snap, *as_of, "-o", base])
    print(f"baseline: {w:.2f} s wall, peak RSS {rss:.0f} MB, {os.path.getsize(base) / 1e6:.1f} MB")
    cfg = os.path.join(data, "permgap.toml")
    with open(cfg, "w") as f:
        f.write("[thresholds]\nno_new_super_identity = true\nmax_identity_pci = 90\n"
                "[thresholds.max_findings]\nhigh = 0\n")
    for fmt in ["table", "json", "csv", "sarif", "markdown", "html"]:
        out = os.path.join(data, f"check.{fmt}")
        w, rss, rc = run([exe, "--quiet", "check", snap, *as_of, "--config", cfg, "--baseline", base,
                          "--format", fmt, "--output", out], ok=(0, 1, 3))
        print(f"check --format {fmt:8} {w:.2f} s wall, peak RSS {rss:.0f} MB, exit {rc}, "
              f"{os.path.getsize(out) / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
