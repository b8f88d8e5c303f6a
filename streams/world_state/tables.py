"""The live world state in Faust tables: one changelog-backed table per state domain.

Keys are the state key parts joined by U+001F (`saltmarch\\x1fplayer-7`); values are the fold's
partial rows (plain JSON). Every row carries its watermark (`wm`, or `last_offset` for the world
row): the greatest offset of the ingest record applied to it. A re-delivered record (after a crash,
before its offset was committed) is applied only to rows whose watermark is below its offset, so
each record reaches each row once even when only some of a batch's changelog writes survived.

Changelog partition = the source partition of the world's records (keys are per world and the
ingest topic is keyed by world), so a worker recovers exactly the rows of the partitions it owns.
Writes bypass `Table.__setitem__`: the row goes into the table's store and its changelog record
straight to the producer (JSON, as the table's codecs read it back on recovery), and the agent
awaits every delivery before it acknowledges the batch. (`Table.__setitem__` would queue each write
in Faust's producer buffer, drained one message at a time, and Faust's commit-time flush of that
buffer is best effort.)
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator, Mapping
from typing import Any, Final

import faust

from streams.world_state.fold import SPECS, Key, Row, StateDelta, merge_row

log = logging.getLogger(__name__)

KEY_SEP: Final = "\x1f"


_JSON = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


def _json(value: Any) -> bytes:
    return _JSON(value).encode()


def table_name(domain: str) -> str:
    """Faust table name of a state domain; its changelog is `<app_id>-<name>-changelog`."""
    return f"world_state_{domain}"


def table_key(key: Key) -> str:
    return KEY_SEP.join(key)


class WorldStateTables:
    """The seven state tables of one Faust app."""

    def __init__(self, app: faust.App, partitions: int) -> None:
        self.app = app
        self.tables: dict[str, Any] = {
            domain: app.Table(
                table_name(domain),
                default=None,
                partitions=partitions,
                key_type=str,
                help=f"Live world state: {domain} (see streams/world_state/fold.py)",
            )
            for domain in SPECS
        }

    def get(self, domain: str, key: Key) -> Row | None:
        value: Row | None = self.tables[domain].data.get(table_key(key))
        return value

    def watermark(self, domain: str, key: Key) -> int | None:
        row = self.get(domain, key)
        return None if row is None else row.get(SPECS[domain].wm)

    async def apply(self, delta: StateDelta, partition_of_world: Mapping[str, int]) -> int:
        """Merge `delta` into the tables and wait until every changelog write is acknowledged."""
        producer = self.app.producer
        pending = []
        for domain, rows in delta.rows.items():
            table = self.tables[domain]
            topic = table.changelog_topic.get_topic_name()
            data = table.data
            for key, partial in rows.items():
                name = table_key(key)
                old = data.get(name)
                new = dict(partial) if old is None else merge_row(domain, dict(old), partial)
                data[name] = new
                pending.append(
                    await producer.send(
                        topic, _json(name), _json(new), partition_of_world[key[0]], None, None
                    )
                )
        if pending:
            await self._delivered(pending)
        return len(pending)

    async def _delivered(self, pending: list[Any]) -> None:
        """Wait for the changelog writes; complain (but keep waiting) if they are slow."""
        waiting = asyncio.ensure_future(asyncio.gather(*pending))
        waited = 0.0
        while True:
            try:
                await asyncio.wait_for(asyncio.shield(waiting), timeout=30.0)
                return
            except TimeoutError:
                waited += 30.0
                stuck = sum(1 for fut in pending if not fut.done())
                log.warning(
                    "%d of %d changelog writes not acknowledged after %.0fs",
                    stuck,
                    len(pending),
                    waited,
                )

    def rows(self) -> Iterator[tuple[str, Key, Row]]:
        for domain, table in self.tables.items():
            for name, row in table.data.items():
                yield domain, tuple(name.split(KEY_SEP)), row

    def snapshot(self) -> StateDelta:
        """Every row this worker holds, as a `StateDelta` (for checks and the `state` command)."""
        state = StateDelta()
        for domain, key, row in self.rows():
            state.rows[domain][key] = dict(row)
        return state
