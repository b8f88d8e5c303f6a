"""The day's demand: concurrent players over 24 hours and the LLM requests they cause.

Everything here is an assumption of the project (not a measurement): the shape of a game's day,
the raid bursts, and each use case's request rate, token counts and time-to-first-token objective.
docs/capacity.md lists the numbers and why they were chosen.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

DAY_S = 86_400


@dataclass(frozen=True)
class UseCase:
    """One kind of generation request, routed to one tier."""

    name: str
    tier: str
    per_player_per_min: float
    prompt_mean: float
    completion_mean: float
    ttft_objective_s: float
    raid_multiplier: float  # request-rate factor while a raid burst is on


USE_CASES: tuple[UseCase, ...] = (
    UseCase("npc_dialogue", "gold", 0.50, 600, 60, 1.0, 1.6),
    UseCase("narration", "gold", 0.08, 1000, 180, 2.0, 2.0),
    UseCase("quest_text", "silver", 0.03, 800, 350, 4.0, 1.0),
    UseCase("summarisation", "silver", 0.02, 2500, 200, 10.0, 1.0),
)

# Fraction of the peak above the night minimum, at each hour (evening peak at 21:00).
_HOURLY_SHAPE = (
    (0.0, 0.42),
    (2.0, 0.18),
    (5.0, 0.0),
    (8.0, 0.10),
    (12.0, 0.30),
    (16.0, 0.40),
    (19.0, 0.66),
    (21.0, 0.78),
    (23.0, 0.58),
    (24.0, 0.42),
)


@dataclass(frozen=True)
class Raid:
    """A burst: extra players join and chat more for a while (e.g. a world boss raid)."""

    start_s: float
    duration_s: float
    extra_fraction: float  # extra players as a fraction of the peak


@dataclass(frozen=True)
class PlayerCurve:
    """Concurrent players and the request-rate factor of raids, one value per second."""

    players: np.ndarray  # float, shape (seconds,)
    raid_intensity: np.ndarray  # 0..1, how much of a raid is on at each second
    raids: tuple[Raid, ...]

    @property
    def peak(self) -> float:
        return float(self.players.max())

    @property
    def mean(self) -> float:
        return float(self.players.mean())


def player_curve(
    rng: np.random.Generator,
    *,
    players_min: float = 100,
    players_max: float = 10_000,
    duration_s: int = DAY_S,
    start_s: int = 0,
    raids_per_day: int = 5,
) -> PlayerCurve:
    """A diurnal curve with an evening peak, slow noise and raid bursts, scaled to the bounds.

    `start_s` and `duration_s` cut a window out of the day (a short run can start at the
    evening peak). The curve is scaled so that its maximum over the whole day is `players_max`.
    """
    t = np.arange(DAY_S, dtype=np.float64)
    hours, shape = np.array(_HOURLY_SHAPE).T
    base = np.interp(t / 3600.0, hours, shape)
    base = _smooth(base, window=1800)
    noise = _slow_noise(rng, DAY_S, step_s=300, scale=0.03)
    raids = _raids(rng, raids_per_day)
    intensity = np.zeros(DAY_S)
    for raid in raids:
        intensity = np.maximum(intensity, _raid_profile(t, raid))
    extra = np.zeros(DAY_S)
    for raid in raids:
        extra = np.maximum(extra, raid.extra_fraction * _raid_profile(t, raid))
    fraction = np.clip(base * (1.0 + noise) + extra, 0.0, None)
    fraction /= fraction.max()
    players = players_min + (players_max - players_min) * fraction
    window = slice(start_s, start_s + duration_s)
    shifted = tuple(
        Raid(r.start_s - start_s, r.duration_s, r.extra_fraction)
        for r in raids
        if r.start_s + r.duration_s > start_s and r.start_s < start_s + duration_s
    )
    return PlayerCurve(players[window].copy(), intensity[window].copy(), shifted)


def _smooth(values: np.ndarray, *, window: int) -> np.ndarray:
    kernel = np.ones(window) / window
    padded = np.concatenate([values[-window:], values, values[:window]])
    return np.convolve(padded, kernel, mode="same")[window:-window]


def _slow_noise(rng: np.random.Generator, n: int, *, step_s: int, scale: float) -> np.ndarray:
    knots = rng.normal(0.0, scale, n // step_s + 2)
    return np.interp(np.arange(n) / step_s, np.arange(knots.size), knots)


def _raids(rng: np.random.Generator, count: int) -> tuple[Raid, ...]:
    """Raid start times: one always in the evening peak, the others spread over the waking day."""
    starts = [20.5 * 3600 + rng.uniform(-1800, 1800)]
    starts += list(rng.uniform(10 * 3600, 23 * 3600, max(count - 1, 0)))
    return tuple(
        Raid(
            start_s=float(s),
            duration_s=float(rng.uniform(20 * 60, 45 * 60)),
            extra_fraction=float(rng.uniform(0.12, 0.25)),
        )
        for s in sorted(starts)
    )


def _raid_profile(t: np.ndarray, raid: Raid, ramp_s: float = 120.0) -> np.ndarray:
    """0 outside the raid, 1 inside, with a two-minute linear ramp at each end."""
    rise = np.clip((t - raid.start_s) / ramp_s, 0.0, 1.0)
    fall = np.clip((raid.start_s + raid.duration_s - t) / ramp_s, 0.0, 1.0)
    return np.minimum(rise, fall)


@dataclass(frozen=True)
class TierTrace:
    """Every request of one tier over the run, in arrival order (numpy arrays of equal length)."""

    tier: str
    arrival_s: np.ndarray  # float64, sorted
    prompt_tokens: np.ndarray  # int64
    completion_tokens: np.ndarray  # int64
    use_case: np.ndarray  # int8, index into `use_cases`
    use_cases: tuple[UseCase, ...]

    @property
    def size(self) -> int:
        return int(self.arrival_s.size)

    def objectives_s(self) -> np.ndarray:
        table = np.array([u.ttft_objective_s for u in self.use_cases])
        return table[self.use_case]


def request_traces(
    rng: np.random.Generator, curve: PlayerCurve, use_cases: tuple[UseCase, ...] = USE_CASES
) -> dict[str, TierTrace]:
    """Poisson arrivals per second for each use case, with log-normal token counts, per tier."""
    seconds = curve.players.size
    parts: dict[str, list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]] = {}
    for index, use_case in enumerate(use_cases):
        factor = 1.0 + (use_case.raid_multiplier - 1.0) * curve.raid_intensity
        rate_per_s = curve.players * use_case.per_player_per_min / 60.0 * factor
        counts = rng.poisson(rate_per_s)
        total = int(counts.sum())
        arrival = np.repeat(np.arange(seconds, dtype=np.float64), counts) + rng.random(total)
        prompt = _token_counts(rng, use_case.prompt_mean, total, upper=4096)
        completion = _token_counts(rng, use_case.completion_mean, total, upper=1024)
        kind = np.full(total, index, dtype=np.int8)
        parts.setdefault(use_case.tier, []).append((arrival, prompt, completion, kind))
    traces = {}
    for tier, chunks in parts.items():
        arrival = np.concatenate([c[0] for c in chunks])
        order = np.argsort(arrival, kind="stable")
        traces[tier] = TierTrace(
            tier=tier,
            arrival_s=arrival[order],
            prompt_tokens=np.concatenate([c[1] for c in chunks])[order],
            completion_tokens=np.concatenate([c[2] for c in chunks])[order],
            use_case=np.concatenate([c[3] for c in chunks])[order],
            use_cases=use_cases,
        )
    return traces


def _token_counts(rng: np.random.Generator, mean: float, n: int, *, upper: int) -> np.ndarray:
    sigma = 0.5
    mu = np.log(mean) - sigma**2 / 2.0
    return np.clip(np.rint(rng.lognormal(mu, sigma, n)), 1, upper).astype(np.int64)
