#!/usr/bin/env bash
# Where Sluice's CPU goes per request, against bare Jetty's: Sluice (the launcher, the real web.xml,
# the plain route, access log on as shipped) and the bare ProxyServlet side by side in front of one
# nginx worker, warmed in turns, then each profiled in turn under wrk with async-profiler (CPU
# samples every 1 ms, all threads, native and kernel frames, which JFR does not see), and
# dev.sluice.bench.CollapsedTop prints µs per request by thread pool, Sluice's own work by frame,
# and the self frames Sluice spends most on above bare Jetty, as Markdown. The collapsed stacks
# (flamegraph.pl or speedscope input) go to bench/results/ (not committed: ~30 MB each).
# async-profiler comes from Maven Central (tools.profiler:async-profiler, linux-x64 only); it uses
# perf events (kernel.perf_event_paranoid 2, the default, is enough for a process's own threads).
# Usage: bench/cpu-profile.sh [--duration 20s] [--jvm "-Xmx256m ..."]
# Ports 18121, 18122 and 18124 on 127.0.0.1 must be free. Needs wrk and nginx (bench/run.sh installs them).
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
duration=20s jvm=$(tr -s '\r\n' '  ' < .mvn/jvm.config)
bench_options "$@"
BACKEND=18121 SLUICE=18122 BARE=18124 PROFILER=4.1
work=$(mktemp -d /tmp/sluice-cpu-profile.XXXXXX)
chmod 755 "$work"
trap 'kill "${bare_pid:-}" 2>/dev/null; bench_stop' EXIT

mvn -q -B test-compile dependency:build-classpath -Dmdep.outputFile=target/profile.classpath -Dmdep.includeScope=test
mvn -q -B dependency:get -Dartifact=tools.profiler:async-profiler:$PROFILER
(cd "$work" && unzip -q -o "$HOME/.m2/repository/tools/profiler/async-profiler/$PROFILER/async-profiler-$PROFILER.jar" 'linux-x64/*')
agent="$work/linux-x64/libasyncProfiler.so"
cp="target/test-classes:target/classes:$(cat target/profile.classpath)"
bench_backend "$BACKEND"
printf 'upstream.backend.url = http://127.0.0.1:%s\nroute.all.path = /\nroute.all.upstream = backend\n' "$BACKEND" > "$work/sluice.properties"
# shellcheck disable=SC2086
java $jvm -cp "$cp" dev.sluice.bench.BareProxy $BARE "http://127.0.0.1:$BACKEND" > "$work/logs/bare.log" 2>&1 &
bare_pid=$!
# shellcheck disable=SC2086
java $jvm -cp "$cp" dev.sluice.launcher.Main --config "$work/sluice.properties" --port $SLUICE --host 127.0.0.1 \
  --webapp src/main/webapp > "$work/logs/sluice.log" 2>&1 &
sluice_pid=$!
bench_wait $BARE
bench_wait $SLUICE
for _ in 1 2; do
  for port in $BARE $SLUICE; do wrk -t1 -c32 -d20s "http://127.0.0.1:$port/small" > /dev/null; done
done
stamp=$(date -u +%Y%m%d-%H%M%S)
declare -A served
for target in bare sluice; do
  if [ $target = bare ]; then pid=$bare_pid port=$BARE; else pid=$sluice_pid port=$SLUICE; fi
  java -cp "$cp" dev.sluice.bench.ProfilerAttach "$pid" "$agent" "start,event=cpu,interval=1000000,threads"
  out=$(wrk -t1 -c32 -d"$duration" "http://127.0.0.1:$port/small")
  java -cp "$cp" dev.sluice.bench.ProfilerAttach "$pid" "$agent" "stop,file=$PWD/bench/results/$stamp.$target.collapsed,collapsed"
  served[$target]=$(echo "$out" | awk '/requests in/ {print $1}')
  echo "$target: $(echo "$out" | grep 'Requests/sec')"
done
java -cp "$cp" dev.sluice.bench.CollapsedTop "bench/results/$stamp.sluice.collapsed" "${served[sluice]}" \
  "bench/results/$stamp.bare.collapsed" "${served[bare]}" 20 | tee "bench/results/$stamp.cpu-profile.md"
