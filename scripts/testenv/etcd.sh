#!/usr/bin/env bash
# Builds etcd from go.etcd.io/etcd/server/v3 at a pinned version through the Go module proxy,
# cached by version outside the repo (Debian's etcd 3.4 is too old for current kube-apiserver).
# Idempotent; prints the path of the etcd binary on its last line.
set -euo pipefail
source "$(dirname "$0")/go-wrapper.sh"
ETCD_VERSION=v3.6.16
cache=${KUBEMEND_CACHE:-$HOME/.cache/kubemend}/testenv/etcd-$ETCD_VERSION
if [ ! -x "$cache/bin/etcd" ]; then
  started=$SECONDS
  echo "testenv: building etcd $ETCD_VERSION" >&2
  go_wrapper_module "$cache/src" go.etcd.io/etcd/server/v3 "$ETCD_VERSION" go.etcd.io/etcd/server/v3
  go_build "$cache/src" go.etcd.io/etcd/server/v3 "$cache/bin/etcd"
  echo "testenv: etcd $ETCD_VERSION ready in $((SECONDS - started))s" >&2
fi
echo "$cache/bin/etcd"
