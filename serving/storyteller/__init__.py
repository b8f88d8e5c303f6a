"""Storyteller generation: context assembly within a token budget, tier calls with fallback,
guardrails and the inference log. Routes in `serving.storyteller.routes`."""
