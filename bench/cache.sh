#!/usr/bin/env bash
# Cache hit cost, side by side in one run: one route forwarding every request to nginx and one
# answering from Sluice's cache (the same ~200 B JSON with Cache-Control: max-age=3600), for a
# small and a 100 KiB body. wrk rounds are interleaved; Sluice's CPU per request from /proc.
# Prints a Markdown table; about 4 minutes.
# Usage: bench/cache.sh [--rounds N] [--duration 10s]
# Ports 18111-18112 on 127.0.0.1 must be free. Needs wrk and nginx (bench/run.sh installs them).
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
BACKEND=18111 SLUICE=18112
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
work=$(mktemp -d /tmp/sluice-cache-bench.XXXXXX)
chmod 755 "$work"
cleanup() { [ -n "${sluice_pid:-}" ] && kill "$sluice_pid" 2>/dev/null; [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null; sleep 1; rm -rf "$work"; }
trap cleanup EXIT

mvn -q -B compile dependency:build-classpath -Dmdep.outputFile=target/cache-bench.classpath -Dmdep.includeScope=compile
mkdir -p "$work/www" "$work/logs"
printf '{"id":42,"name":"sluice","tags":["api","proxy","bench"],"active":true,"score":97.5,"owner":{"id":7,"name":"ada"},"note":"%s"}' \
  "$(head -c 60 /dev/zero | tr '\0' x)" > "$work/www/small"
head -c 102400 /dev/zero | tr '\0' y > "$work/www/large"
chmod -R a+rwX "$work"
cat > "$work/nginx.conf" <<NGINX
worker_processes 1;
pid $work/nginx.pid;
error_log $work/logs/error.log warn;
$( [ "$(id -u)" = 0 ] && echo "user root;" )
events { worker_connections 4096; }
http { access_log off; keepalive_requests 1000000; sendfile on;
  client_body_temp_path $work/b; proxy_temp_path $work/p; fastcgi_temp_path $work/f; uwsgi_temp_path $work/u; scgi_temp_path $work/s;
  server { listen 127.0.0.1:$BACKEND; root $work/www; add_header Cache-Control "max-age=3600";
    location = /small { default_type application/json; } location = /large { default_type application/octet-stream; } } }
NGINX
"$NGINX" -c "$work/nginx.conf" -p "$work"
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
for _ in $(seq 1 120); do (exec 3<>/dev/tcp/127.0.0.1/$SLUICE) 2>/dev/null && break; sleep 0.5; done

ticks() { awk '{print $14 + $15}' "/proc/$sluice_pid/stat"; }
run() { # name url
  local before after out rps requests
  before=$(ticks)
  out=$(wrk -t1 -c32 -d"$duration" "$2")
  after=$(ticks)
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  requests=$(echo "$out" | awk '/requests in/ {print $1}')
  echo "$1 $rps $(( (after - before) * 10000 / (requests > 0 ? requests : 1) ))" >> "$work/results"
}
names="proxied-small cached-small proxied-large cached-large"
url() { case $1 in proxied-*) echo "http://127.0.0.1:$SLUICE/proxied/${1#*-}" ;; cached-*) echo "http://127.0.0.1:$SLUICE/cached/${1#*-}" ;; esac; }
for name in $names; do wrk -t1 -c32 -d5s "$(url "$name")" >/dev/null; done
curl -s -o /dev/null -D - "$(url cached-small)" | grep -i x-cache-status >&2
for round in $(seq 1 "$rounds"); do
  for name in $names; do run "$name" "$(url "$name")"; done
  echo "round $round of $rounds done" >&2
done
median() { awk -v n="$1" '$1==n {print $2}' "$work/results" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo "| route | requests/s (median) | each round | vs proxied | Sluice CPU µs/request (median) |"
echo "|---|---:|---|---:|---:|"
for name in $names; do
  rps=$(median "$name")
  base=$(median "proxied-${name#*-}")
  each=$(awk -v n="$name" '$1==n {printf "%s ", $2}' "$work/results")
  cpu=$(awk -v n="$name" '$1==n {print $3}' "$work/results" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  echo "| $name | $rps | $each| $(awk -v a="$rps" -v b="$base" 'BEGIN {printf "%.2f", a / b}') | $cpu |"
done
echo
echo "$(date -u +%Y-%m-%dT%H:%M:%SZ), wrk -t1 -c32 -d$duration, $rounds interleaved rounds, $(nproc) cores; backend: one nginx worker"
