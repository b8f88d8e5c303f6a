"""Property-based fuzzing of the running API from its own OpenAPI schema (schemathesis): no
generated request, however odd, may produce a 5xx. Requests carry a valid key (read, ingest,
admin for `alpha`) and world ids are pinned to `alpha` so they reach the handlers."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any, cast

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from loreline.db.databases import create_database, drop_database
from loreline.state import ComponentInfo, StateLayout
from serving.api import ApiSettings
from serving.runtime import start_api_process, stop_api_process
from tests.fixtures.postgres import PostgresUnderTest

pytestmark = [pytest.mark.integration, pytest.mark.slow]

MAX_EXAMPLES = 25
WORLD = "alpha"


@pytest.fixture(scope="module")
def fuzzed_api(
    postgres: PostgresUnderTest,
    postgres_template: str,
    state_layout: StateLayout,
    kafka_bootstrap: str,
) -> Iterator[tuple[ComponentInfo, str]]:
    import asyncio

    from loreline.db import create_pool
    from serving.security import create_api_key

    name = f"fuzz_{uuid.uuid4().hex[:12]}"
    dsn = create_database(postgres.dsn, name, template=postgres_template)

    async def make_key() -> str:
        pool = await create_pool(dsn, min_size=1, max_size=1)
        try:
            return await create_api_key(pool, [WORLD], ["read", "ingest", "admin"])
        finally:
            await pool.close()

    key = asyncio.run(make_key())
    api_settings = ApiSettings(
        database_url=dsn,
        kafka_bootstrap=kafka_bootstrap,
        ingest_topic=f"api-fuzz-{uuid.uuid4().hex[:8]}",
    )
    info = start_api_process(state_layout, api_settings)
    try:
        yield info, key
    finally:
        assert info.pid is not None
        stop_api_process(info)
        drop_database(postgres.dsn, name)


def _fuzz(operation: Any, mode: GenerationMode, info: ComponentInfo, key: str) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def run(case: Any) -> None:
        if case.path_parameters and "world_id" in case.path_parameters:
            case.path_parameters["world_id"] = WORLD
        if isinstance(case.body, dict) and "world_id" in case.body:
            case.body["world_id"] = WORLD
        case.call_and_validate(
            base_url=info.url,
            headers={"Authorization": f"Bearer {key}"},
            checks=[not_a_server_error],
            timeout=30,
        )

    run()


NEEDS_LIVE_TIERS = "/v1/storyteller/"


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_no_generated_request_causes_a_server_error(
    fuzzed_api: tuple[ComponentInfo, str], mode: GenerationMode
) -> None:
    info, key = fuzzed_api
    schema = schemathesis.openapi.from_url(f"{info.url}/openapi.json")
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = cast(Any, result).ok()
        operations += 1
        if operation.path.startswith(NEEDS_LIVE_TIERS):
            # Generation answers its documented 503 `all_tiers_failed` when no vLLM tier runs
            # (none does for this app); tests/storyteller fuzz-free tests cover it with real vLLM.
            continue
        try:
            _fuzz(operation, mode, info, key)
        except Unsatisfiable:
            continue  # nothing to violate (no parameters): positive mode covers it
        except Exception as exc:  # collect every operation's failure, then report them all
            failures.append(f"{operation.label}: {exc}"[:2000])
    assert operations >= 13
    assert not failures, "\n\n".join(failures)
