#!/usr/bin/env bash
# Measures ProxyServlet vs AsyncProxyServlet vs Sluice side by side with wrk (see
# src/test/java/dev/sluice/bench/ServletChoiceBench.java). Usage: bench/servlet-choice.sh [rounds] [duration] [connections]
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { echo "installing wrk"; apt-get install -y -qq wrk >/dev/null; }
mvn -q -B test-compile
mvn -q -B exec:java -Dexec.classpathScope=test -Dexec.mainClass=dev.sluice.bench.ServletChoiceBench \
  -Dexec.args="${1:-3} ${2:-5s} ${3:-32}" 2>&1 | grep -vE '^[0-9]{4}-[0-9]{2}-[0-9]{2} '
