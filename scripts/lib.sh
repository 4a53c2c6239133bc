# Helpers every service script shares; sourced after the script sets NAME.
# shellcheck shell=bash

say() { echo "$NAME: $*"; }
die() { echo "$NAME: ERROR: $*" >&2; exit 1; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# Does something accept TCP connections on HOST:PORT?
port_open() { timeout 2 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null; }

# A Kafka tool class (from the jars in $LIBS) with quiet (WARN, stderr) logging.
java_tool() {
  local cls="$1"; shift
  java -Xmx256m -Dlog4j2.level=WARN -cp "$LIBS/*" "$cls" "$@"
}
