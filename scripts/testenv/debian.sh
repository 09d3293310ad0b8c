#!/usr/bin/env bash
# Installs Alertmanager (with amtool) and Prometheus (with promtool) from Debian's packages when
# they are missing, and zsh and fish (the shells `kubemend completion` writes for). Their services
# are not started: the tests run their own instances on loopback. Prints the directory holding
# the binaries on its last line.
set -euo pipefail
if ! command -v prometheus-alertmanager >/dev/null || ! command -v prometheus >/dev/null || ! command -v amtool >/dev/null ||
  ! command -v zsh >/dev/null || ! command -v fish >/dev/null; then
  started=$SECONDS
  echo "testenv: installing prometheus, prometheus-alertmanager, zsh and fish (Debian)" >&2
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  # Keep package scripts from starting the system services.
  guard=/usr/sbin/policy-rc.d
  placed=""
  if [ ! -e "$guard" ]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo tee "$guard" >/dev/null
    $sudo chmod +x "$guard"
    placed=yes
  fi
  trap 'if [ -n "$placed" ]; then $sudo rm -f "$guard"; fi' EXIT
  $sudo apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends prometheus prometheus-alertmanager zsh fish >&2
  echo "testenv: prometheus, alertmanager, zsh and fish installed in $((SECONDS - started))s" >&2
fi
dirname "$(command -v prometheus-alertmanager)"
