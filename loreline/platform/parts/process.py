"""Shared shape of the parts that are plain detached processes (worker, API, Dagster, vLLM)."""

from __future__ import annotations

from loreline.platform.context import StackContext
from loreline.platform.part import PartStatus
from loreline.platform.processes import pid_alive, stop_process_group
from loreline.state import ComponentInfo
from loreline.state.ports import port_open


def running(ctx: StackContext, name: str) -> ComponentInfo | None:
    """The registry's entry for `name` if its process is still alive."""
    info = ctx.registry.get(name)
    if info is not None and info.pid is not None and pid_alive(info.pid):
        return info
    return None


def stop_registered(ctx: StackContext, name: str) -> None:
    info = ctx.registry.get(name)
    if info is not None and info.pid is not None:
        stop_process_group(info.pid)
    ctx.registry.remove(name)


def process_status(ctx: StackContext, name: str, detail: str | None = None) -> PartStatus:
    info = ctx.registry.get(name)
    if info is None:
        return PartStatus(name=name, state="down", detail="not started: run `loreline up`")
    address = info.url or (f"{info.host}:{info.port}" if info.port else None)
    if info.pid is None or not pid_alive(info.pid):
        return PartStatus(
            name=name,
            state="down",
            address=address,
            detail=f"process {info.pid} is gone: run `loreline up` (log: {info.log_path})",
        )
    if info.port and not port_open(info.host, info.port):
        return PartStatus(
            name=name,
            state="degraded",
            address=address,
            pid=info.pid,
            detail=f"running but not answering on {info.port} (log: {info.log_path})",
        )
    return PartStatus(
        name=name,
        state="up",
        address=address,
        version=info.version,
        pid=info.pid,
        detail=detail,
    )


def announce(ctx: StackContext, info: ComponentInfo, note: str = "") -> None:
    where = info.url or (f"{info.host}:{info.port}" if info.port else f"pid {info.pid}")
    ctx.console.print(f"  {info.name:<18} [green]up[/]  {where}  {note}".rstrip())
