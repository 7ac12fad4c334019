#!/usr/bin/env bash
# Translation overhead of the provider adapters (JMH). Builds the benchmarks against the plugin JARs installed in the
# local Maven repository, then runs them; arguments go to JMH (a benchmark regex, -f/-wi/-i, -prof gc, ...).
#
#   ./mvnw -B -q install -DskipTests -pl plugin-api,plugins/provider-openai,plugins/provider-anthropic,plugins/provider-gemini -am
#   bench/jmh/run.sh                        # every adapter
#   bench/jmh/run.sh Anthropic -prof gc     # one adapter, with allocation rates
#
# MAVEN_ARGS passes options to Maven (-o, -Dmaven.repo.local=...). Nothing listens on a port: the transport is in memory.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"
# shellcheck disable=SC2086
../../mvnw -B -q -ntp ${MAVEN_ARGS:-} package
exec "${JAVA_HOME:+$JAVA_HOME/bin/}java" -jar target/benchmarks.jar -rf text -rff target/results.txt "$@"
