#!/usr/bin/env bash
# Provisions the static checkers for the CloudFormation template: cfn-lint and checkov from PyPI,
# pinned, in a virtualenv cached by version outside the repo. Idempotent; prints the virtualenv's
# bin directory on its last line.
set -euo pipefail
CFN_LINT_VERSION=1.58.0
CHECKOV_VERSION=3.3.30
cache=${KUBEMEND_CACHE:-$HOME/.cache/kubemend}/testenv/iac-lint-cfn-lint-$CFN_LINT_VERSION-checkov-$CHECKOV_VERSION
if [ ! -x "$cache/bin/checkov" ] || [ ! -x "$cache/bin/cfn-lint" ]; then
  started=$SECONDS
  echo "testenv: installing cfn-lint==$CFN_LINT_VERSION checkov==$CHECKOV_VERSION into $cache" >&2
  rm -rf "$cache"
  python3 -m venv "$cache"
  "$cache/bin/pip" install --quiet --disable-pip-version-check \
    "cfn-lint==$CFN_LINT_VERSION" "checkov==$CHECKOV_VERSION" >&2
  echo "testenv: cfn-lint and checkov ready in $((SECONDS - started))s" >&2
fi
echo "$cache/bin"
