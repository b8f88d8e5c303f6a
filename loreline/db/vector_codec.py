"""pgvector's `vector` type in asyncpg: write lists or numpy arrays, read numpy float32 arrays.

Binary wire format: uint16 dimensions, uint16 unused (0), then big-endian float32 values.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence

import asyncpg
import numpy as np
import numpy.typing as npt

_HEADER = struct.Struct(">HH")
MAX_DIMENSIONS = 16000


def encode_vector(value: npt.ArrayLike | Sequence[float]) -> bytes:
    values = np.asarray(value, dtype=">f4")
    if values.ndim != 1:
        raise ValueError(
            f"a vector must be one-dimensional, got shape {values.shape}; pass one embedding "
            "per row (e.g. embeddings[i], not the whole matrix)"
        )
    if not 1 <= values.shape[0] <= MAX_DIMENSIONS:
        raise ValueError(f"a vector needs 1..{MAX_DIMENSIONS} values, got {values.shape[0]}")
    return _HEADER.pack(values.shape[0], 0) + values.tobytes()


def decode_vector(data: bytes) -> npt.NDArray[np.float32]:
    dimensions, _unused = _HEADER.unpack_from(data)
    values = np.frombuffer(data, dtype=">f4", count=dimensions, offset=_HEADER.size)
    return values.astype(np.float32)


async def register_vector_codec(conn: asyncpg.Connection) -> bool:
    """Register the codec if the `vector` extension is installed; False when it is not."""
    schema = await conn.fetchval(
        "SELECT n.nspname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace "
        "WHERE t.typname = 'vector' LIMIT 1"
    )
    if schema is None:
        return False
    await conn.set_type_codec(
        "vector", schema=schema, encoder=encode_vector, decoder=decode_vector, format="binary"
    )
    return True
