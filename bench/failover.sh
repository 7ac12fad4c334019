#!/usr/bin/env bash
# Failover latency: how long a streamed request takes to its first byte when its primary target fails and the
# router falls back, against the same request going straight to the fallback (through the gateway, and direct).
#
#   bench/failover.sh
#
# It builds nothing. Build the distribution first (from the repository root):
#   export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64   # any JDK >= 21
#   ./mvnw -B -q -ntp install -DskipTests -pl plugin-api,gateway-runtime,plugin-testkit,plugins,plugins/provider-openai,distribution
#
# The upstream is bench/lib/failover_upstream.py (Python, keep-alive): a healthy OpenAI-compatible stream, a 500,
# a 429 with a Retry-After beyond the cap, and a reset before the first chunk. A refused connection is a port
# nothing listens on. Each case is measured with bench/lib/ttfb.py: N sequential streamed requests on one
# keep-alive connection, time to the first `data:` line.
#
# Cases (models in the generated configuration):
#   direct          the upstream's healthy stream, no gateway
#   healthy         gateway -> fallback target only
#   after-500       gateway -> primary answers 500 -> fallback   (retries 0, breakers off: every request fails over)
#   after-429       gateway -> primary answers 429 + Retry-After 30 (beyond maxRetryAfterMs) -> fallback
#   after-reset     gateway -> primary resets before the first chunk -> fallback
#   after-refused   gateway -> primary's port refuses the connection -> fallback
#   breaker-open    gateway -> primary answers 500, breakers on: after 5 failures its circuit is open and skipped
#
# Settings (environment, all optional): N=300 requests per case (+ WARMUP=300, the JIT needs them),
# ROUNDS=2 interleaved rounds, FAILOVER_UPSTREAM_PORT=18131, FAILOVER_GATEWAY_PORT=18133 (+18134 admin,
# +18135 cluster, +18136 the breaker gateway, +18137 its admin, +18138 its cluster), FAILOVER_REFUSED_PORT=18139,
# PORTCULLIS_DIST (default: distribution/target/portcullis-*/).
# Output: one RESULT line per case and round on stdout, and a summary table (medians of the rounds' p50/p99, and
# the p50 as a ratio to the direct call). Loopback only; the script stops what it started, and only that.
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$BENCH_DIR/.." && pwd)"
N="${N:-300}"
WARMUP="${WARMUP:-300}"
ROUNDS="${ROUNDS:-2}"
UPSTREAM_PORT="${FAILOVER_UPSTREAM_PORT:-18131}"
GATEWAY_PORT="${FAILOVER_GATEWAY_PORT:-18133}"
BREAKER_PORT=$((GATEWAY_PORT + 3))
REFUSED_PORT="${FAILOVER_REFUSED_PORT:-18139}"
HOST=127.0.0.1

say() { printf '%s %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { say "error: $*"; exit 2; }

PORTCULLIS_DIST="${PORTCULLIS_DIST:-}"
if [ -z "$PORTCULLIS_DIST" ]; then
  for d in "$REPO"/distribution/target/portcullis-*/; do
    [ -x "$d/bin/portcullis" ] && PORTCULLIS_DIST="${d%/}"
  done
fi
[ -n "$PORTCULLIS_DIST" ] && [ -x "$PORTCULLIS_DIST/bin/portcullis" ] || die "no built distribution (see the header)"
command -v python3 > /dev/null || die "python3 is needed for the upstream and the TTFB client"

RUN="$(mktemp -d "${TMPDIR:-/tmp}/portcullis-failover.XXXXXX")"
PIDS=()
cleanup() {
  for pid in "${PIDS[@]:-}"; do
    [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${PIDS[@]:-}"; do
    [ -n "$pid" ] || continue
    for _ in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -KILL "$pid" 2>/dev/null || true
  done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

wait_port() { # port pid name
  for _ in $(seq 1 120); do
    kill -0 "$2" 2>/dev/null || { tail -n 30 "$RUN/$3.log" >&2 || true; die "$3 exited"; }
    (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null && return 0
    sleep 0.5
  done
  die "$3 did not open port $1 in 60 s"
}

config() { # port breakerFailures
  cat <<YAML
server: { bind: 127.0.0.1, port: $1, accessLog: false }
admin: { bind: 127.0.0.1, port: $(($1 + 1)) }
cluster: { port: $(($1 + 2)), members: [] }
plugins: { dir: plugins }
providers:
  - { id: healthy, type: openai, baseUrl: "http://$HOST:$UPSTREAM_PORT/ok/v1" }
  - { id: fails500, type: openai, baseUrl: "http://$HOST:$UPSTREAM_PORT/fail500/v1" }
  - { id: fails429, type: openai, baseUrl: "http://$HOST:$UPSTREAM_PORT/fail429/v1" }
  - { id: resets, type: openai, baseUrl: "http://$HOST:$UPSTREAM_PORT/reset/v1" }
  - { id: refused, type: openai, baseUrl: "http://$HOST:$REFUSED_PORT/v1" }
models:
  - { name: healthy, targets: [ { provider: healthy, model: gpt-4o-mini } ] }
  - { name: after-500, targets: [ { provider: fails500, model: gpt-4o-mini } ], fallbacks: [ healthy ] }
  - { name: after-429, targets: [ { provider: fails429, model: gpt-4o-mini } ], fallbacks: [ healthy ] }
  - { name: after-reset, targets: [ { provider: resets, model: gpt-4o-mini } ], fallbacks: [ healthy ] }
  - { name: after-refused, targets: [ { provider: refused, model: gpt-4o-mini } ], fallbacks: [ healthy ] }
routing: { retries: 0, breakerFailures: $2, breakerCoolDownMs: 600000 }
routes:
  - { path: /v1/chat/completions, policies: [] }
YAML
}

start_gateway() { # name port breakerFailures
  config "$2" "$3" > "$RUN/$1.yaml"
  PORTCULLIS_CONF="$RUN/$1.yaml" JAVA_OPTS="" "$PORTCULLIS_DIST/bin/portcullis" > "$RUN/$1.log" 2>&1 &
  PIDS+=($!)
  wait_port "$2" "$!" "$1"
}

say "run dir $RUN; distribution $PORTCULLIS_DIST"
python3 "$BENCH_DIR/lib/failover_upstream.py" --port "$UPSTREAM_PORT" > "$RUN/upstream.log" 2>&1 &
PIDS+=($!)
wait_port "$UPSTREAM_PORT" "$!" upstream
start_gateway failover "$GATEWAY_PORT" 0
start_gateway breaker "$BREAKER_PORT" 5

measure() { # case port path model
  python3 "$BENCH_DIR/lib/ttfb.py" --port "$2" --path "$3" --model "$4" -n "$N" --warmup "$WARMUP" \
    | sed "s/^RESULT/RESULT case=$1/" | tee -a "$RUN/results.txt"
}

for round in $(seq 1 "$ROUNDS"); do
  say "round $round of $ROUNDS"
  measure direct "$UPSTREAM_PORT" /ok/v1/chat/completions gpt-4o-mini
  for m in healthy after-500 after-429 after-reset after-refused; do
    measure "$m" "$GATEWAY_PORT" /v1/chat/completions "$m"
  done
  measure breaker-open "$BREAKER_PORT" /v1/chat/completions after-500
done

python3 - "$RUN/results.txt" <<'PY'
import re, statistics, sys
rows = {}
for line in open(sys.argv[1]):
    f = dict(re.findall(r"(\w+)=(\S+)", line))
    rows.setdefault(f["case"], []).append((float(f["ttfb_p50_us"]), float(f["ttfb_p99_us"])))
direct = statistics.median(p50 for p50, _ in rows["direct"])
healthy = statistics.median(p50 for p50, _ in rows["healthy"])
print("\n| case | TTFB p50 (µs) | TTFB p99 (µs) | p50 × direct | p50 − healthy (µs) |")
print("|---|---|---|---|---|")
for case, samples in rows.items():
    p50 = statistics.median(s[0] for s in samples)
    p99 = statistics.median(s[1] for s in samples)
    print(f"| {case} | {p50:.0f} | {p99:.0f} | {p50 / direct:.2f} | {p50 - healthy:+.0f} |")
PY
