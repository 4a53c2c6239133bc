#!/usr/bin/env bash
# A six-node Redis Cluster (three masters, three replicas) on loopback, from
# Debian's redis-server, for development and the cluster tests.
#
# Usage: scripts/redis-cluster.sh up|down|status
#
#   up      start every node that does not answer PING (state under
#           .state/redis-cluster/<port>, no persistence but nodes.conf), make
#           the cluster with `redis-cli --cluster create ... --cluster-replicas 1`
#           if it was never made, and wait for cluster_state:ok on every node
#           and for every master to have a replica in sync; a second when it
#           already runs. A node killed earlier is started again and rejoins
#           (as a replica, after a failover), and "up" returns once it synced.
#   down    stop the nodes started from this checkout and delete their state
#   status  exit 0 if every node answers and reports cluster_state:ok
#
# Environment:
#   CHAT_REDIS_CLUSTER_PORT          first port (default 17000); the six nodes
#                                    use it and the five after it (bus: +10000)
#   CHAT_REDIS_CLUSTER_NODE_TIMEOUT  cluster-node-timeout in ms (default 2000:
#                                    small, for tests; see docs/operations.md)
#   CHAT_REDIS_CLUSTER_START_TIMEOUT seconds to wait for cluster_state:ok (60)
set -euo pipefail

NAME=redis-cluster.sh
. "$(dirname "$0")/lib.sh"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BASE="${CHAT_REDIS_CLUSTER_PORT:-17000}"
NODE_TIMEOUT="${CHAT_REDIS_CLUSTER_NODE_TIMEOUT:-2000}"
START_TIMEOUT="${CHAT_REDIS_CLUSTER_START_TIMEOUT:-60}"
STATE="$ROOT/.state/redis-cluster"
PORTS=()
for i in 0 1 2 3 4 5; do PORTS+=($((BASE + i))); done

cli() { timeout 5 redis-cli -h 127.0.0.1 -p "$1" "${@:2}" 2>/dev/null; }
ping_ok() { [ "$(cli "$1" ping)" = PONG ]; }
info_field() { cli "$1" cluster info | tr -d '\r' | awk -F: -v k="$2" '$1 == k { print $2 }'; }
cluster_ok() { [ "$(info_field "$1" cluster_state)" = ok ]; }
replication_field() { cli "$1" info replication | tr -d '\r' | awk -F: -v k="$2" '$1 == k { print $2 }'; }
# Every master with a replica in sync: a node started again after a kill
# is a replica that has not synced yet, and a master killed before then has
# no replica fit to take over (its slots stay down until it comes back).
replicated() {
  case "$(replication_field "$1" role)" in
    master) [ "$(replication_field "$1" connected_slaves)" -ge 1 ] ;;
    slave) [ "$(replication_field "$1" master_link_status)" = up ] ;;
    *) return 1 ;;
  esac
}

our_pid() {
  local pidfile="$STATE/$1/redis.pid" pid
  [ -f "$pidfile" ] || return 1
  pid="$(cat "$pidfile" 2>/dev/null || true)"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q 'redis-server' || return 1
  echo "$pid"
}

start_node() {
  local port="$1" dir="$STATE/$1"
  mkdir -p "$dir"
  redis-server --port "$port" --bind 127.0.0.1 --daemonize yes \
    --cluster-enabled yes --cluster-config-file "$dir/nodes.conf" \
    --cluster-node-timeout "$NODE_TIMEOUT" --dir "$dir" \
    --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" \
    --save '' --appendonly no >/dev/null
}

wait_for() {  # wait_for DESCRIPTION COMMAND...
  local what="$1" deadline=$(( $(date +%s) + START_TIMEOUT ))
  shift
  until "$@"; do
    if [ "$(date +%s)" -ge "$deadline" ]; then
      for port in "${PORTS[@]}"; do
        [ -f "$STATE/$port/redis.log" ] && tail -n 5 "$STATE/$port/redis.log" >&2
      done
      die "$what after ${START_TIMEOUT}s"
    fi
    sleep 0.1
  done
}

all_answer() { for p in "${PORTS[@]}"; do ping_ok "$p" || return 1; done; }
all_ok() { for p in "${PORTS[@]}"; do cluster_ok "$p" || return 1; done; }
all_replicated() { for p in "${PORTS[@]}"; do replicated "$p" || return 1; done; }
never_made() { [ "$(info_field "${PORTS[0]}" cluster_known_nodes)" = 1 ]; }

cmd_up() {
  local t0 port hosts=()
  t0="$(now)"
  command -v redis-server >/dev/null && command -v redis-cli >/dev/null ||
    die "no redis-server/redis-cli (scripts/redis.sh start installs them)"
  if all_answer && all_ok && all_replicated; then
    say "already running on 127.0.0.1:${PORTS[0]}-${PORTS[5]}"
    return 0
  fi
  for port in "${PORTS[@]}"; do
    if ! ping_ok "$port"; then
      our_pid "$port" >/dev/null || { say "starting node 127.0.0.1:$port"; start_node "$port"; }
    fi
  done
  wait_for "nodes not answering PING" all_answer
  if never_made; then
    for port in "${PORTS[@]}"; do hosts+=("127.0.0.1:$port"); done
    say "creating the cluster (3 masters, 3 replicas)"
    redis-cli --cluster create "${hosts[@]}" --cluster-replicas 1 --cluster-yes \
      >"$STATE/create.log" 2>&1 || { tail -n 20 "$STATE/create.log" >&2; die "cluster create failed"; }
  fi
  wait_for "cluster_state not ok" all_ok
  wait_for "a master without a replica in sync" all_replicated
  say "ready on 127.0.0.1:${PORTS[0]}-${PORTS[5]} in $(elapsed "$t0")s" \
    "(url redis+cluster://127.0.0.1:${PORTS[0]})"
}

cmd_down() {
  local port pid
  for port in "${PORTS[@]}"; do
    if pid="$(our_pid "$port")"; then
      kill "$pid" 2>/dev/null || true
      local deadline=$(( $(date +%s) + 30 ))
      while kill -0 "$pid" 2>/dev/null; do
        [ "$(date +%s)" -ge "$deadline" ] && { kill -9 "$pid" 2>/dev/null || true; break; }
        sleep 0.1
      done
    elif ping_ok "$port"; then
      say "127.0.0.1:$port answers but was not started from this checkout; leaving it"
    fi
    rm -rf "${STATE:?}/$port"
  done
  rm -f "$STATE/create.log"
  say "stopped"
}

cmd_status() {
  if all_answer && all_ok && all_replicated; then
    say "running on 127.0.0.1:${PORTS[0]}-${PORTS[5]}, cluster_state:ok"
  else
    say "not running (or not ok) on 127.0.0.1:${PORTS[0]}-${PORTS[5]}"
    return 1
  fi
}

case "${1:-}" in
  up)     cmd_up ;;
  down)   cmd_down ;;
  status) cmd_status ;;
  *) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac
