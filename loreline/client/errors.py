"""What the client raises."""

from __future__ import annotations

from typing import Any


class StorytellerError(Exception):
    """The API answered with an error (`status`, machine-readable `code`, `message`)."""

    def __init__(self, status: int, code: str, message: str, details: Any = None) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.details = details


class StorytellerUnavailableError(StorytellerError):
    """Every attempt failed with a 5xx or a connection error."""
