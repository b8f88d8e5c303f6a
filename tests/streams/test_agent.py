"""The ingest agent in Faust's test context (no broker): batching, provenance, retry."""

from __future__ import annotations

import asyncio

import pytest

from loreline.contract import Encoding, encode_batch
from loreline.producer import EventProducer
from streams.app import create_app, ingest_service
from streams.ingest.records import SourceRecord, decode_record
from streams.settings import WorkerSettings

pytestmark = pytest.mark.unit


class RecordingPipeline:
    """Stands in for `IngestPipeline`: records what reaches each stage; `store` can fail."""

    def __init__(self, fail_first: int = 0) -> None:
        self.calls: list[list[SourceRecord]] = []
        self.finished: list[list[SourceRecord]] = []
        self.fail_first = fail_first

    async def prepare(self, records: list[SourceRecord]) -> list[SourceRecord]:
        return records

    async def store(self, records: list[SourceRecord]) -> list[SourceRecord]:
        self.calls.append(records)
        if len(self.calls) <= self.fail_first:
            raise RuntimeError("postgres said no")
        return records

    async def finish(self, records: list[SourceRecord], stored: list[SourceRecord]) -> None:
        self.finished.append(records)


def make_service(tmp_path, pipeline: RecordingPipeline):
    settings = WorkerSettings(
        database_url="postgresql://unused",
        home=tmp_path,
        batch_max_records=4,
        batch_within_s=0.05,
        retry_initial_s=0.01,
    )
    service = ingest_service(create_app(settings))
    service.pipeline = pipeline  # type: ignore[assignment]
    return service


async def test_records_reach_the_pipeline_in_batches_with_provenance(tmp_path, sim_events) -> None:
    pipeline = RecordingPipeline()
    service = make_service(tmp_path, pipeline)
    values = [encode_batch(sim_events[i : i + 10], Encoding.MSGPACK) for i in range(0, 60, 10)]
    async with service.agent.test_context() as agent:
        for value in values:
            await agent.put(
                value, key=b"saltmarch", headers={"content-type": b"application/msgpack"}
            )
        await asyncio.sleep(0.3)
    records = [r for call in pipeline.finished for r in call]
    assert max(len(call) for call in pipeline.calls) <= 4
    assert [r.offset for r in records] == list(range(6))
    assert [r.value for r in records] == values
    decoded = [e for r in records for e in decode_record(r).events]
    assert decoded == sim_events[:60]


async def test_a_failing_batch_is_retried_not_skipped(tmp_path, sim_events) -> None:
    pipeline = RecordingPipeline(fail_first=2)
    service = make_service(tmp_path, pipeline)
    value = encode_batch(sim_events[:5], Encoding.MSGPACK)
    async with service.agent.test_context() as agent:
        await agent.put(value, key=b"saltmarch", headers={"content-type": b"application/msgpack"})
        await asyncio.sleep(0.5)
    assert len(pipeline.calls) == 3
    assert all(call == pipeline.calls[0] for call in pipeline.calls)
    assert pipeline.finished == [pipeline.calls[0]]


def test_producer_splits_records_that_are_too_big(sim_events) -> None:
    producer = EventProducer("127.0.0.1:1", max_record_bytes=2_000)
    records = producer._encode(sim_events[:100])
    assert sum(count for _, count in records) == 100
    assert all(len(value) <= 2_000 for value, count in records if count > 1)
