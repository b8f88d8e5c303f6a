"""The state folder: where `loreline up` keeps everything it runs, and what is running."""

from loreline.state.components import ComponentInfo, ComponentRegistry
from loreline.state.layout import StateLayout

__all__ = ["ComponentInfo", "ComponentRegistry", "StateLayout"]
