#!/usr/bin/env bash
# JMH micro-benchmarks (src/test/java/dev/sluice/bench/jmh): route matching and path
# normalisation, and the access-log line. Never part of `mvn test`.
# Usage: bench/jmh.sh [JMH options, e.g. a benchmark name regex or -f 2]
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -q -B test-compile dependency:build-classpath -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test
exec java -cp "target/test-classes:target/classes:$(cat target/bench.classpath)" org.openjdk.jmh.Main "${@:-dev.sluice.bench.jmh}"
