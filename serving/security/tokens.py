"""The API key format and its hashing.

A key reads `lk_<key_id>_<secret>`: `key_id` is 12 lowercase hex characters (public, the lookup
key), `secret` 43 url-safe base64 characters (32 random bytes). The database keeps only
`sha256(salt || secret)` with a random 16-byte salt per key; checks compare in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

PREFIX = "lk_"
_TOKEN = re.compile(r"^lk_(?P<key_id>[0-9a-f]{12})_(?P<secret>[A-Za-z0-9_-]{43})$")


@dataclass(frozen=True, slots=True)
class IssuedToken:
    key_id: str
    token: str
    salt: bytes
    secret_hash: bytes


@dataclass(frozen=True, slots=True)
class ParsedToken:
    key_id: str
    secret: str


def hash_secret(salt: bytes, secret: str) -> bytes:
    return hashlib.sha256(salt + secret.encode("ascii")).digest()


def issue_token() -> IssuedToken:
    key_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    salt = secrets.token_bytes(16)
    return IssuedToken(key_id, f"{PREFIX}{key_id}_{secret}", salt, hash_secret(salt, secret))


def parse_token(token: str) -> ParsedToken | None:
    match = _TOKEN.match(token)
    if match is None:
        return None
    return ParsedToken(match.group("key_id"), match.group("secret"))


def secret_matches(parsed: ParsedToken, salt: bytes, secret_hash: bytes) -> bool:
    return hmac.compare_digest(hash_secret(salt, parsed.secret), secret_hash)
