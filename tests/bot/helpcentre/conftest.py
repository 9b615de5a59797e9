"""The help centre on a real app: a small KB in a temporary folder, a migrated SQLite database."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import sessionmaker

from bot.db import migrate
from bot.settings import load_settings
from bot.web.app import create_app
from tests.bot.kb.kb_articles import write_article, write_demo_kb

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


@pytest.fixture(scope="session")
def shared_index_cache(tmp_path_factory) -> Path:
    """Every test's KB is the same files: fit their indexes once."""
    return tmp_path_factory.mktemp("help-index-cache")


@pytest.fixture
def help_site(settings_env: dict, tmp_path: Path, shared_index_cache: Path) -> Iterator[HelpSite]:
    kb_dir = write_demo_kb(tmp_path / "kb")
    write_article(kb_dir / "en", "return-guide", "Return an item step by step", "en",
                  ["how do I return an item", "send something back", "return label", "make a return",
                   "I want to return my order"], GUIDE_BODY, kind="guide")
    settings = load_settings({
        **settings_env, "KB_DIR": str(kb_dir), "KB_EMBEDDING_MODEL": "", "KB_INDEX_CACHE_DIR": str(shared_index_cache),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'help.db'}", "EMAIL_FROM": "Acme Support <support@acme.example>",
    })
    migrate(settings)
    app = create_app(settings)
    yield HelpSite(TestClient(app), app.state.session_factory, kb_dir)  # no lifespan: no background loops
    app.state.engine.dispose()
