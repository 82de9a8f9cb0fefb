#!/usr/bin/env bash
# HTTPS cost, side by side in one run: Sluice's plain port vs its HTTPS port (self-signed
# certificate, TLS 1.3, HTTP/1.1 so wrk can speak it) for a ~200 B response, with keep-alive and
# with a new connection (and so a new TLS handshake) per request. wrk rounds are interleaved;
# Sluice's CPU per request comes from /proc. Prints a Markdown table; about 3 minutes.
# Usage: bench/https.sh [--rounds N] [--duration 10s]
# Ports 18091-18093 on 127.0.0.1 must be free. Needs wrk and nginx (bench/run.sh installs them).
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
bench_options "$@"
BACKEND=18091 PLAIN=18092 HTTPS=18093
work=$(mktemp -d /tmp/sluice-https.XXXXXX)
chmod 755 "$work"
trap bench_stop EXIT

mvn -q -B compile dependency:build-classpath -Dmdep.outputFile=target/https.classpath -Dmdep.includeScope=compile
bench_backend "$BACKEND"
cat > "$work/sluice.properties" <<PROPS
upstream.backend.url = http://127.0.0.1:$BACKEND
route.all.path = /
route.all.upstream = backend
exchange.access-log = false
PROPS
java -cp "target/classes:$(cat target/https.classpath)" dev.sluice.launcher.Main --config "$work/sluice.properties" --host 127.0.0.1 \
  --port $PLAIN --self-signed --https-port $HTTPS --webapp src/main/webapp > "$work/logs/sluice.log" 2>&1 &
sluice_pid=$!
bench_wait $PLAIN
bench_wait $HTTPS
# Warm-up: JIT and session caches.
wrk -t1 -c32 -d10s "http://127.0.0.1:$PLAIN/small" >/dev/null
wrk -t1 -c32 -d10s "https://127.0.0.1:$HTTPS/small" >/dev/null
for round in $(seq 1 "$rounds"); do
  bench_run plain-keepalive "http://127.0.0.1:$PLAIN/small"
  bench_run https-keepalive "https://127.0.0.1:$HTTPS/small"
  bench_run plain-new-connection "http://127.0.0.1:$PLAIN/small" "Connection: close"
  bench_run https-new-connection "https://127.0.0.1:$HTTPS/small" "Connection: close"
  echo "round $round of $rounds done" >&2
done
echo "| scenario | requests/s (median) | each round | Sluice CPU µs/request (median) |"
echo "|---|---:|---|---:|"
for name in plain-keepalive https-keepalive plain-new-connection https-new-connection; do
  rps=$(bench_median "$name")
  each=$(bench_each "$name")
  cpu=$(bench_median "$name" 3)
  echo "| $name | $rps | $each| $cpu |"
done
echo
echo "$(date -u +%Y-%m-%dT%H:%M:%SZ), wrk -t1 -c32 -d$duration, $rounds interleaved rounds, $(nproc) cores"
