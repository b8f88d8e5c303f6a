"""Start the local LLM tiers for `loreline up`: one vLLM process per distinct model.

Locally both tiers serve SmolLM2, so one process answers for both: it is registered once per tier
(`vllm-gold-0`, `vllm-silver-0`, same pid and URL) so `EndpointDirectory.from_components` finds it
for each. `loreline down` ends it with `os.killpg(pid, SIGTERM)` (the pid leads its own process
group, which holds vLLM's engine and worker processes too).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from infra.vllm.environment import ensure_vllm_env
from infra.vllm.model import SMOLLM2_SERVED_NAME, ensure_smollm2
from infra.vllm.server import VllmServer
from infra.vllm.settings import VllmSettings
from loreline.state import ComponentRegistry
from serving.llm.endpoints import replica_component_name
from serving.llm.tier import TierConfig, load_tiers


class LocalTierError(RuntimeError):
    """A tier asks for a model this machine cannot serve locally."""


def start_local_tiers(
    settings: VllmSettings,
    registry: ComponentRegistry,
    *,
    progress: Callable[[str], None] = print,
) -> list[VllmServer]:
    """Build what is missing (environment, model), start the servers, register every tier."""
    layout = settings.layout()
    layout.ensure()
    tiers = load_tiers(settings.tiers_file)
    by_model: dict[str, list[TierConfig]] = {}
    for tier in tiers.values():
        if tier.model != SMOLLM2_SERVED_NAME:
            raise LocalTierError(
                f"tier {tier.name} serves {tier.model!r}; only {SMOLLM2_SERVED_NAME!r} runs "
                f"locally. Point LORELINE_VLLM_TIERS_FILE at a file with local tiers."
            )
        by_model.setdefault(tier.model, []).append(tier)

    started = time.monotonic()
    ensure_vllm_env(layout.vllm_env_dir, progress=progress)
    model_dir = ensure_smollm2(layout.models_dir, env_dir=layout.vllm_env_dir, progress=progress)
    servers: list[VllmServer] = []
    try:
        for model, group in by_model.items():
            first = replica_component_name(group[0].name, 0)
            server = VllmServer(
                model_dir,
                model,
                env_dir=layout.vllm_env_dir,
                log_path=layout.logs_dir / f"{first}.log",
                enforce_eager=settings.enforce_eager,
                max_model_len=settings.max_model_len,
                kv_cache_gib=settings.kv_cache_gib,
                name=first,
            )
            info = server.start(timeout=settings.start_timeout_s, progress=progress)
            servers.append(server)
            for tier in group:
                registry.put(info.model_copy(update={"name": replica_component_name(tier.name, 0)}))
    except BaseException:
        for server in servers:
            server.stop()
        raise
    progress(f"[llm] local tiers {', '.join(tiers)} ready in {time.monotonic() - started:.0f}s")
    return servers
