#!/usr/bin/env python3
"""Turns one run's raw CSVs (load.csv, ttfb.csv, env.txt, profile/*.txt) into summary.md: medians over the
interleaved rounds, and ratios computed per round (each target against the direct and nginx runs of the same
round and connection count) before taking their median, so that drift of a shared machine cancels as far as it can.

usage: summarise.py RUN_DIR
"""
import csv
import os
import statistics
import sys
from collections import defaultdict

TARGETS = ["direct", "nginx", "jetty-async", "jetty", "portcullis", "portcullis-b"]


def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def f(v, fmt="{:.0f}", none="–"):
    return none if v is None else fmt.format(v)


def num(row, key):
    v = row.get(key, "")
    return float(v) if v not in ("", "nan", None) else None


def main(run_dir):
    out = []
    env_path = os.path.join(run_dir, "env.txt")
    if os.path.exists(env_path):
        out.append("## Run\n\n```\n" + open(env_path).read().strip() + "\n```\n")

    load_path = os.path.join(run_dir, "load.csv")
    rows = list(csv.DictReader(open(load_path))) if os.path.exists(load_path) else []
    by = defaultdict(dict)  # (conns, round) -> target -> row
    for r in rows:
        by[(int(r["conns"]), int(r["round"]))][r["target"]] = r
    conns_list = sorted({c for c, _ in by})
    targets = [t for t in TARGETS if any(t in v for v in by.values())]

    if rows:
        out.append("## Throughput, latency and CPU (non-streaming chat completions, wrk -t2)\n")
        out.append("Medians over the rounds. Ratios are per round, then the median. Added latency is the target's "
                   "percentile minus direct's in the same round. CPU µs/request is the proxy process's own "
                   "utime+stime (all its processes for nginx) over the requests it served. Others' CPU % is the "
                   "share of the whole machine (100 = both cores) used during the run by processes other than "
                   "wrk, the upstream and the proxy: interference from the shared machine.\n")
        out.append("| conns | target | req/s | × direct | × nginx | p50 µs | p99 µs | added p50 µs | added p99 µs "
                   "| proxy CPU µs/req | × nginx CPU | upstream CPU µs/req | others' CPU % | rounds |")
        out.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
        for c in conns_list:
            rounds = sorted(r for cc, r in by if cc == c)
            for t in targets:
                rs = [by[(c, r)][t] for r in rounds if t in by[(c, r)]]
                if not rs:
                    continue

                def per_round(fn):
                    vals = []
                    for r in rounds:
                        g = by[(c, r)]
                        if t in g:
                            try:
                                vals.append(fn(g))
                            except (KeyError, TypeError, ZeroDivisionError):
                                pass
                    return med(vals)

                rps = med([num(x, "rps") for x in rs])
                x_direct = per_round(lambda g: num(g[t], "rps") / num(g["direct"], "rps"))
                x_nginx = per_round(lambda g: num(g[t], "rps") / num(g["nginx"], "rps"))
                p50 = med([num(x, "p50_us") for x in rs])
                p99 = med([num(x, "p99_us") for x in rs])
                add50 = per_round(lambda g: num(g[t], "p50_us") - num(g["direct"], "p50_us"))
                add99 = per_round(lambda g: num(g[t], "p99_us") - num(g["direct"], "p99_us"))
                cpu = med([num(x, "proxy_cpu_us_per_req") for x in rs])
                cpu_x = per_round(lambda g: num(g[t], "proxy_cpu_us_per_req") / num(g["nginx"], "proxy_cpu_us_per_req"))
                up = med([num(x, "upstream_cpu_us_per_req") for x in rs])
                busy = med([num(x, "others_cpu_pct") for x in rs])
                out.append(f"| {c} | {t} | {f(rps)} | {f(x_direct, '{:.2f}')} | {f(x_nginx, '{:.2f}')} | {f(p50)} "
                           f"| {f(p99)} | {f(add50) if t != 'direct' else '–'} | {f(add99) if t != 'direct' else '–'} "
                           f"| {f(cpu, '{:.1f}')} | {f(cpu_x, '{:.2f}') if t.startswith(('portcullis', 'jetty')) else '–'} "
                           f"| {f(up, '{:.1f}')} | {f(busy)} | {len(rs)} |")
        out.append("")
        out.append("### Every run, in the order it ran\n")
        out.append("| # | round | conns | target | started (UTC) | load1 before | Maven procs | req/s | p50 µs | p99 µs "
                   "| errors | proxy CPU µs/req | upstream CPU µs/req | machine busy % | wrk CPU % | others' CPU % |")
        out.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
        for i, r in enumerate(rows, 1):
            errors = sum(int(r[k]) for k in r if k.startswith("errors_") and r[k])
            out.append(f"| {i} | {r['round']} | {r['conns']} | {r['target']} | {r['started_utc']} | {r['load1_before']} "
                       f"| {r['other_builds']} | {f(num(r, 'rps'))} | {r['p50_us']} | {r['p99_us']} | {errors} "
                       f"| {f(num(r, 'proxy_cpu_us_per_req'), '{:.1f}')} "
                       f"| {f(num(r, 'upstream_cpu_us_per_req'), '{:.1f}')} | {f(num(r, 'machine_busy_pct'))} "
                       f"| {f(num(r, 'wrk_cpu_pct'))} | {f(num(r, 'others_cpu_pct'), '{:.1f}')} |")
        out.append("")

    ttfb_path = os.path.join(run_dir, "ttfb.csv")
    trows = list(csv.DictReader(open(ttfb_path))) if os.path.exists(ttfb_path) else []
    if trows:
        out.append("## Streaming time to first byte (sequential, one keep-alive connection, idle machine)\n")
        out.append("Time from writing the request to reading the first SSE `data:` line. Medians over the rounds "
                   "of each round's p50 and p99; added is per round against direct.\n")
        out.append("| target | TTFB p50 µs | TTFB p99 µs | added p50 µs | added p99 µs | to [DONE] p50 µs | requests |")
        out.append("|---|---|---|---|---|---|---|")
        tby = defaultdict(dict)
        for r in trows:
            tby[int(r["round"])][r["target"]] = r
        for t in TARGETS:
            rs = [tby[k][t] for k in sorted(tby) if t in tby[k]]
            if not rs:
                continue
            a50 = med([num(tby[k][t], "ttfb_p50_us") - num(tby[k]["direct"], "ttfb_p50_us")
                       for k in tby if t in tby[k] and "direct" in tby[k]])
            a99 = med([num(tby[k][t], "ttfb_p99_us") - num(tby[k]["direct"], "ttfb_p99_us")
                       for k in tby if t in tby[k] and "direct" in tby[k]])
            n = sum(int(x["n"]) for x in rs)
            out.append(f"| {t} | {f(med([num(x, 'ttfb_p50_us') for x in rs]))} "
                       f"| {f(med([num(x, 'ttfb_p99_us') for x in rs]))} "
                       f"| {f(a50) if t != 'direct' else '–'} | {f(a99) if t != 'direct' else '–'} "
                       f"| {f(med([num(x, 'total_p50_us') for x in rs]))} | {n} |")
        out.append("")

    sc = os.path.join(run_dir, "syscalls.txt")
    if os.path.exists(sc):
        out.append("## System calls per request (strace -c on the proxy's processes, 16 connections, a separate run)\n")
        out.append("```\n" + open(sc).read().strip() + "\n```\n")

    prof = os.path.join(run_dir, "profile")
    for name, title in (("profile-load.txt", "Load during the profile (JFR on, 16 connections)"),
                        ("stacks.txt", "Profile: where the CPU samples are"),
                        ("gc-cpu-time.txt", "Profile: jfr view gc-cpu-time"),
                        ("hot-methods.txt", "Profile: jfr view hot-methods"),
                        ("allocation-by-class.txt", "Profile: jfr view allocation-by-class")):
        p = os.path.join(prof, name)
        if os.path.exists(p):
            text = open(p).read().strip()
            out.append(f"## {title}\n\n```\n{text}\n```\n")

    summary = "# Benchmark summary\n\n" + "\n".join(out) + "\n"
    with open(os.path.join(run_dir, "summary.md"), "w") as fh:
        fh.write(summary)
    print(summary)


if __name__ == "__main__":
    main(sys.argv[1])
