#!/usr/bin/env bash
# Builds etcd from go.etcd.io/etcd/server/v3 at a pinned version through the Go module proxy,
# cached by version outside the repo. The module's own go.mod replaces its sibling modules with
# relative paths, so it is built from a wrapper module that takes the published versions instead.
# Idempotent; prints the path of the etcd binary on its last line.
set -euo pipefail
ETCD_VERSION=v3.6.16
cache=${KUBEMEND_CACHE:-$HOME/.cache/kubemend}/testenv/etcd-$ETCD_VERSION
if [ ! -x "$cache/bin/etcd" ]; then
  started=$SECONDS
  echo "testenv: building etcd $ETCD_VERSION" >&2
  mkdir -p "$cache/src" "$cache/bin"
  cd "$cache/src"
  gomod=$(go mod download -json "go.etcd.io/etcd/server/v3@$ETCD_VERSION" | python3 -c 'import json,sys; print(json.load(sys.stdin)["GoMod"])')
  goversion=$(awk '$1 == "go" { print $2; exit }' "$gomod")
  printf 'module kubemend.local/testenv/etcd\n\ngo %s\n\nrequire go.etcd.io/etcd/server/v3 %s\n' "$goversion" "$ETCD_VERSION" > go.mod
  printf '//go:build tools\n\npackage tools\n\nimport _ "go.etcd.io/etcd/server/v3"\n' > tools.go
  GOFLAGS=-mod=mod go mod tidy >&2
  CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$cache/bin/etcd.tmp" go.etcd.io/etcd/server/v3 >&2
  mv "$cache/bin/etcd.tmp" "$cache/bin/etcd"
  echo "testenv: etcd $ETCD_VERSION ready in $((SECONDS - started))s" >&2
fi
echo "$cache/bin/etcd"
