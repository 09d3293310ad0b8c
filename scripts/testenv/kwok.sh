#!/usr/bin/env bash
# Builds kwok (sigs.k8s.io/kwok), which plays the kubelet for simulated nodes: it marks nodes
# Ready and moves pods through the statuses described by Stage objects (tests/testenv/kwok.yaml).
# Pinned, through the Go module proxy, cached by version outside the repo. Idempotent; prints
# the path of the kwok binary on its last line.
set -euo pipefail
source "$(dirname "$0")/go-wrapper.sh"
KWOK_VERSION=v0.8.0
cache=${KUBEMEND_CACHE:-$HOME/.cache/kubemend}/testenv/kwok-$KWOK_VERSION
if [ ! -x "$cache/bin/kwok" ]; then
  started=$SECONDS
  echo "testenv: building kwok $KWOK_VERSION" >&2
  go_wrapper_module "$cache/src" sigs.k8s.io/kwok "$KWOK_VERSION" sigs.k8s.io/kwok/cmd/kwok
  go_build "$cache/src" sigs.k8s.io/kwok/cmd/kwok "$cache/bin/kwok"
  echo "testenv: kwok $KWOK_VERSION ready in $((SECONDS - started))s" >&2
fi
echo "$cache/bin/kwok"
