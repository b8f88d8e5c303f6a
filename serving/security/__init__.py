"""API keys, roles and world scopes: who may read or write which world."""

from serving.security.keys import create_api_key, list_api_keys, revoke_api_key
from serving.security.scope import Principal, Role, WorldForbiddenError, WorldScope

__all__ = [
    "Principal",
    "Role",
    "WorldForbiddenError",
    "WorldScope",
    "create_api_key",
    "list_api_keys",
    "revoke_api_key",
]
