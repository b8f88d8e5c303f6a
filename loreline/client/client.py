"""`StorytellerClient`: one method per endpoint, typed with the API's own schemas.

Retries with exponential back-off (and jitter) on connection errors and 5xx answers, never on 4xx:
a 4xx raises `StorytellerError` at once with the API's error code. Every call the API offers is
safe to repeat (reads, idempotent cache writes, and ingest, which de-duplicates by `event_id`).
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Mapping, Sequence
from datetime import datetime
from types import TracebackType
from typing import Any, Literal, Self, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel

from loreline.client.errors import StorytellerError, StorytellerUnavailableError
from loreline.contract import Encoding, Event, encode_batch
from serving.api.schemas.cache import CacheEntryResponse
from serving.api.schemas.events import IngestResponse
from serving.api.schemas.history import HistoryPage, HistorySearchResponse
from serving.api.schemas.knowledge import KnowledgeSearchResponse
from serving.api.schemas.memory import NpcMemoryResponse
from serving.api.schemas.state import WorldStateResponse

Model = TypeVar("Model", bound=BaseModel)
SearchMode = Literal["hybrid", "vector", "text"]
_RETRY_STATUSES = frozenset({500, 502, 503, 504})


def _segment(value: str) -> str:
    return quote(value, safe="")


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _params(**values: Any) -> dict[str, Any]:
    return {name: value for name, value in values.items() if value is not None}


class StorytellerClient:
    """`async with StorytellerClient(base_url, api_key) as client: await client.state("w")`.

    `transport` lets tests and in-process callers pass e.g. `httpx.ASGITransport(app)`.
    """

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout: float = 10.0,
        retries: int = 3,
        backoff: float = 0.2,
        backoff_max: float = 5.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        if retries < 0:
            raise ValueError("retries must be >= 0")
        self.retries = retries
        self.backoff = backoff
        self.backoff_max = backoff_max
        self._http = httpx.AsyncClient(
            base_url=base_url,
            timeout=timeout,
            transport=transport,
            headers={"Authorization": f"Bearer {api_key}", "Accept": "application/json"},
        )

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    # -- endpoints ------------------------------------------------------------------------------

    async def search(
        self,
        query: str,
        *,
        world_id: str | None = None,
        scope: Literal["global", "world", "both"] = "both",
        k: int = 8,
        doc_types: Sequence[str] | None = None,
        entity: str | None = None,
        mode: SearchMode = "hybrid",
    ) -> KnowledgeSearchResponse:
        body = _params(
            query=query,
            world_id=world_id,
            scope=scope,
            k=k,
            doc_types=list(doc_types) if doc_types else None,
            entity=entity,
            mode=mode,
        )
        return await self._model(KnowledgeSearchResponse, "POST", "/v1/kb/search", json=body)

    async def state(
        self, world_id: str, *, at: datetime | None = None, limit: int | None = None
    ) -> WorldStateResponse:
        return await self._model(
            WorldStateResponse,
            "GET",
            f"/v1/worlds/{_segment(world_id)}/state",
            params=_params(at=_iso(at), limit=limit),
        )

    async def history(
        self,
        world_id: str,
        *,
        session_id: str | None = None,
        actor: str | None = None,
        types: Sequence[str] | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        order: Literal["asc", "desc"] = "asc",
        limit: int = 100,
        cursor: str | None = None,
    ) -> HistoryPage:
        params = _params(
            session_id=session_id,
            actor=actor,
            type=list(types) if types else None,
            since=_iso(since),
            until=_iso(until),
            order=order,
            limit=limit,
            cursor=cursor,
        )
        return await self._model(
            HistoryPage, "GET", f"/v1/worlds/{_segment(world_id)}/history", params=params
        )

    async def history_search(
        self,
        world_id: str,
        query: str,
        *,
        k: int = 8,
        session_id: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        mode: SearchMode = "hybrid",
    ) -> HistorySearchResponse:
        body = _params(
            query=query,
            k=k,
            session_id=session_id,
            since=_iso(since),
            until=_iso(until),
            mode=mode,
        )
        return await self._model(
            HistorySearchResponse,
            "POST",
            f"/v1/worlds/{_segment(world_id)}/history/search",
            json=body,
        )

    async def memory(
        self,
        world_id: str,
        npc_id: str,
        *,
        query: str | None = None,
        k: int = 10,
        weights: Mapping[str, float] | None = None,
        decay_per_hour: float | None = None,
        at: datetime | None = None,
    ) -> NpcMemoryResponse:
        """`weights` may override `recency`, `importance` and `relevance`."""
        weight_params = {f"w_{name}": value for name, value in (weights or {}).items()}
        params = _params(
            query=query, k=k, decay_per_hour=decay_per_hour, at=_iso(at), **weight_params
        )
        path = f"/v1/worlds/{_segment(world_id)}/npcs/{_segment(npc_id)}/memory"
        return await self._model(NpcMemoryResponse, "GET", path, params=params)

    async def cache_get(self, world_id: str, key: str) -> CacheEntryResponse | None:
        """The entry, or None when there is no live entry."""
        response = await self._send("GET", self._cache_path(world_id, key), missing_ok=True)
        if response.status_code == 404:
            return None
        return CacheEntryResponse.model_validate_json(response.content)

    async def cache_put(
        self, world_id: str, key: str, value: Any, *, ttl_seconds: float | None = None
    ) -> CacheEntryResponse:
        return await self._model(
            CacheEntryResponse,
            "PUT",
            self._cache_path(world_id, key),
            json={"value": value, "ttl_seconds": ttl_seconds},
        )

    async def cache_delete(self, world_id: str, key: str) -> bool:
        """True when an entry was deleted, False when there was none."""
        response = await self._send("DELETE", self._cache_path(world_id, key), missing_ok=True)
        return response.status_code == 204

    async def cache_exists(self, world_id: str, key: str) -> bool:
        response = await self._send("HEAD", self._cache_path(world_id, key), missing_ok=True)
        return response.status_code == 200

    async def ingest(
        self, events: Sequence[Event], *, encoding: Encoding | str = Encoding.MSGPACK
    ) -> IngestResponse:
        """Publish a batch; the answer says, per event, accepted or rejected (and why)."""
        wire = Encoding(encoding)
        return await self._model(
            IngestResponse,
            "POST",
            "/v1/events",
            content=encode_batch(events, wire),
            headers={"Content-Type": wire.value},
        )

    # -- transport ------------------------------------------------------------------------------

    @staticmethod
    def _cache_path(world_id: str, key: str) -> str:
        return f"/v1/worlds/{_segment(world_id)}/cache/{_segment(key)}"

    async def _model(self, model: type[Model], method: str, path: str, **kwargs: Any) -> Model:
        response = await self._send(method, path, **kwargs)
        return model.model_validate_json(response.content)

    async def _send(
        self, method: str, path: str, *, missing_ok: bool = False, **kwargs: Any
    ) -> httpx.Response:
        attempt = 0
        while True:
            try:
                response = await self._http.request(method, path, **kwargs)
            except httpx.TransportError as exc:
                if attempt >= self.retries:
                    raise StorytellerUnavailableError(
                        0, "connection_error", f"{type(exc).__name__}: {exc}"
                    ) from exc
            else:
                if response.status_code < 400 or (missing_ok and response.status_code == 404):
                    return response
                if response.status_code not in _RETRY_STATUSES or attempt >= self.retries:
                    raise _error(response)
            await asyncio.sleep(self._delay(attempt))
            attempt += 1

    def _delay(self, attempt: int) -> float:
        ceiling = min(self.backoff_max, self.backoff * (2**attempt))
        return random.uniform(ceiling / 2, ceiling)


def _error(response: httpx.Response) -> StorytellerError:
    code, message, details = f"http_{response.status_code}", response.reason_phrase, None
    try:
        error = response.json()["error"]
        code, message, details = error["code"], error["message"], error.get("details")
    except (ValueError, KeyError, TypeError):
        pass
    kind = StorytellerUnavailableError if response.status_code >= 500 else StorytellerError
    return kind(response.status_code, code, message, details)
