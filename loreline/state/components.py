"""The component registry: one JSON file recording each running component's pid and address.

`loreline up` writes it as components start; `status` and `down` read it.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel, Field


class ComponentInfo(BaseModel):
    name: str
    pid: int | None = None
    host: str = "127.0.0.1"
    port: int | None = None
    url: str | None = None
    version: str | None = None
    log_path: str | None = None
    external: bool = False  # True when pointed at a server we did not start (DATABASE_URL, ...)
    started_at: datetime = Field(default_factory=lambda: datetime.now(UTC))

    def process_alive(self) -> bool:
        if self.pid is None:
            return False
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True


class ComponentRegistry:
    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> dict[str, ComponentInfo]:
        if not self.path.exists():
            return {}
        raw = json.loads(self.path.read_text())
        return {name: ComponentInfo.model_validate(item) for name, item in raw.items()}

    def get(self, name: str) -> ComponentInfo | None:
        return self.load().get(name)

    def put(self, info: ComponentInfo) -> None:
        components = self.load()
        components[info.name] = info
        self._save(components)

    def remove(self, name: str) -> None:
        components = self.load()
        if components.pop(name, None) is not None:
            self._save(components)

    def _save(self, components: dict[str, ComponentInfo]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        payload = {name: info.model_dump(mode="json") for name, info in components.items()}
        tmp.write_text(json.dumps(payload, indent=2, sort_keys=True))
        tmp.replace(self.path)
