#!/usr/bin/env bash
# Builds kube-apiserver, kube-controller-manager and kube-scheduler from k8s.io/kubernetes at a
# pinned version, through the Go module proxy, cached by version outside the repo. Idempotent;
# prints the bin directory on its last line.
#
# k8s.io/kubernetes requires its staging modules (k8s.io/api, k8s.io/client-go, …) at v0.0.0 and
# replaces them with ./staging paths that only exist in its own repository. The wrapper module
# replaces each of them with the published v0.<minor>.<patch>; the list is generated from
# k8s.io/kubernetes's own go.mod, not written by hand.
set -euo pipefail
source "$(dirname "$0")/go-wrapper.sh"
K8S_VERSION=v1.37.2
cache=${KUBEMEND_CACHE:-$HOME/.cache/kubemend}/testenv/kubernetes-$K8S_VERSION
bin=$cache/bin
components=(kube-apiserver kube-controller-manager kube-scheduler)

missing=()
for component in "${components[@]}"; do [ -x "$bin/$component" ] || missing+=("$component"); done
if [ ${#missing[@]} -eq 0 ]; then echo "$bin"; exit 0; fi

started=$SECONDS
staging=v0.${K8S_VERSION#v1.}
minor=${K8S_VERSION#v1.}
minor=${minor%%.*}
echo "testenv: resolving k8s.io/kubernetes $K8S_VERSION with its staging modules at $staging" >&2
mapfile -t replaces < <(
  sed -n 's#^[[:space:]]*\(k8s\.io/[^[:space:]]*\) => \./staging/.*#\1#p' "$(go_mod_file k8s.io/kubernetes "$K8S_VERSION")" |
    while read -r module; do echo "$module => $module $staging"; done
)
packages=""
for component in "${components[@]}"; do packages+=" k8s.io/kubernetes/cmd/$component"; done
go_wrapper_module "$cache/src" k8s.io/kubernetes "$K8S_VERSION" "$packages" "${replaces[@]}"

# So that /version reports the real release.
ldflags=""
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ldflags+=" -X $pkg.gitVersion=$K8S_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
  ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
done
for component in "${missing[@]}"; do
  step=$SECONDS
  echo "testenv: building $component $K8S_VERSION" >&2
  go_build "$cache/src" "k8s.io/kubernetes/cmd/$component" "$bin/$component" "$ldflags"
  echo "testenv: $component built in $((SECONDS - step))s" >&2
done
echo "testenv: kubernetes $K8S_VERSION ready in $((SECONDS - started))s" >&2
echo "$bin"
