#!/usr/bin/env bash
# PII redaction benchmark: scan throughput (MB/s) on realistic 1 KB and 100 KB prompts, adversarial inputs at 10 KB,
# 100 KB and 1 MB (time per KB must stay flat: linear scanning), and the latency the policy adds per request.
# In-process, no ports. Results go in docs/performance.md ("## PII redaction").
#
#   bench/pii/run.sh
#
# It builds the plugin with its tests' classes first (offline, like the rest of the build):
#   JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64 (any JDK >= 21); MAVEN_REPO=... to use another local repository.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$REPO"
MODULE=plugins/pii-redaction
MVN_REPO_ARGS=()
if [[ -n "${MAVEN_REPO:-}" ]]; then
  MVN_REPO_ARGS=("-Dmaven.repo.local=$MAVEN_REPO")
fi
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"

./mvnw -B -q -ntp -o "${MVN_REPO_ARGS[@]}" test-compile -pl "$MODULE"
CP_FILE="$(mktemp)"
trap 'rm -f "$CP_FILE"' EXIT
./mvnw -B -q -ntp -o "${MVN_REPO_ARGS[@]}" dependency:build-classpath -pl "$MODULE" \
  -Dmdep.outputFile="$CP_FILE" -Dmdep.includeScope=test
exec "$JAVA" -XX:+UseParallelGC -cp "$MODULE/target/test-classes:$MODULE/target/classes:$(cat "$CP_FILE")" \
  io.portcullis.plugins.pii.PiiScanBenchmark
