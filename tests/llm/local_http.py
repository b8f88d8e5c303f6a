"""Tiny real TCP servers on loopback for failure paths: one that never answers, one that answers a
fixed HTTP status. (Successful generations are tested against a real vLLM in the `llm` tests.)"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from loreline.state.ports import free_port


def dead_endpoint() -> str:
    """A loopback port nobody listens on: connections are refused."""
    return f"http://127.0.0.1:{free_port()}"


@asynccontextmanager
async def silent_endpoint() -> AsyncIterator[str]:
    """Accepts connections, reads the request, never answers."""
    held: list[asyncio.StreamWriter] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)
        await reader.read(65536)

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        for writer in held:
            writer.close()
        server.close()


@asynccontextmanager
async def status_endpoint(status: int, body: str) -> AsyncIterator[str]:
    """Answers every request with `status` and a JSON body."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        payload = body.encode()
        writer.write(
            f"HTTP/1.1 {status} X\r\ncontent-type: application/json\r\n"
            f"content-length: {len(payload)}\r\nconnection: close\r\n\r\n".encode()
            + payload
        )
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.close()
