"""Text output: the per-policy table and the ratios against the two baselines of the same run."""

from __future__ import annotations

from bench.capacity.outcome import SEED_BUDGET_USD_PER_PLAYER_MONTH, PolicyOutcome
from bench.capacity.scenario import Scenario, Workload

_HEADER = (
    f"{'policy':<12} {'p95 TTFT':>9} {'dlg p95':>8} {'met obj':>8} {'dlg met':>8} "
    f"{'failed':>7} {'GPU-h':>7} {'gold/silv':>9} {'$ run':>8} {'$/peak pl/mo':>12} "
    f"{'$/avg pl/mo':>11}"
)


def describe_workload(scenario: Scenario, workload: Workload) -> list[str]:
    curve = workload.curve
    hours = scenario.duration_s / 3600.0
    requests = {tier: trace.size for tier, trace in workload.traces.items()}
    return [
        f"workload: {hours:.1f} h from {scenario.start_s / 3600.0:.1f} h, seed {scenario.seed}, "
        f"players {curve.players.min():.0f}..{curve.peak:.0f} (mean {curve.mean:.0f}), "
        f"{len(curve.raids)} raid bursts",
        "requests: " + ", ".join(f"{tier} {n:,}" for tier, n in sorted(requests.items())),
        "static provisioning for the peak: "
        + ", ".join(f"{tier} {n}" for tier, n in sorted(workload.peak_replicas.items())),
    ]


def table(outcomes: list[PolicyOutcome]) -> list[str]:
    lines = [_HEADER]
    for o in outcomes:
        tiers = "/".join(f"{o.gpu_hours_by_tier.get(t, 0.0):.0f}" for t in ("gold", "silver"))
        lines.append(
            f"{o.policy:<12} {o.p95_ttft_s:>8.2f}s {o.p95_dialogue_ttft_s:>7.2f}s "
            f"{o.objective_share:>8.2%} {o.dialogue_objective_share:>8.2%} {o.failed:>7,} "
            f"{o.gpu_hours:>7.1f} {tiers:>9} {o.cost_usd:>8,.0f} "
            f"{o.cost_per_peak_player_month:>12.2f} {o.cost_per_average_player_month:>11.2f}"
        )
    return lines


def ratios(ours: PolicyOutcome, baselines: list[PolicyOutcome]) -> list[str]:
    lines = []
    for base in baselines:
        lines.append(
            f"{ours.policy} vs {base.policy}: cost x{ours.cost_usd / base.cost_usd:.2f}, "
            f"GPU-hours x{ours.gpu_hours / base.gpu_hours:.2f}, "
            f"objective share {ours.objective_share - base.objective_share:+.2%} points, "
            f"p95 TTFT x{_ratio(ours.p95_ttft_s, base.p95_ttft_s)}"
        )
    budget = SEED_BUDGET_USD_PER_PLAYER_MONTH
    lines.append(
        f"{ours.policy} vs the seed's ${budget:.0f}/player/month: "
        f"x{ours.cost_per_peak_player_month / budget:.2f} per peak concurrent player, "
        f"x{ours.cost_per_average_player_month / budget:.2f} per average concurrent player"
    )
    return lines


def _ratio(a: float, b: float) -> str:
    if b == float("inf") or b == 0:
        return "n/a"
    return f"{a / b:.2f}"


def legend() -> list[str]:
    return [
        "p95 TTFT counts failed requests as infinitely late; 'met obj' = TTFT within the use "
        "case's objective (dialogue 1 s, narration 2 s, quest 4 s, summary 10 s); "
        "'dlg' = NPC dialogue only.",
        "'$/peak pl/mo' = GPU cost per month divided by the run's peak concurrent players; "
        "'$/avg pl/mo' divides by its mean concurrent players.",
    ]
