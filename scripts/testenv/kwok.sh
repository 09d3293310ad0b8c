#!/usr/bin/env bash
# Builds kwok (sigs.k8s.io/kwok), which plays the kubelet for simulated nodes: it marks nodes
# Ready and moves pods through the statuses described by Stage objects (tests/testenv/kwok.yaml).
# Pinned, through the Go module proxy, cached by version outside the repo. Idempotent; prints
# the path of the kwok binary on its last line.
set -euo pipefail
KWOK_VERSION=v0.8.0
cache=${KUBEMEND_CACHE:-$HOME/.cache/kubemend}/testenv/kwok-$KWOK_VERSION
if [ ! -x "$cache/bin/kwok" ]; then
  started=$SECONDS
  echo "testenv: building kwok $KWOK_VERSION" >&2
  mkdir -p "$cache/src" "$cache/bin"
  cd "$cache/src"
  gomod=$(go mod download -json "sigs.k8s.io/kwok@$KWOK_VERSION" | python3 -c 'import json,sys; print(json.load(sys.stdin)["GoMod"])')
  goversion=$(awk '$1 == "go" { print $2; exit }' "$gomod")
  printf 'module kubemend.local/testenv/kwok\n\ngo %s\n\nrequire sigs.k8s.io/kwok %s\n' "$goversion" "$KWOK_VERSION" > go.mod
  printf '//go:build tools\n\npackage tools\n\nimport _ "sigs.k8s.io/kwok/cmd/kwok"\n' > tools.go
  GOFLAGS=-mod=mod go mod tidy >&2
  CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$cache/bin/kwok.tmp" sigs.k8s.io/kwok/cmd/kwok >&2
  mv "$cache/bin/kwok.tmp" "$cache/bin/kwok"
  echo "testenv: kwok $KWOK_VERSION ready in $((SECONDS - started))s" >&2
fi
echo "$cache/bin/kwok"
