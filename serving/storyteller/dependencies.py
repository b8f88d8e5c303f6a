"""The storyteller's FastAPI dependency: its resources, opened in the API's lifespan and held on
`ApiResources.storyteller`."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from serving.api.dependencies import Resources
from serving.api.errors import ApiError
from serving.storyteller.resources import StorytellerResources


def get_storyteller(resources: Resources) -> StorytellerResources:
    storyteller: StorytellerResources | None = getattr(resources, "storyteller", None)
    if storyteller is None:
        raise ApiError(
            503, "storyteller_unavailable", "text generation is not configured in this API"
        )
    return storyteller


Storyteller = Annotated[StorytellerResources, Depends(get_storyteller)]
