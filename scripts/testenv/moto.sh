#!/usr/bin/env bash
# Provisions the AWS emulator the integration tests use: moto's server (DynamoDB, SQS, STS, …)
# from PyPI, pinned, in a virtualenv cached by version outside the repo. Idempotent; prints the
# path of the moto_server executable on its last line.
set -euo pipefail
MOTO_VERSION=5.2.5
cache=${KUBEMEND_CACHE:-$HOME/.cache/kubemend}/testenv/moto-$MOTO_VERSION
if [ ! -x "$cache/bin/moto_server" ]; then
  started=$SECONDS
  echo "testenv: installing moto[server]==$MOTO_VERSION into $cache" >&2
  rm -rf "$cache"
  python3 -m venv "$cache"
  "$cache/bin/pip" install --quiet --disable-pip-version-check "moto[server]==$MOTO_VERSION" >&2
  echo "testenv: moto ready in $((SECONDS - started))s" >&2
fi
echo "$cache/bin/moto_server"
