#!/usr/bin/env bash
# Provisions the AWS CLI the README's deploy steps use, so that a test can walk them against the
# AWS emulator: awscli (v1, pure Python; v2 is not on PyPI) from PyPI, pinned, in a virtualenv
# cached by version outside the repo. Idempotent; prints the path of `aws` on its last line.
set -euo pipefail
AWSCLI_VERSION=1.46.3
exec bash "$(dirname "$0")/pip-venv.sh" "awscli-$AWSCLI_VERSION" "awscli==$AWSCLI_VERSION" aws
