#!/usr/bin/env bash
# What the Anthropic ingress costs: POST /v1/messages against POST /v1/chat/completions on the same gateway, the same
# provider-mock model, the same prompt, interleaved, whole answers and streams.
#
#   bench/ingress.sh
#
# It builds nothing. Build the distribution first (from the repository root):
#   export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64   # any JDK >= 21
#   ./mvnw -B -q -ntp install -DskipTests -pl distribution -am
#
# Settings (environment, all optional):
#   ROUNDS=3          interleaved rounds (each: every mode x every ingress)
#   DURATION=10       seconds per wrk run; CONNS=16 connections (wrk -t2 -c<n>)
#   WARMUP_JVM=30     seconds of warm-up (JIT) per ingress and mode before the first round
#   PORTCULLIS_DIST=  an unpacked distribution (default: distribution/target/portcullis-*/)
#   BENCH_INGRESS_PORT=18203 (+1 admin, +2 cluster)
#
# The measure that matters is the gateway's CPU time per request (utime+stime of the JVM from /proc, divided by the
# requests served): it does not depend on how fast wrk is, only on what the gateway does for a request. Throughput
# and latency are reported too. Output: bench/results/raw/ingress-<UTC time>/ (gitignored), summary.md in it.
# Everything listens on 127.0.0.1 only; the script stops the gateway it started, and only that.
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$BENCH_DIR/.." && pwd)"
ROUNDS="${ROUNDS:-3}"
DURATION="${DURATION:-10}"
CONNS="${CONNS:-16}"
WARMUP_JVM="${WARMUP_JVM:-30}"
PORT="${BENCH_INGRESS_PORT:-18203}"
HOST=127.0.0.1

say() { printf '%s %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { say "error: $*"; exit 2; }
for n in "$ROUNDS" "$DURATION" "$CONNS" "$WARMUP_JVM" "$PORT"; do
  [[ "$n" =~ ^[0-9]+$ ]] || die "expected a whole number, got '$n'"
done
for tool in wrk curl python3; do
  command -v "$tool" >/dev/null || die "$tool is needed (wrk: sudo apt-get install -y wrk)"
done

PORTCULLIS_DIST="${PORTCULLIS_DIST:-}"
if [ -z "$PORTCULLIS_DIST" ]; then
  for d in "$REPO"/distribution/target/portcullis-*/; do
    [ -x "$d/bin/portcullis" ] && PORTCULLIS_DIST="${d%/}"
  done
fi
[ -n "$PORTCULLIS_DIST" ] && [ -x "$PORTCULLIS_DIST/bin/portcullis" ] \
  || die "no built distribution under $REPO/distribution/target/portcullis-*/ (or PORTCULLIS_DIST); see the header"
ls "$PORTCULLIS_DIST"/plugins/provider-mock-*.jar >/dev/null 2>&1 || die "$PORTCULLIS_DIST/plugins has no provider-mock"
for port in "$PORT" $((PORT + 1)) $((PORT + 2)); do
  if (exec 3<>"/dev/tcp/$HOST/$port") 2>/dev/null; then die "something already listens on $HOST:$port"; fi
done

RAW="$BENCH_DIR/results/raw/ingress-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$RAW"
cp -a "$PORTCULLIS_DIST" "$RAW/dist"   # a rebuild during the run cannot change what is measured
cat > "$RAW/gateway.yaml" <<EOF
server: { bind: 127.0.0.1, port: $PORT, accessLog: false }
admin: { bind: 127.0.0.1, port: $((PORT + 1)) }
cluster: { port: $((PORT + 2)), members: [] }
plugins: { dir: plugins }
providers: [ { id: mock, type: mock, chunks: 8, chunkDelayMs: 0 } ]
models: [ { name: mock, targets: [ { provider: mock } ] } ]
routes:
  - { path: /v1/chat/completions, policies: [] }
  - { path: /v1/messages, policies: [] }
policies: {}
EOF
{
  echo "date (UTC):  $(date -u '+%Y-%m-%d %H:%M:%S')"
  echo "command:     ROUNDS=$ROUNDS DURATION=$DURATION CONNS=$CONNS WARMUP_JVM=$WARMUP_JVM bench/ingress.sh"
  echo "machine:     $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), load before $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "git:         $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null)"
} > "$RAW/env.txt"

GATEWAY_PID=""
cleanup() {
  set +e
  if [ -n "$GATEWAY_PID" ] && kill -0 "$GATEWAY_PID" 2>/dev/null; then
    kill -TERM "$GATEWAY_PID"
    timeout 20 tail --pid="$GATEWAY_PID" -f /dev/null || kill -KILL "$GATEWAY_PID"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

PORTCULLIS_CONF="$RAW/gateway.yaml" JAVA_OPTS="" "$RAW/dist/bin/portcullis" > "$RAW/portcullis.log" 2>&1 &
GATEWAY_PID=$!   # bin/portcullis execs java: this is the JVM's pid
for _ in $(seq 1 120); do
  kill -0 "$GATEWAY_PID" 2>/dev/null || { tail -n 40 "$RAW/portcullis.log" >&2; die "the gateway exited"; }
  curl -fsS -m 2 -o /dev/null "http://$HOST:$PORT/health/ready" 2>/dev/null && break
  sleep 0.5
done
curl -fsS -m 2 -o /dev/null "http://$HOST:$PORT/health/ready" || die "the gateway is not ready after 60 s"
say "gateway on $HOST:$PORT (pid $GATEWAY_PID); raw output in $RAW"

PROMPT='"Say hello, and then tell me in one sentence what a portcullis is."'
body() { # ingress mode
  local stream=false; [ "$2" = sse ] && stream=true
  case "$1" in
    openai) echo "{\"model\":\"mock\",\"stream\":$stream,\"max_tokens\":64,\"messages\":[{\"role\":\"system\",\"content\":\"You are terse.\"},{\"role\":\"user\",\"content\":$PROMPT}]}" ;;
    anthropic) echo "{\"model\":\"mock\",\"stream\":$stream,\"max_tokens\":64,\"system\":\"You are terse.\",\"messages\":[{\"role\":\"user\",\"content\":$PROMPT}]}" ;;
  esac
}
path() { [ "$1" = openai ] && echo /v1/chat/completions || echo /v1/messages; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$GATEWAY_PID/stat"; }
CLK_TCK="$(getconf CLK_TCK)"

# Every answer must be a 200 of the right shape before anything is measured.
for ingress in openai anthropic; do
  for mode in json sse; do
    out="$(curl -fsS -m 10 -H 'Content-Type: application/json' -d "$(body $ingress $mode)" "http://$HOST:$PORT$(path $ingress)")" \
      || die "$ingress $mode: not a 200"
    case "$ingress/$mode" in
      openai/json) [[ "$out" == *'"chat.completion"'* ]] ;;
      openai/sse) [[ "$out" == *'data: [DONE]'* ]] ;;
      anthropic/json) [[ "$out" == *'"type":"message"'* ]] ;;
      anthropic/sse) [[ "$out" == *'event: message_stop'* ]] ;;
    esac || die "$ingress $mode: unexpected answer: ${out:0:300}"
  done
done

run() { # ingress mode seconds label
  local before after out
  before="$(cpu_ticks)"
  out="$(BENCH_BODY="$(body "$1" "$2")" wrk -t2 -c"$CONNS" -d"$3"s --latency -s "$BENCH_DIR/lib/chat.lua" \
    "http://$HOST:$PORT$(path "$1")" 2>&1)"
  after="$(cpu_ticks)"
  echo "$out" > "$RAW/$4-$1-$2.txt"
  local result; result="$(grep '^RESULT' <<< "$out")" || die "no RESULT line from wrk: $out"
  echo "$4 $1 $2 cpu_ticks=$((after - before)) $result" >> "$RAW/load.txt"
}

say "warm-up: ${WARMUP_JVM}s per ingress and mode"
for mode in json sse; do for ingress in openai anthropic; do run "$ingress" "$mode" "$WARMUP_JVM" warmup; done; done
for round in $(seq 1 "$ROUNDS"); do
  say "round $round of $ROUNDS"
  for mode in json sse; do for ingress in openai anthropic; do run "$ingress" "$mode" "$DURATION" "round$round"; done; done
done

python3 - "$RAW/load.txt" "$CLK_TCK" > "$RAW/summary.md" <<'PY'
import re, statistics, sys
rows = {}
for line in open(sys.argv[1]):
    label, ingress, mode = line.split()[:3]
    if label == "warmup":
        continue
    f = dict(re.findall(r"(\w+)=([\d.]+)", line))
    # A streamed answer ends with Connection: close (the data plane watches the connection for a departing client),
    # which wrk counts as a read error, one per stream: only other errors count for streams.
    bad = sum(int(f[k]) for k in f if k.startswith("errors_") and not (mode == "sse" and k == "errors_read"))
    if bad:
        sys.exit(f"{line.strip()}: {bad} errors")
    req = int(f["requests"])
    rows.setdefault((mode, ingress), []).append({
        "rps": req / (int(f["duration_us"]) / 1e6),
        "cpu_us": int(f["cpu_ticks"]) / int(sys.argv[2]) * 1e6 / req,
        "p50": int(f["p50_us"]) / 1000, "p99": int(f["p99_us"]) / 1000})
med = lambda xs: statistics.median(xs)
print("| mode | ingress | requests/s | gateway CPU µs/request | p50 ms | p99 ms | CPU ratio to chat/completions |")
print("|---|---|---|---|---|---|---|")
for mode in ("json", "sse"):
    base = med([r["cpu_us"] for r in rows[(mode, "openai")]])
    for ingress, name in (("openai", "/v1/chat/completions"), ("anthropic", "/v1/messages")):
        rs = rows[(mode, ingress)]
        cpu = med([r["cpu_us"] for r in rs])
        print(f"| {mode} | {name} | {med([r['rps'] for r in rs]):.0f} | {cpu:.0f} | {med([r['p50'] for r in rs]):.2f}"
              f" | {med([r['p99'] for r in rs]):.2f} | {cpu / base:.2f} |")
print(f"\nMedians of {len(rows[('json', 'openai')])} interleaved rounds. json: whole answers; sse: streams of 8"
      " chunks, one connection per stream (Connection: close).")
PY
cat "$RAW/env.txt" "$RAW/summary.md"
