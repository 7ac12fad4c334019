#!/usr/bin/env bash
# The cost of one cluster-wide rate-limit check (RateLimiter.tryConsume, Bucket4j entry processors on Hazelcast):
# a node alone against one node of a three-node cluster, all members in one JVM on loopback ephemeral ports.
#
#   bench/cluster-ratelimit.sh [checks=20000] [threads=8]
#
# It builds nothing. Build the distribution first (from the repository root):
#   ./mvnw -B -q -ntp install -DskipTests -pl plugin-api,gateway-runtime,plugin-testkit,plugins,plugins/provider-mock,plugins/provider-openai,distribution
# PORTCULLIS_DIST=... an unpacked distribution (default: distribution/target/portcullis-*/)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dist="${PORTCULLIS_DIST:-$(ls -d "$root"/distribution/target/portcullis-*/ 2>/dev/null | head -n 1)}"
if [ -z "$dist" ] || [ ! -d "$dist/lib" ]; then
  echo "No unpacked distribution found: build it first (see the top of this script) or set PORTCULLIS_DIST." >&2
  exit 1
fi
. "$dist/bin/find-java.sh"
portcullis_find_java || exit 1
opts=(--add-modules java.se --add-exports java.base/jdk.internal.ref=ALL-UNNAMED
  --add-opens java.base/java.lang=ALL-UNNAMED --add-opens java.base/sun.nio.ch=ALL-UNNAMED
  --add-opens java.management/sun.management=ALL-UNNAMED
  --add-opens jdk.management/com.sun.management.internal=ALL-UNNAMED)
[ "${JAVA_MAJOR:-0}" -ge 24 ] && opts+=(--sun-misc-unsafe-memory-access=allow)
echo "java: $JAVA (major $JAVA_MAJOR); load before: $(cut -d' ' -f1-3 /proc/loadavg)"
PORTCULLIS_LOG_LEVEL=WARN exec "$JAVA" -XX:+UseParallelGC "${opts[@]}" \
  -cp "$dist/lib/*" "$root/bench/lib/ClusterRateLimitBench.java" "${1:-20000}" "${2:-8}"
