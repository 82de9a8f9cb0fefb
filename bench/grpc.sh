#!/usr/bin/env bash
# gRPC unary calls side by side in one run: grpc-java's client straight to grpc-java's server,
# through Sluice (launcher, real web.xml, access log on, server.h2c, upstream http-version = 2),
# and through nginx's grpc_pass (one worker, upstream keep-alive). Median round trip of sequential
# 1 KiB calls and calls per second with 64 in flight; ~2 minutes.
# Usage: bench/grpc.sh [--rounds N]   (the first round is left out of the medians)
# Ports 18131-18133 on 127.0.0.1 must be free. Needs nginx (bench/run.sh installs it).
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=4
[ "${1:-}" = "--rounds" ] && rounds=$2
SERVICE=18131 SLUICE=18132 NGINX=18133
work=$(mktemp -d /tmp/sluice-grpc.XXXXXX)
chmod 755 "$work"
cleanup() {
  kill "${sluice_pid:-}" "${service_pid:-}" 2>/dev/null || true
  [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null
  sleep 1
  rm -rf "$work"
}
trap cleanup EXIT

mvn -q -B test-compile dependency:build-classpath -Dmdep.outputFile=target/grpc.classpath -Dmdep.includeScope=test
cp="target/test-classes:target/classes:$(cat target/grpc.classpath)"
java -cp "$cp" dev.sluice.bench.GrpcBench server $SERVICE > "$work/service.log" 2>&1 &
service_pid=$!
cat > "$work/sluice.properties" <<PROPS
server.h2c = true
upstream.grpc.url = http://127.0.0.1:$SERVICE
upstream.grpc.http-version = 2
route.simple.path = /grpc.testing.SimpleService
route.simple.upstream = grpc
exchange.access-log.output = $work/access.log
PROPS
# shellcheck disable=SC2046
java $(tr -s '\r\n' '  ' < .mvn/jvm.config) -cp "$cp" dev.sluice.launcher.Main --config "$work/sluice.properties" --host 127.0.0.1 \
  --port $SLUICE --webapp src/main/webapp > "$work/sluice.log" 2>&1 &
sluice_pid=$!
cat > "$work/nginx.conf" <<NGINX
worker_processes 1;
pid $work/nginx.pid;
error_log $work/error.log warn;
$( [ "$(id -u)" = 0 ] && echo "user root;" )
events { worker_connections 4096; }
http { access_log off;
  client_body_temp_path $work/b; proxy_temp_path $work/p; fastcgi_temp_path $work/f; uwsgi_temp_path $work/u; scgi_temp_path $work/s;
  upstream service { server 127.0.0.1:$SERVICE; keepalive 32; }
  server { listen 127.0.0.1:$NGINX http2; location / { grpc_pass grpc://service; } } }
NGINX
"$(command -v nginx || echo /usr/sbin/nginx)" -c "$work/nginx.conf" -p "$work"
for port in $SERVICE $SLUICE; do
  for _ in $(seq 1 120); do (exec 3<>/dev/tcp/127.0.0.1/"$port") 2>/dev/null && break; sleep 0.5; done
done
java -cp "$cp" dev.sluice.bench.GrpcBench "direct=$SERVICE,sluice=$SLUICE,nginx=$NGINX" "$rounds" 2>&1 | grep -v '^WARNING'
