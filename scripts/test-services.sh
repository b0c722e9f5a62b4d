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
SERVER=${CLICKHOUSE_SERVER:-$(command -v clickhouse-server || echo /usr/sbin/clickhouse-server)}
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
  local dir="$TMP/$1"
  mkdir -p "$dir/data" "$dir/tmp" "$dir/user_files" "$dir/format_schemas" "$dir/log"
  cat > "$dir/config.xml" <<XML
<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>$dir/log/server.log</log><errorlog>$dir/log/error.log</errorlog><size>10M</size><count>1</count></logger>
  <listen_host>127.0.0.1</listen_host>
  <http_port>$2</http_port>
  <tcp_port>$3</tcp_port>
  <interserver_http_port>$4</interserver_http_port>
  <interserver_http_host>127.0.0.1</interserver_http_host>
  <max_connections>256</max_connections>
  <keep_alive_timeout>3</keep_alive_timeout>
  <max_concurrent_queries>100</max_concurrent_queries>
  <uncompressed_cache_size>8589934592</uncompressed_cache_size>
  <mark_cache_size>268435456</mark_cache_size>
  <path>$dir/data/</path>
  <tmp_path>$dir/tmp/</tmp_path>
  <user_files_path>$dir/user_files/</user_files_path>
  <format_schema_path>$dir/format_schemas/</format_schema_path>
  <users_config>$dir/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <mlock_executable>false</mlock_executable>
  <remote_servers>
    <it_two>
      <shard><replica><host>127.0.0.1</host><port>$T1</port></replica></shard>
      <shard><replica><host>127.0.0.1</host><port>$T2</port></replica></shard>
    </it_two>
  </remote_servers>
</yandex>
XML
  cat > "$dir/users.xml" <<XML
<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>2000000000</max_memory_usage></default></profiles>
  <users>
    <default><password></password><networks><ip>127.0.0.1</ip><ip>::1</ip></networks><profile>default</profile><quota>default</quota></default>
    <tracer><password_sha256_hex>$SECRET_SHA</password_sha256_hex><networks><ip>127.0.0.1</ip><ip>::1</ip></networks><profile>default</profile><quota>default</quota></tracer>
  </users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
XML
  (cd "$dir" && exec "$SERVER" --config-file="$dir/config.xml" >"$dir/log/stdout.log" 2>&1) &
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
