"""SQL for the `model_registry` table (global configuration, not per world)."""

from __future__ import annotations

from typing import Any

from serving.models.entry import ModelEntry, ModelEntryUpdate, UseCase

_COLUMNS = (
    "use_case, model, tier_policy, tier, temperature::float8 AS temperature,"
    " top_p::float8 AS top_p, max_tokens, ttft_objective_ms, version, updated_at, updated_by"
)


class VersionConflictError(Exception):
    """The stored entry changed since the version the caller read."""

    def __init__(self, use_case: str, stored: int, expected: int) -> None:
        self.stored = stored
        self.expected = expected
        super().__init__(f"{use_case} is at version {stored}, not {expected}")


def _entry(record: Any) -> ModelEntry:
    values = dict(record)
    # real columns round-trip through float8: keep the 2-decimal values people typed
    values["temperature"] = round(values["temperature"], 6)
    values["top_p"] = round(values["top_p"], 6)
    return ModelEntry(**values)


async def list_entries(conn: Any) -> list[ModelEntry]:
    records = await conn.fetch(f"SELECT {_COLUMNS} FROM model_registry ORDER BY use_case")
    return [_entry(record) for record in records]


async def get_entry(conn: Any, use_case: UseCase) -> ModelEntry | None:
    record = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM model_registry WHERE use_case = $1", use_case.value
    )
    return None if record is None else _entry(record)


async def replace_entry(
    conn: Any, use_case: UseCase, update: ModelEntryUpdate, updated_by: str
) -> ModelEntry:
    """Replace the settings of `use_case` (insert when missing) and bump its version; raises
    `VersionConflictError` when `update.expected_version` is given and does not match."""
    async with conn.transaction():
        stored = await conn.fetchval(
            "SELECT version FROM model_registry WHERE use_case = $1 FOR UPDATE", use_case.value
        )
        expected = update.expected_version
        if expected is not None and stored != expected:
            raise VersionConflictError(use_case.value, stored or 0, expected)
        record = await conn.fetchrow(
            f"""
            INSERT INTO model_registry AS r
                (use_case, model, tier_policy, tier, temperature, top_p, max_tokens,
                 ttft_objective_ms, updated_by)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
            ON CONFLICT (use_case) DO UPDATE
               SET model = EXCLUDED.model, tier_policy = EXCLUDED.tier_policy,
                   tier = EXCLUDED.tier, temperature = EXCLUDED.temperature,
                   top_p = EXCLUDED.top_p, max_tokens = EXCLUDED.max_tokens,
                   ttft_objective_ms = EXCLUDED.ttft_objective_ms,
                   updated_by = EXCLUDED.updated_by, updated_at = now(),
                   version = r.version + 1
            RETURNING {_COLUMNS}
            """,
            use_case.value,
            update.model,
            update.tier_policy.value,
            update.tier,
            update.temperature,
            update.top_p,
            update.max_tokens,
            update.ttft_objective_ms,
            updated_by,
        )
    return _entry(record)
