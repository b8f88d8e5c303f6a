from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from serving.api.schemas.fields import Text, WorldIdField

RoleName = Literal["read", "ingest", "admin"]


class KeyCreateRequest(BaseModel):
    worlds: list[WorldIdField] = Field(min_length=1, max_length=100)
    roles: list[RoleName] = Field(min_length=1, max_length=3)
    label: Text | None = Field(default=None, max_length=200)


class KeyInfo(BaseModel):
    key_id: str
    worlds: list[str]
    roles: list[str]
    label: str | None = None
    created_at: datetime
    revoked_at: datetime | None = None


class KeyCreated(KeyInfo):
    api_key: str = Field(description="the secret `lk_...`; shown only in this response")


class KeyList(BaseModel):
    keys: list[KeyInfo]
