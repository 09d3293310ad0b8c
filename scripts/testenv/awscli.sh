#!/usr/bin/env bash
# Provisions the AWS CLI the README's deploy steps use, so that a test can walk them against the
# AWS emulator: awscli (v1, pure Python) from PyPI, pinned, in a virtualenv cached by version
# outside the repo. Idempotent; prints the path of the `aws` executable on its last line.
set -euo pipefail
AWSCLI_VERSION=1.46.3
cache=${KUBEMEND_CACHE:-$HOME/.cache/kubemend}/testenv/awscli-$AWSCLI_VERSION
if [ ! -x "$cache/bin/aws" ]; then
  started=$SECONDS
  echo "testenv: installing awscli==$AWSCLI_VERSION into $cache" >&2
  rm -rf "$cache"
  python3 -m venv "$cache"
  "$cache/bin/pip" install --quiet --disable-pip-version-check "awscli==$AWSCLI_VERSION" >&2
  echo "testenv: awscli ready in $((SECONDS - started))s" >&2
fi
echo "$cache/bin/aws"
