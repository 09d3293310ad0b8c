#!/usr/bin/env bash
# Builds actionlint (github.com/rhysd/actionlint), the linter for the GitHub Actions workflows in
# .github/workflows/. Pinned, through the Go module proxy, cached by version outside the repo.
# actionlint runs shellcheck over `run:` scripts only when shellcheck is on PATH; nothing here
# depends on it. Idempotent; prints the path of the actionlint binary on its last line.
set -euo pipefail
source "$(dirname "$0")/go-wrapper.sh"
ACTIONLINT_VERSION=v1.7.12
cache=${KUBEMEND_CACHE:-$HOME/.cache/kubemend}/testenv/actionlint-$ACTIONLINT_VERSION
if [ ! -x "$cache/bin/actionlint" ]; then
  started=$SECONDS
  echo "testenv: building actionlint $ACTIONLINT_VERSION" >&2
  go_wrapper_module "$cache/src" github.com/rhysd/actionlint "$ACTIONLINT_VERSION" github.com/rhysd/actionlint/cmd/actionlint
  go_build "$cache/src" github.com/rhysd/actionlint/cmd/actionlint "$cache/bin/actionlint" \
    "-X github.com/rhysd/actionlint.version=$ACTIONLINT_VERSION"
  echo "testenv: actionlint $ACTIONLINT_VERSION ready in $((SECONDS - started))s" >&2
fi
echo "$cache/bin/actionlint"
