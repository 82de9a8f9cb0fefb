#!/usr/bin/env bash
# Where Sluice's CPU goes under load: one Sluice (the launcher, the real web.xml, access log on as
# shipped) in front of one nginx worker, wrk on one scenario, a JFR recording (settings=profile)
# taken after a warm-up, then the top frames (self, Sluice's own inclusive, all inclusive) printed
# as Markdown by dev.sluice.bench.JfrTop. "bare" profiles the bare Jetty ProxyServlet instead. Also writes the collapsed stacks (flamegraph.pl or
# speedscope input) and the recording under bench/results/.
# Usage: bench/profile.sh [plain|observed|cache|key|jwt|bare] [--duration 20s] [--jvm "-Xmx256m ..."]
# Ports 18121-18122 on 127.0.0.1 must be free. Needs wrk and nginx (bench/run.sh installs them).
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
scenario=${1:-plain}
[ $# -gt 0 ] && shift
duration=20s jvm=$(tr -s '\r\n' '  ' < .mvn/jvm.config)  # the launcher's flags unless --jvm says otherwise
bench_options "$@"
BACKEND=18121 SLUICE=18122 OTLP_SINK=18123
work=$(mktemp -d /tmp/sluice-profile.XXXXXX)
chmod 755 "$work"
trap bench_stop EXIT

mvn -q -B test-compile dependency:build-classpath -Dmdep.outputFile=target/profile.classpath -Dmdep.includeScope=test
cp="target/test-classes:target/classes:$(cat target/profile.classpath)"
bench_backend "$BACKEND"
bench_key=bench-api-key-0123456789abcdef
cat > "$work/sluice.properties" <<PROPS
upstream.backend.url = http://127.0.0.1:$BACKEND
route.all.path = /
route.all.upstream = backend
consumer.bench.api-key.main = sha256:$(printf '%s' "$bench_key" | sha256sum | cut -d' ' -f1)
route.key.path = /key
route.key.upstream = backend
route.key.strip-prefix = true
route.key.auth = api-key
route.key.rate-limit = 100000000/s
route.cached.path = /cached
route.cached.upstream = backend
route.cached.strip-prefix = true
route.cached.cache = force
route.cached.cache.ttl = 10m
auth.jwt.bench.issuer = https://bench.sluice.dev/
auth.jwt.bench.jwks-file = $work/bench-jwks.json
auth.jwt.bench.audience = bench
route.jwt.path = /jwt
route.jwt.upstream = backend
route.jwt.strip-prefix = true
route.jwt.auth = jwt
route.jwt.rate-limit = 100000000/s
PROPS
bench_token=$(java -cp "$cp" dev.sluice.bench.BenchToken "$work/bench-jwks.json")
# shellcheck disable=SC2086
if [ "$scenario" = observed ]; then
  # The plain route with every request's spans exported to a sink that discards them.
  java -cp "$cp" dev.sluice.bench.OtlpSink $OTLP_SINK > "$work/logs/otlp-sink.log" 2>&1 &
  sink_pid=$!
  trap 'kill "$sink_pid" 2>/dev/null; bench_stop' EXIT
  printf 'observe.otlp.endpoint = http://127.0.0.1:%s/v1/traces\n' "$OTLP_SINK" >> "$work/sluice.properties"
fi
if [ "$scenario" = bare ]; then
  java $jvm -cp "$cp" dev.sluice.bench.BareProxy $SLUICE "http://127.0.0.1:$BACKEND" > "$work/logs/sluice.log" 2>&1 &
else java $jvm -cp "$cp" dev.sluice.launcher.Main --config "$work/sluice.properties" --port $SLUICE --host 127.0.0.1 \
  --webapp src/main/webapp > "$work/logs/sluice.log" 2>&1 &
fi
sluice_pid=$!
bench_wait $SLUICE

header=()
case $scenario in
  plain|bare|observed) url=http://127.0.0.1:$SLUICE/small ;;
  cache) url=http://127.0.0.1:$SLUICE/cached/small ;;
  key) url=http://127.0.0.1:$SLUICE/key/small; header=(-H "apikey: $bench_key") ;;
  jwt) url=http://127.0.0.1:$SLUICE/jwt/small; header=(-H "Authorization: Bearer $bench_token") ;;
  *) echo "unknown scenario $scenario (plain, observed, cache, key, jwt or bare)" >&2; exit 2 ;;
esac
wrk -t1 -c32 -d45s "${header[@]}" "$url" | grep -E 'Requests/sec' | sed 's/^/warm-up: /'
# JFR's profile settings sample every 10 ms; every 1 ms gives ten times the samples for the same run.
java_home=$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")
sed '/"jdk.ExecutionSample"/,/<\/event>/ s/>10 ms</>1 ms</;/"jdk.ExecutionSample"/,/<\/event>/ s/>20 ms</>1 ms</' \
  "$java_home/lib/jfr/profile.jfc" > "$work/sampling.jfc"
stamp=$(date -u +%Y%m%d-%H%M%S)
recording="$PWD/bench/results/$stamp.$scenario.jfr"
jcmd $sluice_pid JFR.start name=bench settings="$work/sampling.jfc" filename="$recording" > /dev/null
wrk -t1 -c32 -d"$duration" "${header[@]}" "$url" | grep -E 'Requests/sec|Latency'
jcmd $sluice_pid JFR.stop name=bench > /dev/null
java -cp "$cp" dev.sluice.bench.JfrTop "$recording" 25 "bench/results/$stamp.$scenario.collapsed" | tee "bench/results/$stamp.$scenario.profile.md"
rm -f "$recording"
