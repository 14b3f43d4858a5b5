"""The release workflow's own tools: the changelog section it publishes and scripts/deploy.sh.

deploy.sh drives kubectl and gcloud, which are not installed here: a stand-in for each on
PATH records the arguments it was given, so the test sees the commands a deployment runs.
"""

import base64
import importlib.util
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
IMAGE = "ghcr.io/team/service@sha256:" + "a" * 64

CHANGELOG = """# Changelog

## [Unreleased]

- Not released yet.

## [1.2.0] - 2026-11-20

### Added

- Exports.

## [1.1.0] - 2026-10-01

- Imports.
"""


def load_script(name: str):
    """A module of scripts/, which is not a package."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


changelog_section = load_script("changelog_section")


def test_the_release_notes_are_the_versions_section_only():
    assert changelog_section.section(CHANGELOG, "1.2.0") == "### Added\n\n- Exports.\n"
    assert changelog_section.section(CHANGELOG, "1.1.0") == "- Imports.\n"


def test_a_version_without_a_section_stops_the_release(capsys):
    with pytest.raises(LookupError, match="CHANGELOG.md has no section for 1.3.0"):
        changelog_section.section(CHANGELOG, "1.3.0")
    assert changelog_section.main(["99.0.0"]) == 1  # the project's own changelog
    captured = capsys.readouterr()
    assert "no section for 99.0.0: add a '## [99.0.0] - <date>' heading" in captured.err
    assert captured.out == ""


@pytest.fixture
def recorded(tmp_path):
    """PATH with kubectl and gcloud stand-ins that append their arguments to a log."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "calls.log"
    for tool in ("kubectl", "gcloud"):
        stand_in = bin_dir / tool
        stand_in.write_text(f'#!/bin/sh\necho "{tool} $*" >> "{log}"\n')
        stand_in.chmod(0o755)
    env = {
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "HOME": str(tmp_path),
        "RUNNER_TEMP": str(tmp_path),
        "IMAGE": IMAGE,
        "DEPLOY_TARGET": "service",
    }

    def deploy(step: str, **settings: str) -> tuple[subprocess.CompletedProcess, list[str]]:
        log.unlink(missing_ok=True)
        done = subprocess.run(
            ["bash", "scripts/deploy.sh", step],
            cwd=ROOT,
            env={**env, **settings},
            capture_output=True,
            text=True,
            check=False,
        )
        return done, log.read_text().splitlines() if log.exists() else []

    return deploy


def test_kubernetes_runs_the_migration_job_then_rolls_out_the_image(recorded, tmp_path):
    kubeconfig = base64.b64encode(b"kind: Config").decode()
    done, _ = recorded("login", DEPLOY_PLATFORM="kubernetes", KUBECONFIG_DATA=kubeconfig)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / ".kube" / "config").read_text() == "kind: Config"
    manifests = f"--filename={tmp_path}/kubernetes-staging.yaml"
    migration = "--selector=app.kubernetes.io/component=migration"
    staging = {"DEPLOY_PLATFORM": "kubernetes", "DEPLOY_OVERLAY": "staging"}
    done, [build, *calls] = recorded("migrate", **staging)
    assert done.returncode == 0, done.stderr
    assert build.startswith("kubectl kustomize ")
    assert calls == [
        f"kubectl delete {manifests} {migration} --ignore-not-found --wait",
        f"kubectl apply {manifests} {migration}",
        f"kubectl wait {manifests} {migration} --for=condition=complete --timeout=10m",
    ]
    done, [build, *calls] = recorded("release", **staging)
    assert done.returncode == 0, done.stderr
    assert calls == [
        f"kubectl apply {manifests} --selector=app.kubernetes.io/component!=migration",
        f"kubectl rollout status {manifests} --selector=app.kubernetes.io/component=server"
        " --timeout=10m",
    ]


def test_kubernetes_builds_the_overlay_with_the_image_by_digest(recorded, tmp_path):
    """The kustomization deploy/kubernetes/build.sh lays over the overlay names the digest."""
    stand_in = tmp_path / "bin" / "kubectl"
    stand_in.write_text('#!/bin/sh\n[ "$1" != kustomize ] || cat "$2/kustomization.yaml"\n')
    done, _ = recorded("release", DEPLOY_PLATFORM="kubernetes")
    assert done.returncode == 0, done.stderr
    built = (tmp_path / "kubernetes-production.yaml").read_text()
    assert "deploy/kubernetes/overlays/production\n" in built
    assert "newName: ghcr.io/team/service\n" in built
    assert f"digest: sha256:{'a' * 64}\n" in built


@pytest.mark.parametrize(
    ("overlay", "image", "message"),
    [
        ("qa", IMAGE, "no overlay 'qa': use one of production staging"),
        ("production", "ghcr.io/team/service:1.2.0", "is not an image by digest"),
    ],
)
def test_kubernetes_refuses_an_unknown_overlay_or_a_tag(recorded, overlay, image, message):
    settings = {"DEPLOY_PLATFORM": "kubernetes", "DEPLOY_OVERLAY": overlay, "IMAGE": image}
    done, calls = recorded("release", **settings)
    assert done.returncode == 2
    assert message in done.stderr
    assert calls == []


def test_cloud_run_migrates_with_a_job_then_deploys_the_service(recorded):
    region = {"DEPLOY_PLATFORM": "cloudrun", "DEPLOY_REGION": "europe-west1"}
    done, calls = recorded("login", GCP_CREDENTIALS='{"project_id": "team-prod"}', **region)
    assert done.returncode == 0, done.stderr
    assert calls[1] == "gcloud config set project team-prod --quiet"
    done, calls = recorded("migrate", **region)
    assert calls == [
        f"gcloud run jobs update service-migrate --image={IMAGE} --region=europe-west1"
        " --command=flask --args=db,upgrade --quiet",
        "gcloud run jobs execute service-migrate --region=europe-west1 --wait --quiet",
    ]
    done, calls = recorded("release", **region)
    assert calls == [f"gcloud run deploy service --image={IMAGE} --region=europe-west1 --quiet"]
    # Cloud Run pulls through an Artifact Registry remote repository of ghcr.io.
    mirror = "europe-west1-docker.pkg.dev/team-prod/ghcr"
    done, calls = recorded("release", DEPLOY_REGISTRY=mirror + "/", **region)
    mirrored = f"{mirror}/team/service@sha256:" + "a" * 64
    assert calls == [f"gcloud run deploy service --image={mirrored} --region=europe-west1 --quiet"]


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({}, "DEPLOY_PLATFORM is not set: set it to kubernetes or cloudrun"),
        ({"DEPLOY_PLATFORM": "heroku"}, "DEPLOY_PLATFORM=heroku is not supported"),
        ({"DEPLOY_PLATFORM": "kubernetes"}, "KUBECONFIG_DATA is empty"),
        ({"DEPLOY_PLATFORM": "cloudrun"}, "GCP_CREDENTIALS is empty"),
    ],
)
def test_a_missing_setting_stops_the_deployment_naming_it(recorded, settings, message):
    done, calls = recorded("login", **settings)
    assert done.returncode == 2
    assert message in done.stderr
    assert calls == []
