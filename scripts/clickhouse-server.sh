#!/usr/bin/env bash
# Runs one throwaway ClickHouse server in the foreground (exec: its PID is this script's) on
# 127.0.0.1, with its own config, users and data under DIR:
#   scripts/clickhouse-server.sh DIR HTTP_PORT TCP_PORT INTERSERVER_PORT [SHARD_TCP_PORT…]
# The shards' TCP ports (this server's own among them) make the cluster `it_two` in its
# remote_servers. With CLICKHOUSE_TRACER_SHA256 set, a user `tracer` with that password hash.
# The config is written only when DIR has none: run again with the same DIR, the server comes
# back on its data (a restart). Used by scripts/test-services.sh and the store tests.
set -euo pipefail
SERVER=${CLICKHOUSE_SERVER:-$(command -v clickhouse-server || echo /usr/sbin/clickhouse-server)}
dir=$1 http=$2 tcp=$3 inter=$4
shift 4
mkdir -p "$dir/data" "$dir/tmp" "$dir/user_files" "$dir/format_schemas" "$dir/log"
if [ ! -e "$dir/config.xml" ]; then
  shards=""
  for port in "$@"; do shards+="<shard><replica><host>127.0.0.1</host><port>$port</port></replica></shard>"; done
  cat > "$dir/config.xml" <<XML
<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>$dir/log/server.log</log><errorlog>$dir/log/error.log</errorlog><size>10M</size><count>1</count></logger>
  <listen_host>127.0.0.1</listen_host>
  <http_port>$http</http_port>
  <tcp_port>$tcp</tcp_port>
  <interserver_http_port>$inter</interserver_http_port>
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
  <remote_servers><it_two>$shards</it_two></remote_servers>
</yandex>
XML
  tracer=""
  if [ -n "${CLICKHOUSE_TRACER_SHA256:-}" ]; then
    tracer="<tracer><password_sha256_hex>$CLICKHOUSE_TRACER_SHA256</password_sha256_hex><networks><ip>127.0.0.1</ip><ip>::1</ip></networks><profile>default</profile><quota>default</quota></tracer>"
  fi
  cat > "$dir/users.xml" <<XML
<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>2000000000</max_memory_usage></default></profiles>
  <users>
    <default><password></password><networks><ip>127.0.0.1</ip><ip>::1</ip></networks><profile>default</profile><quota>default</quota></default>
    $tracer
  </users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
XML
fi
cd "$dir"
exec "$SERVER" --config-file="$dir/config.xml" >>"$dir/log/stdout.log" 2>&1
