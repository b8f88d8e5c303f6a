"""Decode + validate throughput of 500-event batches, per wire encoding, against a baseline.

Baseline (same run, same bytes): plain `json.loads` / `msgpack.unpackb`, no validation.
Times are best-of-N process CPU time (one core), so other load on the machine skews them less.
Run: `.venv/bin/python bench/contract_decode.py [--repeats 15] [--rounds 10]`.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from uuid import UUID

import msgpack

from loreline.contract import (
    Encoding,
    Event,
    EventType,
    decode_batch,
    encode_batch,
    events_to_arrow,
)
from loreline.contract.wire_codecs import pack_msgpack, unpack_msgpack

BATCH_SIZE = 500


def _payload(event_type: EventType, rng: random.Random) -> dict[str, object]:
    npc, player, place = f"npc-{rng.randrange(50)}", f"player-{rng.randrange(200)}", "fish-market"
    payloads: dict[EventType, dict[str, object]] = {
        EventType.PLAYER_ACTION: {"action": "haggle", "target": npc, "location": place},
        EventType.PLAYER_MOVED: {"from_location": place, "to_location": "lighthouse"},
        EventType.DIALOGUE_LINE: {
            "speaker": npc,
            "text": "The tide brings salt and stories; mind which you keep. " * 2,
            "listeners": [player],
            "location": place,
        },
        EventType.QUEST_STARTED: {"quest_id": "q-drowned-bell"},
        EventType.QUEST_PROGRESSED: {"quest_id": "q-drowned-bell", "step": rng.randint(1, 9)},
        EventType.QUEST_COMPLETED: {"quest_id": "q-drowned-bell", "reward_gold": 150},
        EventType.QUEST_FAILED: {"quest_id": "q-smugglers", "reason": "the tide came in"},
        EventType.NPC_STATE_CHANGED: {"npc_id": npc, "status": "awake", "mood": "wary"},
        EventType.NPC_RELATIONSHIP_CHANGED: {"npc_id": npc, "player_id": player, "delta": 2.5},
        EventType.FACTION_REPUTATION_CHANGED: {
            "faction_id": "fishers-guild",
            "player_id": player,
            "delta": -1.0,
        },
        EventType.ECONOMY_TRADE: {
            "item": "salted-cod",
            "quantity": rng.randint(1, 5),
            "unit_price": 4.75,
            "buyer": player,
            "seller": npc,
            "location": place,
        },
        EventType.ECONOMY_PRICE_CHANGED: {"item": "salted-cod", "price": 5.0, "location": place},
        EventType.WEATHER_CHANGED: {"condition": "fog", "temperature_c": 6.5, "wind": "north"},
        EventType.CLOCK_TICK: {"game_day": 42, "game_minute": rng.randrange(1440)},
        EventType.PAYMENT_PURCHASE: {
            "sku": "lantern-skin",
            "amount_cents": 499,
            "currency": "EUR",
            "provider": "stripe",
            "transaction_id": f"txn-{rng.randrange(10**9)}",
        },
        EventType.SESSION_JOINED: {"location": "harbour", "client": "desktop-1.4.2"},
        EventType.SESSION_LEFT: {"reason": "logout"},
    }
    return payloads[event_type]


def make_batch(rng: random.Random) -> list[Event]:
    """500 events cycling through every type, with realistic payloads."""
    start = datetime(2031, 5, 4, tzinfo=UTC)
    types = list(EventType)
    return [
        Event.new(
            types[index % len(types)],
            "saltmarch",
            _payload(types[index % len(types)], rng),
            actor=f"player-{rng.randrange(200)}",
            session_id="sess-7",
            occurred_at=start + timedelta(milliseconds=index),
            event_id=UUID(int=rng.getrandbits(128), version=4),
        )
        for index in range(BATCH_SIZE)
    ]


def events_per_second(
    actions: dict[str, Callable[[], object]], rounds: int, repeats: int
) -> dict[str, float]:
    """Best-of-`repeats` throughput (events per CPU second) of `rounds` calls of each action.

    The actions take turns within every repeat, so a burst of load elsewhere hits them alike.
    """
    best = dict.fromkeys(actions, float("inf"))
    for _ in range(repeats):
        for name, action in actions.items():
            started = time.process_time()
            for _ in range(rounds):
                action()
            best[name] = min(best[name], time.process_time() - started)
    return {name: BATCH_SIZE * rounds / seconds for name, seconds in best.items()}


def _with_one_bad_event(data: bytes, encoding: Encoding) -> bytes:
    """The same record with the world id of its middle event broken."""
    if encoding is Encoding.JSON:
        obj = json.loads(data)
        obj["events"][BATCH_SIZE // 2]["world_id"] = "Not A Slug"
        return json.dumps(obj, separators=(",", ":")).encode()
    obj = unpack_msgpack(data)
    obj["events"][BATCH_SIZE // 2]["world_id"] = "Not A Slug"
    return pack_msgpack(obj)


def measure(events: list[Event], encoding: Encoding, rounds: int, repeats: int) -> str:
    """One report line for `encoding`: ours, the baseline, their ratio, and one bad event."""
    data = encode_batch(events, encoding)
    assert decode_batch(data, encoding.value).events == events
    broken = _with_one_bad_event(data, encoding)
    result = decode_batch(broken, encoding.value)
    assert len(result.events) == BATCH_SIZE - 1 and len(result.rejections) == 1
    baseline: Callable[[bytes], object] = (
        json.loads if encoding is Encoding.JSON else msgpack.unpackb
    )
    rates = events_per_second(
        {
            "ours": partial(decode_batch, data, encoding.value),
            "baseline": partial(baseline, data),
            "one_bad": partial(decode_batch, broken, encoding.value),
        },
        rounds,
        repeats,
    )
    ours, base, one_bad = rates["ours"], rates["baseline"], rates["one_bad"]
    return (
        f"{encoding.value:20s} {len(data) / BATCH_SIZE:5.1f} B/event | decode+validate"
        f" {ours:9,.0f} ev/s | baseline {baseline.__module__}.{baseline.__name__}"
        f" {base:9,.0f} ev/s | ratio {ours / base:.2f} | with 1 bad event {one_bad:9,.0f} ev/s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description="contract decode benchmark")
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    events = make_batch(random.Random(7))
    print(f"{BATCH_SIZE}-event batches of all {len(EventType)} types; CPU, best of {args.repeats}")
    for encoding in Encoding:
        print(measure(events, encoding, args.rounds, args.repeats))
    arrow = events_per_second({"arrow": partial(events_to_arrow, events)}, 5, args.repeats)["arrow"]
    print(f"events_to_arrow      {arrow:9,.0f} ev/s")


if __name__ == "__main__":
    main()
