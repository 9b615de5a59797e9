"""bot/engine/action_results.py in the engine env: once installed, Rasa's RemoteAction still accepts a valid
action-server response and still refuses a malformed one with its own explanation; and checking each event
against its own kind accepts exactly what jsonschema accepts with Rasa's whole schema."""
from __future__ import annotations

import json
import subprocess

import pytest

from bot.settings import PROJECT_ROOT

ENGINE_PYTHON = PROJECT_ROOT / ".venv-engine" / "bin" / "python"

VALIDATE = r"""
import json, sys
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from bot.engine import action_results

action_results.install()
action = RemoteAction("action_answer_question", None)
answers = []
for result in json.loads(sys.stdin.read()):
    try:
        answers.append(action._validate_action_result(result))
    except ValidationError as error:
        answers.append(error.message)
print(json.dumps(answers))
"""

VALID = {"events": [{"event": "slot", "name": "kb_question", "value": "reset password"}],
         "responses": [{"response": "utter_kb_answer"}]}


@pytest.mark.skipif(not ENGINE_PYTHON.exists(), reason="needs the engine env (.venv-engine)")
def test_a_valid_response_passes_and_a_malformed_one_is_refused_with_rasas_explanation():
    results = [VALID, {"events": [], "responses": []},
               {"events": [{"event": "slot"}], "responses": []},  # a SlotSet without a name
               {"events": "not a list", "responses": []}]
    run = subprocess.run([str(ENGINE_PYTHON), "-c", VALIDATE], input=json.dumps(results), capture_output=True,
                         text=True, cwd=PROJECT_ROOT, env={"PYTHONPATH": str(PROJECT_ROOT)}, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    answers = json.loads(run.stdout.strip().splitlines()[-1])

    assert answers[:2] == [True, True]
    for message in answers[2:]:
        assert isinstance(message, str) and "Failed to validate Action server response from API" in message


EQUIVALENCE = r"""
import json, sys
import jsonschema
from rasa.core.actions.action import RemoteAction
from rasa.shared.core import events
from rasa.shared.core.domain import Domain
from bot.engine.action_results import ActionResultValidator

schema = RemoteAction.action_response_format_spec()
validator = ActionResultValidator()
samples = json.loads(sys.stdin.read())
# Every kind of event Rasa itself writes, as it serialises them.
samples += [{"events": [event.as_dict()], "responses": []} for event in (
    events.UserUttered("hi", {"name": "greet", "confidence": 0.9}, [{"entity": "e", "start": 0, "end": 2, "value": "hi"}]),
    events.ActionExecuted("action_listen"), events.SlotSet("language", "he"), events.SlotSet("kb_tried", ["a", "b"]),
    events.BotUttered("שלום", {"buttons": []}), events.SessionStarted(), events.Restarted(), events.ActiveLoop("escalation_form"),
    events.FollowupAction("action_listen"), events.ReminderScheduled("EXTERNAL_x", __import__("datetime").datetime(2026, 12, 2)),
    events.ConversationPaused(), events.AllSlotsReset(), events.EntitiesAdded([{"entity": "e", "value": 1}]),
)]
answers = []
for sample in samples:
    try:
        jsonschema.validate(sample, schema)
        expected = True
    except jsonschema.ValidationError:
        expected = False
    answers.append([expected, validator.accepts_by_kind(sample)])
print(json.dumps(answers))
"""

SAMPLES = [
    VALID,
    {"events": [], "responses": []},
    {},
    {"events": [{"event": "slot"}], "responses": []},  # a SlotSet without a name
    {"events": [{"event": "slot", "name": 7, "value": 1}], "responses": []},
    {"events": [{"event": "slot", "name": "x", "value": None, "timestamp": "yesterday"}], "responses": []},
    {"events": [{"event": "no_such_event"}], "responses": []},
    {"events": [{"event": ["slot"]}], "responses": []},
    {"events": [{"name": "x"}], "responses": []},
    {"events": ["slot"], "responses": []},
    {"events": "not a list", "responses": []},
    {"events": None, "responses": []},
    {"events": [], "responses": "not a list"},
    {"events": [], "responses": [1]},
    {"events": [{"event": "action", "name": "action_listen", "policy": None, "confidence": None}], "responses": []},
    {"events": [{"event": "action", "name": 3}], "responses": []},
    {"events": [{"event": "user", "text": "hi", "parse_data": {"intent": {"name": "greet", "confidence": "high"}}}],
     "responses": []},
    [],
    "events",
]


@pytest.mark.skipif(not ENGINE_PYTHON.exists(), reason="needs the engine env (.venv-engine)")
def test_checking_each_event_by_its_kind_accepts_exactly_what_the_whole_schema_accepts():
    run = subprocess.run([str(ENGINE_PYTHON), "-c", EQUIVALENCE], input=json.dumps(SAMPLES), capture_output=True,
                         text=True, cwd=PROJECT_ROOT, env={"PYTHONPATH": str(PROJECT_ROOT)}, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    answers = json.loads(run.stdout.strip().splitlines()[-1])

    assert [expected for expected, _ in answers].count(False) >= 12  # the samples include invalid ones
    assert [by_kind for _, by_kind in answers] == [expected for expected, _ in answers]
