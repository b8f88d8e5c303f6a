"""streams.world_state."""
