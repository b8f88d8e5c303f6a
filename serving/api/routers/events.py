"""POST /v1/events: the HTTP ingest gateway. A batch `{"v": 1, "events": [...]}` in JSON or
msgpack (Content-Type) is validated with the event contract; the valid events of the key's worlds
are published to the ingest topic and acknowledged by the broker before the answer, which lists
every event as accepted or rejected (200 whenever the batch itself could be read)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from loreline.contract import Encoding, Event, decode_batch, encode_batch
from serving.api.dependencies import IngestCaller, Publisher, Resources
from serving.api.errors import ApiError
from serving.api.schemas.errors import error_responses
from serving.api.schemas.events import EventOutcome, IngestResponse
from serving.ingest.publisher import BrokerUnavailableError
from serving.security.scope import Role

router = APIRouter(prefix="/v1", tags=["ingest"])

MAX_EVENTS = 10_000

_BATCH_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["v", "events"],
    "properties": {
        "v": {"type": "integer", "const": 1},
        "events": {
            "type": "array",
            "maxItems": MAX_EVENTS,
            "items": {
                "type": "object",
                "description": "an event of the contract (docs/contract.md)",
                "required": ["event_id", "world_id", "type", "occurred_at", "payload"],
                "properties": {
                    "event_id": {"type": "string", "format": "uuid"},
                    "world_id": {"type": "string"},
                    "type": {"type": "string"},
                    "occurred_at": {"type": "string", "format": "date-time"},
                    "actor": {"type": "string"},
                    "session_id": {"type": "string"},
                    "schema_version": {"type": "integer"},
                    "payload": {"type": "object"},
                },
            },
        },
    },
}

_OPENAPI_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            Encoding.JSON.value: {"schema": _BATCH_SCHEMA},
            Encoding.MSGPACK.value: {"schema": {"type": "string", "format": "binary"}},
        },
    }
}


@router.post(
    "/events",
    response_model=IngestResponse,
    summary="Ingest a batch of events (JSON or msgpack); per-event accepted/rejected",
    openapi_extra=_OPENAPI_BODY,
    responses=error_responses(400, 401, 403, 413, 415, 503),
)
async def ingest(
    request: Request, caller: IngestCaller, publisher: Publisher, resources: Resources
) -> IngestResponse:
    content_type = request.headers.get("content-type")
    if Encoding.from_content_type(content_type) is None:
        raise ApiError(
            415,
            "unsupported_media_type",
            f"Content-Type must be one of: {', '.join(e.value for e in Encoding)}",
        )
    decoded = decode_batch(await request.body(), content_type)
    whole = [r for r in decoded.rejections if r.index is None]
    if whole:
        raise ApiError(400, f"invalid_batch_{whole[0].kind.value}", whole[0].reason)
    total = len(decoded.events) + len(decoded.rejections)
    if total > MAX_EVENTS:
        raise ApiError(400, "batch_too_large", f"at most {MAX_EVENTS} events per request")

    results: list[EventOutcome | None] = [None] * total
    for rejection in decoded.rejections:
        assert rejection.index is not None
        results[rejection.index] = EventOutcome(
            index=rejection.index,
            status="rejected",
            code=rejection.kind.value,
            reason=rejection.reason,
            field=rejection.field,
        )
    free = iter(index for index, result in enumerate(results) if result is None)
    accepted: list[tuple[int, Event]] = []
    for event in decoded.events:
        index = next(free)
        if not caller.may(event.world_id, Role.INGEST):
            results[index] = EventOutcome(
                index=index,
                event_id=event.event_id,
                status="rejected",
                code="world_forbidden",
                reason=f"this API key may not ingest into world {event.world_id!r}",
                field="world_id",
            )
        elif not _encodable(event, publisher.encoding):
            results[index] = EventOutcome(
                index=index,
                event_id=event.event_id,
                status="rejected",
                code="validation",
                reason="event cannot be encoded (invalid Unicode text)",
            )
        else:
            accepted.append((index, event))

    try:
        await publisher.publish([event for _index, event in accepted])
    except BrokerUnavailableError as exc:
        resources.metrics.ingested.labels("unavailable").inc(len(accepted))
        raise ApiError(
            503, "broker_unavailable", f"{exc}; nothing was published, retry the batch"
        ) from exc
    for index, event in accepted:
        results[index] = EventOutcome(index=index, event_id=event.event_id, status="accepted")
    final = [result for result in results if result is not None]
    rejected = total - len(accepted)
    resources.metrics.ingested.labels("accepted").inc(len(accepted))
    resources.metrics.ingested.labels("rejected").inc(rejected)
    return IngestResponse(
        accepted=len(accepted), rejected=rejected, topic=publisher.topic, results=final
    )


def _encodable(event: Event, encoding: Encoding) -> bool:
    try:
        encode_batch([event], encoding)
    except (UnicodeError, ValueError, TypeError):
        return False
    return True
