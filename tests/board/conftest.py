"""Fixtures for the Saeol connector: the real Saeol simulator on a free loopback port, the app's settings
pointed at it, feeds, and a sync pass run as the worker runs it."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from core.board import sync
from core.models.board import BoardFeed
from extensions import db
from lettering_worker.simulators.saeol import SaeolConfig, SaeolState, serve_saeol
from tests.push.conftest import browser_subscription, push_service, subscribed  # noqa: F401  (end-to-end test)


class Saeol:
    """A running Saeol simulator, driven over HTTP as an outside harness would."""

    def __init__(self, token: str) -> None:
        self.state = SaeolState(SaeolConfig(token=token, live_seconds=0))
        self.server = serve_saeol(self.state, "127.0.0.1", 0)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.feed_url = f"{self.url}/saeol/feed"
        self.files_url = f"{self.url}/saeol/files"

    def rss_url(self, board: str) -> str:
        return f"{self.url}/saeol/rss/{board}"

    def post(self, **fields: Any) -> dict:
        answer = httpx.post(f"{self.url}/_sim/posts", json=fields, timeout=30)
        answer.raise_for_status()
        return answer.json()

    def configure(self, **changes: Any) -> None:
        httpx.post(f"{self.url}/_sim/config", json=changes, timeout=10).raise_for_status()

    def requests(self, path: str | None = None) -> list[dict]:
        items = httpx.get(f"{self.url}/_sim/requests", timeout=10).json()["requests"]
        return [r for r in items if path is None or r["path"] == path]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def saeol(app) -> Iterator[Saeol]:
    simulator = Saeol(app.config["SAEOL_TOKEN"])
    yield simulator
    simulator.close()


@pytest.fixture
def board_settings(app, saeol) -> dict:
    """The app's settings pointed at the simulator (shared with the app, so the console and CLI see them)."""
    app.config.update(SAEOL_FEED_URL=saeol.feed_url, SAEOL_FILES_URL=saeol.files_url, SAEOL_TIMEOUT_SECONDS=3)
    return app.config


@pytest.fixture
def make_feed(app) -> Callable[..., BoardFeed]:
    def factory(name: str = "새올", kind: str = "json", url: str = "", **fields: Any) -> BoardFeed:
        feed = BoardFeed(name=name, kind=kind, url=url, **fields)
        db.session.add(feed)
        db.session.commit()
        return feed
    return factory


@pytest.fixture
def run_pass(board_settings) -> Iterator[Callable[[BoardFeed], sync.PassReport]]:
    """One pass of a feed with the worker's client, in the test's session."""
    client = sync.build_client(board_settings)

    def run(feed: BoardFeed) -> sync.PassReport:
        return sync.sync_feed(db.session, feed.id, board_settings, client)

    yield run
    client.close()
