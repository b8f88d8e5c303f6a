"""The model registry: per storyteller use case, the model, tier policy, sampling parameters and
latency objective, stored in Postgres (`model_registry`) and changed at runtime through the API."""

from serving.models.entry import ModelEntry, ModelEntryUpdate, TierPolicy, UseCase

__all__ = ["ModelEntry", "ModelEntryUpdate", "TierPolicy", "UseCase"]
