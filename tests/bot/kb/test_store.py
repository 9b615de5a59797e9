"""Hot reload: edits are served without a restart; a broken edit keeps the previous index serving."""
import logging
import os
import threading
import time
from pathlib import Path

import pytest

from bot.kb.store import KnowledgeBaseStore, kb_fingerprint, reload_stamp_path
from bot.kb.watch import watch_kb
from bot.settings import DEFAULT_EMBEDDING_MODEL
from tests.bot.kb.kb_articles import DEMO_ARTICLES, write_article

SMALL_KB = {"reset-password", "track-order", "cancel-order", "refund-status", "reset-password-cs"}


@pytest.fixture
def kb_settings(settings, tmp_path: Path):
    """A smaller KB than the demo one: hot reload is about files, and every test rebuilds several times."""
    for article_id, title, language, questions, body in DEMO_ARTICLES:
        if article_id in SMALL_KB:
            write_article(tmp_path / "kb" / language, article_id, title, language, questions, body)
    return settings.model_copy(update={"kb_dir": tmp_path / "kb"})


def _touch_later(path: Path) -> None:
    """Make sure the modification time differs even on coarse-grained file systems."""
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 2_000_000_000))


def test_the_index_is_built_lazily_on_first_use(kb_settings):
    store = KnowledgeBaseStore(kb_settings, check_interval_s=0)
    assert store.last_report is None
    assert store.current().search("where is my order", "en").top.article_id == "track-order"
    assert store.last_report.ok and store.last_report.articles == 5


def test_a_search_of_the_store_answers_from_the_index_it_returns(kb_settings):
    """The store gives the index it searched with the result, so the action shows the chosen article from it."""
    store = KnowledgeBaseStore(kb_settings, check_interval_s=0)
    knowledge_base, result = store.search("where is my order", "en")
    assert knowledge_base is store.current()
    assert result.decision == "answer" and knowledge_base.article(result.top.article_id).title == "Where is my order?"


def test_an_edited_article_is_served_without_a_restart(kb_settings):
    store = KnowledgeBaseStore(kb_settings, check_interval_s=0)
    before = store.current()
    path = write_article(
        kb_settings.kb_dir / "en", "gift-cards", "Gift cards", "en",
        ["can I buy a gift card", "gift voucher", "redeem my gift card", "how do gift cards work", "present card"],
    )
    _touch_later(path)
    after = store.current()
    assert after is not before
    assert after.search("how do I redeem a gift card", "en").top.article_id == "gift-cards"
    assert store.current() is after  # nothing changed since: no rebuild


def test_a_broken_edit_is_reported_and_the_previous_index_keeps_serving(kb_settings, caplog):
    store = KnowledgeBaseStore(kb_settings, check_interval_s=0)
    good = store.current()
    broken = kb_settings.kb_dir / "en" / "track-order.md"
    broken.write_text("---\nid: track-order\ntitle: [oops\n---\nbody\n", encoding="utf-8")
    _touch_later(broken)
    with caplog.at_level(logging.ERROR, logger="effortless.kb"):
        assert store.current() is good
    assert str(broken) in caplog.text and "not valid YAML" in caplog.text
    assert not store.last_report.ok
    assert good.search("where is my order", "en").top.article_id == "track-order"
    write_article(kb_settings.kb_dir / "en", "track-order", "Where is my parcel?", "en", ["where is my parcel"],
                  filename="track-order.md")
    _touch_later(broken)
    assert store.current().article("track-order").title == "Where is my parcel?"


def test_the_index_comes_with_the_fingerprint_of_the_files_it_was_built_from(kb_settings):
    store = KnowledgeBaseStore(kb_settings, check_interval_s=0)
    first, built_from = store.current_with_source()
    assert built_from == kb_fingerprint(kb_settings)
    broken = kb_settings.kb_dir / "en" / "track-order.md"
    broken.write_text("---\nid: track-order\ntitle: [oops\n---\nbody\n", encoding="utf-8")
    _touch_later(broken)
    assert store.current_with_source() == (first, built_from)  # the previous index, with its own files
    write_article(kb_settings.kb_dir / "en", "track-order", "Where is my parcel?", "en", ["where is my parcel"],
                  filename="track-order.md")
    _touch_later(broken)
    fixed, fixed_from = store.current_with_source()
    assert fixed is not first and fixed_from == kb_fingerprint(kb_settings) != built_from


def test_changes_are_checked_at_most_every_interval(kb_settings):
    store = KnowledgeBaseStore(kb_settings, check_interval_s=3600)
    first = store.current()
    _touch_later(write_article(kb_settings.kb_dir / "en", "new", "New", "en", ["new thing"]))
    assert store.current() is first


def test_the_reload_stamp_triggers_a_rebuild(kb_settings):
    store = KnowledgeBaseStore(kb_settings, check_interval_s=0)
    first = store.current()
    stamp = reload_stamp_path(kb_settings)
    stamp.parent.mkdir(parents=True, exist_ok=True)
    stamp.write_text("1\n")
    assert store.current() is not first


def test_a_broken_kb_at_start_up_serves_an_empty_index(settings, tmp_path: Path):
    (tmp_path / "kb").mkdir()
    (tmp_path / "kb" / "bad.md").write_text("not an article")
    store = KnowledgeBaseStore(settings.model_copy(update={"kb_dir": tmp_path / "kb"}), check_interval_s=0)
    result = store.current().search("where is my order", "en")
    assert (result.decision, result.reason) == ("abstain", "the knowledge base is empty")
    assert "bad.md" in store.last_report.error


def test_concurrent_readers_always_get_a_complete_index(kb_settings, monkeypatch):
    """Readers keep searching while another reader rebuilds: each gets the old or the new index, complete."""
    import bot.kb.store as store_module

    store = KnowledgeBaseStore(kb_settings, check_interval_s=0)
    old = store.current()
    readers = 4
    all_reading = threading.Barrier(readers + 1)
    building, built = threading.Event(), threading.Event()
    reads_during_build = []  # indexes returned by calls that began and ended while the rebuild ran
    seen = [[] for _ in range(readers)]
    errors = []
    real_build = store_module.build_knowledge_base

    def slow_build(settings):
        """The rebuild finishes only after the other readers were answered while it ran (or 30 s)."""
        building.set()
        deadline = time.monotonic() + 30
        while len(reads_during_build) < readers - 1 and time.monotonic() < deadline:
            time.sleep(0.01)
        result = real_build(settings)
        built.set()
        return result

    def ask(reader: int) -> None:
        deadline = time.monotonic() + 60
        try:
            while time.monotonic() < deadline:
                during = building.is_set() and not built.is_set()
                index = store.current()
                if during and not built.is_set():
                    reads_during_build.append(index)
                seen[reader].append(index)
                assert index.search("where is my order", "en").top.article_id == "track-order"
                if len(seen[reader]) == 1:
                    all_reading.wait(30)
                if index is not old:
                    return
                time.sleep(0.002)  # leave the rebuilding thread some of the GIL
        except Exception as exc:  # collected and asserted below
            errors.append(exc)

    monkeypatch.setattr(store_module, "build_knowledge_base", slow_build)
    threads = [threading.Thread(target=ask, args=(reader,)) for reader in range(readers)]
    for thread in threads:
        thread.start()
    all_reading.wait(30)  # every reader has the old index before the edit
    _touch_later(write_article(kb_settings.kb_dir / "en", "gift-cards", "Gift cards", "en",
                               ["can I buy a gift card", "gift voucher", "redeem my gift card", "how do gift cards work"]))
    for thread in threads:
        thread.join(90)

    assert errors == []
    new = store.current()
    assert new is not old
    assert (old.article_counts(), new.article_counts()) == ({"cs": 1, "en": 4}, {"cs": 1, "en": 5})
    assert new.search("how do I redeem a gift card", "en").top.article_id == "gift-cards"
    assert len(reads_during_build) >= readers - 1  # the rebuild ran while the others kept reading...
    assert all(index is old for index in reads_during_build)  # ...and they got the complete old index
    for indexes in seen:  # each reader saw the old index, then the new one, and nothing else
        assert indexes[0] is old and indexes[-1] is new
        assert all(index is old for index in indexes[:-1])


def test_the_watch_logs_each_reload(kb_settings, caplog):
    stop = threading.Event()
    with caplog.at_level(logging.INFO, logger="effortless.kb"):
        thread = threading.Thread(target=watch_kb, args=(kb_settings, stop, 0.05))
        thread.start()
        try:
            deadline = time.monotonic() + 30
            while "KB reloaded: 5 articles" not in caplog.text and time.monotonic() < deadline:
                time.sleep(0.05)
            _touch_later(write_article(kb_settings.kb_dir / "cs", "x-cs", "Dárkové poukazy", "cs", ["dárkový poukaz"]))
            while "KB reloaded: 6 articles" not in caplog.text and time.monotonic() < deadline:
                time.sleep(0.05)
        finally:
            stop.set()
            thread.join(timeout=30)
    assert "KB reloaded: 6 articles (cs 2, en 4) in" in caplog.text
    assert not thread.is_alive()


def test_an_action_server_rebuilds_after_an_edit_without_making_the_question_wait(kb_settings, monkeypatch):
    import bot.kb.store as store_module

    store = KnowledgeBaseStore(kb_settings, check_interval_s=0, rebuild_in_background=True)
    before = store.current()
    build_may_finish = threading.Event()
    real_build = store_module.build_knowledge_base

    def slow_build(settings):
        assert build_may_finish.wait(30)
        return real_build(settings)

    monkeypatch.setattr(store_module, "build_knowledge_base", slow_build)
    _touch_later(write_article(kb_settings.kb_dir / "en", "gift-cards", "Gift cards", "en",
                               ["can I buy a gift card", "gift voucher", "redeem my gift card", "how do gift cards work"]))

    assert store.current() is before  # the build is still running: the question gets the previous index
    assert store.reload_thread is not None and store.reload_thread.is_alive()
    build_may_finish.set()
    store.reload_thread.join(30)
    after = store.current()
    assert after is not before
    assert after.search("how do I redeem a gift card", "en").top.article_id == "gift-cards"


def _fitting_here_fails(monkeypatch) -> None:
    """Fitting an index in this process raises: only a child process can have built what is served."""
    def no_fitting_here(self):
        raise AssertionError("the index was fitted in the serving process")

    monkeypatch.setattr("bot.kb.index_builder.IndexBuilder.build", no_fitting_here)


def test_a_server_fits_its_index_in_a_child_process_and_loads_the_result(kb_settings, tmp_path, monkeypatch):
    settings = kb_settings.model_copy(update={"kb_index_cache_dir": tmp_path / "index"})
    _fitting_here_fails(monkeypatch)
    store = KnowledgeBaseStore(settings, check_interval_s=0, build_in_child_process=True)
    assert store.current().search("where is my order", "en").top.article_id == "track-order"
    assert store.last_report.ok and list((tmp_path / "index").glob("*.pickle"))

    path = write_article(settings.kb_dir / "en", "gift-cards", "Gift cards", "en",
                         ["can I buy a gift card", "redeem my gift card", "how do gift cards work"])
    _touch_later(path)
    assert store.current().search("how do I redeem a gift card", "en").top.article_id == "gift-cards"


def test_the_child_process_builds_with_the_embedding_model_too_and_sends_nothing_back(kb_settings, tmp_path,
                                                                                      monkeypatch, caplog):
    """The index holds the model's session, which cannot be pickled: the child must not send the index back."""
    settings = kb_settings.model_copy(update={"kb_index_cache_dir": tmp_path / "index",
                                              "kb_embedding_model": DEFAULT_EMBEDDING_MODEL})
    _fitting_here_fails(monkeypatch)
    store = KnowledgeBaseStore(settings, check_interval_s=0, build_in_child_process=True)
    with caplog.at_level(logging.INFO, logger="effortless.kb"):
        served = store.current()
    assert "not built in a child process" not in caplog.text
    assert store.last_report.ok and served.search("where is my order", "en").top.article_id == "track-order"


def test_a_broken_file_is_reported_by_name_when_the_child_process_cannot_build(kb_settings, tmp_path, caplog):
    settings = kb_settings.model_copy(update={"kb_index_cache_dir": tmp_path / "index"})
    broken = settings.kb_dir / "en" / "track-order.md"
    broken.write_text("---\nid: track-order\ntitle: [oops\n---\nbody\n", encoding="utf-8")
    store = KnowledgeBaseStore(settings, check_interval_s=0, build_in_child_process=True)
    with caplog.at_level(logging.ERROR, logger="effortless.kb"):
        served = store.current()
    assert str(broken) in caplog.text and "not valid YAML" in caplog.text
    assert not store.last_report.ok and served.search("where is my order", "en").top is None
