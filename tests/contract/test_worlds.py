"""World id helpers."""

from __future__ import annotations

import pytest

from loreline.contract import GLOBAL_WORLD, is_valid_world_id, validate_world_id

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("value", ["saltmarch", GLOBAL_WORLD, "0", "a_b-c", "a" * 64])
def test_valid_world_ids(value: str) -> None:
    assert is_valid_world_id(value)
    assert validate_world_id(value) == value


@pytest.mark.parametrize("value", ["", "_a", "A", "a" * 65, "a b", "a\n", None, 3])
def test_invalid_world_ids_raise_naming_the_field(value: object) -> None:
    assert not is_valid_world_id(value)
    with pytest.raises(ValueError, match=r"^world "):
        validate_world_id(value, field="world")
