#!/usr/bin/env bash
# Local Redis (no persistence) for development and tests.
#
# Usage: scripts/redis.sh start|stop|status
#
#   start   install redis-server from Debian packages if missing; if the port
#           already answers PING do nothing, else start a daemonized
#           redis-server with its state in .state/redis and wait for PING
#   stop    shut down the redis-server started from this checkout
#   status  say whether the port answers PING (exit 0 if so, 1 if not)
#
# Environment:
#   CHAT_REDIS_PORT            port (default 6379), bound to 127.0.0.1
#   CHAT_REDIS_START_TIMEOUT   seconds to wait for readiness (default 30)
set -euo pipefail

NAME=redis.sh
. "$(dirname "$0")/lib.sh"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PORT="${CHAT_REDIS_PORT:-6379}"
START_TIMEOUT="${CHAT_REDIS_START_TIMEOUT:-30}"
STATE="$ROOT/.state/redis"
PIDFILE="$STATE/redis.pid"
LOGFILE="$STATE/redis.log"

# apt-get install without letting package scripts start services (no systemd
# here; Debian's redis-server service would otherwise grab port 6379 with the
# packaged, persistent config).
apt_install() {
  local created_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    created_policy=1
  fi
  local rc=0
  {
    DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"
  } >/tmp/chat-apt-$$.log 2>&1 || rc=$?
  [ "$created_policy" = 1 ] && rm -f /usr/sbin/policy-rc.d
  if [ "$rc" != 0 ]; then
    tail -n 30 /tmp/chat-apt-$$.log >&2
    rm -f /tmp/chat-apt-$$.log
    die "apt-get install $* failed"
  fi
  rm -f /tmp/chat-apt-$$.log
}

ping_ok() {
  [ "$(timeout 3 redis-cli -h 127.0.0.1 -p "$PORT" ping 2>/dev/null)" = PONG ]
}

our_pid() {
  [ -f "$PIDFILE" ] || return 1
  local pid
  pid="$(cat "$PIDFILE" 2>/dev/null || true)"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q 'redis-server' || return 1
  echo "$pid"
}

cmd_start() {
  local t0
  t0="$(now)"
  if ! command -v redis-server >/dev/null 2>&1 || ! command -v redis-cli >/dev/null 2>&1; then
    say "installing redis-server from Debian packages (apt-get) ..."
    apt_install redis-server redis-tools
    command -v redis-server >/dev/null || die "redis-server still missing after install"
  fi
  if ping_ok; then
    say "already running on 127.0.0.1:$PORT"
    return 0
  fi
  mkdir -p "$STATE"
  local pid
  if ! pid="$(our_pid)"; then
    rm -f "$PIDFILE"
    say "starting redis-server on 127.0.0.1:$PORT"
    redis-server --bind 127.0.0.1 --port "$PORT" --daemonize yes \
      --dir "$STATE" --pidfile "$PIDFILE" --logfile "$LOGFILE" \
      --save '' --appendonly no >/dev/null
  fi
  local deadline=$(( $(date +%s) + START_TIMEOUT ))
  until ping_ok; do
    if [ "$(date +%s)" -ge "$deadline" ]; then
      [ -f "$LOGFILE" ] && tail -n 30 "$LOGFILE" >&2
      die "redis not answering PING on 127.0.0.1:$PORT after ${START_TIMEOUT}s"
    fi
    sleep 0.1
  done
  say "ready on 127.0.0.1:$PORT in $(elapsed "$t0")s"
}

cmd_stop() {
  local pid
  if ! pid="$(our_pid)"; then
    rm -f "$PIDFILE"
    if command -v redis-cli >/dev/null 2>&1 && ping_ok; then
      say "127.0.0.1:$PORT answers but was not started from this checkout; leaving it"
    else
      say "not running"
    fi
    return 0
  fi
  say "stopping redis-server pid $pid"
  kill "$pid" 2>/dev/null || true
  local deadline=$(( $(date +%s) + 30 ))
  while kill -0 "$pid" 2>/dev/null; do
    if [ "$(date +%s)" -ge "$deadline" ]; then
      kill -9 "$pid" 2>/dev/null || true
      break
    fi
    sleep 0.1
  done
  rm -f "$PIDFILE"
  say "stopped"
}

cmd_status() {
  if command -v redis-cli >/dev/null 2>&1 && ping_ok; then
    say "running on 127.0.0.1:$PORT"
  else
    say "not running on 127.0.0.1:$PORT"
    return 1
  fi
}

case "${1:-}" in
  start)  cmd_start ;;
  stop)   cmd_stop ;;
  status) cmd_status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
