#!/usr/bin/env bash
# Runs the independent HTTP caching test suite (http-cache-tests from npm, the suite behind
# cache-tests.fyi) against a Sluice route that forwards every path and method to the suite's
# origin, and prints how many tests of each kind pass, next to the suite's stored results for
# nginx and squid. Needs node and npm; installs the suite into a temporary directory (nothing
# of it is kept). About two minutes.
# Usage: bench/cache-conformance.sh [--list-failures]
# Ports 18200-18201 on 127.0.0.1 must be free.
set -euo pipefail
cd "$(dirname "$0")/.."
ORIGIN=18200 SLUICE=18201
work=$(mktemp -d /tmp/sluice-conformance.XXXXXX)
cleanup() {
  [ -n "${sluice_pid:-}" ] && kill "$sluice_pid" 2>/dev/null
  [ -f "$work/origin.pid" ] && kill "$(cat "$work/origin.pid")" 2>/dev/null
  sleep 1; rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$work/suite"
(cd "$work/suite" && npm install --silent --no-audit --no-fund http-cache-tests@0.4.5 >/dev/null)
suite="$work/suite/node_modules/http-cache-tests"
(cd "$suite" && npm_config_port=$ORIGIN npm_config_protocol=http npm_config_pidfile="$work/origin.pid" \
  node server/server.mjs > "$work/origin.log" 2>&1 &)

mvn -q -B compile dependency:build-classpath -Dmdep.outputFile=target/conformance.classpath -Dmdep.includeScope=compile
cat > "$work/sluice.properties" <<PROPS
exchange.access-log = false
upstream.origin.url = http://127.0.0.1:$ORIGIN
route.all.path = /
route.all.upstream = origin
route.all.cache = on
# The suite invalidates with M-SEARCH; Sluice takes only the standard methods unless told.
route.all.methods = GET, HEAD, POST, PUT, DELETE, PATCH, OPTIONS, M-SEARCH
PROPS
java -cp "target/classes:$(cat target/conformance.classpath)" dev.sluice.launcher.Main --config "$work/sluice.properties" \
  --host 127.0.0.1 --port $SLUICE --webapp src/main/webapp > "$work/sluice.log" 2>&1 &
sluice_pid=$!
for port in $ORIGIN $SLUICE; do
  for _ in $(seq 1 120); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.5; done
done

(cd "$suite" && npm run --silent cli --base="http://127.0.0.1:$SLUICE" > "$work/sluice.json")

# Required tests are those without a kind (or kind "required"); browser-only tests do not apply.
cat > "$work/score.mjs" <<'SCORE'
import fs from 'fs'
const [suiteDir, listFailures, ...files] = process.argv.slice(2)
const tests = (await import(`${suiteDir}/tests/index.mjs`)).default
for (const file of files) {
  const results = JSON.parse(fs.readFileSync(file, 'utf8'))
  const count = { required: [0, 0], optimal: [0, 0], check: [0, 0] }
  const failed = []
  for (const suite of tests) {
    for (const test of suite.tests) {
      if (test.browser_only) continue
      const kind = test.kind || 'required'
      count[kind][1]++
      if (results[test.id] === true) count[kind][0]++
      else if (kind === 'required') failed.push(`  ${test.id}: ${JSON.stringify(results[test.id])}`)
    }
  }
  const name = file.split('/').pop().replace('.json', '')
  console.log(`| ${name} | ${count.required[0]} / ${count.required[1]} | ${count.optimal[0]} / ${count.optimal[1]} | ${count.check[0]} / ${count.check[1]} |`)
  if (listFailures === 'yes' && name === 'sluice') console.error(failed.join('\n'))
}
SCORE
echo "| cache | required passed | optimal passed | checks answered yes |"
echo "|---|---:|---:|---:|"
node "$work/score.mjs" "$suite" "$([ "${1:-}" = --list-failures ] && echo yes || echo no)" "$work/sluice.json" "$suite/results/nginx.json" "$suite/results/squid.json"
echo
echo "$(date -u +%Y-%m-%dT%H:%M:%SZ), http-cache-tests 0.4.5; nginx and squid from the suite's stored results"
