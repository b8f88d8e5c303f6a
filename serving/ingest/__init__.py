"""The HTTP ingest gateway's side of Kafka."""
