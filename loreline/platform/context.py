"""What every part of the stack needs to start: the state layout, the registry and the settings."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field

from rich.console import Console

from loreline.cli.settings import CliSettings
from loreline.state import ComponentRegistry, StateLayout


@dataclass
class StackContext:
    settings: CliSettings
    layout: StateLayout
    registry: ComponentRegistry
    console: Console
    # Filled in as parts start: later parts connect to earlier ones.
    database_url: str | None = None
    kafka_bootstrap: str | None = None
    extras: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_settings(cls, settings: CliSettings, console: Console | None = None) -> StackContext:
        layout = settings.layout().ensure()
        # Processes the stack starts (worker, API, Dagster, vLLM) find the same state folder.
        os.environ["LORELINE_HOME"] = str(layout.home)
        os.environ["LORELINE_CACHE"] = str(layout.cache)
        return cls(
            settings=settings,
            layout=layout,
            registry=ComponentRegistry(layout.registry_path),
            console=console or Console(width=shutil.get_terminal_size((140, 24)).columns),
            database_url=settings.database_url,
            kafka_bootstrap=settings.kafka_bootstrap,
        )
