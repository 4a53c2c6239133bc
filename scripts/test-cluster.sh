#!/usr/bin/env bash
# `make test-cluster`: the tests that need the clusters, each suite on one line
# below. Brings the three-node Kafka cluster up (scripts/kafka-cluster.sh) and
# takes it down afterwards if it was not running before. Exit 1 if a suite failed.
set -uo pipefail
cd "$(dirname "$0")/.."
PY="${PY:-.venv/bin/python}"
PYTEST=("$PY" -m pytest -q -p no:cacheprovider)

# The chat end to end (send/ack/history/sync/receipts/groups, edits and
# reactions, kill -9 and SIGTERM of the roles) on topics with three replicas.
KAFKA_E2E=(
  tests/e2e/test_two_users_chat.py
  tests/e2e/test_receipts.py
  tests/e2e/test_group_conversations.py
  tests/e2e/test_message_changes_real_stack.py
  tests/e2e/test_crash_recovery.py
  tests/e2e/test_sigterm_hands_over.py
)

kafka_was_up=1
scripts/kafka-cluster.sh status >/dev/null 2>&1 || kafka_was_up=0
scripts/kafka-cluster.sh up || exit 1
trap '[ "$kafka_was_up" = 1 ] || scripts/kafka-cluster.sh down' EXIT
KAFKA_CLUSTER="$(scripts/kafka-cluster.sh bootstrap)"

failed=()
suite() {
  local name="$1" t0
  shift
  t0="$(date +%s)"
  echo "== $name"
  "$@" || failed+=("$name")
  echo "== $name: $(( $(date +%s) - t0 )) s"
}

suite "Kafka cluster: topics and broker settings" "${PYTEST[@]}" tests/cluster/test_kafka_cluster_topics.py
suite "Kafka cluster: chat end to end, RF 3" env CHAT_TEST_KAFKA_BOOTSTRAP="$KAFKA_CLUSTER" \
  CHAT_TEST_KAFKA_REPLICATION_FACTOR=3 "${PYTEST[@]}" "${KAFKA_E2E[@]}"
suite "Kafka cluster: partition leader kill -9" "${PYTEST[@]}" tests/cluster/test_kafka_leader_kill.py
suite "PostgreSQL: primary and streaming replica" "${PYTEST[@]}" tests/cluster/test_postgres_replica.py
suite "Redis Cluster: the contract suites, channel moves, a master kill -9" "${PYTEST[@]}" \
  -m redis_cluster --ignore=tests/faults --ignore=tests/cluster tests

if [ "${#failed[@]}" -gt 0 ]; then
  printf 'test-cluster: FAILED: %s\n' "${failed[@]}" >&2
  exit 1
fi
echo "test-cluster: every suite passed"
