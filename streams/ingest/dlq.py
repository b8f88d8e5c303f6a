"""Dead-letter records: every ingest record with a rejected event (or rejected whole) goes to the DLQ.

One DLQ record per bad source record, keyed like the source. Value: a JSON envelope (format 1)
carrying the original record bytes (base64), its provenance and every rejection; the routing facts
are repeated in headers so a consumer can filter without parsing:

    loreline-dlq-kind, loreline-dlq-reason, loreline-dlq-field     (of the first rejection)
    loreline-dlq-rejections                                        (how many)
    loreline-source-topic, loreline-source-partition, loreline-source-offset,
    loreline-source-content-type
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any, Final

from streams.ingest.records import DecodedRecord

DLQ_FORMAT: Final = 1
DLQ_CONTENT_TYPE: Final = b"application/json"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def dead_letter(decoded: DecodedRecord) -> tuple[bytes | None, bytes, list[tuple[str, bytes]]]:
    """(key, value, headers) of the DLQ record for a record with at least one rejection."""
    src = decoded.source
    if not decoded.rejections:
        raise ValueError("dead_letter() needs a record with a rejection")
    content_type = src.header("content-type")
    envelope: dict[str, Any] = {
        "format": DLQ_FORMAT,
        "source": {
            "topic": src.topic,
            "partition": src.partition,
            "offset": src.offset,
            "key": None if src.key is None else src.key.decode("utf-8", "replace"),
            "timestamp_ms": src.timestamp_ms,
            "content_type": None if content_type is None else content_type.decode("latin-1"),
        },
        "accepted_events": len(decoded.events),
        "rejections": [
            {
                "index": r.index,
                "kind": str(r.kind),
                "reason": r.reason,
                "field": r.field,
                # a record-level rejection's raw is the whole record, already in `record_b64`
                "raw_b64": None if r.index is None else _b64(r.raw),
            }
            for r in decoded.rejections
        ],
        "record_b64": _b64(src.value),
        "dead_lettered_at": datetime.now(UTC).isoformat(),
    }
    first = decoded.rejections[0]
    headers = [
        ("content-type", DLQ_CONTENT_TYPE),
        ("loreline-dlq-kind", str(first.kind).encode()),
        ("loreline-dlq-reason", first.reason[:2000].encode("utf-8", "replace")),
        ("loreline-dlq-field", (first.field or "").encode("utf-8", "replace")),
        ("loreline-dlq-rejections", str(len(decoded.rejections)).encode()),
        ("loreline-source-topic", src.topic.encode()),
        ("loreline-source-partition", str(src.partition).encode()),
        ("loreline-source-offset", str(src.offset).encode()),
        ("loreline-source-content-type", content_type or b""),
    ]
    value = json.dumps(envelope, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return src.key, value, headers


def parse_dead_letter(value: bytes) -> dict[str, Any]:
    """The envelope of a DLQ record, with `record` (original bytes) decoded."""
    envelope: dict[str, Any] = json.loads(value)
    envelope["record"] = base64.b64decode(envelope["record_b64"])
    return envelope
