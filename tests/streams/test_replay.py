"""Recorded sessions: CRD3 episodes and JSONL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from loreline.contract import DialogueLinePayload, EventType
from streams.replay import LoadStats, crd3_event_id, crd3_events, load_session, write_jsonl

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def episode(shared_data_dir: Path) -> Path:
    return shared_data_dir / "crd3" / "C1E001.json"


def test_crd3_turns_become_dialogue_lines_in_turn_order(episode: Path) -> None:
    turns = json.loads(episode.read_text())["TURNS"]
    events = crd3_events(episode)
    assert len(events) == len(turns)
    assert all(e.type is EventType.DIALOGUE_LINE for e in events)
    assert {e.world_id for e in events} == {"crd3-c1"}
    assert {e.session_id for e in events} == {"C1E001"}
    numbers = sorted(int(t["NUMBER"]) for t in turns)
    assert [e.event_id for e in events] == [crd3_event_id("C1E001", n) for n in numbers]
    times = [e.occurred_at for e in events]
    assert times == sorted(times) and len(set(times)) == len(times)
    first = min(turns, key=lambda t: int(t["NUMBER"]))
    assert events[0].actor == first["NAMES"][0]
    assert isinstance(events[0].payload, DialogueLinePayload)
    assert events[0].payload.text.startswith(first["UTTERANCES"][0].strip())


def test_crd3_is_deterministic(episode: Path) -> None:
    assert crd3_events(episode) == crd3_events(episode)


def test_jsonl_round_trip_and_bad_lines(tmp_path: Path, sim_events) -> None:
    path = tmp_path / "session.jsonl"
    write_jsonl(sim_events[:50], path)
    with path.open("a") as handle:
        handle.write('{"not": "an event"}\n\n')
    stats = LoadStats()
    assert list(load_session(path, stats)) == sim_events[:50]
    assert (stats.files, stats.events, stats.skipped_lines) == (1, 50, 1)
