#!/usr/bin/env bash
# Cache hit cost, side by side in one run: one route forwarding every request to nginx and one
# answering from Sluice's cache (the same ~200 B JSON with Cache-Control: max-age=3600), for a
# small and a 100 KiB body. wrk rounds are interleaved; Sluice's CPU per request from /proc.
# Prints a Markdown table; about 4 minutes.
# Usage: bench/cache.sh [--rounds N] [--duration 10s]
# Ports 18111-18112 on 127.0.0.1 must be free. Needs wrk and nginx (bench/run.sh installs them).
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
bench_options "$@"
BACKEND=18111 SLUICE=18112
work=$(mktemp -d /tmp/sluice-cache-bench.XXXXXX)
chmod 755 "$work"
trap bench_stop EXIT

mvn -q -B compile dependency:build-classpath -Dmdep.outputFile=target/cache-bench.classpath -Dmdep.includeScope=compile
bench_backend "$BACKEND" 'add_header Cache-Control "max-age=3600";'
cat > "$work/sluice.properties" <<PROPS
exchange.access-log = false
upstream.backend.url = http://127.0.0.1:$BACKEND
route.proxied.path = /proxied
route.proxied.upstream = backend
route.proxied.strip-prefix = true
route.cached.path = /cached
route.cached.upstream = backend
route.cached.strip-prefix = true
route.cached.cache = on
PROPS
java -cp "target/classes:$(cat target/cache-bench.classpath)" dev.sluice.launcher.Main --config "$work/sluice.properties" --host 127.0.0.1 \
  --port $SLUICE --webapp src/main/webapp > "$work/logs/sluice.log" 2>&1 &
sluice_pid=$!
bench_wait $SLUICE
names="proxied-small cached-small proxied-large cached-large"
url() { case $1 in proxied-*) echo "http://127.0.0.1:$SLUICE/proxied/${1#*-}" ;; cached-*) echo "http://127.0.0.1:$SLUICE/cached/${1#*-}" ;; esac; }
for name in $names; do wrk -t1 -c32 -d5s "$(url "$name")" >/dev/null; done
curl -s -o /dev/null -D - "$(url cached-small)" | grep -i x-cache-status >&2
for round in $(seq 1 "$rounds"); do
  for name in $names; do bench_run "$name" "$(url "$name")"; done
  echo "round $round of $rounds done" >&2
done
echo "| route | requests/s (median) | each round | vs proxied | Sluice CPU µs/request (median) |"
echo "|---|---:|---|---:|---:|"
for name in $names; do
  rps=$(bench_median "$name")
  base=$(bench_median "proxied-${name#*-}")
  each=$(bench_each "$name")
  cpu=$(bench_median "$name" 3)
  echo "| $name | $rps | $each| $(awk -v a="$rps" -v b="$base" 'BEGIN {printf "%.2f", a / b}') | $cpu |"
done
echo
echo "$(date -u +%Y-%m-%dT%H:%M:%SZ), wrk -t1 -c32 -d$duration, $rounds interleaved rounds, $(nproc) cores; backend: one nginx worker"
