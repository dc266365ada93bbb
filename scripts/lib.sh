# Shared by the scripts in this folder: paths, logging, small checks.
# shellcheck shell=bash
set -euo pipefail

SLUICE_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# Local services keep their state and logs here, outside the source tree's build dirs.
SLUICE_DEV_HOME="${SLUICE_DEV_HOME:-$SLUICE_ROOT/.sluice-dev}"
SLUICE_TOOLS="${SLUICE_TOOLS:-$SLUICE_DEV_HOME/tools}"
mkdir -p "$SLUICE_DEV_HOME" "$SLUICE_TOOLS"

log() { printf '\033[1;34m==>\033[0m %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }
have() { command -v "$1" >/dev/null 2>&1; }

# Waits until "$@" succeeds, up to $1 seconds.
wait_for() {
  local seconds=$1; shift
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then return 1; fi
    sleep 0.2
  done
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
