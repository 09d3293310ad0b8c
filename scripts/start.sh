#!/usr/bin/env bash
# The one command that runs kubemend on a fresh clone: installs the pinned dependencies (with the
# Node 24 runtime) when they are missing or stale, then starts `kubemend serve` on loopback with
# the embedded store under ~/.local/state/kubemend/ (KUBEMEND_DATA_DIR), against the current
# kubeconfig context, in dry-run.
# Extra arguments go to `kubemend serve` (e.g. --port 9797 --data-dir /var/lib/kubemend).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x node_modules/.bin/node ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "installing dependencies (npm ci)..." >&2
  npm ci --no-audit --no-fund --loglevel=error
fi
exec node_modules/.bin/node bin/kubemend.ts serve "$@"
