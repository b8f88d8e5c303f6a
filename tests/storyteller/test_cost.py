"""The estimated cost formula of an inference."""

from __future__ import annotations

import pytest

from serving.storyteller.cost import estimate_cost

pytestmark = pytest.mark.unit


def test_an_hour_alone_on_one_gpu_costs_the_hourly_price() -> None:
    assert estimate_cost(4.096, 1, 3_600_000, 1) == pytest.approx(4.096)


def test_cost_scales_with_time_and_gpus_and_is_shared_by_concurrent_requests() -> None:
    one = estimate_cost(1.006, 1, 1_800, 1)
    assert one == pytest.approx(1.006 * 1_800 / 3_600_000)
    assert estimate_cost(1.006, 2, 1_800, 1) == pytest.approx(2 * one)
    assert estimate_cost(1.006, 1, 1_800, 4) == pytest.approx(one / 4)
    assert estimate_cost(1.006, 1, 1_800, 0) == pytest.approx(one)  # never divides by zero
    assert estimate_cost(1.006, 1, 0, 1) == 0.0


def test_negative_inputs_are_refused() -> None:
    with pytest.raises(ValueError):
        estimate_cost(-1.0, 1, 10, 1)
