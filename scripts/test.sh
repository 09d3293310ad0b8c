#!/usr/bin/env bash
# The one command that sets up a fresh clone and runs every check and test:
#   npm ci (pinned lockfile; includes the Node 24 runtime as node_modules/.bin/node),
#   typecheck, lint (eslint + prettier), secret scan, the workflows (actionlint), the commit
#   message (commitlint), the serverless package check with its canary resources, the test
#   environment (etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok,
#   kube-state-metrics, the AWS emulator, Alertmanager and Prometheus: pinned, cached), then jest: unit and handler tests, then
#   integration and end-to-end tests against that environment.
set -euo pipefail
cd "$(dirname "$0")/.."

started=$SECONDS
last=$SECONDS
# Each step says how long the previous one took.
step() {
  if [ -n "${current:-}" ]; then printf '    (%s: %ss)\n' "$current" "$((SECONDS - last))"; fi
  current=$*
  last=$SECONDS
  printf '\n==> %s\n' "$*"
}

step "install (npm ci)"
npm ci --no-audit --no-fund --loglevel=error
step "node used by npm scripts: $(npm run --silent node-version)"

step "typecheck"
npm run --silent typecheck
step "lint"
npm run --silent lint
step "secret scan"
npm run --silent secrets
step "GitHub Actions workflows (actionlint, built once and cached)"
actionlint=$(bash scripts/testenv/actionlint.sh | tail -n 1)
# shellcheck and pyflakes integrations off: the result must not depend on what else is installed.
"$actionlint" -no-color -shellcheck= -pyflakes= .github/workflows/*.yml
step "commit message of HEAD (commitlint; pull requests check every commit in the workflow)"
if git rev-parse --verify -q HEAD >/dev/null; then
  git log -1 --format=%B HEAD | npm exec --offline -- commitlint
fi
step "serverless package (offline)"
npm run --silent package
step "CloudFormation template static checks (cfn-lint, checkov)"
bash scripts/check-template.sh
step "test environment (built or installed once, then cached under ${KUBEMEND_CACHE:-~/.cache/kubemend})"
bash scripts/testenv/provision.sh
step "Alertmanager example config (amtool check-config)"
amtool check-config infra/alertmanager/alertmanager.yml
step "kubemend's Prometheus rules (promtool check rules, promtool test rules)"
promtool check rules infra/prometheus/kubemend-rules.yml
promtool test rules tests/prometheus/kubemend-rules.test.yml
step "the scenario suite's kubernetes-mixin rules (promtool check rules)"
promtool check rules tests/testenv/mixin/kubernetes-rules.yml
step "tests"
results=$(mktemp)
status=0
npm test -- --ci --json --outputFile="$results" || status=$?
# One plain summary line for whatever reads this log.
node_modules/.bin/node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests} skipped`);
' "$results" || true
[ "$status" -eq 0 ] || exit "$status"

step "done"
printf '\n==> all checks passed in %ss\n' "$((SECONDS - started))"
