"""Autoscaling of LLM tiers on queue depth: policy (how many), controller (the loop), actuators."""
