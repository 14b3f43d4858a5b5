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
# DEPLOY_TARGET  the Deployment (kubernetes) or service (cloudrun); the migration runs as
#                <target>-migrate and reads its settings from the same place the service does
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
target=${DEPLOY_TARGET:?set DEPLOY_TARGET to the name of the service on $platform}
image=${IMAGE:?set IMAGE to the image to deploy, by digest}
if [[ -n ${DEPLOY_REGISTRY:-} ]]; then
    image="${DEPLOY_REGISTRY%/}/${image#ghcr.io/}"
fi

kubernetes_login() {
    [[ -n ${KUBECONFIG_DATA:-} ]] || fail "KUBECONFIG_DATA is empty: store a base64 kubeconfig in that secret"
    mkdir -p "$HOME/.kube"
    base64 --decode <<<"$KUBECONFIG_DATA" >"$HOME/.kube/config"
    chmod 600 "$HOME/.kube/config"
}

kubernetes_migrate() {
    # A pod of the released image with the service's own settings (Secret <target>-env).
    local pod spec
    pod="$target-migrate-$(date +%s)"
    spec='{"spec": {"containers": [{"name": "%s", "image": "%s",'
    spec+=' "command": ["flask", "db", "upgrade"], "envFrom": [{"secretRef": {"name": "%s-env"}}]}]}}'
    # shellcheck disable=SC2059 # the format is the constant above
    kubectl run "$pod" --image="$image" --restart=Never --rm --attach --quiet \
        --overrides="$(printf "$spec" "$pod" "$image" "$target")"
}

kubernetes_release() {
    kubectl set image "deployment/$target" "app=$image"
    kubectl rollout status "deployment/$target" --timeout=10m
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
    local region=${DEPLOY_REGION:?set DEPLOY_REGION to the Cloud Run region}
    gcloud run jobs update "$target-migrate" --image="$image" --region="$region" \
        --command=flask --args=db,upgrade --quiet
    gcloud run jobs execute "$target-migrate" --region="$region" --wait --quiet
}

cloudrun_release() {
    local region=${DEPLOY_REGION:?set DEPLOY_REGION to the Cloud Run region}
    gcloud run deploy "$target" --image="$image" --region="$region" --quiet
}

case "$step" in
    login | migrate | release) "${platform}_$step" ;;
    *) fail "unknown step '$step': use login, migrate or release" ;;
esac
