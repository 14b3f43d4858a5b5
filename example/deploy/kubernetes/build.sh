#!/usr/bin/env bash
# Print an overlay's manifests as they are applied: the released image, by digest, in
# place of the base's `app-image`. scripts/deploy.sh applies this output, and
# `make kubernetes-check` validates and scans it.
#
#   deploy/kubernetes/build.sh production ghcr.io/<owner>/<name>@sha256:<digest>
set -euo pipefail

fail() {
    echo "build.sh: $*" >&2
    exit 2
}

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
overlay=${1:-}
image=${2:-}
[[ -n $overlay && -d $here/overlays/$overlay ]] ||
    fail "no overlay '$overlay': use one of $(cd "$here/overlays" && echo *)"
[[ $image =~ ^[^@]+@sha256:[0-9a-f]{64}$ ]] ||
    fail "'$image' is not an image by digest: give <name>@sha256:<64 hex digits>"

# kustomize sets a digest only through a kustomization: a throwaway one on top of the overlay.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat >"$work/kustomization.yaml" <<KUSTOMIZATION
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - $(realpath --relative-to="$work" "$here/overlays/$overlay")
images:
  - name: app-image
    newName: ${image%@*}
    digest: ${image#*@}
KUSTOMIZATION
kubectl kustomize "$work"
