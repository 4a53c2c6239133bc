#!/usr/bin/env bash
# Local PostgreSQL (Debian's packaged cluster) for development and tests.
#
# Usage: scripts/postgres.sh start|stop|status
#
#   start   install PostgreSQL from Debian packages if missing, make sure a
#           cluster exists, listens on 127.0.0.1:$CHAT_PG_PORT and runs, then
#           idempotently create role chat/chat (LOGIN CREATEDB) and databases
#           chat and chat_test owned by it; a quick no-op when all is done
#   stop    stop the cluster
#   status  say whether the server accepts connections (exit 0 if so, 1 if not)
#
# Environment:
#   CHAT_PG_PORT            port of the cluster (default 5432)
#   CHAT_PG_START_TIMEOUT   seconds to wait for readiness (default 60)
#
# Resulting URLs: postgresql://chat:chat@127.0.0.1:5432/chat and .../chat_test
set -euo pipefail

NAME=postgres.sh
. "$(dirname "$0")/lib.sh"
# shellcheck disable=SC2034  # repo root: kept for symmetry with the other scripts
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PORT="${CHAT_PG_PORT:-5432}"
START_TIMEOUT="${CHAT_PG_START_TIMEOUT:-60}"
ROLE=chat
PASSWORD=chat
DATABASES=(chat chat_test)

have_postgres() {
  command -v pg_ctlcluster >/dev/null 2>&1 &&
    compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null
}

# apt-get install without letting package scripts start services (no systemd
# here; we start what we need ourselves).
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

as_postgres() { (cd / && runuser -u postgres -- "$@"); }

psql_admin() {
  as_postgres psql -X -q -v ON_ERROR_STOP=1 -p "$PORT" -d postgres "$@"
}

ready() { pg_isready -q -h 127.0.0.1 -p "$PORT" -t 2 >/dev/null 2>&1; }

wait_ready() {
  local deadline=$(( $(date +%s) + START_TIMEOUT ))
  until ready; do
    if [ "$(date +%s)" -ge "$deadline" ]; then
      [ -n "${1:-}" ] && [ -f "$1" ] && tail -n 30 "$1" >&2
      die "PostgreSQL not ready on 127.0.0.1:$PORT after ${START_TIMEOUT}s"
    fi
    sleep 0.2
  done
}

# Print "version name port status logfile" of the cluster to use: the one on
# $PORT, else the newest version's "main", else the newest one.
pick_cluster() {
  pg_lsclusters -h 2>/dev/null | awk -v port="$PORT" '
    { line = $1 " " $2 " " $3 " " $4 " " $7 }
    $3 == port { byport = line }
    $2 == "main" { main = line }
    { any = line }
    END { if (byport) print byport; else if (main) print main; else if (any) print any }'
}

newest_version() {
  # shellcheck disable=SC2012
  ls -d /usr/lib/postgresql/*/bin/postgres 2>/dev/null | awk -F/ '{ print $5 }' | sort -n | tail -n1
}

roles_and_dbs_ok() {
  local n
  n="$(psql_admin -tA -c "
    SELECT (SELECT count(*) FROM pg_roles
             WHERE rolname = '$ROLE' AND rolcanlogin AND rolcreatedb)
         + (SELECT count(*) FROM pg_database d JOIN pg_roles r ON r.oid = d.datdba
             WHERE r.rolname = '$ROLE' AND d.datname IN ('chat', 'chat_test'))" 2>/dev/null || echo 0)"
  [ "$n" = 3 ] || return 1
  # And the password works over TCP (what the app uses).
  PGPASSWORD="$PASSWORD" PGCONNECT_TIMEOUT=5 psql -X -q -h 127.0.0.1 -p "$PORT" -U "$ROLE" \
    -d chat_test -tA -c 'select 1' >/dev/null 2>&1
}

ensure_roles_and_dbs() {
  roles_and_dbs_ok && return 0
  say "creating role $ROLE and databases ${DATABASES[*]}"
  psql_admin <<SQL
DO \$\$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$ROLE') THEN
    CREATE ROLE $ROLE LOGIN CREATEDB PASSWORD '$PASSWORD';
  ELSE
    ALTER ROLE $ROLE LOGIN CREATEDB PASSWORD '$PASSWORD';
  END IF;
END
\$\$;
SQL
  local db
  for db in "${DATABASES[@]}"; do
    psql_admin <<SQL
SELECT format('CREATE DATABASE %I OWNER %I', '$db', '$ROLE')
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$db')
\gexec
ALTER DATABASE "$db" OWNER TO $ROLE;
SQL
  done
  roles_and_dbs_ok || die "role/database setup did not verify (password login as $ROLE failed?)"
}

cmd_start() {
  local t0
  t0="$(now)"
  if ! have_postgres; then
    say "installing PostgreSQL from Debian packages (apt-get) ..."
    apt_install postgresql
    have_postgres || die "PostgreSQL binaries still missing after install"
  fi

  local cluster ver name cport cstatus logfile
  cluster="$(pick_cluster)"
  if [ -z "$cluster" ]; then
    ver="$(newest_version)"
    say "creating cluster $ver/main on port $PORT"
    pg_createcluster --port "$PORT" "$ver" main >/dev/null
    cluster="$(pick_cluster)"
  fi
  read -r ver name cport cstatus logfile <<<"$cluster"

  if [ "$cport" != "$PORT" ]; then
    say "moving cluster $ver/$name from port $cport to $PORT"
    pg_conftool "$ver" "$name" set port "$PORT"
    if [[ "$cstatus" == online* ]]; then
      pg_ctlcluster "$ver" "$name" restart -m fast
    fi
    read -r ver name cport cstatus logfile <<<"$(pick_cluster)"
  fi

  if [[ "$cstatus" != online* ]]; then
    say "starting cluster $ver/$name on 127.0.0.1:$PORT"
    pg_ctlcluster "$ver" "$name" start || {
      [ -f "$logfile" ] && tail -n 30 "$logfile" >&2
      die "pg_ctlcluster $ver $name start failed"
    }
  fi
  wait_ready "$logfile"
  ensure_roles_and_dbs
  say "ready on 127.0.0.1:$PORT (cluster $ver/$name) in $(elapsed "$t0")s"
}

cmd_stop() {
  have_postgres || { say "not installed"; return 0; }
  local cluster ver name cport cstatus logfile
  cluster="$(pick_cluster)"
  [ -n "$cluster" ] || { say "no cluster"; return 0; }
  read -r ver name cport cstatus logfile <<<"$cluster"
  if [[ "$cstatus" == online* ]]; then
    say "stopping cluster $ver/$name"
    pg_ctlcluster "$ver" "$name" stop -m fast
    say "stopped"
  else
    say "not running"
  fi
}

cmd_status() {
  if ready; then
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
