"""POST /v1/kb/search: hybrid lore search."""

from __future__ import annotations

from fastapi import APIRouter

from serving.api.dependencies import Caller, Embedder, Pool, forbidden
from serving.api.schemas.errors import error_responses
from serving.api.schemas.knowledge import (
    KnowledgeHit,
    KnowledgeSearchRequest,
    KnowledgeSearchResponse,
    LoreDocumentRef,
)
from serving.queries.knowledge import search_lore
from serving.security.scope import WorldForbiddenError

router = APIRouter(prefix="/v1/kb", tags=["knowledge"])


@router.post(
    "/search",
    response_model=KnowledgeSearchResponse,
    summary="Hybrid (vector + full-text) search of lore chunks",
    responses=error_responses(401, 403, 413, 422),
)
async def search(
    body: KnowledgeSearchRequest, caller: Caller, pool: Pool, embedder: Embedder
) -> KnowledgeSearchResponse:
    try:
        scope = caller.lore_scope(
            None if body.scope == "global" else body.world_id,
            include_global=body.scope == "both",
        )
    except WorldForbiddenError as exc:
        raise forbidden(exc) from exc
    vector = await embedder.embed(body.query) if body.mode != "text" else None
    hits = await search_lore(
        pool,
        scope,
        vector,
        body.query,
        k=body.k,
        doc_types=body.doc_types,
        entity=body.entity,
        mode=body.mode,
    )
    return KnowledgeSearchResponse(
        query=body.query,
        scope=body.scope,
        world_id=body.world_id if body.scope != "global" else None,
        hits=[
            KnowledgeHit(
                citation_id=hit.citation_id,
                chunk_id=hit.chunk_id,
                text=hit.text,
                heading_path=hit.heading_path,
                document=LoreDocumentRef(
                    title=hit.title,
                    path=hit.document_path,
                    doc_type=hit.doc_type,
                    world_id=hit.world_id,
                ),
                score=hit.score,
                similarity=hit.similarity,
                vector_rank=hit.vector_rank,
                text_rank=hit.text_rank,
            )
            for hit in hits
        ],
    )
