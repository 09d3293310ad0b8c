#!/usr/bin/env bash
# Provisions the AWS emulator the integration tests use: moto's server (DynamoDB, SQS, STS, …)
# from PyPI, pinned, in a virtualenv cached by version outside the repo. Idempotent; prints the
# path of the moto_server executable on its last line.
set -euo pipefail
MOTO_VERSION=5.2.5
exec bash "$(dirname "$0")/pip-venv.sh" "moto-$MOTO_VERSION" "moto[server]==$MOTO_VERSION" moto_server
