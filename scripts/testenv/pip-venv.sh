#!/usr/bin/env bash
# Installs one pinned PyPI package into a virtualenv cached by name and version outside the repo,
# once, and prints the path of one of its executables on its last line:
#   pip-venv.sh NAME REQUIREMENT EXECUTABLE     e.g. pip-venv.sh moto-5.2.5 "moto[server]==5.2.5" moto_server
set -euo pipefail
name=$1 requirement=$2 executable=$3
cache=${KUBEMEND_CACHE:-$HOME/.cache/kubemend}/testenv/$name
if [ ! -x "$cache/bin/$executable" ]; then
  started=$SECONDS
  echo "testenv: installing $requirement into $cache" >&2
  rm -rf "$cache"
  python3 -m venv "$cache"
  "$cache/bin/pip" install --quiet --disable-pip-version-check "$requirement" >&2
  echo "testenv: $name ready in $((SECONDS - started))s" >&2
fi
echo "$cache/bin/$executable"
