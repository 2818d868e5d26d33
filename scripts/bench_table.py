#!/usr/bin/env python3
"""Gathers the figures scripts/bench.sh's runs appended (one JSON object a line: bench,
figure, store, value, unit) into the median of each, with the machine, commit and date:
OUT/results.json and OUT/results.md (one table per bench, a column per store).

Also derives the comparisons the budgets are stated in: the lifecycle's slowdown with 32
clients polling, and moto's wall time over this service's for the same 50 containers.

    python3 scripts/bench_table.py target/bench/figures.jsonl target/bench
"""

import json
import os
import platform
import statistics
import subprocess
import sys
from collections import defaultdict
from datetime import datetime, timezone

STORES = ["sqlite", "postgres", "postgres-durable", "moto"]


def machine():
    model = next(
        (line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")),
        platform.processor(),
    )
    memory_kib = next(int(line.split()[1]) for line in open("/proc/meminfo") if line.startswith("MemTotal"))
    return {"cpus": os.cpu_count(), "cpu": model, "memory_gib": round(memory_kib / 2**20, 1), "kernel": platform.release()}


def commit():
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], capture_output=True, text=True).stdout.strip()
        return head + ("+changes" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def medians(lines):
    runs = defaultdict(list)
    units = {}
    for line in lines:
        f = json.loads(line)
        key = (f["bench"], f["figure"], f["store"])
        runs[key].append(f["value"])
        units[key] = f["unit"]
    return [
        {
            "bench": bench,
            "figure": figure,
            "store": store,
            "median": statistics.median(values),
            "runs": values,
            "unit": units[(bench, figure, store)],
        }
        for (bench, figure, store), values in runs.items()
    ]


def derived(figures):
    """The comparisons the budgets name, from the medians."""
    by = {(f["bench"], f["figure"], f["store"]): f["median"] for f in figures}
    out = []
    for (bench, figure, store), value in by.items():
        if bench == "lifecycle" and figure.endswith("(32 clients polling)"):
            quiet = by.get((bench, figure.removesuffix(" (32 clients polling)"), store))
            if quiet:
                out.append(("lifecycle", "slowdown with 32 clients polling DescribeJobs/ListJobs", store, (1 - value / quiet) * 100, "%"))
    moto = by.get(("docker", "50 short containers through moto's Batch server (all at once), polled every 250 ms", "moto"))
    for store in STORES:
        ours = by.get(("docker", "50 short containers, 8 at a time: service, client-seen (polled every 250 ms)", store))
        if moto and ours:
            out.append(("docker", "50 short containers: this service (8 at a time) / moto (all at once), client-seen", store, ours / moto, "ratio"))
    return [{"bench": b, "figure": f, "store": s, "median": v, "runs": [], "unit": u} for b, f, s, v, u in out]


def number(value, unit):
    if unit == "ratio":
        return f"{value:.2f}"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.1f}"


def markdown(result):
    lines = [
        f"Measured {result['date']} on commit {result['commit']}: {result['machine']['cpus']} CPUs "
        f"({result['machine']['cpu']}), {result['machine']['memory_gib']} GiB, Linux {result['machine']['kernel']}. "
        "Medians of the runs (the runs in results.json).",
        "",
    ]
    figures = result["figures"]
    stores = [s for s in STORES if any(f["store"] == s for f in figures)]
    for bench in dict.fromkeys(f["bench"] for f in figures):
        rows = defaultdict(dict)
        units = {}
        for f in figures:
            if f["bench"] == bench:
                rows[f["figure"]][f["store"]] = f
                units[f["figure"]] = f["unit"]
        columns = [s for s in stores if any(s in row for row in rows.values())]
        lines.append(f"### {bench}")
        lines.append("")
        lines.append("| figure | unit | " + " | ".join(columns) + " |")
        lines.append("|---|---|" + "---:|" * len(columns))
        for figure, row in rows.items():
            cells = []
            for store in columns:
                f = row.get(store)
                cells.append(number(f["median"], f["unit"]) + (f" ({len(f['runs'])})" if len(f["runs"]) > 1 else "") if f else "")
            lines.append(f"| {figure} | {units[figure]} | " + " | ".join(cells) + " |")
        lines.append("")
    lines.append("(n) after a figure: the median of n runs.")
    return "\n".join(lines) + "\n"


def main():
    source, out = sys.argv[1], sys.argv[2]
    with open(source) as f:
        figures = medians(line for line in f if line.strip())
    figures += derived(figures)
    result = {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": commit(),
        "machine": machine(),
        "figures": figures,
    }
    with open(os.path.join(out, "results.json"), "w") as f:
        json.dump(result, f, indent=2)
    with open(os.path.join(out, "results.md"), "w") as f:
        f.write(markdown(result))
    print(markdown(result))


if __name__ == "__main__":
    main()
