"""QueueDepthPolicy: the replica count a tier should have, decision by decision."""

from __future__ import annotations

import pytest

from serving.llm.autoscaling.policy import (
    AutoscalerConfig,
    QueueDepthPolicy,
    ScalingPolicy,
    TierObservation,
)

pytestmark = pytest.mark.unit


def obs(
    now: float, load: float | None, ready: int, starting: int = 0, waiting_share: float = 0.5
) -> TierObservation:
    if load is None:
        return TierObservation(now, None, None, ready, starting)
    return TierObservation(now, load * waiting_share, load * (1 - waiting_share), ready, starting)


def policy(**overrides: object) -> QueueDepthPolicy:
    settings: dict[str, object] = {
        "target_per_replica": 10.0,
        "min_replicas": 1,
        "max_replicas": 20,
        "scale_down_window_s": 60.0,
    }
    settings.update(overrides)
    return QueueDepthPolicy(AutoscalerConfig(**settings))  # type: ignore[arg-type]


def test_it_is_a_scaling_policy() -> None:
    assert isinstance(policy().desired_replicas, object)
    used_as: ScalingPolicy = policy()
    assert used_as.desired_replicas(obs(0, 0, 1)) == 1


def test_steady_load_keeps_proportional_count() -> None:
    p = policy()
    assert p.desired_replicas(obs(0, 30, 3)) == 3
    assert p.desired_replicas(obs(15, 25, 3)) == 3  # ceil(25 / 10)


def test_burst_scales_up_at_once_but_at_most_doubling_per_step() -> None:
    p = policy()
    assert p.desired_replicas(obs(0, 5, 1)) == 1
    assert p.desired_replicas(obs(15, 150, 1)) == 2  # wants 15, +100 % cap
    assert p.desired_replicas(obs(30, 150, 2)) == 4
    assert p.desired_replicas(obs(45, 150, 4)) == 8
    assert p.desired_replicas(obs(60, 150, 8)) == 15  # reaches the target


def test_step_cap_follows_the_configured_ratio_and_minimum() -> None:
    p = policy(max_step_up_ratio=0.5, min_step_up=2)
    assert p.desired_replicas(obs(0, 200, 2)) == 4  # +max(2, 1)
    assert p.desired_replicas(obs(15, 200, 8)) == 12  # +max(2, 4)


def test_never_beyond_max_replicas() -> None:
    p = policy(max_replicas=3)
    assert p.desired_replicas(obs(0, 1000, 2)) == 3


def test_no_further_scale_up_while_replicas_are_starting() -> None:
    p = policy()
    assert p.desired_replicas(obs(0, 80, 2)) == 4
    # Two replicas are starting; the queue grew, but they count as capacity: no cascade.
    assert p.desired_replicas(obs(15, 120, 2, starting=2)) == 4
    assert p.desired_replicas(obs(30, 120, 2, starting=2)) == 4
    # Once they are ready the policy may add more.
    assert p.desired_replicas(obs(45, 120, 4)) == 8


def test_scale_down_waits_for_the_stabilisation_window() -> None:
    p = policy(scale_down_window_s=60.0)
    assert p.desired_replicas(obs(0, 40, 4)) == 4
    for t in (15, 30, 45):
        assert p.desired_replicas(obs(t, 5, 4)) == 4  # the 4 of t=0 is inside the window
    assert p.desired_replicas(obs(61, 5, 4)) == 1


def test_scale_down_goes_to_the_highest_target_of_the_window() -> None:
    p = policy(scale_down_window_s=60.0)
    p.desired_replicas(obs(0, 60, 6))
    p.desired_replicas(obs(30, 30, 6))  # target 3
    p.desired_replicas(obs(50, 10, 6))  # target 1
    assert p.desired_replicas(obs(70, 10, 6)) == 3  # 6 left the window, 3 has not
    assert p.desired_replicas(obs(95, 10, 3)) == 1


def test_no_scale_down_before_a_first_window_has_passed() -> None:
    p = policy(scale_down_window_s=60.0)
    assert p.desired_replicas(obs(0, 0, 5)) == 5
    assert p.desired_replicas(obs(61, 0, 5)) == 1


def test_missing_metrics_hold_the_current_count() -> None:
    p = policy(scale_down_window_s=0.0)
    assert p.desired_replicas(obs(0, None, 5)) == 5
    assert p.desired_replicas(obs(15, None, 5, starting=1)) == 6
    assert p.desired_replicas(obs(30, None, 0)) == 1  # below the minimum: back to it


def test_hold_on_missing_metrics_also_blocks_the_next_scale_down() -> None:
    p = policy(scale_down_window_s=60.0)
    p.desired_replicas(obs(0, 50, 5))
    assert p.desired_replicas(obs(70, None, 5)) == 5
    assert p.desired_replicas(obs(100, 0, 5)) == 5  # the held 5 is still in the window
    assert p.desired_replicas(obs(131, 0, 5)) == 1


def test_scale_to_zero_after_idle_window_and_wake_on_demand() -> None:
    p = policy(scale_to_zero=True, idle_before_zero_s=300.0, scale_down_window_s=60.0)
    assert p.desired_replicas(obs(0, 4, 1)) == 1
    assert p.desired_replicas(obs(200, 0, 1)) == 1
    assert p.desired_replicas(obs(299, 0, 1)) == 1
    assert p.desired_replicas(obs(300, 0, 1)) == 0
    assert p.desired_replicas(obs(315, 0, 0)) == 0  # resting
    assert p.desired_replicas(obs(330, None, 0)) == 0  # no replica, no metrics: stay at rest
    # Requests found no replica (the controller reports them as waiting): wake up with one.
    assert p.desired_replicas(obs(345, 3, 0, waiting_share=1.0)) == 1
    assert p.desired_replicas(obs(360, 3, 0, starting=1, waiting_share=1.0)) == 1


def test_tiers_without_scale_to_zero_keep_their_minimum() -> None:
    p = policy(min_replicas=2, scale_down_window_s=0.0)
    assert p.desired_replicas(obs(0, 0, 2)) == 2
    assert p.desired_replicas(obs(10_000, 0, 2)) == 2


def test_config_rejects_a_zero_minimum_without_scale_to_zero() -> None:
    with pytest.raises(ValueError, match="scale_to_zero"):
        AutoscalerConfig(target_per_replica=4, min_replicas=0)
