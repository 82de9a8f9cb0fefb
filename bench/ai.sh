#!/usr/bin/env bash
# The AI front's added latency: Sluice in front of a stand-in provider vs that provider direct, for
# an OpenAI-compatible provider (passed through) and an Anthropic one (translated), streamed and
# not; p50/p99 of the whole answer and of the time to the first content token, in interleaved
# rounds. The providers run in a JVM of their own, Sluice in another, the load in a third.
#
# A fifth scenario sends the first one's request through an ordinary proxy route, for Sluice's
# own baseline without the AI front. Three more measure the AI cache (#16): a hit against the
# instant stand-in, and a miss and a hit against a provider that takes 20 ms per answer.
#
# Usage: bench/ai.sh [--rounds N] [--duration SECONDS] [--callers 1,8]
# Ports 18091 (providers) and 18092 (Sluice) on 127.0.0.1 must be free. Takes about
# rounds x callers x 10 x duration seconds, plus 100 s of warm-up (7 min with the defaults).
set -euo pipefail
cd "$(dirname "$0")/.."

rounds=3 duration=5 callers=1,8
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds=$2; shift 2 ;;
    --duration) duration=${2%s}; shift 2 ;;
    --callers) callers=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
OPENAI=18091 SLUICE=18092
for port in $OPENAI $SLUICE; do
  if (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null; then echo "port $port is in use" >&2; exit 2; fi
done

work=$(mktemp -d /tmp/sluice-ai-bench.XXXXXX)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; sleep 1; [ -n "${KEEP:-}" ] && cp "$work"/*.log /tmp/ 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

echo "building"
mvn -q -B test-compile dependency:build-classpath -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test
cp="target/test-classes:target/classes:$(cat target/bench.classpath)"

java -Xmx256m -cp "$cp" dev.sluice.bench.AiLoad provider $OPENAI "$work/anthropic.port" > "$work/providers.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 120); do [ -s "$work/anthropic.port" ] && break; sleep 0.5; done
ANTHROPIC=$(cat "$work/anthropic.port")
for _ in $(seq 1 60); do [ -s "$work/anthropic.port.slow" ] && break; sleep 0.5; done
SLOW=$(cat "$work/anthropic.port.slow")

# A public AI route (no auth, no limit) so the AI front's own cost is what is measured; the access
# log is on, as in production.
cat > "$work/sluice.properties" <<PROPS
exchange.access-log.output = $work/access.log
ai.provider.demo.type = openai-compatible
ai.provider.demo.base-url = http://127.0.0.1:$OPENAI/ai/v1
ai.provider.an.type = anthropic
ai.provider.an.base-url = http://127.0.0.1:$ANTHROPIC
ai.provider.an.api-key = bench-not-a-secret
ai.model.demo.target.local.provider = demo
ai.model.demo.target.local.model = demo-echo-1
ai.model.claude.target.main.provider = an
ai.model.claude.target.main.model = claude-bench
ai.provider.slow.type = openai-compatible
ai.provider.slow.base-url = http://127.0.0.1:$SLOW/v1
ai.model.slow.target.main.provider = slow
ai.model.slow.target.main.model = slow-1
route.llm.path = /v1
route.llm.ai = on
route.cached.path = /cached
route.cached.ai = on
route.cached.ai.cache = on
upstream.provider.url = http://127.0.0.1:$OPENAI
route.plain.path = /plain
route.plain.upstream = provider
route.plain.strip-prefix = true
PROPS
java $(tr -s '\r\n' '  ' < .mvn/jvm.config) -cp "$cp" dev.sluice.launcher.Main --config "$work/sluice.properties" --port $SLUICE --host 127.0.0.1 > "$work/sluice.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 120); do (exec 3<>/dev/tcp/127.0.0.1/$SLUICE) 2>/dev/null && break; sleep 0.5; done

echo "warming up"
java -cp "$cp" dev.sluice.bench.AiLoad load 5 2 8 $OPENAI $ANTHROPIC $SLUICE $SLOW > /dev/null 2>&1
echo "measuring: $rounds rounds of ${duration}s per scenario, callers $callers"
java -cp "$cp" dev.sluice.bench.AiLoad load "$duration" "$rounds" "$callers" $OPENAI $ANTHROPIC $SLUICE $SLOW | tee "$work/table.md"
mkdir -p bench/results
cp "$work/table.md" "bench/results/ai-$(date -u +%Y%m%d-%H%M%S).md"
