"""`python -m bench.capacity`: simulate a day of LLM demand under three scaling policies.

Prints the workload, a per-policy table (p95 TTFT, objective share, GPU-hours, cost per player
per month), our policy's ratios against both baselines of the same run, and writes a PNG and a
JSON summary to --out.
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from bench.capacity.comparison import (
    OURS,
    PROPOSED_NAME,
    STATIC,
    THRESHOLD,
    compare,
    standard_contenders,
)
from bench.capacity.plot import write_plot
from bench.capacity.report import describe_workload, legend, ratios, table
from bench.capacity.scenario import Scenario, build_workload
from bench.capacity.workload import DAY_S


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.capacity", description=__doc__)
    parser.add_argument("--players-max", type=float, default=10_000, help="peak concurrent players")
    parser.add_argument("--players-min", type=float, default=100, help="night-time minimum")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--start-hour", type=float, default=0.0, help="window start (hour of day)")
    parser.add_argument("--hours", type=float, default=24.0, help="window length in hours")
    parser.add_argument(
        "--out", type=Path, default=Path("test-artifacts/capacity"), help="folder for the outputs"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started, cpu_started = time.perf_counter(), time.process_time()
    start_s = int(args.start_hour * 3600)
    scenario = Scenario(
        players_max=args.players_max,
        players_min=args.players_min,
        seed=args.seed,
        start_s=start_s,
        duration_s=min(int(args.hours * 3600), DAY_S - start_s),
    )
    workload = build_workload(scenario)
    for line in describe_workload(scenario, workload):
        print(line)
    results = compare(scenario, workload, standard_contenders(workload))
    outcomes = {name: result.outcome for name, result in results.items()}
    print()
    for line in table(list(outcomes.values())):
        print(line)
    print()
    for name in (OURS, PROPOSED_NAME):
        if name in outcomes:
            for line in ratios(outcomes[name], [outcomes[STATIC], outcomes[THRESHOLD]]):
                print(line)
    for line in legend():
        print(line)
    args.out.mkdir(parents=True, exist_ok=True)
    plot = write_plot(args.out / "capacity.png", scenario, workload, results)
    summary = args.out / "summary.json"
    figures = {name: _finite(asdict(o)) for name, o in outcomes.items()}
    summary.write_text(json.dumps(figures, indent=2, allow_nan=False) + "\n")
    print(f"plot: {plot}")
    print(f"summary: {summary}")
    print(
        f"elapsed: {time.perf_counter() - started:.1f} s wall, "
        f"{time.process_time() - cpu_started:.1f} s CPU"
    )
    return 0


def _finite(values: dict[str, Any]) -> dict[str, Any]:
    """JSON has no infinity: a p95 that failed requests made infinite is written as null."""
    return {
        key: _finite(v) if isinstance(v, dict) else (None if v == float("inf") else v)
        for key, v in values.items()
    }


if __name__ == "__main__":
    raise SystemExit(main())
