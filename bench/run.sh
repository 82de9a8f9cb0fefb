#!/usr/bin/env bash
# Side-by-side benchmark: backend direct, nginx proxy_pass, bare Jetty ProxyServlet, Sluice (plain,
# rate-limited, API key + rate limit, cached JWT + rate limit, cache hit), and nginx proxy_cache, all on
# loopback, measured with wrk in interleaved rounds. Prints one table and
# writes bench/results/<time>.{json,md} and the "latest results" section of docs/PERFORMANCE.md.
#
# Usage: bench/run.sh [--rounds N] [--duration 10s] [--warmup 20s] [--connections 32] [--pin]
#   --pin   run wrk on CPU 0 and every server on CPU 1 (taskset), so they do not compete.
# Ports 18081-18091 on 127.0.0.1 must be free. Needs a JDK 17+ and Maven; installs wrk and nginx
# from Debian packages when missing (as root). Takes about 16 minutes with the defaults.
# The backend and the nginx proxies are separate nginx instances, so each one's CPU per request
# is its own.
set -euo pipefail
cd "$(dirname "$0")/.."

rounds=3 duration=10s warmup=20s connections=32 pin=false
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    --pin) pin=true; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

need=()
command -v wrk >/dev/null || need+=(wrk)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || need+=(nginx)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing ${need[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  # The package may start a system nginx on port 80; it is not ours.
  pkill -x nginx 2>/dev/null || true
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

BACKEND=18081 NGINX_PROXY=18082 NGINX_CACHE=18083 JETTY=18084 SLUICE=18085 STATIC=18086 SLUICE_OBSERVED=18087 SLUICE_QUIET=18088 OTLP_SINK=18089 SLUICE_SAMPLED=18090 SLUICE_CHAIN=18091 SLUICE_HTTPS=18092
for port in $BACKEND $NGINX_PROXY $NGINX_CACHE $JETTY $SLUICE $STATIC $SLUICE_OBSERVED $SLUICE_QUIET $OTLP_SINK $SLUICE_SAMPLED $SLUICE_CHAIN $SLUICE_HTTPS; do
  if (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null; then echo "port $port is in use" >&2; exit 2; fi
done

pin_wrk="" pin_server=""
if $pin; then pin_wrk="taskset -c 0"; pin_server="taskset -c 1"; fi

work=$(mktemp -d /tmp/sluice-bench.XXXXXX)
chmod 755 "$work"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for name in backend proxies; do
    [ -f "$work/$name.pid" ] && kill "$(cat "$work/$name.pid")" 2>/dev/null || true
  done
  sleep 1
  rm -rf "$work"
}
trap cleanup EXIT

echo "building"
mvn -q -B test-compile dependency:build-classpath -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test
cp="target/test-classes:target/classes:$(cat target/bench.classpath)"

# The backend's two responses: ~200 bytes of JSON and 100 KiB.
mkdir -p "$work/www" "$work/cache" "$work/logs"
printf '{"id":42,"name":"sluice","tags":["api","proxy","bench"],"active":true,"score":97.5,"owner":{"id":7,"name":"ada"},"note":"%s"}' \
  "$(head -c 60 /dev/zero | tr '\0' x)" > "$work/www/small"
head -c 102400 /dev/zero | tr '\0' y > "$work/www/large"
chmod -R a+rwX "$work"

nginx_conf() { # name, then the servers
  cat > "$work/$1.conf" <<NGINX
worker_processes auto;
pid $work/$1.pid;
error_log $work/logs/$1-error.log warn;
$( [ "$(id -u)" = 0 ] && echo "user root;" )
events { worker_connections 4096; }
http {
  access_log off;
  # No tcp_nopush: with sendfile it holds back cached responses' last segment (40 ms delayed-ACK stalls).
  sendfile on;
  keepalive_requests 1000000;
  client_body_temp_path $work/$1-body;
  proxy_temp_path $work/$1-proxy;
  fastcgi_temp_path $work/$1-fastcgi;
  uwsgi_temp_path $work/$1-uwsgi;
  scgi_temp_path $work/$1-scgi;
$2
}
NGINX
  $pin_server "$NGINX" -c "$work/$1.conf" -p "$work"
}
nginx_conf backend "
  server {
    listen 127.0.0.1:$BACKEND;
    root $work/www;
    location = /small { default_type application/json; }
    location = /large { default_type application/octet-stream; }
  }"
nginx_conf proxies "
  proxy_cache_path $work/cache keys_zone=bench:10m;
  upstream backend { server 127.0.0.1:$BACKEND; keepalive 64; }
  server {
    listen 127.0.0.1:$NGINX_PROXY;
    location / { proxy_pass http://backend; proxy_http_version 1.1; proxy_set_header Connection \"\"; }
  }
  server {
    listen 127.0.0.1:$NGINX_CACHE;
    location / {
      proxy_pass http://backend; proxy_http_version 1.1; proxy_set_header Connection \"\";
      proxy_cache bench; proxy_cache_valid 200 10m;
    }
  }"

# Sluice's other scenarios, each with a local rate limit far above what this machine can send (so
# every request is counted and none refused): /limited/* per client address, /key/* with an API
# key per consumer, /jwt/* with a cached RS256 JWT per token subject.
bench_key=bench-api-key-0123456789abcdef
bench_token=$(java -cp "$cp" dev.sluice.bench.BenchToken "$work/bench-jwks.json")
cat > "$work/sluice.properties" <<PROPS
upstream.backend.url = http://127.0.0.1:$BACKEND
route.all.path = /
route.all.upstream = backend
consumer.bench.api-key.main = sha256:$(printf '%s' "$bench_key" | sha256sum | cut -d' ' -f1)
auth.jwt.bench.issuer = https://bench.sluice.dev/
auth.jwt.bench.jwks-file = $work/bench-jwks.json
auth.jwt.bench.audience = bench
route.key.path = /key
route.key.upstream = backend
route.key.strip-prefix = true
route.key.auth = api-key
route.key.rate-limit = 100000000/s
route.jwt.path = /jwt
route.jwt.upstream = backend
route.jwt.strip-prefix = true
route.jwt.auth = jwt
route.jwt.rate-limit = 100000000/s
route.limited.path = /limited
route.limited.upstream = backend
route.limited.strip-prefix = true
route.limited.rate-limit = 100000000/s
route.limited.rate-limit.by = ip
route.cached.path = /cached
route.cached.upstream = backend
route.cached.strip-prefix = true
route.cached.cache = force
route.cached.cache.ttl = 10m
route.headers.path = /headers
route.headers.upstream = backend
route.headers.strip-prefix = true
route.headers.transform.request.header.set.X-Client = \${client.ip}
route.headers.transform.request.header.remove = X-Debug
route.headers.transform.response.header.set.X-Served-By = sluice
route.json.path = /json
route.json.upstream = backend
route.json.strip-prefix = true
route.json.transform.response.json.remove = /note
route.json.transform.response.json.set./served_by = sluice
route.guarded.path = /guarded
route.guarded.upstream = backend
route.guarded.strip-prefix = true
route.guarded.guard.allow = 127.0.0.0/8, ::1/128
route.guarded.guard.max-body = 1MB
PROPS

echo "starting the bare Jetty proxy and Sluice"
# Every JVM in the comparison runs with the launcher's flags, read from .mvn/jvm.config: the same
# heap limit and native-heap trimming for bare Jetty as for Sluice, so neither pays for garbage
# collection the other does not and resident sizes compare.
sluice_jvm=$(tr -s '\r\n' '  ' < .mvn/jvm.config)
# shellcheck disable=SC2086
$pin_server java $sluice_jvm -cp "$cp" dev.sluice.bench.BareProxy $JETTY "http://127.0.0.1:$BACKEND" > "$work/logs/jetty.log" 2>&1 &
jetty_pid=$!
pids+=($jetty_pid)
# The floor of any servlet answer: the same bodies from memory, no filters, no proxy.
# shellcheck disable=SC2086
$pin_server java $sluice_jvm -cp "$cp" dev.sluice.bench.BareStatic $STATIC "$work/www" > "$work/logs/static.log" 2>&1 &
static_pid=$!
pids+=($static_pid)
# Sluice as shipped: access log on (to a file here), all filters in place, the launcher's flags.
# shellcheck disable=SC2086
$pin_server java $sluice_jvm -cp "$cp" dev.sluice.launcher.Main --config "$work/sluice.properties" --port $SLUICE --host 127.0.0.1 \
  --webapp src/main/webapp > "$work/logs/sluice.log" 2>&1 &
sluice_pid=$!
pids+=($sluice_pid)
# Scenario 8: the same configuration over HTTPS (a throwaway certificate; TLS 1.3, HTTP/1.1 by ALPN
# as wrk offers), in a JVM of its own so that the one above is measured (resident memory, latency)
# as before. Its plain port is not used.
# shellcheck disable=SC2086
$pin_server java $sluice_jvm -cp "$cp" dev.sluice.launcher.Main --config "$work/sluice.properties" --port 0 --host 127.0.0.1 \
  --self-signed --https-port $SLUICE_HTTPS --webapp src/main/webapp > "$work/logs/sluice-https.log" 2>&1 &
https_pid=$!
pids+=($https_pid)
# The cost of observability: the plain route with metrics and OTLP export of every request (to a
# sink that discards), against the same route with metrics off and no export. Same heap.
cp "$work/sluice.properties" "$work/sluice-observed.properties"
printf 'observe.otlp.endpoint = http://127.0.0.1:%s/v1/traces\nobserve.otlp.sample-ratio = 1\n' "$OTLP_SINK" >> "$work/sluice-observed.properties"
cp "$work/sluice.properties" "$work/sluice-sampled.properties"
printf 'observe.otlp.endpoint = http://127.0.0.1:%s/v1/traces\nobserve.otlp.sample-ratio = 0.1\n' "$OTLP_SINK" >> "$work/sluice-sampled.properties"
cp "$work/sluice.properties" "$work/sluice-quiet.properties"
printf 'metrics.enabled = false\n' >> "$work/sluice-quiet.properties"
$pin_server java -cp "$cp" dev.sluice.bench.OtlpSink $OTLP_SINK > "$work/logs/otlp-sink.log" 2>&1 &
pids+=($!)
# shellcheck disable=SC2086
$pin_server java $sluice_jvm -cp "$cp" dev.sluice.launcher.Main --config "$work/sluice-observed.properties" --port $SLUICE_OBSERVED \
  --host 127.0.0.1 --webapp src/main/webapp > "$work/logs/sluice-observed.log" 2>&1 &
observed_pid=$!
pids+=($observed_pid)
# shellcheck disable=SC2086
$pin_server java $sluice_jvm -cp "$cp" dev.sluice.launcher.Main --config "$work/sluice-quiet.properties" --port $SLUICE_QUIET \
  --host 127.0.0.1 --webapp src/main/webapp > "$work/logs/sluice-quiet.log" 2>&1 &
quiet_pid=$!
pids+=($quiet_pid)
# shellcheck disable=SC2086
$pin_server java $sluice_jvm -cp "$cp" dev.sluice.launcher.Main --config "$work/sluice-sampled.properties" --port $SLUICE_SAMPLED \
  --host 127.0.0.1 --webapp src/main/webapp > "$work/logs/sluice-sampled.log" 2>&1 &
sampled_pid=$!
pids+=($sampled_pid)
# Cache hits the way a WAR deployment answers them: through the servlet chain, the launcher's
# fast path off (cache.fast-path = false).
cp "$work/sluice.properties" "$work/sluice-chain.properties"
printf 'cache.fast-path = false\n' >> "$work/sluice-chain.properties"
# shellcheck disable=SC2086
$pin_server java $sluice_jvm -cp "$cp" dev.sluice.launcher.Main --config "$work/sluice-chain.properties" --port $SLUICE_CHAIN \
  --host 127.0.0.1 --webapp src/main/webapp > "$work/logs/sluice-chain.log" 2>&1 &
chain_pid=$!
pids+=($chain_pid)

for port in $BACKEND $NGINX_PROXY $NGINX_CACHE $JETTY $SLUICE $STATIC $SLUICE_OBSERVED $SLUICE_QUIET $OTLP_SINK $SLUICE_SAMPLED $SLUICE_CHAIN $SLUICE_HTTPS; do
  for _ in $(seq 1 120); do
    if (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null; then break; fi
    sleep 0.5
  done
  (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null || { echo "nothing listens on $port; logs in $work/logs" >&2; cat "$work/logs/"*.log >&2; exit 1; }
done

# Every process of an nginx instance: the master and its workers.
# (Not the cache loader, which exits after a minute.)
nginx_pids() { local master; master=$(cat "$work/$1.pid"); echo "$master,$(pgrep -P "$master" -f 'worker process' | paste -sd, -)"; }

# taskset execs the JVM, so $! is the JVM's own pid.
java -cp "$cp" dev.sluice.bench.BenchRunner \
  --rounds "$rounds" --duration "$duration" --warmup "$warmup" --connections "$connections" --pin "$pin_wrk" \
  --sluice-pid "$sluice_pid" --sluice-jvm "$sluice_jvm" --nginx-version "$("$NGINX" -v 2>&1 | sed 's/.*: //')" \
  --wrk-version "$(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2)" \
  --target direct=http://127.0.0.1:$BACKEND --target nginx=http://127.0.0.1:$NGINX_PROXY \
  --target jetty=http://127.0.0.1:$JETTY --target sluice=http://127.0.0.1:$SLUICE \
  --target nginx-cache=http://127.0.0.1:$NGINX_CACHE \
  --target jetty-static=http://127.0.0.1:$STATIC \
  --target sluice-cache=http://127.0.0.1:$SLUICE/cached --target sluice-cache-chain=http://127.0.0.1:$SLUICE_CHAIN/cached \
  --target sluice-observed=http://127.0.0.1:$SLUICE_OBSERVED --target sluice-quiet=http://127.0.0.1:$SLUICE_QUIET \
  --target sluice-sampled=http://127.0.0.1:$SLUICE_SAMPLED \
  --target sluice-limited=http://127.0.0.1:$SLUICE/limited \
  --target sluice-headers=http://127.0.0.1:$SLUICE/headers --target sluice-json=http://127.0.0.1:$SLUICE/json \
  --target sluice-guarded=http://127.0.0.1:$SLUICE/guarded --target sluice-https=https://127.0.0.1:$SLUICE_HTTPS \
  --target "sluice-key=http://127.0.0.1:$SLUICE/key|apikey: $bench_key" \
  --target "sluice-jwt=http://127.0.0.1:$SLUICE/jwt|Authorization: Bearer $bench_token" \
  --cpu direct="$(nginx_pids backend)" --cpu nginx="$(nginx_pids proxies)" --cpu nginx-cache="$(nginx_pids proxies)" \
  --cpu jetty="$jetty_pid" --cpu jetty-static="$static_pid" --cpu sluice="$sluice_pid" --cpu sluice-limited="$sluice_pid" --cpu sluice-headers="$sluice_pid" --cpu sluice-json="$sluice_pid" --cpu sluice-guarded="$sluice_pid" --cpu sluice-https="$https_pid" --cpu sluice-key="$sluice_pid" --cpu sluice-jwt="$sluice_pid" --cpu sluice-cache="$sluice_pid" --cpu sluice-cache-chain="$chain_pid" --cpu sluice-observed="$observed_pid" --cpu sluice-quiet="$quiet_pid" --cpu sluice-sampled="$sampled_pid"
