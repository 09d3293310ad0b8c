#!/usr/bin/env bash
# Builds kube-state-metrics (k8s.io/kube-state-metrics/v2), the exporter the kubernetes-mixin
# alerts are written over. Pinned, through the Go module proxy (the proxy refuses this module's
# version list, so `go install …@version` fails; a wrapper module that requires the exact version
# builds it), cached by version outside the repo. Idempotent; prints the binary's path last.
set -euo pipefail
source "$(dirname "$0")/go-wrapper.sh"
KSM_VERSION=v2.19.1
cache=${KUBEMEND_CACHE:-$HOME/.cache/kubemend}/testenv/kube-state-metrics-$KSM_VERSION
if [ ! -x "$cache/bin/kube-state-metrics" ]; then
  started=$SECONDS
  echo "testenv: building kube-state-metrics $KSM_VERSION" >&2
  go_wrapper_module "$cache/src" k8s.io/kube-state-metrics/v2 "$KSM_VERSION" k8s.io/kube-state-metrics/v2
  go_build "$cache/src" k8s.io/kube-state-metrics/v2 "$cache/bin/kube-state-metrics" \
    "-X github.com/prometheus/common/version.Version=${KSM_VERSION#v}"
  echo "testenv: kube-state-metrics $KSM_VERSION ready in $((SECONDS - started))s" >&2
fi
echo "$cache/bin/kube-state-metrics"
