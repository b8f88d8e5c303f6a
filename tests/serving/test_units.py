"""Unit tests of the API's pure parts: tokens, scopes, cursors, scoring, importance, texts,
settings, and the query embedder's batching (with the real model)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from uuid import uuid4

import numpy as np
import pytest

from loreline.knowledge import Embedder
from serving.api import create_app
from serving.api.cursor import InvalidCursorError, decode_cursor, encode_cursor
from serving.api.lifespan import with_statement_timeout
from serving.embedding import QueryEmbedder
from serving.memory.importance import importance
from serving.memory.observations import observation_text, participation
from serving.memory.scoring import Weights, cosine, min_max, recency, score
from serving.queries.history import Position
from serving.security import Principal, Role, WorldForbiddenError, create_api_key
from serving.security.tokens import issue_token, parse_token, secret_matches
from tests.serving.conftest import api_settings

pytestmark = pytest.mark.unit


def test_tokens_parse_and_verify_in_constant_time() -> None:
    issued = issue_token()
    parsed = parse_token(issued.token)
    assert parsed is not None and parsed.key_id == issued.key_id
    assert secret_matches(parsed, issued.salt, issued.secret_hash)
    other = issue_token()
    assert not secret_matches(parsed, other.salt, other.secret_hash)
    for bad in ("", "lk_", "Bearer x", issued.token + "x", issued.token.replace("lk_", "sk_")):
        assert parse_token(bad) is None


def test_principal_scopes_check_world_and_role() -> None:
    caller = Principal("k", frozenset({"alpha"}), frozenset({Role.READ}))
    scope = caller.scope_for("alpha")
    assert scope.world_id == "alpha" and scope.lore_worlds == ("alpha",)
    with pytest.raises(WorldForbiddenError) as world:
        caller.scope_for("beta")
    assert not world.value.missing_role
    with pytest.raises(WorldForbiddenError) as role:
        caller.scope_for("alpha", Role.INGEST)
    assert role.value.missing_role
    assert caller.lore_scope("alpha", include_global=True).lore_worlds == ("alpha", "global")
    assert caller.lore_scope(None, include_global=False).lore_worlds == ("global",)
    with pytest.raises(WorldForbiddenError):
        caller.lore_scope("beta", include_global=True)
    ingest_only = Principal("k", frozenset({"alpha"}), frozenset({Role.INGEST}))
    with pytest.raises(WorldForbiddenError):
        ingest_only.lore_scope(None, include_global=False)


def test_create_api_key_refuses_bad_worlds_and_roles() -> None:
    with pytest.raises(ValueError, match="world"):
        asyncio.run(create_api_key(None, ["Not A World"], ["read"]))
    with pytest.raises(ValueError, match="role"):
        asyncio.run(create_api_key(None, ["alpha"], ["superuser"]))
    with pytest.raises(ValueError, match="at least one world"):
        asyncio.run(create_api_key(None, [], ["read"]))


def test_cursors_round_trip_and_reject_tampering() -> None:
    position = Position(datetime(2024, 1, 2, 3, 4, 5, 678, tzinfo=UTC), uuid4())
    cursor = encode_cursor(position, "asc")
    assert decode_cursor(cursor, "asc") == position
    with pytest.raises(InvalidCursorError):
        decode_cursor(cursor, "desc")
    for bad in ("", "!!!", "e30", cursor[:-3]):
        with pytest.raises(InvalidCursorError):
            decode_cursor(bad, "asc")


def test_min_max_and_recency_do_not_underflow() -> None:
    assert min_max(np.array([2.0, 4.0, 3.0])).tolist() == [0.0, 1.0, 0.5]
    assert min_max(np.array([5.0, 5.0])).tolist() == [1.0, 1.0]
    hours = np.array([1e6, 1e6 + 1, 1e6 + 10])  # a century-old world
    values = recency(hours, 0.995)
    assert values[0] == 1.0 and values[1] == pytest.approx(0.995) and np.all(values > 0)
    assert min_max(values).tolist()[0] == 1.0


def test_score_weights_components_and_favours_recent() -> None:
    hours = np.array([1.0, 50.0, 100.0])
    imp = np.array([0.3, 0.3, 0.3])
    sim = np.array([0.2, 0.2, 0.9])
    scores = score(hours, imp, sim, Weights(1.0, 1.0, 1.0), 0.995)
    assert scores.recency.tolist()[0] == 1.0 and scores.recency.tolist()[2] == 0.0
    assert scores.importance.tolist() == [1.0, 1.0, 1.0]
    np.testing.assert_allclose(scores.total, scores.recency + scores.importance + scores.relevance)
    no_query = score(hours, imp, None, Weights(1.0, 1.0, 5.0), 0.995)
    assert no_query.relevance.tolist() == [0.0, 0.0, 0.0]
    assert int(np.argmax(no_query.total)) == 0


def test_cosine_matches_numpy() -> None:
    rng = np.random.default_rng(1)
    rows = rng.normal(size=(5, 8)).astype(np.float32)
    query = rng.normal(size=8).astype(np.float32)
    expected = rows @ query / (np.linalg.norm(rows, axis=1) * np.linalg.norm(query))
    np.testing.assert_allclose(cosine(query, rows), expected, rtol=1e-5)


def test_importance_grows_with_magnitude_and_involvement() -> None:
    small = importance("npc.relationship_changed", {"delta": 1}, "subject")
    large = importance("npc.relationship_changed", {"delta": -60}, "subject")
    assert 0 <= small < large <= 1
    assert importance("quest.completed", {}, "actor") > importance("player.moved", {}, "actor")
    assert importance("dialogue.line", {"text": "hi"}, "witness") < importance(
        "dialogue.line", {"text": "hi"}, "listener"
    )
    assert importance("something.new", {}, "actor") == pytest.approx(0.2)


def test_observation_texts_and_participation() -> None:
    text = observation_text(
        "dialogue.line", "p1", {"speaker": "p1", "text": "Hello", "listeners": ["maud", "osric"]}
    )
    assert text == 'p1 said to maud, osric: "Hello"'
    assert "cooled towards p1 (-5)" in observation_text(
        "npc.relationship_changed", None, {"npc_id": "maud", "player_id": "p1", "delta": -5}
    )
    assert observation_text("mystery.event", "x", {"b": 1, "a": 2}) == "x: mystery.event a 2, b 1"
    assert participation("maud", "p1", {"listeners": ["maud"]}) == "listener"
    assert participation("maud", "maud", {"npc_id": "maud"}) == "actor"
    assert participation("maud", "p1", {}) == "witness"


def test_statement_timeout_goes_into_the_dsn_once() -> None:
    dsn = with_statement_timeout("postgresql://u@h:5/db?sslmode=disable", 5000)
    assert dsn == "postgresql://u@h:5/db?sslmode=disable&statement_timeout=5000"
    assert with_statement_timeout(dsn, 10) == dsn


def test_create_app_reads_no_environment_until_called(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@h/env-db")
    monkeypatch.setenv("LORELINE_API_MAX_BODY_BYTES", "2048")
    app = create_app()
    assert app.state.settings.database_url == "postgresql://u@h/env-db"
    assert app.state.settings.max_body_bytes == 2048
    explicit = create_app(api_settings("postgresql://u@h/explicit"))
    assert explicit.state.settings.database_url == "postgresql://u@h/explicit"


@pytest.mark.slow
@pytest.mark.asyncio(loop_scope="session")
async def test_query_embedder_batches_concurrent_requests_and_caches(embedder: Embedder) -> None:
    service = QueryEmbedder(embedder, cache_size=8, max_batch=16)
    await service.start(warm=False)
    try:
        texts = [f"where does keeper {i} live" for i in range(12)]
        vectors = await asyncio.gather(*(service.embed(t) for t in texts))
        assert service.batches < len(texts)
        expected = embedder.encode(texts)
        np.testing.assert_allclose(np.stack(vectors), expected, atol=1e-5)
        hits = service.cache_hits
        await service.embed(texts[-1])
        assert service.cache_hits == hits + 1
    finally:
        await service.stop()
