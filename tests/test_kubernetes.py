"""The Kubernetes manifests of a rendered project, checked as its CI checks them: every overlay
built with the image by digest, valid for each supported Kubernetes version, and free of
checkov findings, every skipped check carrying its reason in the manifest itself."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.support import ROOT, run

# The checks' tools, installed once from the rendered project's hashed lock and kept between
# runs (the Makefile reinstalls them only when the lock changes).
TOOLS = ROOT / ".tools" / "kubernetes"
OVERLAYS = ["production", "staging"]

# One worker runs them all (ONE_WORKER in conftest.py): two installs of the tools into one
# folder at once break it.
pytestmark = pytest.mark.skipif(
    shutil.which("kubectl") is None, reason="kubectl (which carries kustomize) is not installed"
)


@pytest.fixture(scope="module")
def checked(variant) -> tuple[Path, str]:
    """The default variant after `make kubernetes-check`, with what the check printed."""
    project = variant("default")
    done = run(["make", "-s", "kubernetes-check", f"KUBERNETES_TOOLS={TOOLS}"], project)
    return project, done.stdout


def built(project: Path, overlay: str) -> list[dict]:
    """The manifests the check built for an overlay."""
    text = (project / "build" / "kubernetes" / f"{overlay}.yaml").read_text()
    return list(yaml.safe_load_all(text))


def test_every_overlay_is_valid_for_every_supported_version_and_has_no_findings(checked):
    project, output = checked
    versions = ["1.34.0", "1.35.0", "1.36.0", "1.37.0"]
    for overlay in OVERLAYS:
        for version in versions:
            assert f"{overlay}: valid for Kubernetes {version}" in output
    assert output.count("Failed checks: 0") == len(OVERLAYS)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_skipped_check_gives_its_reason(checked, overlay):
    project, _ = checked
    manifests = project / "build" / "kubernetes" / f"{overlay}.yaml"
    done = subprocess.run(
        [TOOLS / "bin" / "checkov", "--skip-download", "--output", "json"]
        + ["--framework", "kubernetes", "--file", manifests],
        capture_output=True,
        text=True,
        check=False,
    )
    report = json.loads(done.stdout)
    assert report["summary"]["failed"] == 0
    skipped = report["results"]["skipped_checks"]
    assert skipped, "nothing skipped: drop this test's premise or the annotations"
    for check in skipped:
        assert len(check["check_result"]["suppress_comment"]) > 20, check["check_id"]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_applied_manifests_run_the_image_by_digest_in_the_overlays_namespace(checked, overlay):
    project, _ = checked
    namespace = "my-service" if overlay == "production" else "my-service-staging"
    manifests = built(project, overlay)
    assert {entry["metadata"]["namespace"] for entry in manifests} == {namespace}
    images = [
        container["image"]
        for entry in manifests
        if entry["kind"] in {"Deployment", "Job"}
        for container in entry["spec"]["template"]["spec"]["containers"]
        if container["name"] == "app"
    ]
    assert images == [f"ghcr.io/example/my-service@sha256:{'0' * 64}"] * 2


def test_production_reaches_postgresql_through_pgbouncer_and_staging_directly(checked):
    project, _ = checked
    for overlay, behind in [("production", True), ("staging", False)]:
        manifests = {
            (entry["kind"], entry["metadata"]["name"]): entry for entry in built(project, overlay)
        }
        assert (("Deployment", "my-service-pgbouncer") in manifests) is behind
        assert (("Service", "my-service-pgbouncer") in manifests) is behind
        server = manifests[("Deployment", "my-service")]["spec"]["template"]["spec"]
        env = {entry["name"]: entry for entry in server["containers"][0]["env"]}
        assert ("DB_BEHIND_PGBOUNCER" in env) is behind
        if behind:
            assert "@my-service-pgbouncer:6432/" in env["DATABASE_URL"]["value"]
            # No secret value in the manifests: the credentials are Secret references.
            assert "secretKeyRef" in env["DATABASE_PASSWORD"]["valueFrom"]
            migration = manifests[("Job", "my-service-migrate")]["spec"]["template"]["spec"]
            assert "DATABASE_URL" not in {
                entry["name"] for entry in migration["containers"][0]["env"]
            }


def test_the_build_refuses_an_image_by_tag(checked):
    project, _ = checked
    done = subprocess.run(
        ["deploy/kubernetes/build.sh", "production", "ghcr.io/example/my-service:1.0.0"],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert "is not an image by digest" in done.stderr


def test_a_failed_check_fails_the_target(checked):
    """The target is not a report that always passes: a privileged pod stops it."""
    project, _ = checked
    deployment = project / "deploy" / "kubernetes" / "base" / "deployment.yaml"
    original = deployment.read_text()
    deployment.write_text(original.replace("allowPrivilegeEscalation: false", "privileged: true"))
    try:
        done = subprocess.run(
            ["make", "-s", "kubernetes-check", f"KUBERNETES_TOOLS={TOOLS}"],
            cwd=project,
            capture_output=True,
            text=True,
            check=False,
        )
    finally:
        deployment.write_text(original)
    assert done.returncode != 0
    assert "CKV_K8S_16" in done.stdout  # "Container should not be privileged"
