#!/usr/bin/env bash
# Pool throughput, side by side in one run: Sluice forwarding to one target vs to a pool of three
# (each algorithm), every target a port of one nginx serving ~200 B of JSON. wrk rounds are
# interleaved; Sluice's CPU per request comes from /proc. Prints a Markdown table; ~5 minutes.
# Usage: bench/pool.sh [--rounds N] [--duration 10s]
# Ports 18101-18104 on 127.0.0.1 must be free. Needs wrk and nginx (bench/run.sh installs them).
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
T1=18101 T2=18102 T3=18103 SLUICE=18104
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
work=$(mktemp -d /tmp/sluice-pool.XXXXXX)
chmod 755 "$work"
cleanup() { [ -n "${sluice_pid:-}" ] && kill "$sluice_pid" 2>/dev/null; [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null; sleep 1; rm -rf "$work"; }
trap cleanup EXIT

mvn -q -B compile dependency:build-classpath -Dmdep.outputFile=target/pool.classpath -Dmdep.includeScope=compile
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
  server { listen 127.0.0.1:$T1; listen 127.0.0.1:$T2; listen 127.0.0.1:$T3; root $work/www; location = /small { default_type application/json; } } }
NGINX
"$NGINX" -c "$work/nginx.conf" -p "$work"
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
for _ in $(seq 1 120); do (exec 3<>/dev/tcp/127.0.0.1/$SLUICE) 2>/dev/null && break; sleep 0.5; done

ticks() { awk '{print $14 + $15}' "/proc/$sluice_pid/stat"; }
run() { # name url
  local before after out rps requests
  before=$(ticks)
  out=$(wrk -t1 -c32 -d"$duration" -H "X-User: u$RANDOM" "$2")
  after=$(ticks)
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  requests=$(echo "$out" | awk '/requests in/ {print $1}')
  echo "$1 $rps $(( (after - before) * 10000 / (requests > 0 ? requests : 1) ))" >> "$work/results"
}
names="single rr least latency hash"
for name in $names; do wrk -t1 -c32 -d5s "http://127.0.0.1:$SLUICE/$name/small" >/dev/null; done
for round in $(seq 1 "$rounds"); do
  for name in $names; do run "$name" "http://127.0.0.1:$SLUICE/$name/small"; done
  echo "round $round of $rounds done" >&2
done
single=$(awk '$1=="single" {print $2}' "$work/results" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
echo "| upstream | requests/s (median) | each round | vs one target | Sluice CPU µs/request (median) |"
echo "|---|---:|---|---:|---:|"
for name in $names; do
  rps=$(awk -v n="$name" '$1==n {print $2}' "$work/results" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  each=$(awk -v n="$name" '$1==n {printf "%s ", $2}' "$work/results")
  cpu=$(awk -v n="$name" '$1==n {print $3}' "$work/results" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  echo "| $name | $rps | $each| $(awk -v a="$rps" -v b="$single" 'BEGIN {printf "%.2f", a / b}') | $cpu |"
done
echo
echo "$(date -u +%Y-%m-%dT%H:%M:%SZ), wrk -t1 -c32 -d$duration, $rounds interleaved rounds, $(nproc) cores; targets are three ports of one nginx worker"
