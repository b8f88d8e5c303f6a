"""Game-server side of ingestion: publish events to the ingest topic in batched records."""

from loreline.producer.producer import DEFAULT_MAX_RECORD_BYTES, EventProducer, ProducerError

__all__ = ["DEFAULT_MAX_RECORD_BYTES", "EventProducer", "ProducerError"]
