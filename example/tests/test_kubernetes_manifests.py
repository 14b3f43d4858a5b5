"""The Kubernetes manifests agree with the service they run: its routes, gunicorn.conf.py and
the Dockerfile, and PgBouncer's settings with the server pods that connect to it.
`make kubernetes-check` validates and scans the same manifests."""

import configparser
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from flask.cli import FlaskGroup

ROOT = Path(__file__).resolve().parent.parent
KUBERNETES = ROOT / "deploy" / "kubernetes"
BASE = KUBERNETES / "base"
PGBOUNCER = KUBERNETES / "components" / "pgbouncer"
DOCKERFILE = (ROOT / "Dockerfile").read_text()
GUNICORN_CONF = (ROOT / "gunicorn.conf.py").read_text()


def manifest(name: str, folder: Path = BASE) -> dict:
    """One manifest of the base, or of another folder."""
    return yaml.safe_load((folder / name).read_text())


def container(name: str, folder: Path = BASE) -> dict:
    """The `app` container of a manifest's pod template."""
    pod = manifest(name, folder)["spec"]["template"]["spec"]
    return next(entry for entry in pod["containers"] if entry["name"] == "app")


def environment(entry: dict) -> dict[str, str]:
    """A container's literal environment variables (not those read from a Secret)."""
    return {
        variable["name"]: variable["value"]
        for variable in entry.get("env", [])
        if "value" in variable
    }


def pgbouncer_ini() -> configparser.ConfigParser:
    """The PgBouncer configuration the component ships."""
    parser = configparser.ConfigParser(interpolation=None)
    parser.read_string((PGBOUNCER / "pgbouncer.ini").read_text())
    return parser


def overlays_behind_pgbouncer() -> dict[str, dict]:
    """The overlays that use the PgBouncer component, each with its kustomization."""
    found = {}
    for folder in sorted((KUBERNETES / "overlays").iterdir()):
        kustomization = yaml.safe_load((folder / "kustomization.yaml").read_text())
        if "../../components/pgbouncer" in kustomization.get("components", []):
            found[folder.name] = kustomization
    return found


def max_replicas(kustomization: dict) -> int:
    """The autoscaler's upper bound in an overlay: its patch's, else the base's."""
    for patch in kustomization.get("patches", []):
        if patch.get("target", {}).get("kind") == "HorizontalPodAutoscaler":
            for operation in yaml.safe_load(patch["patch"]):
                if operation["path"] == "/spec/maxReplicas":
                    return operation["value"]
    return manifest("horizontal-pod-autoscaler.yaml")["spec"]["maxReplicas"]


def gunicorn_setting(variable: str) -> str:
    """The default gunicorn.conf.py gives a setting read from the environment."""
    found = re.search(rf'"{variable}", "?([^")]+)"?\)', GUNICORN_CONF)
    assert found, f"gunicorn.conf.py no longer reads {variable}"
    return found.group(1)


SERVER = container("deployment.yaml")
PORTS = {port["name"]: port["containerPort"] for port in SERVER["ports"]}


@pytest.mark.parametrize("probe", ["livenessProbe", "readinessProbe", "startupProbe"])
def test_each_probe_asks_a_route_that_answers_on_the_port_gunicorn_binds(probe, anonymous):
    check = SERVER[probe]["httpGet"]
    assert anonymous.get(check["path"]).status_code == 200
    bound_port = int(gunicorn_setting("GUNICORN_BIND").rsplit(":", 1)[1])
    assert PORTS[check["port"]] == bound_port
    assert f"EXPOSE {bound_port}" in DOCKERFILE


def test_liveness_never_asks_the_database_and_readiness_does():
    assert SERVER["livenessProbe"]["httpGet"]["path"] == "/health/live"
    assert SERVER["readinessProbe"]["httpGet"]["path"] == "/health/ready"


def test_the_metrics_port_is_the_one_the_service_serves_and_the_image_exposes():
    settings = environment(SERVER)
    assert settings["METRICS_ACCESS"] == "port"
    assert PORTS["metrics"] == int(settings["METRICS_PORT"])
    assert re.search(rf"EXPOSE .*\b{PORTS['metrics']}\b", DOCKERFILE)
    service_ports = {
        port["name"]: port["targetPort"] for port in manifest("service.yaml")["spec"]["ports"]
    }
    assert service_ports["metrics"] == "metrics"
    assert manifest("service-monitor.yaml")["spec"]["endpoints"][0]["port"] == "metrics"


@pytest.mark.parametrize("name", ["deployment.yaml", "migration-job.yaml"])
def test_pods_run_as_the_images_user_with_a_read_only_root(name):
    user = re.search(r"^USER (\d+):(\d+)$", DOCKERFILE, re.MULTILINE)
    entry = container(name)
    security = entry["securityContext"]
    assert (security["runAsUser"], security["runAsGroup"]) == (int(user[1]), int(user[2]))
    assert security["readOnlyRootFilesystem"] is True
    mounted = {mount["mountPath"] for mount in entry["volumeMounts"]}
    assert "/tmp" in mounted  # nosec B108 - the path of an emptyDir volume
    if "PROMETHEUS_MULTIPROC_DIR" in environment(entry):
        assert environment(entry)["PROMETHEUS_MULTIPROC_DIR"] in mounted


def test_a_stopping_pod_finishes_its_requests_before_it_is_killed():
    pod = manifest("deployment.yaml")["spec"]["template"]["spec"]
    pause = int(SERVER["lifecycle"]["preStop"]["exec"]["command"][1])
    settings = environment(SERVER)
    graceful = int(settings["GUNICORN_GRACEFUL_TIMEOUT"])
    assert graceful == int(gunicorn_setting("GUNICORN_GRACEFUL_TIMEOUT"))
    assert pod["terminationGracePeriodSeconds"] > pause + graceful
    # A probe gives up long before gunicorn would replace a stuck worker.
    assert SERVER["livenessProbe"]["timeoutSeconds"] < int(settings["GUNICORN_TIMEOUT"])


def test_the_migration_job_runs_the_apps_upgrade_command(app):
    command = container("migration-job.yaml")["command"]
    assert command == ["flask", "db", "upgrade"]
    result = FlaskGroup(create_app=lambda: app).main(
        [*command[1:], "--help"], prog_name="flask", standalone_mode=False
    )
    assert result == 0


def test_both_pods_read_the_one_secret_deploy_and_the_docs_name():
    names = {
        source["secretRef"]["name"]
        for name in ("deployment.yaml", "migration-job.yaml")
        for source in container(name)["envFrom"]
    }
    assert len(names) == 1
    assert f"`{names.pop()}`" in (ROOT / "docs" / "deployment.md").read_text()


def test_servers_behind_pgbouncer_connect_to_its_service_port_and_database():
    service = manifest("service.yaml", PGBOUNCER)
    pgbouncer = manifest("deployment.yaml", PGBOUNCER)["spec"]["template"]["spec"]
    container_ports = {
        port["name"]: port["containerPort"] for port in pgbouncer["containers"][0]["ports"]
    }
    settings = pgbouncer_ini()
    (service_port,) = service["spec"]["ports"]
    assert container_ports[service_port["targetPort"]] == int(settings["pgbouncer"]["listen_port"])
    patch = container("server-patch.yaml", PGBOUNCER)
    server = environment(patch)
    url = urlsplit(server["DATABASE_URL"])
    assert (url.hostname, url.port) == (service["metadata"]["name"], service_port["port"])
    assert url.path.lstrip("/") in settings["databases"]
    assert server["DB_BEHIND_PGBOUNCER"] == "true"
    assert settings["pgbouncer"]["pool_mode"] == "transaction"
    # The credentials come from the Secret, defined before the URL that names them.
    names = [variable["name"] for variable in patch["env"]]
    for variable in ("DATABASE_USER", "DATABASE_PASSWORD"):
        assert f"$({variable})" in server["DATABASE_URL"]
        assert names.index(variable) < names.index("DATABASE_URL")
    # The migration Job keeps the Secret's direct DATABASE_URL.
    assert "DATABASE_URL" not in environment(container("migration-job.yaml"))


def test_pgbouncer_takes_every_connection_the_most_server_pods_open():
    overlays = overlays_behind_pgbouncer()
    assert overlays, "no overlay uses components/pgbouncer"
    settings = environment(SERVER)
    per_pod = int(settings["WEB_CONCURRENCY"]) * (
        int(settings["DB_POOL_SIZE"]) + int(settings["DB_MAX_OVERFLOW"])
    )
    surge = manifest("deployment.yaml")["spec"]["strategy"]["rollingUpdate"]["maxSurge"]
    max_client_conn = int(pgbouncer_ini()["pgbouncer"]["max_client_conn"])
    for name, kustomization in overlays.items():
        # Each PgBouncer on its own may be given every client: the Service picks one per
        # connection, not evenly.
        clients = (max_replicas(kustomization) + surge) * per_pod
        assert max_client_conn >= clients, f"{name}: {clients} clients, {max_client_conn} taken"
