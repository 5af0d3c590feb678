"""The container build file, compose file and Kubernetes manifests, checked without a container runtime.

This machine cannot build or run images (no daemon, no base images): the files are parsed and checked for
what production relies on, and the commands the image runs are run here with the environment it sets.
"""

from __future__ import annotations

import functools
import re
import runpy
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"


@functools.cache
def manifests() -> list[dict[str, Any]]:
    docs = []
    for path in sorted(K8S.glob("*.yaml")):
        docs.extend(doc for doc in yaml.safe_load_all(path.read_text()) if doc)
    return docs


def of_kind(kind: str) -> dict[str, dict[str, Any]]:
    return {doc["metadata"]["name"]: doc for doc in manifests() if doc["kind"] == kind}


def settings_env_names() -> set[str]:
    """Environment variables the service reads: settings (env.*("NAME")), gunicorn's and the metrics' own."""
    names = set(re.findall(r"env\.\w+\(\s*\"([A-Z0-9_]+)\"", (ROOT / "marketplace" / "settings.py").read_text()))
    sources = (DEPLOY / "gunicorn.conf.py", ROOT / "marketplace" / "celery.py", ROOT / "apps" / "core" / "metrics.py")
    for path in sources:
        names |= set(re.findall(r"(?:environ\.get|_int)\(\s*\"([A-Z0-9_]+)\"", path.read_text()))
    return names | {"PROMETHEUS_MULTIPROC_DIR"}


def containers(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return doc["spec"]["template"]["spec"]["containers"]


def test_the_container_file_is_multi_stage_non_root_and_checks_health():
    text = (DEPLOY / "Containerfile").read_text()
    stages = re.findall(r"^FROM\s+\S+\s+AS\s+(\w+)", text, flags=re.MULTILINE)
    assert stages == ["builder", "runtime"]
    runtime = text.split("AS runtime", 1)[1]
    assert "COPY --from=builder /wheels" in runtime
    assert "build-essential" not in runtime  # compilers stay in the builder
    users = re.findall(r"^USER\s+(\S+)", text, flags=re.MULTILINE)
    assert users and users[-1].split(":")[0] not in {"0", "root"}
    assert "collectstatic --noinput" in text
    assert re.search(r"^HEALTHCHECK .*\n?.*/healthz", text, flags=re.MULTILINE)
    cmd = re.search(r"^CMD (\[.*\])$", text, flags=re.MULTILINE)
    assert cmd and yaml.safe_load(cmd.group(1)) == ["python", "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py"]
    for source in re.findall(r"^COPY (?:--chown=\S+ )?(\S+) ", text, flags=re.MULTILINE):
        if not source.startswith("--from"):
            assert (ROOT / source).exists(), source


def test_hadolint_finds_nothing_in_the_container_file():
    hadolint = Path(sys.executable).parent / "hadolint"
    result = subprocess.run(  # noqa: S603
        [str(hadolint), "--no-color", "--config", str(DEPLOY / ".hadolint.yaml"), str(DEPLOY / "Containerfile")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_deployments_have_probes_resources_and_run_as_non_root():
    deployments = of_kind("Deployment")
    assert set(deployments) == {"market-web", "market-worker", "market-beat"}
    for name, doc in deployments.items():
        pod = doc["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["securityContext"]["runAsUser"] != 0
        assert doc["spec"]["selector"]["matchLabels"].items() <= doc["spec"]["template"]["metadata"]["labels"].items()
        for container in containers(doc):
            assert container["resources"]["requests"]["cpu"] and container["resources"]["requests"]["memory"], name
            assert container["securityContext"]["allowPrivilegeEscalation"] is False
            assert container["securityContext"]["capabilities"]["drop"] == ["ALL"]
            assert "livenessProbe" in container, name
    web = containers(deployments["market-web"])[0]
    assert web["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert web["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert deployments["market-web"]["spec"]["template"]["metadata"]["annotations"]["prometheus.io/path"] == "/metrics"
    # exactly one beat, replaced not rolled, never autoscaled
    beat = deployments["market-beat"]
    assert beat["spec"]["replicas"] == 1
    assert beat["spec"]["strategy"]["type"] == "Recreate"
    hpas = of_kind("HorizontalPodAutoscaler")
    assert {hpa["spec"]["scaleTargetRef"]["name"] for hpa in hpas.values()} == {"market-web", "market-worker"}
    for hpa in hpas.values():
        assert 1 <= hpa["spec"]["minReplicas"] < hpa["spec"]["maxReplicas"]


def test_disruption_budgets_and_services_select_existing_pods():
    deployments = of_kind("Deployment")
    labels = [d["spec"]["template"]["metadata"]["labels"] for d in deployments.values()]
    pdbs = of_kind("PodDisruptionBudget")
    assert {"market-web", "market-worker"} <= set(pdbs)
    for pdb in pdbs.values():
        selector = pdb["spec"]["selector"]["matchLabels"]
        assert any(selector.items() <= pod.items() for pod in labels)
        assert pdb["spec"]["minAvailable"] >= 1
    for service in of_kind("Service").values():
        assert any(service["spec"]["selector"].items() <= pod.items() for pod in labels)


def test_the_migration_job_runs_the_release_command():
    job = of_kind("Job")["market-migrate"]
    pod = job["spec"]["template"]["spec"]
    assert pod["restartPolicy"] == "Never"
    procfile = dict(line.split(": ", 1) for line in (DEPLOY / "Procfile").read_text().splitlines() if ": " in line)
    assert pod["containers"][0]["command"] == shlex.split(procfile["release"])


def test_every_variable_the_files_set_is_one_the_service_reads():
    read = settings_env_names()
    set_by_k8s: set[str] = set()
    references: set[str] = set()
    for doc in manifests():
        if doc["kind"] in {"ConfigMap"}:
            set_by_k8s |= set(doc["data"])
        if doc["kind"] == "Secret":
            set_by_k8s |= set(doc["stringData"])
        if doc["kind"] in {"Deployment", "Job"}:
            for container in containers(doc):
                for item in container.get("env", []):
                    if "valueFrom" in item and "fieldRef" in item["valueFrom"]:
                        references.add(item["name"])  # the pod's own facts, used in other values
                    else:
                        set_by_k8s.add(item["name"])
                for source in container.get("envFrom", []):
                    ref = source.get("configMapRef") or source.get("secretRef")
                    assert ref["name"] in set(of_kind("ConfigMap")) | set(of_kind("Secret"))
    assert set_by_k8s - read == set()
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    set_by_compose = set()
    for service in compose["services"].values():
        if service.get("image", "").startswith("${MARKET_IMAGE"):
            set_by_compose |= set(service.get("environment", {}))
    assert set_by_compose - read == set()
    # the secrets production cannot run without are provided
    assert {"DJANGO_SECRET_KEY", "DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL"} <= set_by_k8s & set_by_compose
    assert references == {"POD_IP"}


def test_compose_runs_web_worker_beat_and_the_data_stores():
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    assert {"web", "worker", "beat", "migrate", "postgres", "redis", "rabbitmq"} <= set(services)
    procfile = dict(line.split(": ", 1) for line in (DEPLOY / "Procfile").read_text().splitlines() if ": " in line)
    assert services["migrate"]["command"] == shlex.split(procfile["release"])
    assert services["beat"]["command"] == shlex.split(procfile["beat"])
    assert services["web"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert "replicas" not in services["beat"].get("deploy", {})  # one beat
    for name in ("web", "worker"):
        assert "healthcheck" in services[name]


@pytest.mark.django_db
def test_the_commands_the_image_runs_work_here():
    """gunicorn accepts every setting of its configuration and finds the application it names; migrate --check
    (the migration job's command, only checking) finds nothing unapplied on the test database."""
    from gunicorn.config import Config
    from gunicorn.util import import_app

    call_command("migrate", "--check", verbosity=0)
    conf = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    config = Config()
    applied = 0
    for name, value in conf.items():
        if name in config.settings:
            config.set(name, value)  # validates the value as gunicorn does when it reads the file
            applied += 1
    assert applied >= 15
    assert config.worker_class_str == "gthread"
    assert callable(config.on_starting) and callable(config.child_exit)
    assert callable(import_app(conf["wsgi_app"]))
