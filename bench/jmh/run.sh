#!/usr/bin/env bash
# Builds the JMH micro-benchmarks against the plugin JARs of this checkout and runs them.
#
#   bench/jmh/run.sh                          # every benchmark
#   bench/jmh/run.sh GeminiTranslationBench   # one class (any JMH argument works: -f 2, -wi 5, -prof gc, ...)
#
# MVN_ARGS passes options to Maven (e.g. MVN_ARGS="-o -Dmaven.repo.local=/path/to/repo" for an offline build).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
. "$root/distribution/src/bin/find-java.sh"
portcullis_find_java || exit 1
export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"

# The plugins the benchmarks call, installed from this checkout, then the benchmarks themselves.
"$root/mvnw" -B -q -ntp ${MVN_ARGS:-} -f "$root/pom.xml" install -DskipTests \
    -pl plugin-api,plugins,plugins/provider-openai,plugins/provider-gemini
"$root/mvnw" -B -q -ntp ${MVN_ARGS:-} -f "$here/pom.xml" package

# ParallelGC, as bin/portcullis runs the gateway.
exec "$JAVA" -XX:+UseParallelGC -jar "$here/target/benchmarks.jar" "$@"
