"""Hypothesis strategies: valid events of every type, and hostile wire structures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from hypothesis import strategies as st

from loreline.contract import Event, EventType
from loreline.contract.field_types import INT64_MAX

# Contract strings: no NUL, no lone surrogates (Hypothesis never generates those by default).
_chars = st.characters(exclude_categories=["Cs"], exclude_characters="\x00")
ids = st.text(_chars, min_size=1, max_size=128)
labels = ids
notes = st.text(_chars, min_size=1, max_size=1000)
dialogue_texts = st.text(_chars, min_size=1, max_size=4000)
world_ids = st.from_regex(r"[a-z0-9][a-z0-9_-]{0,63}", fullmatch=True)
finite_floats = st.floats(allow_nan=False, allow_infinity=False)
deltas = st.floats(min_value=-100.0, max_value=100.0, allow_nan=False)
amounts = st.floats(min_value=0.0, allow_nan=False, allow_infinity=False)
positive_ints = st.integers(min_value=1, max_value=INT64_MAX)
non_negative_ints = st.integers(min_value=0, max_value=INT64_MAX)
currencies = st.from_regex(r"[A-Z]{3}", fullmatch=True)
timezones = st.sampled_from(
    [UTC, timezone(timedelta(hours=5, minutes=30)), timezone(timedelta(hours=-8))]
)
occurred_ats = st.datetimes(
    min_value=datetime(1900, 1, 2), max_value=datetime(2200, 1, 1), timezones=timezones
)


def _payload(required: dict[str, Any], optional: dict[str, Any]) -> st.SearchStrategy[dict]:
    return st.fixed_dictionaries(required, optional=optional)


PAYLOADS: dict[EventType, st.SearchStrategy[dict]] = {
    EventType.PLAYER_ACTION: _payload({"action": labels}, {"target": ids, "location": ids}),
    EventType.PLAYER_MOVED: _payload({"to_location": ids}, {"from_location": ids}),
    EventType.DIALOGUE_LINE: _payload(
        {"speaker": ids, "text": dialogue_texts},
        {"listeners": st.lists(ids, max_size=5), "location": ids},
    ),
    EventType.QUEST_STARTED: _payload({"quest_id": ids}, {}),
    EventType.QUEST_PROGRESSED: _payload(
        {"quest_id": ids, "step": positive_ints}, {"objective": notes}
    ),
    EventType.QUEST_COMPLETED: _payload({"quest_id": ids}, {"reward_gold": non_negative_ints}),
    EventType.QUEST_FAILED: _payload({"quest_id": ids}, {"reason": notes}),
    EventType.NPC_STATE_CHANGED: _payload(
        {"npc_id": ids}, {"status": labels, "location": ids, "mood": labels}
    ),
    EventType.NPC_RELATIONSHIP_CHANGED: _payload(
        {"npc_id": ids, "player_id": ids, "delta": deltas}, {"reason": notes}
    ),
    EventType.FACTION_REPUTATION_CHANGED: _payload(
        {"faction_id": ids, "player_id": ids, "delta": deltas}, {"reason": notes}
    ),
    EventType.ECONOMY_TRADE: _payload(
        {"item": ids, "quantity": positive_ints, "unit_price": amounts},
        {"buyer": ids, "seller": ids, "location": ids},
    ),
    EventType.ECONOMY_PRICE_CHANGED: _payload({"item": ids, "price": amounts}, {"location": ids}),
    EventType.WEATHER_CHANGED: _payload(
        {"condition": labels}, {"temperature_c": finite_floats, "wind": labels}
    ),
    EventType.CLOCK_TICK: _payload(
        {"game_day": non_negative_ints, "game_minute": st.integers(0, 1439)}, {}
    ),
    EventType.PAYMENT_PURCHASE: _payload(
        {
            "sku": ids,
            "amount_cents": non_negative_ints,
            "currency": currencies,
            "provider": ids,
            "transaction_id": ids,
        },
        {},
    ),
    EventType.SESSION_JOINED: _payload({}, {"location": ids, "client": labels}),
    EventType.SESSION_LEFT: _payload({}, {"reason": notes}),
}


@st.composite
def events(draw: st.DrawFn, event_type: EventType | None = None) -> Event:
    """A valid event (of `event_type`, or of any type)."""
    chosen = event_type if event_type is not None else draw(st.sampled_from(list(EventType)))
    needs_actor = chosen.value.startswith(("quest.", "session."))
    return Event.new(
        chosen,
        draw(world_ids),
        draw(PAYLOADS[chosen]),
        actor=draw(ids if needs_actor else st.none() | ids),
        session_id=draw(st.none() | ids),
        occurred_at=draw(occurred_ats),
        event_id=draw(st.uuids()),
    )


event_batches = st.lists(events(), max_size=10)

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**64 - 1)
    | st.floats(allow_nan=False)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)
"""Arbitrary JSON values; integers stay within msgpack's 64-bit range."""
