# Shared by bench/https.sh, pool.sh, cache.sh, profile.sh and cpu-profile.sh (sourced, not run): options, an nginx
# backend with a ~200 B and a 100 KiB body, wrk rounds with Sluice's CPU per request, medians.
# The caller sets $work (a temporary directory) and, before bench_run, $sluice_pid.

rounds=3 duration=10s
bench_options() { # "$@" of the script
  while [ $# -gt 0 ]; do
    case "$1" in
      --rounds) rounds=$2; shift 2 ;;
      --duration) duration=$2; shift 2 ;;
      --jvm) jvm=$2; shift 2 ;;
      *) echo "unknown option $1" >&2; exit 2 ;;
    esac
  done
}

# One nginx worker serving /small and /large on every given port; extra http-level directives in $2.
bench_backend() { # "port port ..." [directives]
  local nginx listen=""
  nginx=$(command -v nginx || echo /usr/sbin/nginx)
  for port in $1; do listen="$listen listen 127.0.0.1:$port;"; done
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
http { access_log off; keepalive_requests 1000000; sendfile on; ${2:-}
  client_body_temp_path $work/b; proxy_temp_path $work/p; fastcgi_temp_path $work/f; uwsgi_temp_path $work/u; scgi_temp_path $work/s;
  server { $listen root $work/www; location = /small { default_type application/json; } location = /large { default_type application/octet-stream; } } }
NGINX
  "$nginx" -c "$work/nginx.conf" -p "$work"
}

bench_stop() {
  [ -n "${sluice_pid:-}" ] && kill "$sluice_pid" 2>/dev/null
  [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null
  sleep 1
  rm -rf "$work"
}

bench_wait() { # port
  for _ in $(seq 1 120); do (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return; sleep 0.5; done
}

# One wrk round; appends "name requests/s cpu-µs-per-request" to $work/results.
bench_run() { # name url [header]
  local before after out rps requests
  before=$(awk '{print $14 + $15}' "/proc/$sluice_pid/stat")
  if [ -n "${3:-}" ]; then out=$(wrk -t1 -c32 -d"$duration" -H "$3" "$2"); else out=$(wrk -t1 -c32 -d"$duration" "$2"); fi
  after=$(awk '{print $14 + $15}' "/proc/$sluice_pid/stat")
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  requests=$(echo "$out" | awk '/requests in/ {print $1}')
  echo "$1 $rps $(( (after - before) * 10000 / (requests > 0 ? requests : 1) ))" >> "$work/results"
}

bench_median() { # name column(2 = requests/s, 3 = cpu)
  awk -v n="$1" -v c="${2:-2}" '$1==n {print $c}' "$work/results" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}

bench_each() { # name
  awk -v n="$1" '$1==n {printf "%s ", $2}' "$work/results"
}
