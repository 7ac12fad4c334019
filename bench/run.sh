#!/usr/bin/env bash
# Portcullis load benchmark: direct upstream vs nginx reverse proxy vs Portcullis, interleaved, on loopback.
#
#   bench/run.sh
#
# It builds nothing. Build the distribution first (from the repository root):
#   export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64   # any JDK >= 21
#   ./mvnw -B -q -ntp install -DskipTests -pl plugin-api,gateway-runtime,plugin-testkit,plugins,plugins/provider-mock,plugins/provider-openai,distribution
#
# Settings (environment, all optional):
#   ROUNDS=2              interleaved rounds (each: every connection count x every target)
#   DURATION=15           seconds per wrk run
#   CONNS="16 64"         connection counts (wrk -t2 -c<n>)
#   TARGETS="direct nginx jetty portcullis"   what to measure (drop portcullis to bench nginx alone; with
#                         PORTCULLIS_DIST_B set, portcullis-b is added: a second distribution to compare, e.g. a change;
#                         add jetty for the floor: bench/jetty-floor/JettyFloor.java, the same Jetty server and client
#                         doing nothing but forward bytes, run from the distribution's lib/; jetty-async for the same
#                         with Jetty's default thread pools and a non-blocking handler)
#   WARMUP=5              seconds of warm-up per nginx target; WARMUP_JVM=40 for Portcullis (JIT)
#   TTFB_N=300            streamed requests per TTFB sample (plus 30 warm-up), one sample per round and target
#   TTFB_WARMUP_JVM=20000 streamed requests sent to each JVM target once, after its load warm-up, before any
#                         measurement (the JIT compiles the streaming path; 0 to skip)
#   PROFILE=1             record a JFR profile of Portcullis under 16 connections afterwards (PROFILE_DURATION=20;
#                         on JDK 25+ with CPU-time sampling too, every PROFILE_CPU_PERIOD=2ms of a thread's CPU)
#   SYSCALLS=1            count system calls per request of each proxy with strace, if installed (SYSCALLS_DURATION=5)
#   QUIET_WAIT=120        before each run, wait up to this many seconds for a quiet machine: no Maven build and
#   QUIET_BUSY=10         less than this % of both cores busy (the processes under test idle); others' use is recorded
#   PORTCULLIS_DIST=...   an unpacked distribution (default: distribution/target/portcullis-*/)
#   PORTCULLIS_DIST_B=... another unpacked distribution, measured as target portcullis-b (ports 18106-18108)
#   BENCH_UPSTREAM_PORT=18101 BENCH_PROXY_PORT=18102 BENCH_PORTCULLIS_PORT=18103 (+18104 admin, 18105 cluster)
#
# Output: bench/results/raw/<UTC time>/ (gitignored): every wrk/ttfb output, load.csv, ttfb.csv, the JFR file and
# its views, env.txt, logs, summary.md; bench/results/summary.md is a copy of the latest summary.
# Everything listens on 127.0.0.1 only. Every loop is bounded; the script stops what it started, and only that.
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$BENCH_DIR/.." && pwd)"

ROUNDS="${ROUNDS:-2}"
DURATION="${DURATION:-15}"
CONNS="${CONNS:-16 64}"
PORTCULLIS_DIST_B="${PORTCULLIS_DIST_B:-}"
TARGETS="${TARGETS:-direct nginx jetty portcullis${PORTCULLIS_DIST_B:+ portcullis-b}}"
WARMUP="${WARMUP:-5}"
WARMUP_JVM="${WARMUP_JVM:-40}"
TTFB_N="${TTFB_N:-300}"
TTFB_WARMUP_JVM="${TTFB_WARMUP_JVM:-20000}"
PROFILE="${PROFILE:-1}"
PROFILE_DURATION="${PROFILE_DURATION:-20}"
SYSCALLS="${SYSCALLS:-1}"
SYSCALLS_DURATION="${SYSCALLS_DURATION:-5}"
QUIET_WAIT="${QUIET_WAIT:-120}"
QUIET_BUSY="${QUIET_BUSY:-10}"
export BENCH_UPSTREAM_PORT="${BENCH_UPSTREAM_PORT:-18101}"
export BENCH_PROXY_PORT="${BENCH_PROXY_PORT:-18102}"
export BENCH_PORTCULLIS_PORT="${BENCH_PORTCULLIS_PORT:-18103}"
export BENCH_PORTCULLIS_ADMIN_PORT="${BENCH_PORTCULLIS_ADMIN_PORT:-18104}"
export BENCH_PORTCULLIS_CLUSTER_PORT="${BENCH_PORTCULLIS_CLUSTER_PORT:-18105}"
BENCH_PORTCULLIS_B_PORT="${BENCH_PORTCULLIS_B_PORT:-18106}"
BENCH_JETTY_PORT="${BENCH_JETTY_PORT:-18109}"
BENCH_JETTY_ASYNC_PORT="${BENCH_JETTY_ASYNC_PORT:-18110}"
HOST=127.0.0.1

say() { printf '%s %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { say "error: $*"; exit 2; }

for n in "$ROUNDS" "$DURATION" "$WARMUP" "$WARMUP_JVM" "$TTFB_N" "$TTFB_WARMUP_JVM" "$PROFILE_DURATION" "$SYSCALLS_DURATION" "$QUIET_WAIT" \
  "$QUIET_BUSY"; do
  [[ "$n" =~ ^[0-9]+$ ]] || die "expected a whole number, got '$n'"
done
[ "$ROUNDS" -ge 1 ] && [ "$ROUNDS" -le 20 ] || die "ROUNDS must be 1..20"
[ "$DURATION" -ge 1 ] && [ "$DURATION" -le 300 ] || die "DURATION must be 1..300 seconds"
want() { [[ " $TARGETS " == *" $1 "* ]]; }
for t in $TARGETS; do
  case "$t" in direct | nginx | portcullis | portcullis-b | jetty | jetty-async) ;; *) die "unknown target '$t'" ;; esac
done

# ---------------------------------------------------------------------------------------------------- tools
if ! command -v wrk >/dev/null || ! command -v nginx >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "installing wrk and nginx (Debian packages)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx wrk >/dev/null
  else
    die "wrk and nginx are needed: sudo apt-get install -y nginx wrk"
  fi
fi
for tool in curl python3; do command -v "$tool" >/dev/null || die "$tool is needed"; done
CLK_TCK="$(getconf CLK_TCK)"

PORTCULLIS_DIST="${PORTCULLIS_DIST:-}"
if want portcullis || want portcullis-b || want jetty || want jetty-async; then
  if [ -z "$PORTCULLIS_DIST" ]; then
    for d in "$REPO"/distribution/target/portcullis-*/; do
      [ -x "$d/bin/portcullis" ] && PORTCULLIS_DIST="${d%/}"
    done
  fi
  if [ -z "$PORTCULLIS_DIST" ] || [ ! -x "$PORTCULLIS_DIST/bin/portcullis" ]; then
    die "no built distribution under $REPO/distribution/target/portcullis-*/ (or PORTCULLIS_DIST). Build it:
  export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
  ./mvnw -B -q -ntp install -DskipTests -pl plugin-api,gateway-runtime,plugin-testkit,plugins,plugins/provider-mock,plugins/provider-openai,distribution
or run without it: TARGETS=\"direct nginx\" bench/run.sh"
  fi
  for d in "$PORTCULLIS_DIST" ${PORTCULLIS_DIST_B:+"$PORTCULLIS_DIST_B"}; do
    [ -x "$d/bin/portcullis" ] || die "$d is not an unpacked distribution (no bin/portcullis)"
    ls "$d"/plugins/provider-openai-*.jar >/dev/null 2>&1 \
      || die "$d/plugins has no provider-openai JAR: rebuild the distribution after plugins/provider-openai"
  done
  want portcullis-b && [ -z "$PORTCULLIS_DIST_B" ] && die "target portcullis-b needs PORTCULLIS_DIST_B"
  # The JDK bin/portcullis will pick (same search), for jcmd/jfr and for the record.
  # shellcheck disable=SC1091
  . "$PORTCULLIS_DIST/bin/find-java.sh"
  portcullis_find_java || exit 2
fi

for port in "$BENCH_UPSTREAM_PORT" "$BENCH_PROXY_PORT" "$BENCH_PORTCULLIS_PORT" "$BENCH_PORTCULLIS_ADMIN_PORT" \
  "$BENCH_PORTCULLIS_B_PORT" $((BENCH_PORTCULLIS_B_PORT + 1)) "$BENCH_JETTY_PORT" "$BENCH_JETTY_ASYNC_PORT"; do
  if (exec 3<>"/dev/tcp/$HOST/$port") 2>/dev/null; then die "something already listens on $HOST:$port"; fi
done

# ---------------------------------------------------------------------------------------------------- run dir
RUN_ID="$(date -u +%Y%m%dT%H%M%SZ)"
RAW="$BENCH_DIR/results/raw/$RUN_ID"
mkdir -p "$RAW/upstream-tmp" "$RAW/proxy-tmp" "$RAW/profile"
say "raw output: $RAW"

{
  echo "date (UTC):    $(date -u '+%Y-%m-%d %H:%M:%S')"
  echo "command:       ROUNDS=$ROUNDS DURATION=$DURATION CONNS=\"$CONNS\" TARGETS=\"$TARGETS\" WARMUP=$WARMUP WARMUP_JVM=$WARMUP_JVM TTFB_N=$TTFB_N TTFB_WARMUP_JVM=$TTFB_WARMUP_JVM PROFILE=$PROFILE SYSCALLS=$SYSCALLS${PORTCULLIS_DIST_B:+ PORTCULLIS_DIST_B=$PORTCULLIS_DIST_B} bench/run.sh"
  echo "machine:       $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(free -g | awk '/Mem:/{print $2}') GiB RAM, kernel $(uname -r)"
  echo "os:            $(. /etc/os-release && echo "$PRETTY_NAME")"
  echo "load before:   $(cut -d' ' -f1-3 /proc/loadavg) (1/5/15 min)"
  echo "nginx:         $(nginx -v 2>&1 | sed 's/^nginx version: //'), worker_processes auto"
  echo "wrk:           $(wrk -v 2>&1 | head -n1 | cut -d' ' -f1-2)"
  if want portcullis || want portcullis-b; then
    echo "JDK:           $("$JAVA" -version 2>&1 | sed -n 2p) ($JAVA)"
    echo "distribution:  $PORTCULLIS_DIST (copied into the run dir), built $(date -u -r "$(ls "$PORTCULLIS_DIST"/lib/gateway-runtime-*.jar | head -n1)" '+%Y-%m-%d %H:%M:%S') UTC"
    [ -n "$PORTCULLIS_DIST_B" ] && echo "portcullis-b:  $PORTCULLIS_DIST_B (copied into the run dir), built $(date -u -r "$(ls "$PORTCULLIS_DIST_B"/lib/gateway-runtime-*.jar | head -n1)" '+%Y-%m-%d %H:%M:%S') UTC"
    echo "JVM flags:     bin/portcullis defaults (-XX:+UseParallelGC, default heap), JAVA_OPTS empty"
  fi
  echo "git:           $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null) + $(git -C "$REPO" status --porcelain 2>/dev/null | wc -l) uncommitted paths"
} > "$RAW/env.txt"
cat "$RAW/env.txt" >&2

# ---------------------------------------------------------------------------------------------------- processes
UPSTREAM_PID="" PROXY_PID="" GATEWAY_PID="" GATEWAY_B_PID="" JETTY_PID="" JETTY_ASYNC_PID=""
cleanup() {
  set +e
  for pid in "$GATEWAY_PID" "$GATEWAY_B_PID" "$JETTY_PID" "$JETTY_ASYNC_PID"; do
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid"
      for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
      kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
    fi
  done
  for pid in "$PROXY_PID" "$UPSTREAM_PID"; do
    [ -n "$pid" ] && kill -QUIT "$pid" 2>/dev/null   # the nginx master; its workers exit with it
  done
  for pid in "$GATEWAY_PID" "$GATEWAY_B_PID" "$JETTY_PID" "$JETTY_ASYNC_PID" "$PROXY_PID" "$UPSTREAM_PID"; do
    [ -n "$pid" ] && timeout 20 tail --pid="$pid" -f /dev/null
  done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start_nginx() { # name conf-template; sets STARTED_PID to the nginx master (run in the foreground: our child)
  local name="$1" conf="$RAW/$1.conf"
  sed -e "s/@UPSTREAM_PORT@/$BENCH_UPSTREAM_PORT/g" -e "s/@PROXY_PORT@/$BENCH_PROXY_PORT/g" "$2" > "$conf"
  nginx -p "$RAW/" -c "$conf" -e "$RAW/$name-error.log" -g 'daemon off;' -t -q || die "nginx rejected $conf"
  nginx -p "$RAW/" -c "$conf" -e "$RAW/$name-error.log" -g 'daemon off;' &
  STARTED_PID=$!
  local port="$BENCH_UPSTREAM_PORT"; [ "$name" = proxy ] && port="$BENCH_PROXY_PORT"
  for _ in $(seq 1 50); do (exec 3<>"/dev/tcp/$HOST/$port") 2>/dev/null && return 0; sleep 0.1; done
  die "nginx ($name) did not start listening on $HOST:$port"
}

start_nginx upstream "$BENCH_DIR/nginx/upstream.conf"; UPSTREAM_PID="$STARTED_PID"
say "upstream nginx on $HOST:$BENCH_UPSTREAM_PORT (master $UPSTREAM_PID)"
if want nginx; then
  start_nginx proxy "$BENCH_DIR/nginx/proxy.conf"; PROXY_PID="$STARTED_PID"
  say "proxy nginx on $HOST:$BENCH_PROXY_PORT (master $PROXY_PID)"
fi
start_portcullis() { # name dist port; sets STARTED_PID
  local name="$1" port="$3"
  # A private copy, so that a rebuild of distribution/ during the run cannot pull JARs from under the JVM.
  cp -a "$2" "$RAW/$name-dist"
  BENCH_PORTCULLIS_PORT="$port" BENCH_PORTCULLIS_ADMIN_PORT=$((port + 1)) BENCH_PORTCULLIS_CLUSTER_PORT=$((port + 2)) \
    PORTCULLIS_CONF="$BENCH_DIR/portcullis-bench.yaml" JAVA_OPTS="" \
    "$RAW/$name-dist/bin/portcullis" > "$RAW/$name.log" 2>&1 &
  STARTED_PID=$!   # bin/portcullis execs java: this is the JVM's pid
  local ready=""
  for _ in $(seq 1 120); do
    kill -0 "$STARTED_PID" 2>/dev/null || { tail -n 40 "$RAW/$name.log" >&2; die "$name exited"; }
    if curl -fsS -m 2 -o /dev/null "http://$HOST:$port/health/ready" 2>/dev/null; then ready=1; break; fi
    sleep 0.5
  done
  [ -n "$ready" ] || { tail -n 40 "$RAW/$name.log" >&2; die "$name not ready after 60 s"; }
  say "$name on $HOST:$port (pid $STARTED_PID)"
}
if want portcullis; then
  start_portcullis portcullis "$PORTCULLIS_DIST" "$BENCH_PORTCULLIS_PORT"; GATEWAY_PID="$STARTED_PID"
fi
if want portcullis-b; then
  start_portcullis portcullis-b "$PORTCULLIS_DIST_B" "$BENCH_PORTCULLIS_B_PORT"; GATEWAY_B_PID="$STARTED_PID"
fi
start_floor() { # name port mode; sets STARTED_PID
  [ -d "$RAW/jetty-lib" ] || cp -a "$PORTCULLIS_DIST/lib" "$RAW/jetty-lib"
  "$JAVA" -XX:+UseParallelGC -cp "$RAW/jetty-lib/*" "$BENCH_DIR/jetty-floor/JettyFloor.java" \
    "$2" "http://$HOST:$BENCH_UPSTREAM_PORT" "$3" > "$RAW/$1.log" 2>&1 &
  STARTED_PID=$!
  for _ in $(seq 1 60); do (exec 3<>"/dev/tcp/$HOST/$2") 2>/dev/null && break; sleep 0.5; done
  (exec 3<>"/dev/tcp/$HOST/$2") 2>/dev/null || { tail -n 20 "$RAW/$1.log" >&2; die "$1 did not start"; }
  say "$1 floor on $HOST:$2 (pid $STARTED_PID)"
}
if want jetty; then start_floor jetty "$BENCH_JETTY_PORT" virtual; JETTY_PID="$STARTED_PID"; fi
if want jetty-async; then start_floor jetty-async "$BENCH_JETTY_ASYNC_PORT" async; JETTY_ASYNC_PID="$STARTED_PID"; fi

url_of() { # target -> the non-streaming URL
  case "$1" in
    direct) echo "http://$HOST:$BENCH_UPSTREAM_PORT/v1/chat/completions" ;;
    nginx) echo "http://$HOST:$BENCH_PROXY_PORT/v1/chat/completions" ;;
    portcullis) echo "http://$HOST:$BENCH_PORTCULLIS_PORT/v1/chat/completions" ;;
    portcullis-b) echo "http://$HOST:$BENCH_PORTCULLIS_B_PORT/v1/chat/completions" ;;
    jetty) echo "http://$HOST:$BENCH_JETTY_PORT/v1/chat/completions" ;;
    jetty-async) echo "http://$HOST:$BENCH_JETTY_ASYNC_PORT/v1/chat/completions" ;;
  esac
}
ttfb_args() { # target -> ttfb.py arguments for the streaming request
  case "$1" in
    direct) echo "--port $BENCH_UPSTREAM_PORT --path /sse/v1/chat/completions" ;;
    nginx) echo "--port $BENCH_PROXY_PORT --path /sse/v1/chat/completions" ;;
    portcullis) echo "--port $BENCH_PORTCULLIS_PORT --path /v1/chat/completions --model bench-sse" ;;
    portcullis-b) echo "--port $BENCH_PORTCULLIS_B_PORT --path /v1/chat/completions --model bench-sse" ;;
    jetty) echo "--port $BENCH_JETTY_PORT --path /v1/chat/completions" ;;
  esac
}
pids_of() { # target -> the proxy's pids (empty for direct)
  case "$1" in
    nginx) echo "$PROXY_PID $(pgrep -P "$PROXY_PID" | tr '\n' ' ')" ;;
    portcullis) echo "$GATEWAY_PID" ;;
    portcullis-b) echo "$GATEWAY_B_PID" ;;
    jetty) echo "$JETTY_PID" ;;
    jetty-async) echo "$JETTY_ASYNC_PID" ;;
  esac
}
cpu_ticks() { # pids... -> summed utime+stime in clock ticks (fields 14 and 15, counted after the ")" of comm)
  local total=0 pid rest
  for pid in "$@"; do
    [ -r "/proc/$pid/stat" ] || continue
    rest="$(sed 's/^.*) //' "/proc/$pid/stat")"
    set -- $rest
    total=$((total + ${12} + ${13}))
  done
  echo "$total"
}
own_children_ticks() { # -> CPU ticks of this shell's finished children (cutime+cstime): wrk, reaped by timeout
  local rest; rest="$(sed 's/^.*) //' "/proc/$$/stat")"
  set -- $rest
  echo $((${14} + ${15}))
}
machine_ticks() { # -> "busy total" jiffies from /proc/stat
  awk '/^cpu /{t=0; for (i=2;i<=NF;i++) t+=$i; print t-$5-$6, t}' /proc/stat
}
other_builds() { # how many Maven processes (someone else's build) are running
  local n; n="$(pgrep -f 'maven|plexus-classworlds' | grep -cv "^$$\$")" || true; echo "${n:-0}"
}
machine_busy_pct() { # seconds -> % of the whole machine busy over that window
  local b0 m0 b1 m1
  read -r b0 m0 < <(machine_ticks); sleep "$1"; read -r b1 m1 < <(machine_ticks)
  awk -v b=$((b1 - b0)) -v m=$((m1 - m0)) 'BEGIN{printf "%d", m ? 100*b/m : 0}'
}
wait_quiet() { # waits (at most QUIET_WAIT s) until others use < QUIET_BUSY % of the machine and run no Maven build
  local waited=0
  [ "$QUIET_WAIT" -eq 0 ] && return 0
  while [ "$waited" -lt "$QUIET_WAIT" ]; do
    [ "$(other_builds)" -eq 0 ] && [ "$(machine_busy_pct 2)" -lt "$QUIET_BUSY" ] && return 0
    sleep 3; waited=$((waited + 5))
  done
  say "machine still busy after ${QUIET_WAIT}s; measuring anyway (recorded as others' CPU %)"
}

# ---------------------------------------------------------------------------------------------------- smoke
for t in $TARGETS; do
  body='{"model":"bench","messages":[{"role":"user","content":"Say hello."}]}'
  out="$(curl -sS -m 10 -X POST -H 'Content-Type: application/json' -d "$body" "$(url_of "$t")")" || die "$t: request failed"
  [[ "$out" == *'"chat.completion"'* ]] || die "$t: unexpected reply: ${out:0:300}"
  [ "$t" = jetty-async ] && continue   # whole answers only
  # shellcheck disable=SC2046
  timeout 60 python3 "$BENCH_DIR/lib/ttfb.py" $(ttfb_args "$t") -n 3 --warmup 0 >/dev/null || die "$t: streaming check failed"
done
say "smoke checks passed: $TARGETS"

# ---------------------------------------------------------------------------------------------------- load
run_wrk() { # target conns seconds outfile
  timeout $(($3 + 60)) wrk -t2 -c"$2" -d"$3"s --timeout 10s --latency -s "$BENCH_DIR/lib/chat.lua" "$(url_of "$1")" > "$4" 2>&1 \
    || say "wrk exited non-zero for $1 (see $4)"
}

for t in $TARGETS; do
  w="$WARMUP"; [[ "$t" == portcullis* || "$t" == jetty* ]] && w="$WARMUP_JVM"
  say "warm-up $t: ${w}s at 16 connections"
  run_wrk "$t" 16 "$w" "$RAW/warmup-$t.txt"
  # The load above warms the JSON path only; a JVM's streaming path needs its own, or TTFB measures the JIT.
  if [[ "$t" == portcullis* || "$t" == jetty ]] && [ "$TTFB_WARMUP_JVM" -gt 0 ]; then
    say "warm-up $t: $TTFB_WARMUP_JVM streamed requests"
    # shellcheck disable=SC2046
    timeout 300 python3 "$BENCH_DIR/lib/ttfb.py" $(ttfb_args "$t") -n "$TTFB_WARMUP_JVM" --warmup 0 >/dev/null \
      || die "$t: streaming warm-up failed"
  fi
done

echo "round,conns,target,started_utc,load1_before,other_builds,requests,duration_us,rps,errors_connect,errors_read,errors_write,errors_status,errors_timeout,mean_us,p50_us,p90_us,p99_us,p999_us,max_us,proxy_cpu_us_per_req,upstream_cpu_us_per_req,machine_busy_pct,wrk_cpu_pct,others_cpu_pct" > "$RAW/load.csv"
for round in $(seq 1 "$ROUNDS"); do
  for c in $CONNS; do
    for t in $TARGETS; do
      wait_quiet
      load1="$(cut -d' ' -f1 /proc/loadavg)"; builds="$(other_builds)"
      out="$RAW/wrk-r$round-c$c-$t.txt"
      # shellcheck disable=SC2046
      p0="$(cpu_ticks $(pids_of "$t"))"; u0="$(cpu_ticks "$UPSTREAM_PID" $(pgrep -P "$UPSTREAM_PID"))"; read -r b0 m0 < <(machine_ticks); w0="$(own_children_ticks)"
      started="$(date -u +%H:%M:%S)"
      run_wrk "$t" "$c" "$DURATION" "$out"
      # shellcheck disable=SC2046
      p1="$(cpu_ticks $(pids_of "$t"))"; u1="$(cpu_ticks "$UPSTREAM_PID" $(pgrep -P "$UPSTREAM_PID"))"; read -r b1 m1 < <(machine_ticks); w1="$(own_children_ticks)"
      line="$(grep '^RESULT ' "$out" || true)"
      [ -n "$line" ] || { say "no RESULT in $out"; continue; }
      declare -A R=()
      for kv in ${line#RESULT }; do R[${kv%%=*}]="${kv#*=}"; done
      rps="$(awk -v n="${R[requests]}" -v d="${R[duration_us]}" 'BEGIN{printf "%.1f", n*1e6/d}')"
      pcpu=""; [ "$t" != direct ] && pcpu="$(awk -v t=$((p1 - p0)) -v n="${R[requests]}" -v hz="$CLK_TCK" 'BEGIN{printf "%.2f", t*1e6/hz/n}')"
      ucpu="$(awk -v t=$((u1 - u0)) -v n="${R[requests]}" -v hz="$CLK_TCK" 'BEGIN{printf "%.2f", t*1e6/hz/n}')"
      busy="$(awk -v b=$((b1 - b0)) -v m=$((m1 - m0)) 'BEGIN{printf "%.1f", m ? 100*b/m : 0}')"
      # Machine-wide CPU in jiffies of all CPUs; ours = proxy + upstream + wrk. The rest is someone else's.
      wrkp="$(awk -v w=$((w1 - w0)) -v m=$((m1 - m0)) 'BEGIN{printf "%.1f", m ? 100*w/m : 0}')"
      others="$(awk -v b=$((b1 - b0)) -v o=$((p1 - p0 + u1 - u0 + w1 - w0)) -v m=$((m1 - m0)) 'BEGIN{x = m ? 100*(b-o)/m : 0; printf "%.1f", x < 0 ? 0 : x}')"
      echo "$round,$c,$t,$started,$load1,$builds,${R[requests]},${R[duration_us]},$rps,${R[errors_connect]},${R[errors_read]},${R[errors_write]},${R[errors_status]},${R[errors_timeout]},${R[mean_us]},${R[p50_us]},${R[p90_us]},${R[p99_us]},${R[p999_us]},${R[max_us]},$pcpu,$ucpu,$busy,$wrkp,$others" >> "$RAW/load.csv"
      say "round $round c=$c $t: $rps req/s p50 ${R[p50_us]} µs p99 ${R[p99_us]} µs proxy CPU ${pcpu:-–} µs/req (others ${others}% of the machine, builds $builds)"
      unset R
    done
  done
done

# ---------------------------------------------------------------------------------------------------- TTFB
echo "round,target,load1_before,n,chunks,ttfb_p50_us,ttfb_p90_us,ttfb_p99_us,ttfb_min_us,total_p50_us,total_p99_us" > "$RAW/ttfb.csv"
for round in $(seq 1 "$ROUNDS"); do
  for t in $TARGETS; do
    [ "$t" = jetty-async ] && continue   # whole answers only
    wait_quiet
    load1="$(cut -d' ' -f1 /proc/loadavg)"
    # shellcheck disable=SC2046
    line="$(timeout 300 python3 "$BENCH_DIR/lib/ttfb.py" $(ttfb_args "$t") -n "$TTFB_N" --warmup 30 \
      --raw "$RAW/ttfb-r$round-$t.csv" | grep '^RESULT ' || true)"
    [ -n "$line" ] || { say "ttfb $t failed"; continue; }
    declare -A R=()
    for kv in ${line#RESULT }; do R[${kv%%=*}]="${kv#*=}"; done
    echo "$round,$t,$load1,${R[n]},${R[chunks]},${R[ttfb_p50_us]},${R[ttfb_p90_us]},${R[ttfb_p99_us]},${R[ttfb_min_us]},${R[total_p50_us]},${R[total_p99_us]}" >> "$RAW/ttfb.csv"
    say "ttfb round $round $t: p50 ${R[ttfb_p50_us]} µs p99 ${R[ttfb_p99_us]} µs"
    unset R
  done
done

# ---------------------------------------------------------------------------------------------------- profile
if want portcullis && [ "$PROFILE" = 1 ]; then
  P="$RAW/profile"
  JCMD="$JAVA_HOME/bin/jcmd" JFR="$JAVA_HOME/bin/jfr"
  wait_quiet
  # JDK 25+ can sample by each thread's CPU time (kernel time in system calls included): the better view of where a
  # request's CPU goes. ExecutionSample (wall-clock sampling of threads in Java code) is recorded in any case.
  cpu_sampling=()
  if [ "$(portcullis_java_major "$JAVA")" -ge 25 ]; then
    cpu_sampling=("jdk.CPUTimeSample#enabled=true" "jdk.CPUTimeSample#throttle=${PROFILE_CPU_PERIOD:-2ms}")
  fi
  say "profile: JFR (settings=profile ${cpu_sampling[*]}) during ${PROFILE_DURATION}s at 16 connections"
  "$JCMD" "$GATEWAY_PID" JFR.start name=bench settings=profile "${cpu_sampling[@]}" \
    filename="$P/portcullis-c16.jfr" > "$P/jcmd-start.txt" 2>&1
  p0="$(cpu_ticks "$GATEWAY_PID")"
  run_wrk portcullis 16 "$PROFILE_DURATION" "$P/wrk-profile.txt"
  p1="$(cpu_ticks "$GATEWAY_PID")"
  "$JCMD" "$GATEWAY_PID" JFR.stop name=bench > "$P/jcmd-stop.txt" 2>&1
  line="$(grep '^RESULT ' "$P/wrk-profile.txt" || true)"
  if [ -n "$line" ]; then
    declare -A R=()
    for kv in ${line#RESULT }; do R[${kv%%=*}]="${kv#*=}"; done
    awk -v n="${R[requests]}" -v d="${R[duration_us]}" -v t=$((p1 - p0)) -v hz="$CLK_TCK" -v p50="${R[p50_us]}" \
      'BEGIN{printf "%.0f req/s, p50 %d us, %.1f us CPU/request with JFR recording\n", n*1e6/d, p50, t*1e6/hz/n}' > "$P/profile-load.txt"
    unset R
  fi
  grep -E '^(VmHWM|VmRSS)' "/proc/$GATEWAY_PID/status" >> "$P/profile-load.txt" || true
  # What the resident set is made of: the heap as sized by the collector now, then the live data after a full GC.
  { echo "heap as sized (before a full GC):"; "$JCMD" "$GATEWAY_PID" GC.heap_info
    "$JCMD" "$GATEWAY_PID" GC.run >/dev/null
    echo "after a full GC:"; "$JCMD" "$GATEWAY_PID" GC.heap_info
    "$JCMD" "$GATEWAY_PID" VM.native_memory summary 2>/dev/null | head -n 12; } > "$P/memory.txt" 2>&1 || true
  if [ -s "$P/portcullis-c16.jfr" ]; then
    for ev in jdk.CPUTimeSample jdk.ExecutionSample; do
      "$JFR" print --json --stack-depth 96 --events "$ev" "$P/portcullis-c16.jfr" \
        | python3 "$BENCH_DIR/lib/jfr_stacks.py" 30 > "$P/stacks-$ev.txt" 2>&1 || say "stack summary of $ev failed"
    done
    if grep -q '^[1-9][0-9]* CPU samples' "$P/stacks-jdk.CPUTimeSample.txt" 2>/dev/null; then
      cp "$P/stacks-jdk.CPUTimeSample.txt" "$P/stacks.txt"
    else
      cp "$P/stacks-jdk.ExecutionSample.txt" "$P/stacks.txt"
    fi
    "$JFR" view --width 160 gc-cpu-time "$P/portcullis-c16.jfr" > "$P/gc-cpu-time.txt" 2>&1 || true
    "$JFR" view --width 160 thread-cpu-load "$P/portcullis-c16.jfr" > "$P/thread-cpu-load.txt" 2>&1 || true
    "$JFR" view --width 160 hot-methods "$P/portcullis-c16.jfr" > "$P/hot-methods.txt" 2>&1 || true
    "$JFR" view --width 160 allocation-by-class "$P/portcullis-c16.jfr" > "$P/allocation-by-class.txt" 2>&1 || true
    "$JFR" view --width 160 gc "$P/portcullis-c16.jfr" > "$P/gc.txt" 2>&1 || true
    "$JFR" summary "$P/portcullis-c16.jfr" > "$P/jfr-summary.txt" 2>&1 || true
  fi
fi

# ---------------------------------------------------------------------------------------------------- syscalls
# System calls per request of each proxy (strace -c on its processes during a short extra run, not counted above).
# strace slows the traced process, so only the counts per request mean something here, not the times.
if [ "$SYSCALLS" = 1 ] && command -v strace >/dev/null; then
  for t in $TARGETS; do
    [ "$t" = direct ] && continue
    wait_quiet
    pids="$(pids_of "$t")"; [ "$t" = nginx ] && pids="$(pgrep -P "$PROXY_PID" | tr '\n' ' ')"
    # shellcheck disable=SC2046
    timeout -s INT $((SYSCALLS_DURATION + 4)) strace -f -c $(printf -- '-p %s ' $pids) -o "$RAW/strace-$t.txt" 2>/dev/null &
    strace_pid=$!
    sleep 2
    run_wrk "$t" 16 "$SYSCALLS_DURATION" "$RAW/wrk-strace-$t.txt"
    wait "$strace_pid" 2>/dev/null || true
    n="$(sed -n 's/^RESULT requests=\([0-9]*\).*/\1/p' "$RAW/wrk-strace-$t.txt")"
    [ -n "$n" ] && [ -s "$RAW/strace-$t.txt" ] && python3 - "$RAW/strace-$t.txt" "$n" "$t" >> "$RAW/syscalls.txt" <<'PY'
import re, sys
path, n, target = sys.argv[1], int(sys.argv[2]), sys.argv[3]
rows = []
for line in open(path):
    f = line.split()
    # % time, seconds, usecs/call, calls, [errors], syscall
    if len(f) in (5, 6) and re.fullmatch(r"[0-9.]+", f[0]) and f[-1] != "total":
        rows.append((int(f[3]), int(f[4]) if len(f) == 6 else 0, f[-1]))
rows.sort(reverse=True)
total = sum(r[0] for r in rows)
parts = [f"{name} {calls / n:.2f}" + (f" ({errors / n:.2f} failed)" if errors else "")
         for calls, errors, name in rows if calls / n >= 0.01]
print(f"{target}: {total / n:.1f} system calls per request ({n} requests under strace): " + ", ".join(parts))
PY
  done
fi

# ---------------------------------------------------------------------------------------------------- summary
python3 "$BENCH_DIR/lib/summarise.py" "$RAW" > /dev/null
cp "$RAW/summary.md" "$BENCH_DIR/results/summary.md"
say "summary: $RAW/summary.md (copied to bench/results/summary.md)"
