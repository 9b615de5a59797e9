"""The help centre on a real app: a small KB in a temporary folder, a migrated SQLite database, and a
real action server (started once, on the same KB content) answering its searches."""
from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import sessionmaker

from bot.db import migrate
from bot.settings import load_settings
from bot.stack.supervisor import Service, free_port
from bot.web.app import create_app
from tests.bot.kb.kb_articles import write_article, write_demo_kb
from tests.helpers.action_server import running_action_server

GUIDE_BODY = """Before you start, have your **order number** ready.

1. Open [your orders](/help/en/track-order).
2. Select **Return** next to the item.
3. Print the label.

<script>alert("owned")</script> and <b>bold?</b>

Never click [this](javascript:alert(1)) or [that](data:text/html,hi) but [our shop](https://shop.example) is fine.
"""


@dataclass
class HelpSite:
    client: TestClient
    sessions: sessionmaker
    kb_dir: Path


ACTION_SERVER_TOKEN = "help-centre-test-token-0123"


def write_help_kb(folder: Path) -> Path:
    kb_dir = write_demo_kb(folder)
    write_article(kb_dir / "en", "return-guide", "Return an item step by step", "en",
                  ["how do I return an item", "send something back", "return label", "make a return",
                   "I want to return my order"], GUIDE_BODY, kind="guide")
    return kb_dir


@pytest.fixture(scope="session")
def search_server(tmp_path_factory) -> Iterator[Service]:
    """The action server the help centre searches on, as the stack starts it; its KB is the same files
    every ``help_site`` writes."""
    base = tmp_path_factory.mktemp("search-server")
    env = {**os.environ, "EFFORTLESS_VAR_DIR": str(base / "var"), "LOG_LEVEL": "WARNING",
           "ACTION_PORT": str(free_port()), "KB_DIR": str(write_help_kb(base / "kb")), "KB_EMBEDDING_MODEL": "",
           "ACTION_SERVER_TOKEN": ACTION_SERVER_TOKEN}
    with running_action_server(env, ACTION_SERVER_TOKEN, ready_timeout_s=180) as actions:
        yield actions


@pytest.fixture
def help_site(settings_env: dict, tmp_path: Path, search_server: Service) -> Iterator[HelpSite]:
    kb_dir = write_help_kb(tmp_path / "kb")
    settings = load_settings({
        **settings_env, "KB_DIR": str(kb_dir), "KB_EMBEDDING_MODEL": "",
        "ACTION_SERVER_URL": f"{search_server.url}/webhook", "ACTION_SERVER_TOKEN": ACTION_SERVER_TOKEN,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'help.db'}", "EMAIL_FROM": "Acme Support <support@acme.example>",
    })
    migrate(settings)
    app = create_app(settings)
    yield HelpSite(TestClient(app), app.state.session_factory, kb_dir)  # no lifespan: no background loops
    app.state.help_centre.search_threads.stop()
    app.state.engine.dispose()
