#!/usr/bin/env bash
# Bring the local backing services for the chat backend up or down.
#
# Usage: scripts/services.sh up|down|status
#
#   up      start PostgreSQL, Redis, Kafka and S3Proxy (each idempotent; a second or two
#           when everything already runs) and print one summary line
#   down    stop them (reverse order)
#   status  report each; exit 0 only if all four answer
#
# Environment (see each script): CHAT_PG_PORT (5432), CHAT_REDIS_PORT (6379),
# CHAT_KAFKA_HOST (127.0.0.1), CHAT_KAFKA_PORT (9092),
# CHAT_KAFKA_CONTROLLER_PORT (9093), CHAT_S3PROXY_PORT (8089).
set -euo pipefail

NAME=services.sh
. "$(dirname "$0")/lib.sh"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
S="$ROOT/scripts"

PG_PORT="${CHAT_PG_PORT:-5432}"
REDIS_PORT="${CHAT_REDIS_PORT:-6379}"
KAFKA_HOST="${CHAT_KAFKA_HOST:-127.0.0.1}"
KAFKA_PORT="${CHAT_KAFKA_PORT:-9092}"
S3_PORT="${CHAT_S3PROXY_PORT:-8089}"

case "${1:-}" in
  up)
    t0="$(now)"
    "$S/postgres.sh" start
    "$S/redis.sh" start
    "$S/kafka.sh" start
    "$S/s3proxy.sh" start
    echo "$NAME: up in $(elapsed "$t0")s:" \
      "postgres=postgresql://chat:chat@127.0.0.1:$PG_PORT/chat (+chat_test)" \
      "redis=redis://127.0.0.1:$REDIS_PORT/0" \
      "kafka=$KAFKA_HOST:$KAFKA_PORT" \
      "s3=http://127.0.0.1:$S3_PORT"
    ;;
  down)
    rc=0
    "$S/s3proxy.sh" stop || rc=1
    "$S/kafka.sh" stop || rc=1
    "$S/redis.sh" stop || rc=1
    "$S/postgres.sh" stop || rc=1
    exit "$rc"
    ;;
  status)
    rc=0
    "$S/postgres.sh" status || rc=1
    "$S/redis.sh" status || rc=1
    "$S/kafka.sh" status || rc=1
    "$S/s3proxy.sh" status || rc=1
    exit "$rc"
    ;;
  *)
    echo "usage: $0 up|down|status" >&2
    exit 2
    ;;
esac
