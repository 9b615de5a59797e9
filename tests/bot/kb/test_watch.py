"""The ``make run`` KB watch: feedback on every edit, from the files alone, without the search engine."""
import logging
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from bot.kb.watch import check_kb, watch_kb
from bot.settings import PROJECT_ROOT
from tests.bot.kb.kb_articles import write_article


@pytest.fixture
def kb_settings(settings, tmp_path: Path):
    write_article(tmp_path / "kb" / "en", "track-order", "Track your order", "en", ["where is my order"])
    write_article(tmp_path / "kb" / "cs", "track-order-cs", "Sledování objednávky", "cs", ["kde je moje objednávka"])
    return settings.model_copy(update={"kb_dir": tmp_path / "kb"})


def _wait_for(text: str, caplog, timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while text not in caplog.text:
        assert time.monotonic() < deadline, f"{text!r} never logged; the log: {caplog.text}"
        time.sleep(0.02)


def test_a_check_counts_the_articles_per_language(kb_settings):
    report = check_kb(kb_settings)
    assert (report.ok, report.counts) == (True, {"cs": 1, "en": 1})


def test_the_watch_names_a_broken_file_and_then_its_fix(kb_settings, caplog):
    stop = threading.Event()
    broken = kb_settings.kb_dir / "en" / "broken.md"
    with caplog.at_level(logging.INFO, logger="effortless.kb"):
        thread = threading.Thread(target=watch_kb, args=(kb_settings, stop, 0.02))
        thread.start()
        try:
            _wait_for("KB reloaded: 2 articles (cs 1, en 1)", caplog)
            broken.write_text("---\nid: [unclosed\n---\nbody\n", encoding="utf-8")
            _wait_for("KB not reloaded, the previous version keeps serving", caplog)
            broken.unlink()
            write_article(kb_settings.kb_dir / "en", "gift-cards", "Gift cards", "en", ["gift card"])
            _wait_for("KB reloaded: 3 articles (cs 1, en 2)", caplog)
        finally:
            stop.set()
            thread.join(timeout=10)
    error = next(r for r in caplog.records if r.levelno == logging.ERROR)
    assert "broken.md" in error.getMessage()
    assert not thread.is_alive()


def test_the_supervisor_and_its_watch_import_no_search_engine_and_no_model():
    """``make run``'s own process holds no index: the heavy modules are never imported there."""
    heavy = ["numpy", "onnxruntime", "tokenizers", "bot.kb.search", "bot.kb.embeddings", "bot.kb.store"]
    code = ("import sys, bot.stack.cli, bot.kb.watch; "
            f"print([m for m in {heavy!r} if m in sys.modules])")
    result = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True,
                            env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}, check=True)
    assert result.stdout.strip() == "[]", result.stdout
