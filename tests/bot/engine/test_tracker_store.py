"""bot/engine/tracker_store.py in the engine env: a conversation saved turn by turn gives the very rows
Rasa's own SQLTrackerStore writes, reads back as the same tracker, and SQLite runs in WAL mode."""
from __future__ import annotations

import json
import subprocess

import pytest

from bot.settings import PROJECT_ROOT

ENGINE_PYTHON = PROJECT_ROOT / ".venv-engine" / "bin" / "python"

SAVE_BOTH_WAYS = r"""
import asyncio, json, sqlite3, sys
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from bot.engine.tracker_store import BatchedSQLTrackerStore

domain = Domain.from_yaml('''
version: "3.1"
intents: [ask_question]
slots:
  kb_question: {type: text, influence_conversation: false, mappings: [{type: custom}]}
responses:
  utter_kb_answer: [{text: "an answer"}]
''')
turns = [
    [ActionExecuted("action_session_start", timestamp=1.0), SessionStarted(timestamp=1.0),
     ActionExecuted("action_listen", timestamp=1.0)],
    [UserUttered("שכחתי את הסיסמה 😀 <script>", {"name": "ask_question", "confidence": 0.97},
                 parse_data={"intent": {"name": "ask_question", "confidence": 0.97}, "entities": []}, timestamp=2.0),
     ActionExecuted("action_answer_question", timestamp=2.1), BotUttered("an answer", {"buttons": []}, timestamp=2.2),
     SlotSet("kb_question", "'; DROP TABLE events; --", timestamp=2.3), ActionExecuted("action_listen", timestamp=2.4)],
    [UserUttered("hello", {"name": "greet", "confidence": 1.0}, timestamp=3.0)],
]

async def save_turns(store):
    tracker = DialogueStateTracker("web:abc", domain.slots)
    for turn in turns:
        for event in turn:
            tracker.update(event)
        await store.save(tracker)
    return tracker

def rows(path):
    with sqlite3.connect(path) as db:
        return [list(r) for r in db.execute(
            "SELECT sender_id, type_name, timestamp, intent_name, action_name, data FROM events ORDER BY id")]

async def main(folder):
    rasa_store = SQLTrackerStore(domain, db=f"{folder}/rasa.db")
    batched = BatchedSQLTrackerStore(domain, host=f"sqlite:///{folder}/batched.db")
    saved = await save_turns(rasa_store)
    await save_turns(batched)
    read_back = await SQLTrackerStore(domain, db=f"{folder}/batched.db").retrieve("web:abc")
    with sqlite3.connect(f"{folder}/batched.db") as db:
        journal = db.execute("PRAGMA journal_mode").fetchone()[0]
    print(json.dumps({"rasa_rows": rows(f"{folder}/rasa.db"), "batched_rows": rows(f"{folder}/batched.db"),
                      "same_tracker": [e.as_dict() for e in read_back.events] == [e.as_dict() for e in saved.events],
                      "journal_mode": journal}))

asyncio.run(main(sys.argv[1]))
"""


@pytest.mark.skipif(not ENGINE_PYTHON.exists(), reason="needs the engine env (.venv-engine)")
def test_a_conversation_saved_turn_by_turn_gives_rasas_own_rows_and_reads_back_the_same(tmp_path):
    result = subprocess.run(
        [str(ENGINE_PYTHON), "-c", SAVE_BOTH_WAYS, str(tmp_path)], cwd=PROJECT_ROOT,
        env={"PYTHONPATH": str(PROJECT_ROOT), "PATH": "/usr/bin:/bin", "TF_CPP_MIN_LOG_LEVEL": "3"},
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    saved = json.loads(result.stdout.strip().splitlines()[-1])

    assert len(saved["batched_rows"]) == 9
    assert saved["batched_rows"] == saved["rasa_rows"]
    assert saved["same_tracker"]
    assert saved["journal_mode"] == "wal"
