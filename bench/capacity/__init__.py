"""Capacity simulation of the LLM tiers: one day of players, three scaling policies, one trace."""
