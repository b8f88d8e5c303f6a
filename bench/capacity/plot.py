"""The PNG: players over the run, replicas per policy and tier, and TTFT per 5-minute window."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from bench.capacity.comparison import THRESHOLD, PolicyResult
from bench.capacity.scenario import Scenario, Workload

_COLOURS = ("tab:gray", "tab:orange", "tab:blue", "tab:green", "tab:red")
_WINDOW_S = 300
_FAILED_S = 60.0  # where a failed request is drawn on the TTFT panel
_EDGES = np.geomspace(0.01, _FAILED_S, 300)


def write_plot(
    path: Path, scenario: Scenario, workload: Workload, results: dict[str, PolicyResult]
) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    hours0 = scenario.start_s / 3600.0
    fig, axes = plt.subplots(4, 1, figsize=(12, 13), sharex=True)
    players_ax, gold_ax, silver_ax, ttft_ax = axes
    seconds = np.arange(workload.curve.players.size)
    players_ax.plot(hours0 + seconds / 3600.0, workload.curve.players, color="black", lw=1)
    for raid in workload.curve.raids:
        start = hours0 + raid.start_s / 3600.0
        players_ax.axvspan(start, start + raid.duration_s / 3600.0, color="tab:red", alpha=0.15)
    players_ax.set_ylabel("concurrent players")
    players_ax.set_title("Players over the run (red: raid bursts)")

    for colour, (name, result) in zip(_COLOURS, results.items(), strict=False):
        for ax, tier in ((gold_ax, "gold"), (silver_ax, "silver")):
            run = result.runs.get(tier)
            if run is None:
                continue
            timeline = run.timeline
            hours = hours0 + timeline.t_s / 3600.0
            faded = 0.5 if name == THRESHOLD else 1.0  # its flapping would hide the others
            ax.step(
                hours, timeline.ready, where="post", color=colour, lw=1.2, alpha=faded, label=name
            )
            ax.step(
                hours,
                timeline.ready + timeline.starting,
                where="post",
                color=colour,
                lw=0.6,
                ls=":",
            )
        centres, p95 = _windowed_p95(result, scenario)
        ttft_ax.plot(hours0 + centres / 3600.0, p95, color=colour, lw=1.2, label=name)
    for ax, tier in ((gold_ax, "gold"), (silver_ax, "silver")):
        ax.set_ylabel(f"{tier} replicas")
        ax.set_title(f"{tier}: ready replicas (solid) and ready + starting (dotted)")
        ax.legend(loc="upper left", fontsize=8)
    ttft_ax.axhline(1.0, color="black", lw=0.8, ls="--", label="dialogue objective 1 s")
    ttft_ax.set_yscale("log")
    ttft_ax.set_ylabel("p95 TTFT, s (5-min windows)")
    ttft_ax.set_xlabel("hour of day")
    ttft_ax.set_title("Time to first token, all requests (failed = 60 s on this scale)")
    ttft_ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _windowed_p95(result: PolicyResult, scenario: Scenario) -> tuple[np.ndarray, np.ndarray]:
    """p95 TTFT per window, read from log-spaced histograms (about 3 % resolution)."""
    arrival = np.concatenate([r.trace.arrival_s for r in result.runs.values()])
    ttft = np.concatenate([r.ttft_s for r in result.runs.values()])
    ttft = np.clip(np.where(np.isnan(ttft), _FAILED_S, ttft), _EDGES[0], _EDGES[-1])
    windows = int(np.ceil(scenario.duration_s / _WINDOW_S))
    window = np.minimum((arrival // _WINDOW_S).astype(np.int64), windows - 1)
    bins = np.clip(np.searchsorted(_EDGES, ttft, side="right") - 1, 0, _EDGES.size - 2)
    counts = np.bincount(window * (_EDGES.size - 1) + bins, minlength=windows * (_EDGES.size - 1))
    cumulative = np.cumsum(counts.reshape(windows, -1), axis=1)
    totals = cumulative[:, -1]
    first = np.argmax(cumulative >= np.ceil(0.95 * totals)[:, None], axis=1)
    p95 = np.where(totals > 0, _EDGES[first + 1], np.nan)
    centres = (np.arange(windows) + 0.5) * _WINDOW_S
    return centres, p95
