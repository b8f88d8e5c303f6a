"""LLM tiers: what each tier serves, what it costs and what latency it promises.

All tiers are described in ONE settings file (default `infra/vllm/tiers.yaml`; production
figures in `infra/vllm/tiers.production.yaml`). Endpoints listed there are static (production
services); local replicas add theirs at run time through `EndpointDirectory`.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator


class ReplicaBounds(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    min: int = Field(default=1, ge=1)
    max: int = Field(default=1, ge=1)

    @model_validator(mode="after")
    def _ordered(self) -> ReplicaBounds:
        if self.max < self.min:
            raise ValueError(f"replicas.max ({self.max}) is below replicas.min ({self.min})")
        return self


class TierAutoscaling(BaseModel):
    """The autoscaler's knobs for one tier (see serving/llm/autoscaling/policy.py)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    target_per_replica: float = Field(default=16.0, gt=0)  # waiting + running per replica
    max_step_up_ratio: float = Field(default=1.0, gt=0)  # +100 % of current per decision
    scale_down_window_s: float = Field(default=300.0, ge=0)
    idle_before_zero_s: float = Field(default=900.0, ge=0)
    interval_s: float = Field(default=15.0, gt=0)


class TierConfig(BaseModel):
    """One tier: a pool of OpenAI-compatible replicas serving one model."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(pattern=r"^[a-z][a-z0-9_-]{0,31}$")
    model: str = Field(min_length=1)  # the served model name sent in requests
    endpoints: tuple[str, ...] = ()  # base URLs (http://host:port), without /v1
    price_per_gpu_hour: float = Field(ge=0)
    gpus_per_replica: int = Field(default=1, ge=1)
    ttft_objective_ms: float = Field(gt=0)  # p95 time to first token the tier promises
    idle_ttft_ms: float = Field(gt=0)  # typical TTFT of an idle replica: estimate before data
    max_tokens: int = Field(ge=1)  # completion tokens one request may ask for
    max_concurrency: int = Field(ge=1)  # requests one replica serves at once (max-num-seqs)
    replicas: ReplicaBounds = ReplicaBounds()
    scale_to_zero: bool = False
    autoscaling: TierAutoscaling = TierAutoscaling()

    @property
    def price_per_replica_hour(self) -> float:
        return self.price_per_gpu_hour * self.gpus_per_replica


class TierConfigError(ValueError):
    """The tiers file is missing or invalid; the message names the file and the field."""


def load_tiers(path: Path) -> dict[str, TierConfig]:
    """Read every tier from the settings file: `{tiers: {NAME: {...}}}`."""
    try:
        raw = yaml.safe_load(path.read_text())
    except OSError as error:
        raise TierConfigError(
            f"cannot read tiers file {path}: {error}; set LORELINE_VLLM_TIERS_FILE"
        ) from error
    if not isinstance(raw, dict) or not isinstance(raw.get("tiers"), dict):
        raise TierConfigError(f"{path}: expected a mapping `tiers: {{NAME: {{...}}}}`")
    tiers: dict[str, TierConfig] = {}
    for name, body in raw["tiers"].items():
        try:
            tiers[name] = TierConfig.model_validate({"name": name, **(body or {})})
        except ValidationError as error:
            raise TierConfigError(f"{path}: tier {name!r} is invalid:\n{error}") from error
    if not tiers:
        raise TierConfigError(f"{path}: no tiers defined")
    return tiers
