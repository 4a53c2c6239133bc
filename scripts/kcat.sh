#!/usr/bin/env bash
# kcat and jq for the test of the documented way to read the log with
# ordinary tools (docs/events/README.md, tests/e2e/test_kcat_recipe.py).
#
# Usage: scripts/kcat.sh [check]
#
#   (none)  install the Debian packages kcat and jq if
#           missing (a fraction of a second when they are installed)
#   check   exit 0 if they are installed, 1 if not
set -euo pipefail

NAME=kcat.sh
. "$(dirname "$0")/lib.sh"
PACKAGES=(kcat jq)
BINARY=/usr/bin/kcat

installed() {
  [ -x "$BINARY" ] || return 1
  local package
  for package in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || return 1
  done
}

apt_install() {
  local log
  log="$(mktemp)"
  if ! {
    DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"
  } >"$log" 2>&1; then
    tail -n 30 "$log" >&2
    rm -f "$log"
    die "apt-get install $* failed"
  fi
  rm -f "$log"
}

case "${1:-install}" in
  check)
    installed
    ;;
  install)
    if installed; then
      say "installed ($BINARY)"
      exit 0
    fi
    say "installing ${PACKAGES[*]} from Debian packages (apt-get) ..."
    apt_install "${PACKAGES[@]}"
    installed || die "$BINARY still missing after install"
    say "installed ($BINARY)"
    ;;
  *)
    echo "usage: $0 [install|check]" >&2
    exit 2
    ;;
esac
