"""The Dagster UI, for real: webserver on Postgres storage, opened in headless Chromium.

Needs Debian's chromium (`apt-get install -y chromium`); saves test-artifacts/dagster-asset-graph.png.
"""

from __future__ import annotations

import json
import shutil
import urllib.request
from pathlib import Path

import pytest

from loreline.state import StateLayout
from pipelines.runtime import start_dagster, stop_dagster

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.slow]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ASSET_NAMES = [
    "lore_documents",
    "lore_chunks",
    "lore_embeddings",
    "entities",
    "narrative_history",
    "world_state_snapshot",
]


def _graphql(url: str, query: str) -> dict:
    req = urllib.request.Request(
        f"{url}/graphql",
        data=json.dumps({"query": query}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read())


def test_asset_graph_in_the_ui(database_url: str, tmp_path: Path, repo_root: Path) -> None:
    if not Path(CHROMIUM).exists() and shutil.which("chromium") is None:
        pytest.fail("chromium is missing: apt-get update && apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    layout = StateLayout.under(tmp_path / "home").ensure()
    components = start_dagster(layout, database_url, daemon=False, timeout=300)
    try:
        url = components[0].url
        assert url is not None
        nodes = _graphql(url, "{ assetNodes { assetKey { path } } }")["data"]["assetNodes"]
        assert {n["assetKey"]["path"][0] for n in nodes} >= set(ASSET_NAMES)
        instance = _graphql(url, "{ instance { info } }")["data"]["instance"]["info"]
        assert "PostgresRunStorage" in instance

        artifacts = repo_root / "test-artifacts"
        artifacts.mkdir(exist_ok=True)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                page = browser.new_page(viewport={"width": 1700, "height": 1300})
                page.goto(f"{url}/asset-groups", wait_until="networkidle", timeout=120_000)
                # the global lineage shows the three groups collapsed: expand all (the UI's own
                # shortcut, Alt+E, remembered in local storage) and reload so the graph is fitted
                for group in ("knowledge_base", "world_state", "lake"):
                    page.get_by_text(group, exact=True).filter(visible=True).first.wait_for(
                        timeout=120_000
                    )
                page.mouse.click(1200, 900)
                page.keyboard.press("Alt+KeyE")
                page.get_by_text("lore_documents", exact=True).filter(visible=True).first.wait_for(
                    timeout=60_000
                )
                page.reload(wait_until="networkidle", timeout=120_000)
                for name in ASSET_NAMES:
                    page.get_by_text(name, exact=True).filter(visible=True).first.wait_for(
                        timeout=120_000
                    )
                page.get_by_text("Hide navigation").click()  # more room for the graph
                page.wait_for_timeout(500)
                page.reload(wait_until="networkidle", timeout=120_000)
                page.get_by_text("world_state_snapshot", exact=True).filter(
                    visible=True
                ).first.wait_for(timeout=120_000)
                page.wait_for_timeout(5000)  # let the graph finish laying out and loading
                page.screenshot(path=str(artifacts / "dagster-asset-graph.png"), full_page=True)
                body = page.inner_text("body")
            finally:
                browser.close()
        for name in ASSET_NAMES:
            assert name in body
    finally:
        stop_dagster(components)
