#!/usr/bin/env bash
# Packages the Lambda functions offline (no AWS account needed) and checks the bundles:
# one zip per function, ESM bundles, the stage's configuration inside, no node_modules, no native
# addon, the canary resources in the template.
#   scripts/package.sh [stage (dev)] [copy to dir] [osls options, such as --param="configParameter=…"]
set -euo pipefail
cd "$(dirname "$0")/.."
# The project's Node 24 (type stripping for the .ts scripts and esbuild plugins), also when not run by npm.
export PATH="$PWD/node_modules/.bin:$PATH"
stage=${1:-dev}
shift $(($# > 0 ? 1 : 0))
# The copy directory, when the next argument is not an option.
out=
if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then
  out=$1
  shift
fi
# Packaging makes no AWS call; placeholder credentials stop the SDK from looking for real ones.
export AWS_ACCESS_KEY_ID=${AWS_ACCESS_KEY_ID:-offline-packaging}
export AWS_SECRET_ACCESS_KEY=${AWS_SECRET_ACCESS_KEY:-offline-packaging}
export SLS_TELEMETRY_DISABLED=1 SLS_NOTIFICATIONS_MODE=off
# The commit written into the bundles (lib/version.ts); kept when the caller set it (CI).
KUBEMEND_COMMIT=${KUBEMEND_COMMIT:-$(git rev-parse --short=12 HEAD 2>/dev/null || true)}
export KUBEMEND_COMMIT
[ -f "config/stages/$stage/agent_config.yaml" ] && [ -f "config/stages/$stage/model_config.yaml" ] || {
  echo "package: no config/stages/$stage/{agent_config,model_config}.yaml for stage $stage" >&2
  exit 1
}
rm -rf .serverless
node node_modules/.bin/osls package --stage "$stage" "$@" >/dev/null
# Each zip keeps only the chunks its own bundle loads (esbuild splitting; see the script).
python3 scripts/prune-chunks.py .serverless
node scripts/check-package.ts .serverless "$stage"
# A second directory for the pipeline, which packages every stage from one commit once.
if [ -n "$out" ]; then
  rm -rf "$out"
  mkdir -p "$(dirname "$out")"
  cp -r .serverless "$out"
fi
