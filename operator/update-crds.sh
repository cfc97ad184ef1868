#!/usr/bin/env bash
# Copies the CRDs the operator build generated from the Java model (operator/target/kubernetes) to where they are
# committed: crds/ (for kubectl apply) and the chart's files/crds/ (rendered by templates/crds.yaml).
# Build first: ./mvnw -pl operator -am package -DskipTests
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
mkdir -p "$root/crds" "$root/helm/leasehold/files/crds"
for crd in replicatedstores.leasehold.dev leases.leasehold.dev; do
  generated="$root/operator/target/kubernetes/$crd-v1.yml"
  [[ -f "$generated" ]] || { echo "update-crds: $generated is missing: build the operator first" >&2; exit 1; }
  cp "$generated" "$root/crds/$crd.yaml"
  cp "$generated" "$root/helm/leasehold/files/crds/$crd.yaml"
done
echo "update-crds: copied to crds/ and helm/leasehold/files/crds/"
