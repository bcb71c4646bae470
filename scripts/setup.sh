#!/usr/bin/env bash
# Installs what the project needs on a fresh Debian machine, idempotently:
# git, Debian's docker-registry (the sandbox's real registry), kubectl, iproute2, a venv with the
# project, and the sandbox's Kubernetes control plane built with Go (scripts/build-controlplane.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v git >/dev/null || need+=(git)
command -v docker-registry >/dev/null || need+=(docker-registry)
command -v kubectl >/dev/null || need+=(kubernetes-client)   # scenarios use `kubectl patch --subresource` (kubectl >= 1.24)
command -v chromium >/dev/null || need+=(chromium)
command -v ip >/dev/null || need+=(iproute2)                  # the sandbox's Pod network namespace            # renders the reports for their screenshots
if [ ${#need[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "setup: installing ${need[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
# Reinstall only when the project's metadata changed since the last install.
if [ ! -f .venv/.installed ] || [ pyproject.toml -nt .venv/.installed ]; then
  .venv/bin/pip install -q --disable-pip-version-check -e '.[test]'
  touch .venv/.installed
fi

# The sandbox's Kubernetes control plane, built from Go modules (once per controlplane/go.sum).
bash scripts/build-controlplane.sh

# Allure 3 (npm) renders reports/allure-results: bash scripts/allure-report.sh
if [ ! -x .tools/node_modules/.bin/allure ] && command -v npm >/dev/null; then
  mkdir -p .tools
  npm install --silent --no-audit --no-fund --prefix .tools allure@3 >/dev/null 2>&1 || echo "setup: npm could not install allure@3" >&2
fi
