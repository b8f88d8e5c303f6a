"""streams.ingest."""
