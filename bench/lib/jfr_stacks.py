#!/usr/bin/env python3
"""Summarises JFR CPU samples from `jfr print --json --stack-depth 96`: jdk.CPUTimeSample (JDK 25+, sampled by
each thread's CPU time, kernel time of system calls included) or jdk.ExecutionSample (wall-clock sampling of
threads running Java code). Prints: samples by thread kind; each sample given to one step of a request (the
first step of STEPS whose marker is anywhere in its stack); inclusive time by subsystem (overlapping); self time
by package and by method; inclusive time of Portcullis methods.

usage: jfr print --json --stack-depth 96 --events jdk.CPUTimeSample rec.jfr | jfr_stacks.py [top]
"""
import json
import re
import sys
from collections import Counter

# Inclusive buckets: a sample counts for a bucket when any frame of its stack matches (buckets overlap).
BUCKETS = [
    ("whole data-plane request (DataPlaneHandler.handle)", r"^io\.portcullis\.runtime\.http\.DataPlaneHandler\.handle$"),
    ("Portcullis code anywhere (io.portcullis.*)", r"^io\.portcullis\."),
    ("  OpenAI codec (runtime.wire)", r"^io\.portcullis\.runtime\.wire\."),
    ("  pipeline / routing (runtime.pipeline, runtime.routing)", r"^io\.portcullis\.runtime\.(pipeline|routing)\."),
    ("  provider-openai plugin", r"^io\.portcullis\.(plugins?|provider)\..*(?i:openai)"),
    ("  HttpTransport (runtime.services.JettyHttpTransport)", r"^io\.portcullis\.runtime\.services\.JettyHttpTransport"),
    ("  metrics (runtime MicrometerMetrics + io.micrometer)", r"^(io\.micrometer\.|io\.portcullis\.runtime\.services\.MicrometerMetrics)"),
    ("Jackson (com.fasterxml.jackson)", r"^com\.fasterxml\.jackson\."),
    ("Jetty client (org.eclipse.jetty.client)", r"^org\.eclipse\.jetty\.client\."),
    ("Jetty server (org.eclipse.jetty.server)", r"^org\.eclipse\.jetty\.server\."),
    ("Jetty HTTP parser/generator (org.eclipse.jetty.http)", r"^org\.eclipse\.jetty\.http\."),
    ("Jetty I/O (org.eclipse.jetty.io)", r"^org\.eclipse\.jetty\.io\."),
    ("NIO socket read/write/select (sun.nio.ch)", r"^sun\.nio\.ch\."),
    ("virtual-thread scheduling (VirtualThread, ForkJoinPool, Continuation)", r"^(java\.lang\.VirtualThread|java\.util\.concurrent\.ForkJoin|jdk\.internal\.vm\.Continuation)"),
    ("locks / park (j.u.c.locks, LockSupport)", r"^(java\.util\.concurrent\.locks\.|jdk\.internal\.misc\.Unsafe\.park)"),
    ("logging (slf4j, logback)", r"^(org\.slf4j\.|ch\.qos\.logback\.)"),
    ("PF4J / HK2", r"^(org\.pf4j\.|org\.glassfish\.hk2\.|org\.jvnet\.hk2\.)"),
    ("Jersey (control plane)", r"^org\.glassfish\.jersey\."),
]


# Exclusive steps, most specific first: a sample goes to the first step whose pattern matches a frame of its stack.
STEPS = [
    ("upstream: whole answer, on the request's thread (JettyHttpTransport.exchange: send, wait, take the body)",
     r"JettyHttpTransport\.exchange$"),
    ("upstream: wait for the response headers (JettyHttpTransport.awaitHeaders)", r"JettyHttpTransport\.awaitHeaders$"),
    ("upstream: read a streamed body (JettyHttpTransport.BodyStream)", r"JettyHttpTransport\$BodyStream\.read$"),
    ("upstream: build and send the request (Jetty client, on the request's thread)", r"JettyHttpTransport\.send$"),
    ("provider: parse the upstream JSON (Jackson)", r"openai\.OpenAiProvider\.read$"),
    ("provider: write the upstream JSON (Jackson)", r"openai\.OpenAiProvider\.post$"),
    ("provider: SSE stream", r"openai\.Sse"),
    ("provider: other", r"openai\.OpenAiProvider\."),
    ("pipeline and model router", r"^io\.portcullis\.runtime\.(pipeline|routing)\."),
    ("codec: decode the client's JSON", r"OpenAiCodec\.decode"),
    ("codec: encode the reply's JSON", r"OpenAiCodec\.encode"),
    ("handler: read the client's body", r"DataPlaneHandler\.readBody$"),
    ("handler: write the response (Jetty server)", r"DataPlaneHandler\.(writeJson|write|stream)$"),
    ("handler: the rest (ids, headers, metrics, access log)", r"DataPlaneHandler\."),
    ("Jetty client I/O threads (upstream selector, response parsing, notifying the reader)", r"^org\.eclipse\.jetty\.client\."),
    ("Jetty server: parse requests, complete responses (outside the handler)", r"^org\.eclipse\.jetty\.server\."),
    ("selectors (epoll_wait, wake-ups, interest updates)", r"^org\.eclipse\.jetty\.io\.ManagedSelector"),
    ("virtual-thread scheduling", r"^(java\.lang\.VirtualThread|java\.util\.concurrent\.ForkJoin|jdk\.internal\.vm\.Continuation)"),
]


def frame_name(fr):
    m = fr.get("method") or {}
    t = (m.get("type") or {}).get("name", "?").replace("/", ".")
    return f"{t}.{m.get('name', '?')}"


def package(name, depth=4):
    cls = name.rsplit(".", 1)[0]
    parts = cls.split(".")[:-1] or [cls]
    return ".".join(parts[:depth])


def main():
    top = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    data = json.load(sys.stdin)
    events = data.get("recording", {}).get("events", [])
    samples = []
    threads = Counter()
    kinds = Counter(e.get("type", "?") for e in events)
    for e in events:
        values = e.get("values") or {}
        st = values.get("stackTrace") or {}
        frames = [frame_name(fr) for fr in st.get("frames", [])]
        if frames:
            samples.append(frames)
            t = values.get("eventThread") or values.get("sampledThread") or {}
            name = re.sub(r"\d+$", "N", t.get("javaName") or t.get("osName") or "?")
            threads[name + (" (virtual)" if t.get("virtual") else "")] += 1
    n = len(samples)
    if n == 0:
        print("no CPU samples in the input")
        return
    pct = lambda k: 100.0 * k / n

    self_m = Counter(s[0] for s in samples)
    self_p = Counter(package(s[0]) for s in samples)
    incl_pc = Counter()
    for s in samples:
        for name in set(s):
            if name.startswith("io.portcullis."):
                incl_pc[name] += 1
    compiled = [(label, re.compile(rx)) for label, rx in BUCKETS]
    incl_b = Counter()
    for s in samples:
        for label, rx in compiled:
            if any(rx.search(fn) for fn in s):
                incl_b[label] += 1

    print(f"{n} CPU samples ({', '.join(sorted(kinds))})\n")
    print("By thread:")
    for name, k in threads.most_common(8):
        print(f"  {pct(k):5.1f}%  {name}")
    step_rx = [(label, re.compile(rx)) for label, rx in STEPS]
    steps = Counter()
    for s_ in samples:
        for label, rx in step_rx:
            if any(rx.search(fn) for fn in s_):
                steps[label] += 1
                break
        else:
            steps["other"] += 1
    print("\nExclusive, by step of a request (each sample counted once, in the first step of the list it touches):")
    for label in [l for l, _ in STEPS] + ["other"]:
        print(f"  {pct(steps[label]):5.1f}%  {label}")
    print()
    print("Inclusive, by subsystem (a sample counts for every bucket its stack touches):")
    for label, _ in BUCKETS:
        print(f"  {pct(incl_b[label]):5.1f}%  {label}")
    print(f"\nSelf (top frame), by package (top {top // 2}):")
    for p, k in self_p.most_common(top // 2):
        print(f"  {pct(k):5.1f}%  {p}")
    print(f"\nSelf (top frame), by method (top {top}):")
    for m, k in self_m.most_common(top):
        print(f"  {pct(k):5.1f}%  {m}")
    print(f"\nInclusive, Portcullis methods (top {top // 2}):")
    for m, k in incl_pc.most_common(top // 2):
        print(f"  {pct(k):5.1f}%  {m}")


if __name__ == "__main__":
    main()
