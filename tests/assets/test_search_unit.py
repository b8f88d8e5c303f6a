from __future__ import annotations

import pytest

from loreline.knowledge import search

pytestmark = pytest.mark.unit


def test_scope_worlds() -> None:
    assert search.scope_worlds("global", None) == ["global"]
    assert search.scope_worlds("world", "saltmarch") == ["saltmarch"]
    assert search.scope_worlds("both", "saltmarch") == ["saltmarch", "global"]
    with pytest.raises(ValueError):
        search.scope_worlds("world", None)
    with pytest.raises(ValueError):
        search.scope_worlds("both", "")


def test_world_filter_is_in_every_branch_of_the_sql() -> None:
    # the vector branch, the text branch and the final select all filter on the world ids
    assert search.LORE_SEARCH_SQL.count("world_id = ANY($3::text[])") == 3
    assert search.HISTORY_SEARCH_SQL.count("world_id = $3::text") == 3


@pytest.mark.asyncio(loop_scope="session")
async def test_modes_validate_arguments() -> None:
    with pytest.raises(ValueError):
        await search.hybrid_search(None, None, "q", scope="global", world_id=None, k=3)
    with pytest.raises(ValueError):
        await search.hybrid_search(None, [0.0] * 384, "q", scope="world", world_id=None, k=3)
    assert await search.hybrid_search(None, None, "q", scope="global", world_id=None, k=0) == []
