"""bot/engine/tracker_writes.py in the engine env, with Rasa's own SQLTrackerStore on real SQLite files: the
rows a turn leaves are the ones Rasa's own save leaves (one statement instead of one per event), only new
events are added on the next save, the conversation reads back as it was saved, and the file is in WAL mode
behind a pool where Rasa alone keeps a rollback journal and no pool."""
from __future__ import annotations

import pytest

from tests.helpers.engine_scripts import engine_script_result

SCENARIOS = r"""
import asyncio, json, sqlite3, sys, tempfile
from pathlib import Path

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.engine import tracker_writes

# Rasa counts the stored events of a session from its SessionStarted timestamp, which Rasa gives
# action_session_start as well.
FIRST_TURN = [ActionExecuted("action_session_start", timestamp=2.0), SessionStarted(timestamp=2.0),
              ActionExecuted("action_listen", timestamp=3.0),
              UserUttered("how do I reset my password", {"name": "ask_question", "confidence": 0.98},
                          timestamp=4.0),
              SlotSet("language", "en", timestamp=5.0), ActionExecuted("action_answer_question", timestamp=6.0),
              BotUttered("Go to the sign-in page", {"buttons": [{"title": "Yes", "payload": "/affirm"}]},
                         timestamp=7.0),
              SlotSet("kb_article_id", "reset-password", timestamp=8.0), SlotSet("kb_tried", ["reset-password"],
                                                                                    timestamp=9.0),
              ActionExecuted("action_listen", timestamp=10.0)]
SECOND_TURN = [UserUttered("שלום 👋 <script>x</script>", {"name": "greet", "confidence": 0.9}, timestamp=11.0),
               ActionExecuted("utter_greet", timestamp=12.0), BotUttered("שלום!", timestamp=13.0),
               ActionExecuted("action_listen", timestamp=14.0)]


def rows(path):
    with sqlite3.connect(path) as connection:
        return [list(row) for row in connection.execute(
            "SELECT id, sender_id, type_name, timestamp, intent_name, action_name, data FROM events ORDER BY id")]


def journal_mode(path):
    with sqlite3.connect(path) as connection:
        return connection.execute("PRAGMA journal_mode").fetchone()[0]


async def conversation(path):
    store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(path))
    tracker = DialogueStateTracker.from_events("customer-1", FIRST_TURN)
    await store.save(tracker)
    saved_once = len(rows(path))
    for event in SECOND_TURN:
        tracker.update(event)
    await store.save(tracker)
    await store.save(tracker)  # nothing new: nothing added
    read_back = await store.retrieve("customer-1")
    return {"rows": rows(path), "saved_once": saved_once,
            "read_back": [event.as_dict() for event in read_back.events] == [event.as_dict() for event in tracker.events],
            "journal_mode": journal_mode(path), "pool": type(store.engine.pool).__name__}


async def main():
    directory = Path(tempfile.mkdtemp())
    results = {"rasa": await conversation(directory / "rasa.db")}
    tracker_writes.install()
    tracker_writes.install()
    results["installed"] = await conversation(directory / "installed.db")
    results["engine_kwargs"] = {url: sorted(tracker_writes.sqlite_file_engine_kwargs(url))
                                for url in ("sqlite:///" + str(directory / "x.db"), "sqlite://", "sqlite:///:memory:",
                                            "postgresql://u:p@localhost/rasa")}
    print(json.dumps(results))


asyncio.run(main())
"""


@pytest.fixture(scope="module")
def outcomes() -> dict:
    return engine_script_result(SCENARIOS)


def test_a_turn_leaves_the_rows_rasas_own_save_leaves(outcomes):
    assert outcomes["installed"]["rows"] == outcomes["rasa"]["rows"]
    assert len(outcomes["installed"]["rows"]) == 14


def test_a_later_save_adds_only_the_new_events(outcomes):
    assert outcomes["installed"]["saved_once"] == 10
    assert [row[0] for row in outcomes["installed"]["rows"]] == list(range(1, 15))


def test_the_conversation_reads_back_as_it_was_saved(outcomes):
    assert outcomes["installed"]["read_back"] is True
    assert outcomes["rasa"]["read_back"] is True


def test_installed_the_sqlite_file_is_in_wal_mode_behind_a_pool(outcomes):
    assert (outcomes["rasa"]["journal_mode"], outcomes["rasa"]["pool"]) == ("delete", "NullPool")
    assert (outcomes["installed"]["journal_mode"], outcomes["installed"]["pool"]) == ("wal", "QueuePool")


def test_only_a_sqlite_file_gets_the_pool_and_thread_options(outcomes):
    kwargs = outcomes["engine_kwargs"]
    assert [options for url, options in kwargs.items() if url.endswith("x.db")] == [["connect_args", "poolclass"]]
    assert [options for url, options in kwargs.items() if not url.endswith("x.db")] == [[], [], []]
