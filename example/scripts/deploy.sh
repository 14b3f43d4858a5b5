#!/usr/bin/env bash
# Put a released image into production; the release workflow's deploy job runs it, a person
# can too. docs/deployment.md explains each platform's one-time setup.
#
#   scripts/deploy.sh login     # credentials from the environment's secrets
#   scripts/deploy.sh migrate   # `flask db upgrade` as a one-off run of the image
#   scripts/deploy.sh release   # the service rolls over to the image, then is checked
#
# IMAGE          the image by digest, ghcr.io/<owner>/<name>@sha256:...
# DEPLOY_PLATFORM  kubernetes or cloudrun
# DEPLOY_OVERLAY the overlay of deploy/kubernetes/overlays to apply (production); its
#                manifests name the Deployment, the migration Job and the Secret they read
# DEPLOY_TARGET  the Cloud Run service; the migration runs as the job <target>-migrate with
#                the same settings
# DEPLOY_REGION  the Cloud Run region
# DEPLOY_REGISTRY  where the platform pulls ghcr.io images from, when not from ghcr.io itself
#                (Cloud Run: an Artifact Registry remote repository of ghcr.io,
#                <region>-docker.pkg.dev/<project>/<repository>)
set -euo pipefail

fail() {
    echo "deploy.sh: $*" >&2
    exit 2
}

step=${1:-}
platform=${DEPLOY_PLATFORM:-}
case "$platform" in
    kubernetes | cloudrun) ;;
    "") fail "DEPLOY_PLATFORM is not set: set it to kubernetes or cloudrun (docs/deployment.md)" ;;
    *) fail "DEPLOY_PLATFORM=$platform is not supported: use kubernetes or cloudrun, or add a case here" ;;
esac
image=${IMAGE:?set IMAGE to the image to deploy, by digest}
overlay=${DEPLOY_OVERLAY:-production}
migration=app.kubernetes.io/component=migration
server=app.kubernetes.io/component=server
if [[ -n ${DEPLOY_REGISTRY:-} ]]; then
    image="${DEPLOY_REGISTRY%/}/${image#ghcr.io/}"
fi

kubernetes_login() {
    [[ -n ${KUBECONFIG_DATA:-} ]] || fail "KUBECONFIG_DATA is empty: store a base64 kubeconfig in that secret"
    mkdir -p "$HOME/.kube"
    base64 --decode <<<"$KUBECONFIG_DATA" >"$HOME/.kube/config"
    chmod 600 "$HOME/.kube/config"
}

kubernetes_manifests() {
    # The overlay as deploy/kubernetes/build.sh prints it, with the image by digest.
    manifests="${RUNNER_TEMP:-$(mktemp -d)}/kubernetes-$overlay.yaml"
    deploy/kubernetes/build.sh "$overlay" "$image" >"$manifests"
}

kubernetes_migrate() {
    # The migration Job of the last release is replaced by this release's, then
    # waited for: the rollout starts only once the schema is there.
    kubernetes_manifests
    kubectl delete --filename="$manifests" --selector="$migration" --ignore-not-found --wait
    kubectl apply --filename="$manifests" --selector="$migration"
    kubectl wait --filename="$manifests" --selector="$migration" --for=condition=complete --timeout=10m
}

kubernetes_release() {
    kubernetes_manifests
    kubectl apply --filename="$manifests" --selector="app.kubernetes.io/component!=migration"
    kubectl rollout status --filename="$manifests" --selector="$server" --timeout=10m
}

cloudrun_login() {
    [[ -n ${GCP_CREDENTIALS:-} ]] || fail "GCP_CREDENTIALS is empty: store a service account key (JSON) in that secret"
    local key
    key="${RUNNER_TEMP:-$(mktemp -d)}/gcp-key.json"
    printf '%s' "$GCP_CREDENTIALS" >"$key"
    gcloud auth activate-service-account --key-file="$key" --quiet
    gcloud config set project "$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["project_id"])' "$key")" --quiet
}

cloudrun_migrate() {
    # The job <target>-migrate, created once with the service's settings, runs the new image.
    local target=${DEPLOY_TARGET:?set DEPLOY_TARGET to the name of the Cloud Run service}
    local region=${DEPLOY_REGION:?set DEPLOY_REGION to the Cloud Run region}
    gcloud run jobs update "$target-migrate" --image="$image" --region="$region" \
        --command=flask --args=db,upgrade --quiet
    gcloud run jobs execute "$target-migrate" --region="$region" --wait --quiet
}

cloudrun_release() {
    local target=${DEPLOY_TARGET:?set DEPLOY_TARGET to the name of the Cloud Run service}
    local region=${DEPLOY_REGION:?set DEPLOY_REGION to the Cloud Run region}
    gcloud run deploy "$target" --image="$image" --region="$region" --quiet
}

case "$step" in
    login | migrate | release) "${platform}_$step" ;;
    *) fail "unknown step '$step': use login, migrate or release" ;;
esac
