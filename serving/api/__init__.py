"""The storyteller query API (FastAPI): `create_app(settings)`; run with `uvicorn --factory`."""

from serving.api.app import create_app
from serving.api.settings import ApiSettings

__all__ = ["ApiSettings", "create_app"]
