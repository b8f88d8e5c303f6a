"""The Kubernetes manifests validate offline, and broken ones fail with a clear message.

The strict Kubernetes schemas come from the PyPI package kubernetes-validate; when the venv does
not have it, the first test installs it (data only) into the shared cache, once:
    uv pip install --python .venv/bin/python --no-deps \
        --target .loreline/cache/k8s-schemas/kubernetes-validate-1.37.0 kubernetes-validate==1.37.0
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from infra.k8s.manifests import BASE_DIR, manifest_files
from infra.k8s.validate import FileReport, ManifestValidator, default_validator, main

pytestmark = pytest.mark.unit

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: broken
spec:
  replicas: {replicas}
  selector:
    matchLabels: {{app: broken}}
  template:
    metadata:
      labels: {{app: broken}}
    spec:
      containers:
        - name: main
          image: example/broken:1
{extra}"""


@pytest.fixture(scope="module")
def validator() -> ManifestValidator:
    return default_validator(install=True)


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text)
    return path


def describe(reports: list[FileReport]) -> str:
    return "\n".join(f"{r.path.name}: {p}" for r in reports for p in r.problems)


def test_every_manifest_validates(validator: ManifestValidator) -> None:
    reports = validator.validate_tree(BASE_DIR)
    assert {r.path for r in reports} == set(manifest_files(BASE_DIR))
    assert all(r.ok for r in reports), describe(reports)
    kinds = {label.split("/")[0] for r in reports for label in r.documents}
    assert {"Namespace", "Deployment", "Service", "ScaledObject", "Kustomization"} <= kinds


def test_the_command_prints_a_line_per_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 0
    out = capsys.readouterr().out
    for path in manifest_files(BASE_DIR):
        assert f"ok   {path.relative_to(BASE_DIR).as_posix()}:" in out


def test_a_wrong_type_fails_with_its_location(validator: ManifestValidator, tmp_path: Path) -> None:
    path = write(tmp_path, "deploy.yaml", DEPLOYMENT.format(replicas='"two"', extra=""))
    report = validator.validate_file(path)
    assert report.problems == [
        'Deployment/broken: at spec.replicas: "two" is not of types "null", "integer"'
    ]


def test_an_unknown_field_in_a_deployment_spec_fails(
    validator: ManifestValidator, tmp_path: Path
) -> None:
    extra = "  replicaCount: 3\n"
    path = write(tmp_path, "deploy.yaml", DEPLOYMENT.format(replicas=2, extra=extra))
    report = validator.validate_file(path)
    assert len(report.problems) == 1
    problem = report.problems[0]
    assert problem.startswith("Deployment/broken: at spec:")
    assert "'replicaCount' was unexpected" in problem


def test_a_numeric_keda_threshold_fails(validator: ManifestValidator, tmp_path: Path) -> None:
    text = (BASE_DIR / "llm-gold.yaml").read_text()
    quoted = next(line for line in text.splitlines() if "threshold:" in line)
    broken = text.replace(quoted, quoted.replace('"', ""))
    report = validator.validate_file(write(tmp_path, "llm-gold.yaml", broken))
    assert any(
        "ScaledObject/vllm-gold: at spec.triggers[0].metadata.threshold:" in p
        and 'not of type "string"' in p
        for p in report.problems
    ), report.problems


def test_references_between_manifests_are_checked(
    validator: ManifestValidator, tmp_path: Path
) -> None:
    for path in manifest_files(BASE_DIR):
        documents = list(yaml.safe_load_all(path.read_text()))
        for document in documents:
            if document.get("kind") == "ScaledObject" and path.name == "llm-silver.yaml":
                document["spec"]["scaleTargetRef"]["name"] = "vllm-bronze"
        (tmp_path / path.name).write_text(yaml.safe_dump_all(documents, sort_keys=False))
    (tmp_path / "stray.yaml").write_text(
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: stray\n"
    )
    reports = {r.path.name: r for r in validator.validate_tree(tmp_path)}
    assert reports["llm-silver.yaml"].problems == [
        "ScaledObject/vllm-silver: scaleTargetRef names Deployment/vllm-bronze, "
        "which no manifest defines"
    ]
    assert reports["kustomization.yaml"].problems == [
        "Kustomization: stray.yaml is not listed in resources"
    ]
