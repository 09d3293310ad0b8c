#!/usr/bin/env bash
# Builds k8sgpt (github.com/k8sgpt-ai/k8sgpt), the scanner the audit benchmark compares kubemend
# against (bench/audit-coverage.ts); no test needs it. Pinned, through the Go module proxy,
# cached by version outside the repo. Its own replace directives are carried into the wrapper
# module. Idempotent; prints the path of the k8sgpt binary on its last line.
set -euo pipefail
source "$(dirname "$0")/go-wrapper.sh"
K8SGPT_VERSION=v0.4.36
cache=${KUBEMEND_CACHE:-$HOME/.cache/kubemend}/testenv/k8sgpt-$K8SGPT_VERSION
if [ ! -x "$cache/bin/k8sgpt" ]; then
  started=$SECONDS
  echo "testenv: building k8sgpt $K8SGPT_VERSION (several minutes the first time)" >&2
  mkdir -p "$cache/src"
  mod=$(cd "$cache/src" && go_mod_file github.com/k8sgpt-ai/k8sgpt "$K8SGPT_VERSION")
  mapfile -t replaces < <(awk '$1 == "replace" && $3 == "=>" { $1 = ""; sub(/^ /, ""); print }' "$mod")
  # Its generated API modules (buf.build/gen/go/...) are served by the module proxy but not listed
  # in the checksum database: they are verified against the checksums in k8sgpt's own go.sum.
  moddir=$(cd "$cache/src" && go mod download -json "github.com/k8sgpt-ai/k8sgpt@$K8SGPT_VERSION" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')
  GO_SUM_SEED=$moddir/go.sum go_wrapper_module "$cache/src" github.com/k8sgpt-ai/k8sgpt "$K8SGPT_VERSION" github.com/k8sgpt-ai/k8sgpt \
    "${replaces[@]}"
  go_build "$cache/src" github.com/k8sgpt-ai/k8sgpt "$cache/bin/k8sgpt" \
    "-X main.version=$K8SGPT_VERSION"
  echo "testenv: k8sgpt $K8SGPT_VERSION ready in $((SECONDS - started))s" >&2
fi
echo "$cache/bin/k8sgpt"
