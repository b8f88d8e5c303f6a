"""Replay a recorded session into the ingest topic: JSONL of events, or CRD3 transcripts.

- JSONL (`*.jsonl`): one event per line, as the contract's JSON wire object (`encode_event` /
  `Event.model_dump_json()`); lines that are not valid events are reported and skipped.
- CRD3 (`C<campaign>E<episode>.json`, as in `shared/data/crd3/`): every turn becomes one
  `dialogue.line` of the campaign's world (`crd3-c1`), in turn NUMBER order: speaker = the turn's
  names joined by ", ", actor = the first name, text = the utterances joined (cut at the contract's
  4,000 characters), session_id = the episode id (`C1E001`). The event id is uuid5 of episode and
  turn number and the time is derived from the episode number and the running length of the text,
  so replaying an episode twice produces the very same events and each turn is stored once.
- A folder replays every `*.jsonl` and CRD3 `*.json` file in it, by name.

`--speed X` paces the replay at X times the recorded pace (by occurred_at); 0 sends at full speed.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final

from loreline.contract import Encoding, Event, EventRejectedError, EventType, decode_event
from loreline.producer import EventProducer

log = logging.getLogger(__name__)

CRD3_NAMESPACE: Final = uuid.UUID("3c2d53f4-5c1e-4d2a-9d0c-7a6e0f1b2c3d")
CRD3_FIRST_EPISODE: Final = datetime(2015, 3, 13, 2, 0, tzinfo=UTC)  # C1E001 aired 2015-03-12 PT
CRD3_WORDS_PER_SECOND: Final = 2.5
MAX_TEXT: Final = 4000
_EPISODE: Final = re.compile(r"^C(?P<campaign>\d+)E(?P<episode>\d+)$", re.IGNORECASE)


def crd3_world(episode_id: str) -> str:
    match = _EPISODE.match(episode_id)
    if not match:
        raise ValueError(f"not a CRD3 episode id (C<n>E<n>): {episode_id!r}")
    return f"crd3-c{int(match['campaign'])}"


def crd3_event_id(episode_id: str, number: int) -> uuid.UUID:
    return uuid.uuid5(CRD3_NAMESPACE, f"{episode_id.upper()}:{number}")


def crd3_events(path: Path, world_id: str | None = None) -> list[Event]:
    """The turns of one CRD3 episode file as `dialogue.line` events, in turn order."""
    episode_id = path.stem.upper()
    match = _EPISODE.match(episode_id)
    if not match:
        raise ValueError(f"{path.name}: a CRD3 file is named after its episode, e.g. C1E001.json")
    world = world_id or crd3_world(episode_id)
    start = CRD3_FIRST_EPISODE + timedelta(weeks=int(match["episode"]) - 1)
    data = json.loads(path.read_text())
    turns = sorted(data["TURNS"], key=lambda turn: int(turn["NUMBER"]))
    events: list[Event] = []
    elapsed = 0.0
    for turn in turns:
        names = [str(n).strip() for n in turn.get("NAMES", []) if str(n).strip()] or ["UNKNOWN"]
        text = " ".join(str(u).strip() for u in turn.get("UTTERANCES", []) if str(u).strip())
        if not text:
            continue
        if len(text) > MAX_TEXT:
            text = text[: MAX_TEXT - 1].rsplit(" ", 1)[0] + "…"
        number = int(turn["NUMBER"])
        events.append(
            Event.new(
                EventType.DIALOGUE_LINE,
                world,
                {"speaker": ", ".join(names)[:128], "text": text},
                actor=names[0][:128],
                session_id=episode_id,
                occurred_at=start + timedelta(seconds=round(elapsed, 3)),
                event_id=crd3_event_id(episode_id, number),
            )
        )
        elapsed += max(2.0, len(text.split()) / CRD3_WORDS_PER_SECOND)
    return events


@dataclass
class LoadStats:
    files: int = 0
    events: int = 0
    skipped_lines: int = 0


def jsonl_events(path: Path, stats: LoadStats | None = None) -> Iterator[Event]:
    with path.open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                yield decode_event(line.strip(), Encoding.JSON)
            except EventRejectedError as exc:
                log.warning("%s:%d: skipped: %s", path.name, number, exc)
                if stats is not None:
                    stats.skipped_lines += 1


def session_files(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(
            p
            for p in path.iterdir()
            if p.suffix in (".jsonl", ".json") and (p.suffix == ".jsonl" or _EPISODE.match(p.stem))
        )
    if not path.exists():
        raise FileNotFoundError(path)
    return [path]


def load_session(path: Path, stats: LoadStats | None = None) -> Iterator[Event]:
    """Every event of a recorded session (file or folder), file by file."""
    for file in session_files(path):
        if stats is not None:
            stats.files += 1
        events: Iterable[Event] = (
            jsonl_events(file, stats) if file.suffix == ".jsonl" else crd3_events(file)
        )
        for event in events:
            if stats is not None:
                stats.events += 1
            yield event


def write_jsonl(events: Iterable[Event], path: Path) -> int:
    """Record events as JSONL (the format `replay` reads); returns how many."""
    count = 0
    with path.open("w", encoding="utf-8") as handle:
        for event in events:
            handle.write(event.model_dump_json(exclude_none=True))
            handle.write("\n")
            count += 1
    return count


@dataclass
class ReplayStats:
    events: int = 0
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        return self.events / self.seconds if self.seconds > 0 else 0.0


async def replay(
    events: Iterable[Event],
    producer: EventProducer,
    *,
    speed: float = 0.0,
    chunk: int = 500,
    on_progress: Callable[[int], Any] | None = None,
) -> ReplayStats:
    """Send `events` through `producer`, paced at `speed` x the recorded pace (0: no pacing)."""
    started = time.monotonic()
    first: datetime | None = None
    stats = ReplayStats()
    pending: list[Event] = []
    for event in events:
        if speed > 0:
            first = first or event.occurred_at
            due = started + (event.occurred_at - first).total_seconds() / speed
            wait = due - time.monotonic()
            if wait > 0.005:
                if pending:
                    await producer.send(pending)
                    pending = []
                await asyncio.sleep(wait)
        pending.append(event)
        stats.events += 1
        if len(pending) >= chunk:
            await producer.send(pending)
            pending = []
            if on_progress is not None:
                on_progress(stats.events)
    if pending:
        await producer.send(pending)
    await producer.flush()
    stats.seconds = time.monotonic() - started
    return stats


async def replay_path(
    path: Path,
    bootstrap: str,
    *,
    speed: float = 0.0,
    encoding: Encoding = Encoding.MSGPACK,
    topic: str | None = None,
    on_progress: Callable[[int], Any] | None = None,
) -> tuple[ReplayStats, LoadStats]:
    load = LoadStats()
    options: dict[str, Any] = {} if topic is None else {"topic": topic}
    async with EventProducer(bootstrap, encoding, **options) as producer:
        stats = await replay(
            load_session(path, load), producer, speed=speed, on_progress=on_progress
        )
    return stats, load
