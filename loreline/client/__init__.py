"""Typed async client of the storyteller query API (`StorytellerClient`)."""

from loreline.client.client import StorytellerClient
from loreline.client.errors import StorytellerError, StorytellerUnavailableError

__all__ = ["StorytellerClient", "StorytellerError", "StorytellerUnavailableError"]
