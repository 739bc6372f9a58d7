#!/usr/bin/env bash
# Build every YouSync image where a Docker engine (with BuildKit) is reachable.
#
#   deploy/build-images.sh [TAG]          TAG defaults to `git describe --tags --always --dirty`
#   REGISTRY=ghcr.io/acme/yousync PUSH=1 deploy/build-images.sh 1.4.0
#
# Environment: REGISTRY (default registry.example.com/yousync, the name the manifests use), PUSH=1 to
# push after building, PLATFORM (e.g. linux/amd64) passed to --platform, DOCKER (default docker).
# Exits 2 without building anything when no engine answers (as on the development machines).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
TAG="${1:-${TAG:-$(git describe --tags --always --dirty 2>/dev/null || echo dev)}}"
REGISTRY="${REGISTRY:-registry.example.com/yousync}"
DOCKER="${DOCKER:-docker}"
export DOCKER_BUILDKIT=1

if [[ "$TAG" == "latest" || -z "$TAG" ]]; then
  echo "refusing tag '${TAG}': images are pinned to versions, never latest" >&2
  exit 1
fi
if ! "$DOCKER" info >/dev/null 2>&1; then
  echo "no Docker engine reachable ('$DOCKER info' failed): nothing built" >&2
  exit 2
fi

platform=()
[[ -n "${PLATFORM:-}" ]] && platform=(--platform "$PLATFORM")

build() {  # name dockerfile
  local image="$REGISTRY/$1:$TAG"
  echo "== $image ($2)"
  "$DOCKER" build "${platform[@]}" --pull -f "$2" -t "$image" \
    --label "org.opencontainers.image.version=$TAG" \
    --label "org.opencontainers.image.revision=$(git rev-parse HEAD 2>/dev/null || echo unknown)" .
  built+=("$image")
}

built=()
for service in auth catalog analysis_orchestrator analyzer gateway; do
  build "${service//_/-}" "services/$service/Dockerfile"
done
build envoy deploy/envoy/Dockerfile

if [[ "${PUSH:-0}" == "1" ]]; then
  for image in "${built[@]}"; do "$DOCKER" push "$image"; done
fi
printf 'built:\n'; printf '  %s\n' "${built[@]}"
echo "pin them in deploy/k8s/overlays/<env>/kustomization.yaml under images: (newName/newTag, or digest)"
