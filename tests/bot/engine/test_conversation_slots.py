"""ConversationSlotsPolicy (bot/engine/policy.py) in the engine env, on the project's domain: after a customer
message it sets ``language`` by the language rules and ``company`` from COMPANY_NAME, only when they change,
and only before the turn's first action."""
from __future__ import annotations

import json
import subprocess

import pytest

from bot.settings import PROJECT_ROOT

ENGINE_PYTHON = PROJECT_ROOT / ".venv-engine" / "bin" / "python"

SLOT_EVENTS = r"""
import json, sys
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from bot.engine.policy import slot_events

domain = Domain.load("domain.yml")
answers = []
for case in json.loads(sys.stdin.read()):
    events = [ActionExecuted("action_listen")]
    for name, value in case["slots"].items():
        events.append(SlotSet(name, value))
    for text in case["earlier"]:
        events += [UserUttered(text, {"name": "greet", "confidence": 1.0}), ActionExecuted("utter_greet"),
                   ActionExecuted("action_listen")]
    events.append(UserUttered(case["text"], {"name": case["intent"], "confidence": 1.0}, case["entities"],
                              metadata=case["metadata"]))
    if case["after"]:
        events.append(ActionExecuted(case["after"]))
    tracker = DialogueStateTracker.from_events("c", events, slots=domain.slots)
    answers.append({event.key: event.value for event in slot_events(tracker, case["env"])})
print(json.dumps(answers))
"""

ACME = {"COMPANY_NAME": "Acme"}


def _case(text, *, intent="ask_question", slots=None, earlier=(), metadata=None, entities=(), after=None,
          env=None):
    return {"text": text, "intent": intent, "slots": {"company": "Acme", **(slots or {})}, "earlier": list(earlier),
            "metadata": metadata or {}, "entities": list(entities), "after": after,
            "env": ACME if env is None else env}


CASES = [
    # the customer's first words decide, the channel's locale only until then
    (_case("שכחתי את הסיסמה"), {"language": "he"}),
    (_case("ok", slots={"language": "cs"}), {}),
    (_case("hi", metadata={"language": "ar-EG"}), {"language": "ar"}),
    (_case("/affirm", slots={"language": "he"}), {}),
    (_case("How do I track my parcel?", slots={"language": "ar"}, metadata={"language": "ar"}), {"language": "en"}),
    (_case("שלום", intent="greet", slots={"language": "en"}, earlier=["/greet"], metadata={"language": "en-US"}),
     {"language": "he"}),
    # a settled conversation switches only on a clear sentence, never while collecting a detail
    (_case("Noa Cohen", slots={"language": "he", "requested_slot": "customer_name"}, earlier=["שלום"]), {}),
    (_case("I forgot my password and cannot log in", slots={"language": "he", "requested_slot": "issue_description"},
           earlier=["שלום"]), {}),
    (_case("English please", slots={"language": "he", "requested_slot": "customer_name"}, earlier=["שלום"]),
     {"language": "en"}),
    (_case("I forgot my password and cannot log in", slots={"language": "he"}, earlier=["שלום"]), {"language": "en"}),
    # a language button's entity wins, even while collecting
    (_case('/switch_language{"language":"cs"}', intent="switch_language", entities=[{"entity": "language", "value": "cs"}],
           slots={"language": "he", "requested_slot": "customer_email"}, earlier=["שלום"]), {"language": "cs"}),
    # the company name once, from COMPANY_NAME; again only if it changed; never without one
    (_case("hello", intent="greet", slots={"company": None, "language": "en"}), {"company": "Acme"}),
    (_case("hello", intent="greet", slots={"language": "en"}, env={"COMPANY_NAME": "Globex"}), {"company": "Globex"}),
    (_case("hello", intent="greet", slots={"company": None, "language": "en"}, env={}), {}),
    # after the turn's first action the turn's slots are already set: nothing more
    (_case("שכחתי את הסיסמה", slots={"company": None}, after="action_answer_question"), {}),
]


@pytest.mark.skipif(not ENGINE_PYTHON.exists(), reason="needs the engine env (.venv-engine)")
def test_the_policy_sets_language_and_company_only_when_they_change():
    result = subprocess.run([str(ENGINE_PYTHON), "-c", SLOT_EVENTS], input=json.dumps([case for case, _ in CASES]),
                            capture_output=True, text=True, cwd=PROJECT_ROOT, env={"PYTHONPATH": str(PROJECT_ROOT)},
                            timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    answers = json.loads(result.stdout.strip().splitlines()[-1])
    assert list(zip([case["text"] for case, _ in CASES], answers, strict=True)) == [
        (case["text"], want) for case, want in CASES]
