"""streams.sinks."""
