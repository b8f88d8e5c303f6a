"""An async client for one OpenAI-compatible endpoint (vLLM): chat completions, plain or streamed.

Every call returns a `ChatCompletion` with token usage and timings; a streamed call also measures
the time to the first token. Failures are typed (serving/llm/errors.py) so the router can fall
back: `TierUnavailable` (connection refused, 5xx, 429, unknown model), `TierTimeout`, and
`TierRequestRejected` for a request the server itself refuses.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import httpx

from serving.llm.errors import TierError, TierRequestRejected, TierTimeout, TierUnavailable

Message = Mapping[str, str]  # {"role": "user", "content": "..."}


@dataclass(frozen=True)
class CallTimeouts:
    connect_s: float = 2.0
    first_token_s: float = 30.0  # until the first token (streamed) or the whole answer's start
    total_s: float = 120.0


@dataclass(frozen=True)
class ChatRequest:
    model: str
    messages: Sequence[Message]
    max_tokens: int
    temperature: float = 0.7
    top_p: float = 1.0
    extra: Mapping[str, Any] | None = None  # server-specific fields, e.g. vLLM's ignore_eos

    def body(self, *, stream: bool) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": self.model,
            "messages": [dict(message) for message in self.messages],
            "max_tokens": self.max_tokens,
            "temperature": self.temperature,
            "top_p": self.top_p,
            "stream": stream,
        }
        if stream:
            body["stream_options"] = {"include_usage": True}
        if self.extra:
            body.update(self.extra)
        return body


@dataclass(frozen=True)
class ChatCompletion:
    tier: str
    endpoint: str
    model: str
    text: str
    finish_reason: str | None
    prompt_tokens: int | None
    completion_tokens: int | None
    latency_s: float
    ttft_s: float | None  # measured on streamed calls only
    streamed: bool


class ChatStream:
    """Text deltas of one streamed completion; `completion` is set once the stream has ended."""

    def __init__(
        self, http: httpx.AsyncClient, tier: str, endpoint: str, request: ChatRequest,
        timeouts: CallTimeouts,
    ) -> None:  # fmt: skip
        self._http = http
        self._tier = tier
        self._endpoint = endpoint
        self._request = request
        self._timeouts = timeouts
        self._response: httpx.Response | None = None
        self._started = 0.0
        self.completion: ChatCompletion | None = None
        self.ttft_s: float | None = None

    async def __aenter__(self) -> ChatStream:
        self._started = time.perf_counter()
        http_request = self._http.build_request(
            "POST",
            f"{self._endpoint}/v1/chat/completions",
            json=self._request.body(stream=True),
            timeout=_http_timeout(self._timeouts),
        )
        try:
            async with asyncio.timeout(self._timeouts.first_token_s):
                self._response = await self._http.send(http_request, stream=True)
        except (TimeoutError, httpx.TimeoutException) as error:
            raise TierTimeout(self._tier, self._endpoint, _timeout_reason(error)) from error
        except httpx.HTTPError as error:
            raise TierUnavailable(self._tier, self._endpoint, _describe(error)) from error
        if self._response.status_code != 200:
            body = (await self._response.aread()).decode(errors="replace")
            await self._response.aclose()
            raise _status_error(self._tier, self._endpoint, self._response.status_code, body)
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:  # fmt: skip
        if self._response is not None:
            await self._response.aclose()

    def __aiter__(self) -> AsyncIterator[str]:
        return self._deltas()

    async def _deltas(self) -> AsyncIterator[str]:
        assert self._response is not None, "use `async with client.stream_chat(...)` first"
        pieces: list[str] = []
        finish_reason: str | None = None
        usage: Mapping[str, Any] = {}
        lines = self._response.aiter_lines()
        deadline = self._started + self._timeouts.total_s
        while True:
            limit = (
                deadline
                if self.ttft_s is not None
                else min(deadline, self._started + self._timeouts.first_token_s)
            )
            try:
                async with asyncio.timeout(max(limit - time.perf_counter(), 0.0)):
                    line = await anext(lines, None)
            except (TimeoutError, httpx.TimeoutException) as error:
                phase = "first token" if self.ttft_s is None else "end of stream"
                raise TierTimeout(self._tier, self._endpoint, f"no {phase} in time") from error
            except httpx.HTTPError as error:
                raise TierUnavailable(self._tier, self._endpoint, _describe(error)) from error
            if line is None:
                break
            if not line.startswith("data:"):
                continue
            data = line[len("data:") :].strip()
            if data == "[DONE]":
                break
            chunk = json.loads(data)
            usage = chunk.get("usage") or usage
            for choice in chunk.get("choices") or []:
                finish_reason = choice.get("finish_reason") or finish_reason
                text = (choice.get("delta") or {}).get("content") or ""
                if text:
                    if self.ttft_s is None:
                        self.ttft_s = time.perf_counter() - self._started
                    pieces.append(text)
                    yield text
        self.completion = ChatCompletion(
            tier=self._tier,
            endpoint=self._endpoint,
            model=self._request.model,
            text="".join(pieces),
            finish_reason=finish_reason,
            prompt_tokens=usage.get("prompt_tokens"),
            completion_tokens=usage.get("completion_tokens"),
            latency_s=time.perf_counter() - self._started,
            ttft_s=self.ttft_s,
            streamed=True,
        )

    async def collect(self) -> ChatCompletion:
        """Read the rest of the stream and return the completion."""
        async for _ in self:
            pass
        assert self.completion is not None
        return self.completion


def tier_http_client() -> httpx.AsyncClient:
    """The connection pool for calls to tier endpoints (chat and /metrics).

    Idle connections are dropped after 2 s: vLLM's server (uvicorn) closes them after 5 s, and a
    client that keeps them as long (httpx's default) now and then sends a request on a connection
    the server is closing, which fails with a ReadError.
    """
    return httpx.AsyncClient(
        limits=httpx.Limits(max_connections=256, max_keepalive_connections=64, keepalive_expiry=2.0)
    )


class LlmClient:
    """Calls chat completions on any endpoint; share one per process (it pools connections)."""

    def __init__(
        self, http: httpx.AsyncClient | None = None, timeouts: CallTimeouts | None = None
    ) -> None:
        self._owns_http = http is None
        self._http = http or tier_http_client()
        self.timeouts = timeouts or CallTimeouts()

    async def __aenter__(self) -> LlmClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    async def chat(
        self, tier: str, endpoint: str, request: ChatRequest, timeouts: CallTimeouts | None = None
    ) -> ChatCompletion:
        """One non-streamed chat completion (no TTFT: the answer arrives whole)."""
        timeouts = timeouts or self.timeouts
        started = time.perf_counter()
        try:
            async with asyncio.timeout(timeouts.total_s):
                response = await self._http.post(
                    f"{endpoint}/v1/chat/completions",
                    json=request.body(stream=False),
                    timeout=_http_timeout(timeouts, read_s=timeouts.total_s),
                )
        except (TimeoutError, httpx.TimeoutException) as error:
            raise TierTimeout(tier, endpoint, _timeout_reason(error)) from error
        except httpx.HTTPError as error:
            raise TierUnavailable(tier, endpoint, _describe(error)) from error
        if response.status_code != 200:
            raise _status_error(tier, endpoint, response.status_code, response.text)
        payload = response.json()
        choice = (payload.get("choices") or [{}])[0]
        usage = payload.get("usage") or {}
        return ChatCompletion(
            tier=tier,
            endpoint=endpoint,
            model=payload.get("model", request.model),
            text=(choice.get("message") or {}).get("content") or "",
            finish_reason=choice.get("finish_reason"),
            prompt_tokens=usage.get("prompt_tokens"),
            completion_tokens=usage.get("completion_tokens"),
            latency_s=time.perf_counter() - started,
            ttft_s=None,
            streamed=False,
        )

    def stream_chat(
        self, tier: str, endpoint: str, request: ChatRequest, timeouts: CallTimeouts | None = None
    ) -> ChatStream:
        """`async with client.stream_chat(...) as stream: async for text in stream: ...`"""
        return ChatStream(self._http, tier, endpoint, request, timeouts or self.timeouts)


def _http_timeout(timeouts: CallTimeouts, read_s: float | None = None) -> httpx.Timeout:
    return httpx.Timeout(
        connect=timeouts.connect_s,
        read=read_s if read_s is not None else timeouts.first_token_s,
        write=timeouts.connect_s,
        pool=timeouts.connect_s,
    )


def _status_error(tier: str, endpoint: str, status: int, body: str) -> TierError:
    reason = f"HTTP {status}: {body[:300]}"
    if status in (408, 504):
        return TierTimeout(tier, endpoint, reason)
    if status in (404, 429) or status >= 500:
        return TierUnavailable(tier, endpoint, reason)
    return TierRequestRejected(tier, endpoint, reason)


def _describe(error: httpx.HTTPError) -> str:
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


def _timeout_reason(error: BaseException) -> str:
    if isinstance(error, httpx.ConnectTimeout):
        return "connect timed out"
    return "no answer in time"
