"""One tier, one policy, one trace: a time-stepped simulation of a pool of vLLM replicas.

Model (see docs/capacity.md for the reasoning):
- The router spreads load evenly, so the pool is simulated as `ready` identical replicas that
  share one FIFO queue; each step of `step_s` seconds every replica splits its GPU time between
  chunked prefill (at most `ReplicaModel.prefill_share_max` of it while prompts wait) and decode
  iterations of `ReplicaModel.itl_s(batch)`.
- A request needs a sequence slot (`max_num_seqs` per replica) to be prefilled; it then decodes
  its completion tokens one per iteration and frees the slot.
- Time to first token: FIFO prefill completion computed per request from the prefill capacity the
  pool offered in each step (a fluid Lindley recursion, vectorised), plus the request's own
  prefill on one replica and one decode step.
- A request still waiting `timeout_s` after it arrived is abandoned and counted as failed; at the
  end, arrivals are drained for up to `drain_s`; whatever is left then is failed too.
- Every `control_period_s` (first at t = one period) the policy sees a `TierObservation`
  (waiting = arrived but not yet prefilled, running = decoding); replicas it adds become ready
  after the replica's cold start; replicas it removes go at once (starting ones first). Billing
  counts ready and starting replicas (a starting pod holds its GPU).
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass

import numpy as np

from bench.capacity.replica import ReplicaModel
from bench.capacity.workload import TierTrace
from serving.llm.autoscaling.policy import ScalingPolicy, TierObservation

_RING = 4096  # decode-progress buckets; more than the longest completion plus one step's tokens


@dataclass(frozen=True)
class SimulationSettings:
    step_s: float = 1.0
    control_period_s: float = 15.0
    timeout_s: float = 30.0
    drain_s: float = 600.0
    metric_gap_probability: float = 0.0  # share of control periods whose scrape fails


@dataclass(frozen=True)
class Timeline:
    """Per step: time at the start, ready and starting replicas, waiting and running requests."""

    t_s: np.ndarray
    ready: np.ndarray
    starting: np.ndarray
    waiting: np.ndarray
    running: np.ndarray


@dataclass(frozen=True)
class TierRun:
    """What happened to every request of one tier under one policy."""

    trace: TierTrace
    ttft_s: np.ndarray  # NaN for requests that failed
    failed: np.ndarray  # bool
    completed: int  # requests that finished decoding
    unfinished: int  # prefilled but still decoding when the drain ran out (also failed)
    gpu_seconds: float
    timeline: Timeline

    @property
    def failed_count(self) -> int:
        return int(self.failed.sum()) + self.unfinished


def simulate_tier(
    trace: TierTrace,
    model: ReplicaModel,
    policy: ScalingPolicy,
    *,
    initial_ready: int,
    duration_s: float,
    settings: SimulationSettings,
    rng: np.random.Generator,
) -> TierRun:
    """Run the pool over `duration_s` plus the drain; `rng` draws cold starts and scrape gaps."""
    dt = settings.step_s
    day_steps = math.ceil(duration_s / dt)
    max_steps = day_steps + math.ceil(settings.drain_s / dt)
    control_every = max(round(settings.control_period_s / dt), 1)

    n_total = trace.size
    # Plain Python lists: the loop below indexes them once or twice per step.
    cum_prompt = np.cumsum(trace.prompt_tokens, dtype=np.float64).tolist()
    completion = trace.completion_tokens.tolist()
    ends = np.arange(1, max_steps + 1, dtype=np.float64) * dt
    arrived_by_end = np.searchsorted(trace.arrival_s, ends, side="left").tolist()
    abandon_before = np.searchsorted(
        trace.arrival_s, ends - dt - settings.timeout_s, side="left"
    ).tolist()

    failed = np.zeros(n_total, dtype=bool)
    ring = [0] * _RING  # running sequences by the decode iteration at which they finish
    capacity_curve: list[float] = [0.0]  # prefill capacity offered to the queue, at step ends
    log: list[tuple[float, int, int, int, int]] = []

    ready = initial_ready
    starting: list[float] = []  # ready times, ascending
    prefilled = 0  # FIFO head: requests prefilled or abandoned
    tokens_done = 0.0  # prompt tokens prefilled or skipped (abandoned), FIFO order
    running = 0
    progress = 0.0  # decode iterations since the start, shared by every running sequence
    completed = 0
    gpu_seconds = 0.0
    max_seqs = model.max_num_seqs
    prefill_rate = model.prefill_tokens_per_s
    itl_single, slope = model.itl_single_s, model.batch_slope
    budget = model.max_batched_tokens

    for k in range(max_steps):
        t0 = k * dt
        if k >= day_steps and prefilled >= n_total and running == 0:
            break
        while starting and starting[0] <= t0:
            starting.pop(0)
            ready += 1
        if k % control_every == 0 and k:  # the first scrape comes one period in
            arrived_now = arrived_by_end[k - 1] if k else 0
            gap = settings.metric_gap_probability > 0 and (
                rng.random() < settings.metric_gap_probability
            )
            observation = TierObservation(
                now=t0,
                waiting=None if gap else float(arrived_now - prefilled),
                running=None if gap else float(running),
                ready_replicas=ready,
                starting_replicas=len(starting),
            )
            desired = max(int(policy.desired_replicas(observation)), 0)
            total = ready + len(starting)
            for _ in range(desired - total):
                jitter = rng.uniform(-model.cold_start_jitter_s, model.cold_start_jitter_s)
                bisect.insort(starting, t0 + model.cold_start_s + jitter)
            surplus = total - desired
            while surplus > 0 and starting:
                starting.pop()
                surplus -= 1
            if surplus > 0:
                ready -= surplus

        head_limit = abandon_before[k]
        if head_limit > prefilled:
            failed[prefilled:head_limit] = True
            prefilled = head_limit
            tokens_done = cum_prompt[head_limit - 1]

        draining = ready == 0 and running > 0  # a pod finishing its in-flight sequences
        serving = ready if ready else (1 if draining else 0)
        gpu_seconds += (ready + len(starting) + (1 if draining else 0)) * dt
        arrived = arrived_by_end[k]
        prefill_time = 0.0
        offered = 0.0  # prefill tokens the queue could have had this step
        if serving:
            batch = running / serving
            itl = itl_single * (1.0 + slope * max(batch - 1.0, 0.0))
            free = ready * max_seqs - running
            if ready and free > 0:
                chunk_time = max(budget - batch, 0.0) / prefill_rate
                share = chunk_time / (itl + chunk_time)
                offered = ready * prefill_rate * share * dt
                if arrived > prefilled:
                    slot_limited = prefilled + free < arrived
                    last = min(prefilled + free, arrived) - 1
                    backlog = cum_prompt[last] - tokens_done
                    if backlog <= offered:
                        prefill_time = max(backlog, 0.0) / (ready * prefill_rate)
                        tokens_done = max(tokens_done, cum_prompt[last])
                        if slot_limited:
                            offered = max(backlog, 0.0)
                    else:
                        prefill_time = share * dt
                        tokens_done += offered
            if running:
                before = math.floor(progress)
                progress += (dt - prefill_time) / itl
                after = math.floor(progress)
                if after > before:
                    finished = _take_finished(ring, before + 1, after)
                    running -= finished
                    completed += finished
            newly = bisect.bisect_right(cum_prompt, tokens_done, prefilled)
            if newly > prefilled:
                base = math.floor(progress)
                for tokens in completion[prefilled:newly]:
                    ring[(base + tokens) % _RING] += 1
                running += newly - prefilled
                prefilled = newly
        capacity_curve.append(capacity_curve[-1] + offered)
        log.append((t0, ready, len(starting), arrived - prefilled, running))

    failed[prefilled:] = True
    ttft = _ttft(trace, model, np.array(capacity_curve), dt, failed)
    columns = np.array(log, dtype=np.float64).reshape(-1, 5).T
    return TierRun(
        trace=trace,
        ttft_s=ttft,
        failed=failed,
        completed=completed,
        unfinished=running,
        gpu_seconds=gpu_seconds,
        timeline=Timeline(
            t_s=columns[0],
            ready=columns[1].astype(np.int64),
            starting=columns[2].astype(np.int64),
            waiting=columns[3].astype(np.int64),
            running=columns[4].astype(np.int64),
        ),
    )


def _take_finished(ring: list[int], first: int, last: int) -> int:
    """Sum and clear the decode buckets first..last (inclusive), wrapping around the ring."""
    lo = first % _RING
    count = last - first + 1
    if lo + count <= _RING:
        done = sum(ring[lo : lo + count])
        ring[lo : lo + count] = [0] * count
    else:
        tail = _RING - lo
        done = sum(ring[lo:]) + sum(ring[: count - tail])
        ring[lo:] = [0] * tail
        ring[: count - tail] = [0] * (count - tail)
    return done


def _ttft(
    trace: TierTrace, model: ReplicaModel, capacity: np.ndarray, dt: float, failed: np.ndarray
) -> np.ndarray:
    """FIFO prefill completion times from the offered-capacity curve, plus the first token.

    With C(t) the prefill capacity offered up to t, request i finishes prefill (in capacity
    units) at e_i = max(e_(i-1), C(a_i)) + p_i, i.e. e_i = X_i + max over j <= i of
    (C(a_j) - X_(j-1)) with X the cumulative prompt tokens (abandoned requests count 0); its
    time is the first t with C(t) >= e_i. Its own prefill on one replica and one decode step
    are added, since the pool-wide rate understates a single request's prefill time.
    """
    ttft = np.full(trace.size, np.nan)
    if not trace.size:
        return ttft
    tokens = np.where(failed, 0, trace.prompt_tokens).astype(np.float64)
    cumulative = np.cumsum(tokens)
    grid = np.arange(capacity.size, dtype=np.float64) * dt
    at_arrival = np.interp(trace.arrival_s, grid, capacity)
    finish = cumulative + np.maximum.accumulate(at_arrival - (cumulative - tokens))
    k = np.clip(np.searchsorted(capacity, finish, side="left"), 1, capacity.size - 1)
    span = capacity[k] - capacity[k - 1]
    frac = np.clip((finish - capacity[k - 1]) / np.where(span > 0, span, 1.0), 0.0, 1.0)
    done_at = grid[k - 1] + frac * dt
    own = trace.prompt_tokens / model.prefill_tokens_per_s + model.itl_single_s
    result = np.maximum(done_at - trace.arrival_s, 0.0) + own
    ttft[~failed] = result[~failed]
    return ttft
