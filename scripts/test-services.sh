#!/usr/bin/env bash
# Runs a command (the test suite) beside two throwaway ClickHouse servers on 127.0.0.1: each with
# its own config and data folder under one temporary folder, on free ports, joined in a 2-shard
# cluster `it_two` (remote_servers; no ZooKeeper). Exports for the store tests:
#   INSTANCE_TRACE_TEST_STORE   clickhouse://127.0.0.1:<http port of server 1>/
#   INSTANCE_TRACE_TEST_STORE2  clickhouse://127.0.0.1:<http port of server 2>/
#   INSTANCE_TRACE_TEST_CLUSTER it_two
#   INSTANCE_TRACE_TEST_SECRET  password of the user `tracer` (a hostile one), server 1
#   INSTANCE_TRACE_TEST_SERVER_PIDS the servers' PIDs
# Both servers are stopped by PID when the command ends, also on failure or interruption. If a
# server cannot start, the variables are set to a closed port, so the store tests fail (never skip).
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TMP=$(mktemp -d "${TMPDIR:-/tmp}/instance-trace-ch.XXXXXX")
PIDS=()
stop() {
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null
  done
  rm -rf "$TMP"
}
trap stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Six free ports (http and tcp of each server, interserver of each), chosen by the kernel.
read -r H1 T1 I1 H2 T2 I2 < <(node -e '
const net = require("node:net");
const servers = Array.from({ length: 6 }, () => net.createServer());
Promise.all(servers.map((s) => new Promise((r) => s.listen(0, "127.0.0.1", () => r(s.address().port)))))
  .then((ports) => { console.log(ports.join(" ")); servers.forEach((s) => s.close()); });')
SECRET="p@ss:w/rd'\"\\ %x"
SECRET_SHA=$(printf '%s' "$SECRET" | sha256sum | cut -d' ' -f1)

start() { # name http tcp interserver
  CLICKHOUSE_TRACER_SHA256=$SECRET_SHA "$ROOT/scripts/clickhouse-server.sh" "$TMP/$1" "$2" "$3" "$4" "$T1" "$T2" &
  PIDS+=($!)
}

ping() { # http port; waits up to 30 s for /ping
  for _ in $(seq 300); do
    node -e 'fetch(`http://127.0.0.1:${process.argv[1]}/ping`, { signal: AbortSignal.timeout(1000) }).then(async (r) => process.exit((await r.text()).startsWith("Ok.") ? 0 : 1), () => process.exit(1))' "$1" && return 0
    sleep 0.1
  done
  return 1
}

start s1 "$H1" "$T1" "$I1"
start s2 "$H2" "$T2" "$I2"
if ping "$H1" && ping "$H2"; then
  export INSTANCE_TRACE_TEST_STORE="clickhouse://127.0.0.1:$H1/"
  export INSTANCE_TRACE_TEST_STORE2="clickhouse://127.0.0.1:$H2/"
else
  echo "test-services: a ClickHouse server did not answer /ping (see below); the store tests will fail" >&2
  tail -n 5 "$TMP"/s*/log/stdout.log "$TMP"/s*/log/error.log >&2 2>/dev/null
  # A port nothing listens on: the store tests fail with "cannot reach", they do not skip.
  export INSTANCE_TRACE_TEST_STORE="clickhouse://127.0.0.1:1/"
  export INSTANCE_TRACE_TEST_STORE2="clickhouse://127.0.0.1:1/"
fi
export INSTANCE_TRACE_TEST_CLUSTER=it_two
export INSTANCE_TRACE_TEST_SECRET="$SECRET"
export INSTANCE_TRACE_TEST_SERVER_PIDS="${PIDS[*]}"
"$@"
