#!/usr/bin/env bash
# Packages the Lambda functions offline (no AWS account needed) and checks the bundles:
# one zip per function, ESM bundles, the agent config inside, no node_modules, no native addon.
set -euo pipefail
cd "$(dirname "$0")/.."
stage=${1:-dev}
# Packaging makes no AWS call; placeholder credentials stop the SDK from looking for real ones.
export AWS_ACCESS_KEY_ID=${AWS_ACCESS_KEY_ID:-offline-packaging}
export AWS_SECRET_ACCESS_KEY=${AWS_SECRET_ACCESS_KEY:-offline-packaging}
export SLS_TELEMETRY_DISABLED=1 SLS_NOTIFICATIONS_MODE=off
# The commit written into the bundles (lib/version.ts); kept when the caller set it (CI).
KUBEMEND_COMMIT=${KUBEMEND_COMMIT:-$(git rev-parse --short=12 HEAD 2>/dev/null || true)}
export KUBEMEND_COMMIT
rm -rf .serverless
node node_modules/.bin/osls package --stage "$stage" >/dev/null
node scripts/check-package.ts .serverless
