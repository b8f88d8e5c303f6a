"""A reduced run of the whole comparison: 1,000 players, two evening hours with raid bursts.

(At 500 players the gold tier needs one or two replicas, and the threshold rule, running one
replica hot, costs less than ours while missing the objective for 4 % of requests: see
docs/capacity.md. From 1,000 players on it is both worse and dearer.)"""

from __future__ import annotations

import time

import pytest

from bench.capacity.comparison import OURS, STATIC, THRESHOLD, compare, standard_contenders
from bench.capacity.scenario import Scenario, build_workload

pytestmark = pytest.mark.unit

EVENING = Scenario(players_max=1_000, start_s=int(19.5 * 3600), duration_s=2 * 3600, seed=11)


@pytest.fixture(scope="module")
def results():
    started = time.perf_counter()
    workload = build_workload(EVENING)
    outcomes = {
        name: result.outcome
        for name, result in compare(EVENING, workload, standard_contenders(workload)).items()
    }
    return outcomes, time.perf_counter() - started, workload


def test_reduced_run_finishes_in_a_few_seconds(results) -> None:
    _, elapsed, workload = results
    assert workload.curve.raids, "the window should hold a raid burst"
    assert elapsed < 10.0


def test_ours_costs_less_than_the_threshold_rule_at_equal_or_better_objective_share(
    results,
) -> None:
    outcomes, _, _ = results
    ours, threshold = outcomes[OURS], outcomes[THRESHOLD]
    assert ours.objective_share >= threshold.objective_share
    assert ours.cost_usd < threshold.cost_usd


def test_ours_and_static_meet_the_objective(results) -> None:
    # Over two peak hours static provisioning for the peak is not wasteful; over a whole day it
    # is (python -m bench.capacity), which this short window does not show.
    outcomes, _, _ = results
    assert outcomes[STATIC].objective_share >= 0.99
    assert outcomes[OURS].objective_share >= 0.99


def test_every_request_is_accounted_for(results) -> None:
    outcomes, _, workload = results
    total = sum(trace.size for trace in workload.traces.values())
    for outcome in outcomes.values():
        assert outcome.requests == total
