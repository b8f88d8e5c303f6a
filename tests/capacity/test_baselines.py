"""The two baselines: static, and the waiting-threshold rule applied the way KEDA and an HPA do."""

from __future__ import annotations

import pytest

from bench.capacity.baselines import StaticPolicy, WaitingThresholdPolicy
from serving.llm.autoscaling.policy import TierObservation

pytestmark = pytest.mark.unit


def obs(now: float, waiting: float | None, ready: int, starting: int = 0) -> TierObservation:
    return TierObservation(
        now=now, waiting=waiting, running=0.0, ready_replicas=ready, starting_replicas=starting
    )


def test_static_policy_ignores_the_load() -> None:
    policy = StaticPolicy(7)
    assert policy.desired_replicas(obs(0, 1000, 1)) == 7
    assert policy.desired_replicas(obs(15, None, 9)) == 7


def test_threshold_rule_wants_one_replica_per_five_waiting_requests() -> None:
    policy = WaitingThresholdPolicy(max_replicas=100)
    assert policy.desired_replicas(obs(0, 50, 10)) == 10  # exactly on target
    assert policy.desired_replicas(obs(15, 54, 10)) == 10  # within the 10 % tolerance
    assert policy.desired_replicas(obs(30, 70, 10)) == 14


def test_threshold_rule_scale_up_is_limited_to_double_or_four_pods() -> None:
    policy = WaitingThresholdPolicy(max_replicas=100)
    assert policy.desired_replicas(obs(0, 500, 2)) == 6  # +4 beats x2
    assert policy.desired_replicas(obs(15, 500, 10)) == 20  # x2 beats +4
    assert policy.desired_replicas(obs(30, 5000, 60)) == 100  # capped by maxReplicaCount


def test_threshold_rule_scales_down_only_after_the_stabilisation_window() -> None:
    policy = WaitingThresholdPolicy(max_replicas=100)
    assert policy.desired_replicas(obs(0, 100, 20)) == 20
    for now in range(15, 300, 15):
        assert policy.desired_replicas(obs(now, 0, 20)) == 20
    assert policy.desired_replicas(obs(315, 0, 20)) == 1  # minReplicaCount


def test_threshold_rule_holds_when_the_metric_is_missing() -> None:
    policy = WaitingThresholdPolicy(max_replicas=100)
    assert policy.desired_replicas(obs(0, None, 3, starting=2)) == 5


def test_threshold_rule_scales_from_and_to_zero_when_allowed() -> None:
    policy = WaitingThresholdPolicy(min_replicas=0, max_replicas=10)
    assert policy.desired_replicas(obs(0, 0, 0)) == 0
    assert policy.desired_replicas(obs(15, 3, 0)) == 1
    assert policy.desired_replicas(obs(30, 0, 1)) == 1
    assert policy.desired_replicas(obs(30 + 360, 0, 1)) == 0  # KEDA cooldownPeriod
