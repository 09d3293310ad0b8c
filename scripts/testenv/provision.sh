#!/usr/bin/env bash
# Provisions everything the integration and end-to-end tests run against, printing what it does
# and how long each part took. Each part is pinned and cached by version under
# ${KUBEMEND_CACHE:-~/.cache/kubemend}/testenv, so a warm machine does nothing here.
#   etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok, kube-state-metrics:
#     built from source with Go
#   moto server (AWS emulator), the AWS CLI (the README's deploy steps): PyPI, in virtualenvs
#   Alertmanager, Prometheus: Debian packages
set -euo pipefail
cd "$(dirname "$0")"
command -v go >/dev/null || { echo "testenv: Go is required to build the control plane" >&2; exit 1; }
command -v python3 >/dev/null || { echo "testenv: Python 3 is required for the AWS emulator" >&2; exit 1; }
total=$SECONDS
for part in etcd kube kwok ksm moto awscli debian; do
  started=$SECONDS
  path=$(bash "$part.sh" | tail -n 1)
  echo "testenv: $part ok ($((SECONDS - started))s): $path" >&2
done
echo "testenv: all provisioned in $((SECONDS - total))s" >&2
