#!/usr/bin/env bash
# Pool throughput, side by side in one run: Sluice forwarding to one target vs to a pool of three
# (each algorithm), every target a port of one nginx serving ~200 B of JSON. wrk rounds are
# interleaved; Sluice's CPU per request comes from /proc. Prints a Markdown table; ~5 minutes.
# Usage: bench/pool.sh [--rounds N] [--duration 10s]
# Ports 18101-18104 on 127.0.0.1 must be free. Needs wrk and nginx (bench/run.sh installs them).
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
bench_options "$@"
T1=18101 T2=18102 T3=18103 SLUICE=18104
work=$(mktemp -d /tmp/sluice-pool.XXXXXX)
chmod 755 "$work"
trap bench_stop EXIT

mvn -q -B compile dependency:build-classpath -Dmdep.outputFile=target/pool.classpath -Dmdep.includeScope=compile
bench_backend "$T1 $T2 $T3"
pool="http://127.0.0.1:$T1, http://127.0.0.1:$T2, http://127.0.0.1:$T3"
cat > "$work/sluice.properties" <<PROPS
exchange.access-log = false
upstream.single.url = http://127.0.0.1:$T1
upstream.rr.targets = $pool
upstream.least.targets = $pool
upstream.least.balance = least-in-flight
upstream.latency.targets = $pool
upstream.latency.balance = latency
upstream.hash.targets = $pool
upstream.hash.balance = hash
upstream.hash.hash-on = header:X-User
PROPS
for name in single rr least latency hash; do
  printf 'route.%s.path = /%s\nroute.%s.upstream = %s\nroute.%s.strip-prefix = true\n' "$name" "$name" "$name" "$name" "$name" >> "$work/sluice.properties"
done
java -cp "target/classes:$(cat target/pool.classpath)" dev.sluice.launcher.Main --config "$work/sluice.properties" --host 127.0.0.1 \
  --port $SLUICE --webapp src/main/webapp > "$work/logs/sluice.log" 2>&1 &
sluice_pid=$!
bench_wait $SLUICE
names="single rr least latency hash"
for name in $names; do wrk -t1 -c32 -d5s "http://127.0.0.1:$SLUICE/$name/small" >/dev/null; done
for round in $(seq 1 "$rounds"); do
  for name in $names; do bench_run "$name" "http://127.0.0.1:$SLUICE/$name/small" "X-User: u$RANDOM"; done
  echo "round $round of $rounds done" >&2
done
single=$(bench_median single)
echo "| upstream | requests/s (median) | each round | vs one target | Sluice CPU µs/request (median) |"
echo "|---|---:|---|---:|---:|"
for name in $names; do
  rps=$(bench_median "$name")
  each=$(bench_each "$name")
  cpu=$(bench_median "$name" 3)
  echo "| $name | $rps | $each| $(awk -v a="$rps" -v b="$single" 'BEGIN {printf "%.2f", a / b}') | $cpu |"
done
echo
echo "$(date -u +%Y-%m-%dT%H:%M:%SZ), wrk -t1 -c32 -d$duration, $rounds interleaved rounds, $(nproc) cores; targets are three ports of one nginx worker"
