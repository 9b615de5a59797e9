"""Session fixtures: the demo KB (written to a temp folder) and its index, built once."""
from pathlib import Path

import pytest

from bot.kb.loader import load_articles
from bot.kb.search import KnowledgeBase
from tests.bot.kb.kb_articles import write_demo_kb


@pytest.fixture(scope="session")
def demo_kb_dir(tmp_path_factory) -> Path:
    return write_demo_kb(tmp_path_factory.mktemp("kb"))


@pytest.fixture(scope="session")
def demo_kb(demo_kb_dir) -> KnowledgeBase:
    return KnowledgeBase.build(load_articles(demo_kb_dir))
