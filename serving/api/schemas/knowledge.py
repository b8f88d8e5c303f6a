from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, model_validator

from serving.api.schemas.fields import DocType, EntityId, QueryText, TopK, WorldIdField


class KnowledgeSearchRequest(BaseModel):
    query: QueryText
    scope: Literal["global", "world", "both"] = Field(
        default="both", description="global lore, the world's lore, or both"
    )
    world_id: WorldIdField | None = Field(default=None, description="required unless scope=global")
    k: TopK = 8
    doc_types: list[DocType] | None = Field(default=None, max_length=20)
    entity: EntityId | None = None
    mode: Literal["hybrid", "vector", "text"] = "hybrid"

    @model_validator(mode="after")
    def _world_when_needed(self) -> KnowledgeSearchRequest:
        if self.scope != "global" and self.world_id is None:
            raise ValueError(f"scope {self.scope!r} needs a world_id")
        return self


class LoreDocumentRef(BaseModel):
    title: str
    path: str
    doc_type: str
    world_id: str


class KnowledgeHit(BaseModel):
    citation_id: str = Field(description="stable id to cite: '<world>/<doc-slug>#chunk-<n>'")
    chunk_id: int
    text: str
    heading_path: list[str]
    document: LoreDocumentRef
    score: float
    similarity: float | None = None
    vector_rank: int | None = None
    text_rank: int | None = None


class KnowledgeSearchResponse(BaseModel):
    query: str
    scope: str
    world_id: str | None
    hits: list[KnowledgeHit]
