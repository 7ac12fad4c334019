#!/usr/bin/env python3
"""Streaming time-to-first-byte: N sequential streamed chat completions over one keep-alive connection.

For each request it takes the time from just before the request is written to the moment the first SSE `data:`
line has been read (ttfb), and to the moment `data: [DONE]` has been read (total). It checks that every stream
ends with [DONE]. Prints one RESULT line (microseconds) and, with --raw, writes every sample to a file.

Loopback only: the host must be 127.0.0.1. Every loop is bounded (N requests, a socket timeout per read).
"""
import argparse
import http.client
import json
import statistics
import sys
import time


def percentile(sorted_values, p):
    if not sorted_values:
        return float("nan")
    k = max(0, min(len(sorted_values) - 1, round(p / 100.0 * (len(sorted_values) - 1))))
    return sorted_values[k]


def one(conn, path, body, max_lines):
    headers = {"Content-Type": "application/json", "Accept": "text/event-stream"}
    t0 = time.perf_counter_ns()
    conn.request("POST", path, body=body, headers=headers)
    resp = conn.getresponse()
    if resp.status != 200:
        raise RuntimeError(f"status {resp.status}: {resp.read()[:300]!r}")
    first = None
    done = False
    chunks = 0
    for _ in range(max_lines):
        line = resp.readline()
        if not line:
            break
        if line.startswith(b"data:"):
            if first is None:
                first = time.perf_counter_ns()
            if line.strip() == b"data: [DONE]":
                done = True
                break
            chunks += 1
    end = time.perf_counter_ns()
    resp.read()  # drain whatever is left (the chunked terminator), so the connection can be reused
    if first is None or not done:
        raise RuntimeError("stream did not contain data lines ending in data: [DONE]")
    return (first - t0) / 1000.0, (end - t0) / 1000.0, chunks


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--path", default="/v1/chat/completions")
    ap.add_argument("--model", default="bench-sse")
    ap.add_argument("-n", type=int, default=200)
    ap.add_argument("--warmup", type=int, default=20)
    ap.add_argument("--timeout", type=float, default=10.0)
    ap.add_argument("--raw", default=None)
    a = ap.parse_args()
    body = json.dumps({"model": a.model, "stream": True,
                       "messages": [{"role": "system", "content": "You are a helpful assistant."},
                                    {"role": "user", "content": "Say hello."}]})
    conn = http.client.HTTPConnection("127.0.0.1", a.port, timeout=a.timeout)
    ttfb, total = [], []
    chunks = 0
    for i in range(a.warmup + a.n):
        f, t, chunks = one(conn, a.path, body, 1000)
        if i >= a.warmup:
            ttfb.append(f)
            total.append(t)
    conn.close()
    if a.raw:
        with open(a.raw, "w") as out:
            out.write("ttfb_us,total_us\n")
            for f, t in zip(ttfb, total):
                out.write(f"{f:.1f},{t:.1f}\n")
    s, st = sorted(ttfb), sorted(total)
    print(f"RESULT n={len(s)} chunks={chunks} ttfb_p50_us={statistics.median(s):.1f} "
          f"ttfb_p90_us={percentile(s, 90):.1f} ttfb_p99_us={percentile(s, 99):.1f} "
          f"ttfb_min_us={s[0]:.1f} total_p50_us={statistics.median(st):.1f} total_p99_us={percentile(st, 99):.1f}")


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # one clear line for run.sh's log
        print(f"ERROR {type(e).__name__}: {e}", file=sys.stderr)
        sys.exit(1)
