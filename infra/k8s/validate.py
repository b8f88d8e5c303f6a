"""Offline schema validation of the Kubernetes manifests: `python -m infra.k8s.validate [DIR]`.

Built-in kinds are checked against the strict Kubernetes JSON schemas (unknown fields rejected)
of `schema_store.KUBERNETES_VERSION`; KEDA's ScaledObject and the Kustomization against the
project's own schemas in `infra/k8s/schemas/`. Then references between manifests
(`references.py`) and the tiers' KEDA numbers against `infra/vllm/tiers.production.yaml`
(`keda.py`). Prints one line per file and every problem under it; exits 1 on any problem.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema_rs
import yaml

from infra.k8s.keda import PRODUCTION_TIERS_FILE, tier_mismatches
from infra.k8s.manifests import BASE_DIR, Manifest, manifest_files, read_manifests
from infra.k8s.references import check_references
from infra.k8s.schema_store import (
    CRD_SCHEMA_DIR,
    KUBERNETES_VERSION,
    SchemasUnavailable,
    ensure_kubernetes_schemas,
)
from serving.llm.tier import load_tiers

_DEFINITIONS_URI = "https://kubernetes.io/api/_definitions.json"
# Custom resources: (apiVersion, kind) -> the project's own schema file.
CRD_SCHEMAS = {
    ("keda.sh/v1alpha1", "ScaledObject"): "scaledobject-keda-v1alpha1.json",
    ("kustomize.config.k8s.io/v1beta1", "Kustomization"): "kustomization-kustomize-v1beta1.json",
}


@dataclass
class FileReport:
    path: Path
    documents: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


class ManifestValidator:
    """Validates manifests; compiled schemas are cached for the validator's lifetime."""

    def __init__(self, kubernetes_dir: Path, crd_dir: Path = CRD_SCHEMA_DIR) -> None:
        self.kubernetes_dir = kubernetes_dir
        self.crd_dir = crd_dir
        self._registry: jsonschema_rs.Registry | None = None
        self._validators: dict[Path, Any] = {}

    def schema_path(self, api_version: str, kind: str) -> Path:
        own = CRD_SCHEMAS.get((api_version, kind))
        if own:
            return self.crd_dir / own
        # Same naming as the schema package: "apps/v1" -> "apps-v1",
        # "rbac.authorization.k8s.io/v1" -> "rbac-v1", "v1" -> "v1".
        group_version = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
        return self.kubernetes_dir / f"{kind.lower()}-{group_version}.json"

    def problems(self, manifest: Manifest) -> list[str]:
        body = manifest.body
        if not isinstance(body, dict):
            return [f"document {manifest.index}: not a mapping"]
        api_version, kind = body.get("apiVersion"), body.get("kind")
        if not isinstance(api_version, str) or not isinstance(kind, str):
            return [f"document {manifest.index}: apiVersion and kind must both be set"]
        path = self.schema_path(api_version, kind)
        if not path.is_file():
            return [f"{manifest.label}: no schema for {kind} {api_version} (unknown kind?)"]
        validator = self._validator(path)
        messages = (
            f"{manifest.label}: at {_location(error.instance_path)}: {error.message}"
            for error in validator.iter_errors(body)
        )
        return list(dict.fromkeys(messages))  # one line per distinct problem, in order

    def validate_file(self, path: Path) -> FileReport:
        report = FileReport(path)
        try:
            manifests = read_manifests(path)
        except yaml.YAMLError as exc:
            report.problems.append(f"not valid YAML: {exc}")
            return report
        for manifest in manifests:
            report.documents.append(manifest.label)
            report.problems.extend(self.problems(manifest))
        return report

    def validate_tree(
        self, root: Path = BASE_DIR, *, tiers_file: Path | None = PRODUCTION_TIERS_FILE
    ) -> list[FileReport]:
        """Every file under `root`, plus references between them and, when `tiers_file` is
        given, the agreement of the vLLM tiers' manifests with it (see keda.py)."""
        reports = [self.validate_file(path) for path in manifest_files(root)]
        if not all(r.ok for r in reports):
            return reports  # cross-checks read fields the schemas guarantee
        manifests = [m for path in manifest_files(root) for m in read_manifests(path)]
        cross = [check_references(manifests)]
        if tiers_file is not None:
            cross.append(tier_mismatches(manifests, load_tiers(tiers_file)))
        for found in cross:
            for report in reports:
                report.problems.extend(found.get(report.path, []))
        return reports

    def _validator(self, path: Path) -> Any:
        if path not in self._validators:
            schema = json.loads(path.read_text(encoding="utf-8"))
            self._validators[path] = jsonschema_rs.validator_for(schema, registry=self._registry_())
        return self._validators[path]

    def _registry_(self) -> jsonschema_rs.Registry:
        if self._registry is None:
            definitions = self.kubernetes_dir / "_definitions.json"
            contents = json.loads(definitions.read_text(encoding="utf-8"))
            self._registry = jsonschema_rs.Registry([(_DEFINITIONS_URI, contents)])
        return self._registry


def _location(instance_path: Any) -> str:
    parts = list(instance_path)
    if not parts:
        return "(document root)"
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def default_validator(*, install: bool = True) -> ManifestValidator:
    return ManifestValidator(ensure_kubernetes_schemas(KUBERNETES_VERSION, install=install))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.k8s.validate", description=__doc__)
    parser.add_argument("root", nargs="?", type=Path, default=BASE_DIR, help="manifest folder")
    parser.add_argument(
        "--no-install", action="store_true", help="fail instead of installing missing schemas"
    )
    args = parser.parse_args(argv)
    try:
        validator = default_validator(install=not args.no_install)
    except SchemasUnavailable as exc:
        print(exc, file=sys.stderr)
        return 2
    reports = validator.validate_tree(args.root)
    for report in reports:
        shown = _shown(report.path, args.root)
        status = "ok  " if report.ok else "FAIL"
        print(f"{status} {shown}: {', '.join(report.documents) or 'no documents'}")
        for problem in report.problems:
            print(f"     - {problem}")
    failed = sum(not r.ok for r in reports)
    print(
        f"manifest files: {len(reports) - failed} valid, {failed} invalid "
        f"(strict Kubernetes {KUBERNETES_VERSION} schemas)"
    )
    return 1 if failed else 0


def _shown(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


if __name__ == "__main__":
    raise SystemExit(main())
