"""Seeded live play in the demo world (`loreline streams simulate`)."""

from streams.simulator.sim import Simulator, simulate

__all__ = ["Simulator", "simulate"]
