"""bot/engine/action_results.py in the engine env: once installed, Rasa's RemoteAction still accepts a valid
action-server response and still refuses a malformed one with its own explanation."""
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
