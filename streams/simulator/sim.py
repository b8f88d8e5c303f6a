"""Seeded live play in the demo world: players joining, walking the map, talking, trading, questing.

Everything comes from the demo world's catalogue (`loreline.demo_world.load_demo_world()`): the map
(neighbours), NPCs at their homes, factions, quests and their steps, goods with their markets and
base prices, weather by season. The same seed, player count and start time give the same events,
ids included (ids come from the seeded generator), so a simulated session can be replayed and
compared.

Time: one simulated second per tick; every online player acts on average every `action_every_s`
seconds. The game clock runs `game_minutes_per_second` game minutes per real second and ticks every
`clock_every_s`; weather changes every few minutes (weighted by season); NPCs change mood/status
and markets re-price now and then. Every event type of the contract occurs.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from loreline.contract import Event, EventType
from loreline.demo_world import DemoWorld, load_demo_world

ACTIONS = ("search", "rest", "fish", "pray", "forage", "inspect", "haggle", "sing", "mend", "scout")
MOODS = ("calm", "wary", "cheerful", "angry", "tired", "curious", "grieving", "suspicious")
NPC_STATUSES = ("idle", "working", "travelling", "sleeping", "praying", "trading")
WINDS = ("still", "light", "breezy", "gusty", "gale")
LINES = (
    "What news from the causeway?",
    "The tide turns early tonight.",
    "I'll pay fair, not a copper more.",
    "Have you seen the lanterns out on the flats?",
    "Salt's dearer than it was at Panfire.",
    "The Choir sings for the drowned again.",
    "Mind the mud past the third marker.",
    "Bring me proof and you'll have your coin.",
    "Someone's been tampering with the weights.",
    "The bell rang under the water last night.",
)
SKUS = (("cosmetic-lantern-skin", 299), ("season-pass", 999), ("stash-expansion", 499))


@dataclass
class _Player:
    id: str
    location: str
    online: bool = False
    sessions: int = 0
    quests: dict[str, int] = field(default_factory=dict)  # active quest -> last step done
    done: set[str] = field(default_factory=set)

    @property
    def session_id(self) -> str:
        return f"{self.id}-s{self.sessions}"


class Simulator:
    def __init__(
        self,
        players: int,
        *,
        seed: int = 0,
        start: datetime | None = None,
        world: DemoWorld | None = None,
        world_id: str | None = None,
        action_every_s: float = 4.0,
        clock_every_s: int = 30,
        game_minutes_per_second: int = 1,
    ) -> None:
        if players < 1:
            raise ValueError("players must be at least 1")
        self.world = world or load_demo_world()
        self.world_id = world_id or self.world.world_id
        self.rng = random.Random(seed)
        self.start = (start or datetime.now(UTC)).astimezone(UTC)
        self.action_p = min(1.0, 1.0 / action_every_s)
        self.clock_every_s = clock_every_s
        self.game_minutes_per_second = game_minutes_per_second
        self._neighbours = {loc.id: loc.neighbours for loc in self.world.locations}
        self._npcs_at: dict[str, list[str]] = {}
        for npc in self.world.npcs:
            self._npcs_at.setdefault(npc.home, []).append(npc.id)
        self._markets: dict[str, list[Any]] = {}
        for item in self.world.items:
            for market in item.markets:
                self._markets.setdefault(market, []).append(item)
        self._prices = {item.id: float(item.base_price) for item in self.world.items}
        locations = [loc.id for loc in self.world.locations]
        self.players = [
            _Player(f"player-{n:04d}", self.rng.choice(locations)) for n in range(1, players + 1)
        ]
        self._second = 0

    # -- the stream -------------------------------------------------------------------------------

    def events(self, seconds: float) -> Iterator[Event]:
        """The next `seconds` of play, in occurred_at order (resumable: call again to continue)."""
        end = self._second + int(seconds)
        while self._second < end:
            tick: list[Event] = []
            self._tick(self._second, tick)
            tick.sort(key=lambda e: e.occurred_at)
            yield from tick
            self._second += 1

    def _tick(self, second: int, out: list[Event]) -> None:
        rng = self.rng
        if second % self.clock_every_s == 0:
            minutes = second * self.game_minutes_per_second + 8 * 60  # the day starts at 08:00
            self._emit(
                out,
                second,
                EventType.CLOCK_TICK,
                {"game_day": minutes // 1440, "game_minute": minutes % 1440},
            )
        if second % 300 == 0 or rng.random() < 1 / 900:
            self._weather(out, second)
        if rng.random() < 0.05:
            npc = rng.choice(self.world.npcs)
            change: dict[str, Any] = {"npc_id": npc.id}
            for name, choices in (("mood", MOODS), ("status", NPC_STATUSES)):
                if rng.random() < 0.7:
                    change[name] = rng.choice(choices)
            if rng.random() < 0.3:
                change["location"] = rng.choice(self._neighbours[npc.home] + (npc.home,))
            self._emit(out, second, EventType.NPC_STATE_CHANGED, change)
        if rng.random() < 0.02:
            item = rng.choice(self.world.items)
            self._reprice(item.id, item.base_price, 0.1)
            self._emit(
                out,
                second,
                EventType.ECONOMY_PRICE_CHANGED,
                {
                    "item": item.id,
                    "price": self._prices[item.id],
                    "location": rng.choice(item.markets),
                },
            )
        for player in self.players:
            if not player.online:
                if rng.random() < (0.5 if second == 0 else 0.01):
                    self._join(out, second, player)
                continue
            if rng.random() < self.action_p:
                self._act(out, second, player)

    # -- player behaviour -------------------------------------------------------------------------

    def _join(self, out: list[Event], second: int, player: _Player) -> None:
        player.online = True
        player.sessions += 1
        client = self.rng.choice(("desktop", "steamdeck", "web"))
        self._emit(
            out,
            second,
            EventType.SESSION_JOINED,
            {"location": player.location, "client": client},
            player,
        )

    def _act(self, out: list[Event], second: int, player: _Player) -> None:
        rng = self.rng
        roll = rng.random()
        if roll < 0.01:
            player.online = False
            self._emit(
                out,
                second,
                EventType.SESSION_LEFT,
                {"reason": rng.choice(("logout", "timeout", "crash"))},
                player,
            )
        elif roll < 0.22:
            destination = rng.choice(self._neighbours[player.location])
            self._emit(
                out,
                second,
                EventType.PLAYER_MOVED,
                {"from_location": player.location, "to_location": destination},
                player,
            )
            player.location = destination
        elif roll < 0.47:
            self._talk(out, second, player)
        elif roll < 0.60:
            self._emit(
                out,
                second,
                EventType.PLAYER_ACTION,
                {
                    "action": rng.choice(ACTIONS),
                    "location": player.location,
                    "target": rng.choice(self._npcs_at.get(player.location, [None])),
                },
                player,
            )
        elif roll < 0.75:
            self._trade(out, second, player)
        elif roll < 0.995:
            self._quest(out, second, player)
        else:
            sku, cents = rng.choice(SKUS)
            self._emit(
                out,
                second,
                EventType.PAYMENT_PURCHASE,
                {
                    "sku": sku,
                    "amount_cents": cents,
                    "currency": "USD",
                    "provider": rng.choice(("steam", "stripe")),
                    "transaction_id": f"tx-{rng.getrandbits(48):012x}",
                },
                player,
            )

    def _talk(self, out: list[Event], second: int, player: _Player) -> None:
        rng = self.rng
        npcs = self._npcs_at.get(player.location) or [rng.choice(self.world.npcs).id]
        npc_id = rng.choice(npcs)
        speaker, listener = (player.id, npc_id) if rng.random() < 0.5 else (npc_id, player.id)
        self._emit(
            out,
            second,
            EventType.DIALOGUE_LINE,
            {
                "speaker": speaker,
                "text": rng.choice(LINES),
                "listeners": [listener],
                "location": player.location,
            },
            player,
        )
        if rng.random() < 0.4:
            delta = round(rng.uniform(-3, 5), 2)
            self._emit(
                out,
                second,
                EventType.NPC_RELATIONSHIP_CHANGED,
                {"npc_id": npc_id, "player_id": player.id, "delta": delta},
                player,
            )

    def _trade(self, out: list[Event], second: int, player: _Player) -> None:
        rng = self.rng
        goods = self._markets.get(player.location)
        if not goods:
            return
        item = rng.choice(goods)
        self._reprice(item.id, item.base_price, 0.03)
        buying = rng.random() < 0.6
        trader = rng.choice(self._npcs_at.get(player.location) or ["market"])
        self._emit(
            out,
            second,
            EventType.ECONOMY_TRADE,
            {
                "item": item.id,
                "quantity": rng.randint(1, 6),
                "unit_price": self._prices[item.id],
                "buyer": player.id if buying else trader,
                "seller": trader if buying else player.id,
                "location": player.location,
            },
            player,
        )

    def _quest(self, out: list[Event], second: int, player: _Player) -> None:
        rng = self.rng
        if not player.quests or (len(player.quests) < 2 and rng.random() < 0.2):
            open_quests = [
                q
                for q in self.world.quests
                if q.id not in player.quests and q.id not in player.done
            ]
            if open_quests:
                quest = rng.choice(open_quests)
                player.quests[quest.id] = 0
                self._emit(out, second, EventType.QUEST_STARTED, {"quest_id": quest.id}, player)
            return
        quest_id = rng.choice(sorted(player.quests))
        quest = self.world.quest(quest_id)
        step = player.quests[quest_id]
        if rng.random() < 0.03:
            del player.quests[quest_id]
            self._emit(
                out,
                second,
                EventType.QUEST_FAILED,
                {"quest_id": quest_id, "reason": "the tide came in"},
                player,
            )
        elif step < len(quest.steps):
            player.quests[quest_id] = step + 1
            self._emit(
                out,
                second,
                EventType.QUEST_PROGRESSED,
                {"quest_id": quest_id, "step": step + 1, "objective": quest.steps[step]},
                player,
            )
        else:
            del player.quests[quest_id]
            player.done.add(quest_id)
            self._emit(
                out,
                second,
                EventType.QUEST_COMPLETED,
                {"quest_id": quest_id, "reward_gold": quest.reward_gold},
                player,
            )
            if quest.faction:
                self._emit(
                    out,
                    second,
                    EventType.FACTION_REPUTATION_CHANGED,
                    {
                        "faction_id": quest.faction,
                        "player_id": player.id,
                        "delta": float(rng.randint(5, 15)),
                    },
                    player,
                )
                for rival in self.world.faction(quest.faction).rivals:
                    self._emit(
                        out,
                        second,
                        EventType.FACTION_REPUTATION_CHANGED,
                        {
                            "faction_id": rival,
                            "player_id": player.id,
                            "delta": -float(rng.randint(1, 5)),
                        },
                        player,
                    )

    # -- world ------------------------------------------------------------------------------------

    def _weather(self, out: list[Event], second: int) -> None:
        rng = self.rng
        day = (second * self.game_minutes_per_second + 8 * 60) // 1440
        season = self.world.calendar.season_on(day).id
        options = [(w, w.seasons[season]) for w in self.world.weather if season in w.seasons]
        condition, seasonal = rng.choices(options, weights=[s.weight for _, s in options])[0]
        low, high = seasonal.temperature_c
        self._emit(
            out,
            second,
            EventType.WEATHER_CHANGED,
            {
                "condition": condition.id,
                "temperature_c": round(rng.uniform(low, high), 1),
                "wind": rng.choice(WINDS),
            },
        )

    def _reprice(self, item_id: str, base: float, spread: float) -> None:
        price = self._prices[item_id] * (1 + self.rng.uniform(-spread, spread))
        self._prices[item_id] = round(min(max(price, base * 0.5), base * 2.0), 2)

    def _emit(
        self,
        out: list[Event],
        second: int,
        event_type: EventType,
        payload: dict[str, Any],
        player: _Player | None = None,
    ) -> None:
        rng = self.rng
        occurred = self.start + timedelta(seconds=second, microseconds=rng.randrange(1_000_000))
        out.append(
            Event.new(
                event_type,
                self.world_id,
                {k: v for k, v in payload.items() if v is not None},
                actor=None if player is None else player.id,
                session_id=None if player is None else player.session_id,
                occurred_at=occurred,
                event_id=uuid.UUID(int=rng.getrandbits(128), version=4),
            )
        )


def simulate(
    players: int,
    seconds: float,
    *,
    seed: int = 0,
    start: datetime | None = None,
    world_id: str | None = None,
) -> list[Event]:
    """`seconds` of play by `players` players, as a list (for tests, fixtures and the bench).

    `world_id` runs the demo world's catalogue under another world id (several independent
    copies of the demo world spread over the ingest partitions)."""
    return list(Simulator(players, seed=seed, start=start, world_id=world_id).events(seconds))
