#!/usr/bin/env bash
# HTTPS cost, side by side in one run: Sluice's plain port vs its HTTPS port (self-signed
# certificate, TLS 1.3, HTTP/1.1 so wrk can speak it) for a ~200 B response, with keep-alive and
# with a new connection (and so a new TLS handshake) per request. wrk rounds are interleaved;
# Sluice's CPU per request comes from /proc. Prints a Markdown table; about 3 minutes.
# Usage: bench/https.sh [--rounds N] [--duration 10s]
# Ports 18091-18093 on 127.0.0.1 must be free. Needs wrk and nginx (bench/run.sh installs them).
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=3 duration=10s
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
BACKEND=18091 PLAIN=18092 HTTPS=18093
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
work=$(mktemp -d /tmp/sluice-https.XXXXXX)
chmod 755 "$work"
cleanup() { [ -n "${sluice_pid:-}" ] && kill "$sluice_pid" 2>/dev/null; [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null; sleep 1; rm -rf "$work"; }
trap cleanup EXIT

mvn -q -B compile dependency:build-classpath -Dmdep.outputFile=target/https.classpath -Dmdep.includeScope=compile
mkdir -p "$work/www" "$work/logs"
printf '{"id":42,"name":"sluice","tags":["api","proxy","bench"],"active":true,"score":97.5,"owner":{"id":7,"name":"ada"},"note":"%s"}' \
  "$(head -c 60 /dev/zero | tr '\0' x)" > "$work/www/small"
chmod -R a+rwX "$work"
cat > "$work/nginx.conf" <<NGINX
worker_processes 1;
pid $work/nginx.pid;
error_log $work/logs/error.log warn;
$( [ "$(id -u)" = 0 ] && echo "user root;" )
events { worker_connections 4096; }
http { access_log off; keepalive_requests 1000000;
  client_body_temp_path $work/b; proxy_temp_path $work/p; fastcgi_temp_path $work/f; uwsgi_temp_path $work/u; scgi_temp_path $work/s;
  server { listen 127.0.0.1:$BACKEND; root $work/www; location = /small { default_type application/json; } } }
NGINX
"$NGINX" -c "$work/nginx.conf" -p "$work"
cat > "$work/sluice.properties" <<PROPS
upstream.backend.url = http://127.0.0.1:$BACKEND
route.all.path = /
route.all.upstream = backend
exchange.access-log = false
PROPS
java -cp "target/classes:$(cat target/https.classpath)" dev.sluice.launcher.Main --config "$work/sluice.properties" --host 127.0.0.1 \
  --port $PLAIN --self-signed --https-port $HTTPS --webapp src/main/webapp > "$work/logs/sluice.log" 2>&1 &
sluice_pid=$!
for port in $PLAIN $HTTPS; do
  for _ in $(seq 1 120); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.5; done
done

ticks() { awk '{print $14 + $15}' "/proc/$sluice_pid/stat"; }
run() { # name url [header]
  local before after out rps
  before=$(ticks)
  if [ -n "${3:-}" ]; then out=$(wrk -t1 -c32 -d"$duration" -H "$3" "$2"); else out=$(wrk -t1 -c32 -d"$duration" "$2"); fi
  after=$(ticks)
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  local requests; requests=$(echo "$out" | awk '/requests in/ {print $1}')
  echo "$1 $rps $(( (after - before) * 10000 / (requests > 0 ? requests : 1) ))" >> "$work/results"
}
# Warm-up: JIT and session caches.
wrk -t1 -c32 -d10s "http://127.0.0.1:$PLAIN/small" >/dev/null
wrk -t1 -c32 -d10s "https://127.0.0.1:$HTTPS/small" >/dev/null
for round in $(seq 1 "$rounds"); do
  run plain-keepalive "http://127.0.0.1:$PLAIN/small"
  run https-keepalive "https://127.0.0.1:$HTTPS/small"
  run plain-new-connection "http://127.0.0.1:$PLAIN/small" "Connection: close"
  run https-new-connection "https://127.0.0.1:$HTTPS/small" "Connection: close"
  echo "round $round of $rounds done" >&2
done
echo "| scenario | requests/s (median) | each round | Sluice CPU µs/request (median) |"
echo "|---|---:|---|---:|"
for name in plain-keepalive https-keepalive plain-new-connection https-new-connection; do
  rps=$(awk -v n="$name" '$1==n {print $2}' "$work/results" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  each=$(awk -v n="$name" '$1==n {printf "%s ", $2}' "$work/results")
  cpu=$(awk -v n="$name" '$1==n {print $3}' "$work/results" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  echo "| $name | $rps | $each| $cpu |"
done
echo
echo "$(date -u +%Y-%m-%dT%H:%M:%SZ), wrk -t1 -c32 -d$duration, $rounds interleaved rounds, $(nproc) cores"
