"""What makes a broker the same broker across restarts: its cluster id and its two ports.

Chosen on first start and kept in `node.json` in the broker's data folder, so a restart comes
back at the same address with the same data.
"""

from __future__ import annotations

import base64
import json
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path

from loreline.state.ports import free_port

IDENTITY_FILE = "node.json"


def new_cluster_id() -> str:
    """A random Kafka cluster id: 16 random bytes, URL-safe base64 without padding (22 chars)."""
    while True:
        raw = base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode("ascii")
        if not raw.startswith("-"):  # a leading dash reads as an option on Kafka's command lines
            return raw


@dataclass(frozen=True)
class NodeIdentity:
    cluster_id: str
    port: int
    controller_port: int

    @classmethod
    def load_or_create(cls, data_dir: Path, port: int | None = None) -> NodeIdentity:
        """The remembered identity (`port`, if given, replaces the client port), else a new one."""
        path = data_dir / IDENTITY_FILE
        if path.exists():
            try:
                known = cls(**json.loads(path.read_text()))
            except (ValueError, TypeError) as exc:
                raise ValueError(
                    f"{path} is not a valid broker identity ({exc}); delete the folder "
                    f"{data_dir} to start the broker afresh (its topics are lost)"
                ) from exc
            if port is not None and port != known.port:
                known = cls(known.cluster_id, port, known.controller_port)
                known.save(data_dir)
            return known
        client_port = port if port is not None else free_port()
        controller_port = free_port()
        while controller_port == client_port:
            controller_port = free_port()
        created = cls(new_cluster_id(), client_port, controller_port)
        created.save(data_dir)
        return created

    def save(self, data_dir: Path) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        tmp = data_dir / (IDENTITY_FILE + ".tmp")
        tmp.write_text(json.dumps(asdict(self), indent=2) + "\n")
        tmp.replace(data_dir / IDENTITY_FILE)
