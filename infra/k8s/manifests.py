"""Reading the manifests: every YAML document of every file under a folder, with its origin."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

BASE_DIR = Path(__file__).with_name("base")


@dataclass(frozen=True)
class Manifest:
    """One YAML document of a manifest file."""

    path: Path
    index: int  # position of the document in its file
    body: Any  # normally a dict; anything else is reported by the validator

    @property
    def kind(self) -> str:
        return str(self.body.get("kind", "?")) if isinstance(self.body, dict) else "?"

    @property
    def name(self) -> str:
        if not isinstance(self.body, dict):
            return "?"
        metadata = self.body.get("metadata")
        return str(metadata.get("name", "?")) if isinstance(metadata, dict) else "?"

    @property
    def label(self) -> str:
        return self.kind if self.name == "?" else f"{self.kind}/{self.name}"


def manifest_files(root: Path = BASE_DIR) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.suffix in {".yaml", ".yml"} and p.is_file())


def read_manifests(path: Path) -> list[Manifest]:
    """The non-empty documents of one file (raises yaml.YAMLError on broken YAML)."""
    with path.open(encoding="utf-8") as stream:
        bodies = list(yaml.safe_load_all(stream))
    return [Manifest(path, i, body) for i, body in enumerate(bodies) if body is not None]


def all_manifests(root: Path = BASE_DIR) -> list[Manifest]:
    return [m for path in manifest_files(root) for m in read_manifests(path)]


def find(manifests: list[Manifest], kind: str, name: str) -> Manifest | None:
    return next((m for m in manifests if m.kind == kind and m.name == name), None)
