"""The prompt's context: items with citation ids gathered from lore, world state, NPC memory and
history (`sources`), then fitted into a token budget (`budget`)."""

from serving.storyteller.context.budget import FittedContext, fit_context
from serving.storyteller.context.items import ContextItem, ContextKind

__all__ = ["ContextItem", "ContextKind", "FittedContext", "fit_context"]
