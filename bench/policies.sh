#!/usr/bin/env bash
# What auth + rate-limit cost per request: the same route with no policies (baseline), with [auth] alone and with
# [auth, rate-limit] on one node, and with [auth, rate-limit] on node 1 of a three-node cluster (buckets then live on whichever member owns
# their partition: two requests in three need a network round trip). Results as ratios to the baseline.
#
#   bench/policies.sh
#
# It builds nothing: build the distribution first (see bench/run.sh). Needs wrk and nginx (installed with apt-get
# when missing and root), curl, python3.
#
# Settings (environment, all optional):
#   ROUNDS=2 DURATION=15 CONNS=16 WARMUP_JVM=30   interleaved rounds; seconds per wrk run; connections; JIT warm-up
#   PORTCULLIS_DIST=...   an unpacked distribution (default: distribution/target/portcullis-*/)
#   BENCH_BASE_PORT=18300 ports BASE (upstream nginx), BASE+10*n+0/1/2 (node n: client, admin, cluster)
#
# Output: bench/results/raw/policies-<UTC time>/ (gitignored): wrk outputs, node logs, results.csv, summary.md.
# Everything listens on 127.0.0.1 only; every loop is bounded; the script stops what it started, and only that.
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$BENCH_DIR/.." && pwd)"
ROUNDS="${ROUNDS:-2}"; DURATION="${DURATION:-15}"; CONNS="${CONNS:-16}"; WARMUP_JVM="${WARMUP_JVM:-30}"
BASE="${BENCH_BASE_PORT:-18300}"
export BENCH_UPSTREAM_PORT="$BASE" BENCH_LIB="$BENCH_DIR/lib"
export BENCH_KEYS="$(printf 'sk-bench-%02d ' $(seq 1 16))"
HOST=127.0.0.1

say() { printf '%s %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { say "error: $*"; exit 2; }
for n in "$ROUNDS" "$DURATION" "$CONNS" "$WARMUP_JVM" "$BASE"; do [[ "$n" =~ ^[0-9]+$ ]] || die "not a number: $n"; done
[ "$ROUNDS" -le 20 ] && [ "$DURATION" -le 300 ] || die "ROUNDS <= 20 and DURATION <= 300, please"

if ! command -v wrk >/dev/null || ! command -v nginx >/dev/null; then
  [ "$(id -u)" = 0 ] || die "wrk and nginx are needed: sudo apt-get install -y nginx wrk"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx wrk >/dev/null
fi
PORTCULLIS_DIST="${PORTCULLIS_DIST:-$(ls -d "$REPO"/distribution/target/portcullis-*/ 2>/dev/null | head -n 1)}"
[ -x "${PORTCULLIS_DIST%/}/bin/portcullis" ] || die "no built distribution; build it first (see bench/run.sh)"

RAW="$BENCH_DIR/results/raw/policies-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$RAW/upstream-tmp"
cp -a "${PORTCULLIS_DIST%/}" "$RAW/dist"
PIDS=()
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do timeout 20 tail --pid="$pid" -f /dev/null 2>/dev/null || true; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

sed -e "s/@UPSTREAM_PORT@/$BASE/g" "$BENCH_DIR/nginx/upstream.conf" > "$RAW/upstream.conf"
nginx -p "$RAW/" -c "$RAW/upstream.conf" -e "$RAW/upstream-error.log" -g 'daemon off;' &
PIDS+=($!)

port_of() { echo $((BASE + 10 * $1)); }
start_node() { # node-number policies members -> sets NODE_PID
  local port; port="$(port_of "$1")"
  sed -e "s/@POLICIES@/$2/" "$BENCH_DIR/portcullis-policies.yaml" > "$RAW/node$1.yaml"
  BENCH_NODE_PORT="$port" BENCH_NODE_ADMIN_PORT=$((port + 1)) BENCH_NODE_CLUSTER_PORT=$((port + 2)) \
    BENCH_MEMBERS="$3" PORTCULLIS_CONF="$RAW/node$1.yaml" JAVA_OPTS="" \
    "$RAW/dist/bin/portcullis" > "$RAW/node$1.log" 2>&1 &
  NODE_PID=$!
  PIDS+=("$NODE_PID")
}
await_ready() { # node-number pid
  local port; port="$(port_of "$1")"
  for _ in $(seq 1 240); do
    kill -0 "$2" 2>/dev/null || { tail -n 40 "$RAW/node$1.log" >&2; die "node $1 exited"; }
    curl -fsS -m 2 -o /dev/null "http://$HOST:$port/health/ready" 2>/dev/null && return 0
    sleep 0.5
  done
  tail -n 40 "$RAW/node$1.log" >&2; die "node $1 not ready after 120 s"
}
cpu_ticks() { # pids -> summed utime+stime
  local total=0 pid rest
  for pid in "$@"; do
    [ -r "/proc/$pid/stat" ] || continue
    rest="$(sed 's/^.*) //' "/proc/$pid/stat")"; set -- $rest
    total=$((total + ${12} + ${13}))
  done
  echo "$total"
}

# Targets: baseline (node 1, no policies), auth (node 6, auth alone), single (node 2, auth + rate-limit), cluster
# (nodes 3-5, auth + rate-limit, wrk on node 3).
declare -A TARGET_PORT TARGET_PIDS
start_node 1 "" ""; TARGET_PORT[baseline]="$(port_of 1)"; TARGET_PIDS[baseline]="$NODE_PID"; await_ready 1 "$NODE_PID"
start_node 2 "auth, rate-limit" ""; TARGET_PORT[single]="$(port_of 2)"; TARGET_PIDS[single]="$NODE_PID"
await_ready 2 "$NODE_PID"
start_node 6 "auth" ""; TARGET_PORT[auth]="$(port_of 6)"; TARGET_PIDS[auth]="$NODE_PID"; await_ready 6 "$NODE_PID"
MEMBERS="$HOST:$(($(port_of 3) + 2)), $HOST:$(($(port_of 4) + 2)), $HOST:$(($(port_of 5) + 2))"
cluster_pids=""
for n in 3 4 5; do start_node "$n" "auth, rate-limit" "$MEMBERS"; cluster_pids+="$NODE_PID "; done
for n in 3 4 5; do await_ready "$n" "$(echo "$cluster_pids" | cut -d' ' -f$((n - 2)))"; done
TARGET_PORT[cluster]="$(port_of 3)"; TARGET_PIDS[cluster]="$cluster_pids"
curl -fsS "http://$HOST:$(($(port_of 3) + 1))/admin/cluster" -o "$RAW/cluster.json" 2>/dev/null || true

url() { echo "http://$HOST:${TARGET_PORT[$1]}/v1/chat/completions"; }
TARGETS="baseline auth single cluster"
for t in $TARGETS; do   # smoke: each target answers 200 with the key
  code="$(curl -s -o "$RAW/smoke-$t.json" -w '%{http_code}' -H 'Content-Type: application/json' \
    -H 'Authorization: Bearer sk-bench-01' -d '{"model":"bench","messages":[{"role":"user","content":"hi"}]}' "$(url "$t")")"
  [ "$code" = 200 ] || die "$t answered $code: $(cat "$RAW/smoke-$t.json")"
done
for t in $TARGETS; do
  say "warm-up $t (${WARMUP_JVM}s)"
  wrk -t2 -c"$CONNS" -d"${WARMUP_JVM}s" -s "$BENCH_DIR/lib/keys.lua" "$(url "$t")" > /dev/null
done

echo "round,target,requests_per_s,p50_us,p99_us,errors,cpu_us_per_request" > "$RAW/results.csv"
HZ="$(getconf CLK_TCK)"
for round in $(seq 1 "$ROUNDS"); do
  for t in $TARGETS; do
    say "round $round: $t"
    before="$(cpu_ticks ${TARGET_PIDS[$t]})"
    wrk -t2 -c"$CONNS" -d"${DURATION}s" --latency -s "$BENCH_DIR/lib/keys.lua" "$(url "$t")" > "$RAW/wrk-$round-$t.txt"
    after="$(cpu_ticks ${TARGET_PIDS[$t]})"
    line="$(grep '^RESULT' "$RAW/wrk-$round-$t.txt")"
    python3 - "$round" "$t" "$line" "$((after - before))" "$HZ" >> "$RAW/results.csv" <<'PY'
import sys
round_, target, line, ticks, hz = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
f = dict(kv.split("=") for kv in line.split()[1:])
n = int(f["requests"]); secs = int(f["duration_us"]) / 1e6
errors = sum(int(f[k]) for k in f if k.startswith("errors_"))
print(f"{round_},{target},{n / secs:.0f},{f['p50_us']},{f['p99_us']},{errors},{ticks / hz * 1e6 / max(n, 1):.1f}")
PY
  done
done

python3 - "$RAW/results.csv" > "$RAW/summary.md" <<'PY'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1])))
def med(target, key):
    return statistics.median(float(r[key]) for r in rows if r["target"] == target)
base = {k: med("baseline", k) for k in ("requests_per_s", "p50_us", "p99_us", "cpu_us_per_request")}
print("| target | req/s | ratio | p50 µs | ratio | p99 µs | ratio | gateway CPU µs/req | ratio | errors |")
print("|---|---|---|---|---|---|---|---|---|---|")
for t in ("baseline", "auth", "single", "cluster"):
    v = {k: med(t, k) for k in base}
    errors = sum(int(r["errors"]) for r in rows if r["target"] == t)
    print(f"| {t} | {v['requests_per_s']:.0f} | {v['requests_per_s'] / base['requests_per_s']:.2f} "
          f"| {v['p50_us']:.0f} | {v['p50_us'] / base['p50_us']:.2f} | {v['p99_us']:.0f} | {v['p99_us'] / base['p99_us']:.2f} "
          f"| {v['cpu_us_per_request']:.0f} | {v['cpu_us_per_request'] / base['cpu_us_per_request']:.2f} | {errors} |")
PY
cat "$RAW/summary.md"
say "results in $RAW"
