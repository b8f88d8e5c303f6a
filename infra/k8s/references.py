"""Checks across manifests that a schema cannot make: what one object names must exist."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from infra.k8s.manifests import Manifest, find


def check_references(manifests: list[Manifest]) -> dict[Path, list[str]]:
    """Problems per file: kustomization resources, scale targets, Service selectors."""
    problems: dict[Path, list[str]] = {}
    for manifest in manifests:
        found = _check(manifest, manifests)
        if found:
            problems.setdefault(manifest.path, []).extend(f"{manifest.label}: {p}" for p in found)
    return problems


def _check(manifest: Manifest, manifests: list[Manifest]) -> list[str]:
    body = manifest.body
    if not isinstance(body, dict):
        return []
    raw_spec = body.get("spec")
    spec: dict[str, Any] = raw_spec if isinstance(raw_spec, dict) else {}
    if manifest.kind == "Kustomization":
        return _kustomization(manifest)
    if manifest.kind in {"ScaledObject", "HorizontalPodAutoscaler"}:
        target = spec.get("scaleTargetRef") or {}
        kind = target.get("kind", "Deployment")
        if find(manifests, kind, str(target.get("name"))) is None:
            return [f"scaleTargetRef names {kind}/{target.get('name')}, which no manifest defines"]
    selector = spec.get("selector") if manifest.kind == "Service" else None
    if selector and not any(_selects(selector, m) for m in manifests if m.kind == "Deployment"):
        return [f"selector {selector} matches the pods of no Deployment"]
    return []


def _kustomization(manifest: Manifest) -> list[str]:
    folder = manifest.path.parent
    listed = {str(r) for r in manifest.body.get("resources", [])}
    problems = [f"resource {r} does not exist" for r in sorted(listed) if not (folder / r).exists()]
    present = {
        p.relative_to(folder).as_posix()
        for p in folder.iterdir()
        if p.suffix in {".yaml", ".yml"} and p.name != manifest.path.name
    }
    problems += [f"{name} is not listed in resources" for name in sorted(present - listed)]
    return problems


def _selects(selector: dict[str, Any], deployment: Manifest) -> bool:
    template = deployment.body.get("spec", {}).get("template", {})
    labels = template.get("metadata", {}).get("labels", {}) or {}
    return all(labels.get(k) == v for k, v in selector.items())
