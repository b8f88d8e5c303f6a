"""The day's demand: player curve bounds, raid bursts, request traces."""

from __future__ import annotations

import numpy as np
import pytest

from bench.capacity.workload import DAY_S, USE_CASES, player_curve, request_traces

pytestmark = pytest.mark.unit


def test_player_curve_spans_the_bounds_with_an_evening_peak() -> None:
    curve = player_curve(np.random.default_rng(1), players_min=100, players_max=10_000)
    assert curve.players.size == DAY_S
    assert curve.peak == pytest.approx(10_000)
    assert curve.players.min() >= 100
    peak_hour = int(np.argmax(curve.players)) / 3600
    assert 18 <= peak_hour <= 24
    night = curve.players[3 * 3600 : 6 * 3600].mean()
    evening = curve.players[20 * 3600 : 22 * 3600].mean()
    assert evening > 5 * night
    assert curve.raids and curve.raid_intensity.max() == pytest.approx(1.0)


def test_a_window_keeps_the_raids_inside_it() -> None:
    curve = player_curve(np.random.default_rng(1), start_s=19 * 3600, duration_s=3 * 3600)
    assert curve.players.size == 3 * 3600
    assert any(0 <= r.start_s < 3 * 3600 for r in curve.raids)


def test_traces_follow_the_configured_rates_and_are_sorted() -> None:
    rng = np.random.default_rng(2)
    curve = player_curve(rng, players_max=2_000, start_s=12 * 3600, duration_s=3600)
    traces = request_traces(rng, curve)
    assert set(traces) == {"gold", "silver"}
    for trace in traces.values():
        assert np.all(np.diff(trace.arrival_s) >= 0)
        assert trace.prompt_tokens.min() >= 1 and trace.completion_tokens.min() >= 1
    gold = traces["gold"]
    dialogue = USE_CASES[0]
    expected = (curve.players * dialogue.per_player_per_min / 60).sum()
    observed = int((gold.use_case == 0).sum())
    if curve.raid_intensity.max() == 0:
        assert observed == pytest.approx(expected, rel=0.05)
    else:
        assert observed >= expected * 0.95
    mean_prompt = gold.prompt_tokens[gold.use_case == 0].mean()
    assert mean_prompt == pytest.approx(dialogue.prompt_mean, rel=0.05)
