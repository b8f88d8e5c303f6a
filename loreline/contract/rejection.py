"""Why an event, or a whole Kafka record, was not accepted."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class RejectionKind(StrEnum):
    """The class of failure; a dead-letter consumer can route on it."""

    DECODE = "decode"
    """The record is not decodable in its content type, is not a batch object, or the content type
    is missing or unknown. `index` is None and `raw` is the whole record."""
    VALIDATION = "validation"
    """An event breaks the contract; `field` names the offending path, e.g. `payload.step`."""
    UNKNOWN_TYPE = "unknown_type"
    """An event's `type` is not one this consumer knows (a newer producer, or a typo)."""
    SCHEMA_VERSION = "schema_version"
    """An event (or the batch framing) is newer than this consumer reads: upgrade the consumer."""


@dataclass(frozen=True, slots=True)
class Rejection:
    """One rejected event (`index` = its position in the batch) or a rejected record (`index` None).

    `raw` is the rejected event re-encoded in the record's encoding (best effort, may be empty), or
    the whole record for record-level rejections, so it can be dead-lettered and replayed.
    """

    index: int | None
    kind: RejectionKind
    reason: str
    field: str | None
    raw: bytes

    def describe(self) -> str:
        """One line for logs: `event 3 validation (payload.step): ...`."""
        where = "record" if self.index is None else f"event {self.index}"
        at = f" ({self.field})" if self.field else ""
        return f"{where} {self.kind}{at}: {self.reason}"


class EventRejectedError(ValueError):
    """Raised by the single-event helpers; carries the `Rejection`."""

    def __init__(self, rejection: Rejection) -> None:
        super().__init__(rejection.describe())
        self.rejection = rejection
