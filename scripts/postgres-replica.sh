#!/usr/bin/env bash
# A private PostgreSQL primary and its streaming replica on loopback, from
# Debian's PostgreSQL (the binaries scripts/postgres.sh installs), for
# trying and testing CHAT_POSTGRES_READ_DSN. The shared server on 5432 is
# never touched.
#
# Usage: scripts/postgres-replica.sh up|down|status|dsn
#
#   up      initdb a primary (wal_level=replica) once, start it, create the
#           database, then pg_basebackup -R a replica from it once and start
#           it as a hot standby; wait until the replica streams (a row of
#           pg_stat_replication on the primary); a no-op when both run
#   down    stop both (fast shutdown) and remove their data
#   status  say whether each answers and the replica is in recovery
#           (exit 0 if both are up and streaming, 1 if not)
#   dsn     print CHAT_POSTGRES_DSN=... and CHAT_POSTGRES_READ_DSN=... lines
#
# Environment:
#   CHAT_PG_PRIMARY_PORT    port of the primary (default 25432)
#   CHAT_PG_REPLICA_PORT    port of the replica (default 25433)
#   CHAT_PG_REPLICA_STATE   data, logs and sockets (default .state/pg-replica)
#   CHAT_PG_START_TIMEOUT   seconds to wait for each step (default 60)
#
# Role chat, database chat, trust authentication on 127.0.0.1 only (a test
# server: no password is checked). Run as root, the servers run as postgres.
set -euo pipefail

NAME=postgres-replica.sh
. "$(dirname "$0")/lib.sh"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PRIMARY_PORT="${CHAT_PG_PRIMARY_PORT:-25432}"
REPLICA_PORT="${CHAT_PG_REPLICA_PORT:-25433}"
STATE="${CHAT_PG_REPLICA_STATE:-$ROOT/.state/pg-replica}"
START_TIMEOUT="${CHAT_PG_START_TIMEOUT:-60}"
ROLE=chat
DATABASE=chat
PRIMARY="$STATE/primary"
REPLICA="$STATE/replica"

bin_dir() {
  local found
  # shellcheck disable=SC2012
  found="$(ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -t/ -k5 -n | tail -n1)"
  [ -n "$found" ] || die "no PostgreSQL installed (scripts/postgres.sh start installs it)"
  dirname "$found"
}

BIN="$(bin_dir)"

# The servers refuse to run as root: run them (and their tools) as postgres.
as_owner() {
  if [ "$(id -u)" = 0 ]; then
    (cd / && runuser -u postgres -- "$@")
  else
    "$@"
  fi
}

options() {
  echo "-c port=$1 -c listen_addresses=127.0.0.1 -c unix_socket_directories=$STATE" \
    "-c wal_level=replica -c max_wal_senders=4 -c hot_standby=on -c max_connections=100" \
    "-c shared_buffers=32MB -c fsync=off"
}

ready() { "$BIN/pg_isready" -q -h 127.0.0.1 -p "$1" -t 2 >/dev/null 2>&1; }

sql() {
  local port="$1"
  shift
  "$BIN/psql" -X -q -tA -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U "$ROLE" -d "$@"
}

wait_for() {
  local what="$1"
  shift
  local deadline=$(( $(date +%s) + START_TIMEOUT ))
  until "$@"; do
    [ "$(date +%s)" -lt "$deadline" ] || die "$what not after ${START_TIMEOUT}s"
    sleep 0.2
  done
}

start_server() {
  local data="$1" port="$2" log="$3"
  ready "$port" && return 0
  as_owner "$BIN/pg_ctl" -D "$data" -l "$log" -o "$(options "$port")" -w \
    -t "$START_TIMEOUT" start >/dev/null || { tail -n 30 "$log" >&2; die "$data did not start"; }
  wait_for "127.0.0.1:$port ready" ready "$port"
}

streaming() {
  [ "$(sql "$PRIMARY_PORT" postgres -c \
    "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'" 2>/dev/null)" -ge 1 ]
}

cmd_up() {
  if ready "$REPLICA_PORT" && ! [ -d "$REPLICA" ]; then
    die "port $REPLICA_PORT answers but is not this script's replica"
  fi
  mkdir -p "$STATE"
  [ "$(id -u)" = 0 ] && chown postgres:postgres "$STATE"
  if [ ! -d "$PRIMARY" ]; then
    say "initdb primary in $PRIMARY"
    as_owner "$BIN/initdb" -D "$PRIMARY" -U "$ROLE" --auth=trust -E UTF8 >/dev/null
  fi
  start_server "$PRIMARY" "$PRIMARY_PORT" "$STATE/primary.log"
  if [ -z "$(sql "$PRIMARY_PORT" postgres -c "SELECT 1 FROM pg_database WHERE datname = '$DATABASE'")" ]; then
    sql "$PRIMARY_PORT" postgres -c "CREATE DATABASE $DATABASE"
  fi
  if [ ! -d "$REPLICA" ]; then
    say "pg_basebackup -R replica into $REPLICA"
    as_owner "$BIN/pg_basebackup" -h 127.0.0.1 -p "$PRIMARY_PORT" -U "$ROLE" -D "$REPLICA" \
      -R -X stream -c fast
  fi
  start_server "$REPLICA" "$REPLICA_PORT" "$STATE/replica.log"
  [ "$(sql "$REPLICA_PORT" postgres -c "SELECT pg_is_in_recovery()")" = t ] ||
    die "127.0.0.1:$REPLICA_PORT is not in recovery (not a replica)"
  wait_for "the replica streaming" streaming
  say "primary 127.0.0.1:$PRIMARY_PORT, replica 127.0.0.1:$REPLICA_PORT (streaming)"
  cmd_dsn
}

stop_server() {
  local data="$1"
  if [ -f "$data/postmaster.pid" ]; then
    as_owner "$BIN/pg_ctl" -D "$data" -m fast -w stop >/dev/null ||
      as_owner "$BIN/pg_ctl" -D "$data" -m immediate -w stop >/dev/null || true
  fi
}

cmd_down() {
  # The replica first: stopping the primary first would leave it retrying.
  stop_server "$REPLICA"
  stop_server "$PRIMARY"
  rm -rf "$STATE"
  say "stopped; $STATE removed"
}

cmd_status() {
  local rc=0
  if ready "$PRIMARY_PORT"; then say "primary up on 127.0.0.1:$PRIMARY_PORT"; else
    say "primary down"; rc=1; fi
  if ready "$REPLICA_PORT" &&
    [ "$(sql "$REPLICA_PORT" postgres -c "SELECT pg_is_in_recovery()")" = t ]; then
    say "replica up on 127.0.0.1:$REPLICA_PORT, in recovery"
  else
    say "replica down"; rc=1
  fi
  if [ "$rc" = 0 ] && ! streaming; then say "replica not streaming"; rc=1; fi
  return "$rc"
}

cmd_dsn() {
  echo "CHAT_POSTGRES_DSN=postgresql://$ROLE:$ROLE@127.0.0.1:$PRIMARY_PORT/$DATABASE"
  echo "CHAT_POSTGRES_READ_DSN=postgresql://$ROLE:$ROLE@127.0.0.1:$REPLICA_PORT/$DATABASE"
}

case "${1:-}" in
  up)     cmd_up ;;
  down)   cmd_down ;;
  status) cmd_status ;;
  dsn)    cmd_dsn ;;
  *) echo "usage: $0 up|down|status|dsn" >&2; exit 2 ;;
esac
