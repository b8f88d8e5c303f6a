"""LLM tiers for the storyteller: configuration, client, live metrics, routing, autoscaling.

- `tier.load_tiers(path)` -> `{name: TierConfig}` from ONE settings file (infra/vllm/tiers.yaml).
- `endpoints.EndpointDirectory`: the replicas each tier has right now.
- `client.LlmClient`: async OpenAI-compatible chat completions (plain or streamed, TTFT, usage).
- `metrics.MetricsScraper` / `TierMetrics`: queue depth and recent TTFT from vLLM's /metrics.
- `router.TierRouter.choose(policy, snapshot)` -> `TierChoice`; `router.generate(...)` falls back.
- `gateway.LlmGateway`: the one object an API process holds (snapshot cache + router + client).
- `autoscaling/`: `QueueDepthPolicy`, `AutoscalingController`, `LocalActuator`.
Nothing here runs at import time.
"""
