#!/usr/bin/env bash
# Builds the Kubernetes control plane the operator tests run (etcd, kube-apiserver,
# kube-controller-manager, kube-scheduler, kubectl) from the Go module proxy into a
# cache outside the work tree, keyed by version, and prints that directory.
# Skips the build when the binaries of this version are already there.
#   --record FILE        also write "dir=<that directory>" to FILE (the Maven build does, for ControlPlane)
#   LEASEHOLD_K8S_CACHE  cache root (default ~/.cache/leasehold/k8s)
# A cold build takes about 6 minutes on 2 cores and fills ~3 GB of Go build cache.
set -euo pipefail
record=
if [[ "${1:-}" == --record ]]; then
  record=$2
fi
cd "$(dirname "$0")"
k8s=$(sed -n 's/^\s*k8s.io\/kubernetes v//p' go.mod | head -1)
etcd=$(sed -n 's/^\s*go.etcd.io\/etcd\/server\/v3 v//p' go.mod | head -1)
out="${LEASEHOLD_K8S_CACHE:-$HOME/.cache/leasehold/k8s}/v$k8s-etcd-v$etcd"
finish() {
  if [[ -n "$record" ]]; then
    mkdir -p "$(dirname "$record")"
    printf 'kubernetes=v%s\netcd=v%s\ndir=%s\n' "$k8s" "$etcd" "$out" >"$record"
  fi
  echo "$out"
}
if [[ -f "$out/.complete" ]]; then
  finish
  exit 0
fi
minor=${k8s#*.}
minor=${minor%%.*}
ldflags="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ldflags+=" -X $pkg.gitVersion=v$k8s -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
done
tmp=$(mktemp -d "${out}.tmp.XXXXXX" 2>/dev/null || { mkdir -p "$(dirname "$out")"; mktemp -d "${out}.tmp.XXXXXX"; })
trap 'rm -rf "$tmp"' EXIT
started=$SECONDS
build() {
  echo "test-env: building $1" >&2
  go build -trimpath -ldflags "$ldflags" -o "$tmp/$1" "$2"
}
build etcd go.etcd.io/etcd/server/v3
build kube-apiserver k8s.io/kubernetes/cmd/kube-apiserver
build kube-controller-manager k8s.io/kubernetes/cmd/kube-controller-manager
build kube-scheduler k8s.io/kubernetes/cmd/kube-scheduler
build kubectl k8s.io/kubernetes/cmd/kubectl
"$tmp/kube-apiserver" --version >&2
"$tmp/etcd" --version | head -1 >&2
touch "$tmp/.complete"
rm -rf "$out"
mv "$tmp" "$out"
trap - EXIT
echo "test-env: built in $((SECONDS - started)) s" >&2
finish
