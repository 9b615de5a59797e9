"""HandoffPolicy (bot/engine/policy.py) in the engine env, on the project's domain: during a handoff a
customer message is relayed, except a button's /withdraw_request or a short, confidently read leaving
intent, which goes to action_withdraw_handoff; helpdesk events and "keep waiting" follow the rules.
Outside a handoff, a question about the wait in a conversation with a ticket gets the ticket's status.
IntroductionPolicy greets by name a customer who only said who they are."""
from __future__ import annotations

import json
import subprocess

import pytest

from bot.engine.feedback_words import ASK_HELPED
from bot.settings import PROJECT_ROOT

ENGINE_PYTHON = PROJECT_ROOT / ".venv-engine" / "bin" / "python"

PREDICT = r"""
import json, sys, tempfile
from pathlib import Path
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActiveLoop, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from bot.engine import policy as policies

domain = Domain.load("domain.yml")
chosen = getattr(policies, sys.argv[1])
policy = chosen.create(chosen.get_default_config(), LocalModelStorage(Path(tempfile.mkdtemp())),
                       Resource("policy"), ExecutionContext(GraphSchema({}), "test"))
answers = []
for case in json.loads(sys.stdin.read()):
    events = [ActionExecuted("action_listen"), SlotSet("handoff_active", case["handoff"]),
              SlotSet("ticket_reference", case["ticket"]), ActiveLoop(case["loop"])]
    if case["said"]:  # the bot's latest message, from this response
        events.append(BotUttered("...", metadata={"utter_action": case["said"]}))
    events += [ActionExecuted("action_listen"),
               UserUttered(case["text"], {"name": case["intent"], "confidence": case["confidence"]})]
    for action in (case["after"] or "").split():  # actions run since, in order
        events.append(ActionExecuted(action))
    if case["next_step"]:
        events.append(SlotSet("next_step", case["next_step"]))
    tracker = DialogueStateTracker.from_events("c", events, slots=domain.slots)
    probabilities = policy.predict_action_probabilities(tracker, domain).probabilities
    best = max(range(len(probabilities)), key=probabilities.__getitem__)
    answers.append(domain.action_names_or_texts[best] if probabilities[best] > 0 else None)
print(json.dumps(answers))
"""

CASES = [
    # (text, intent, confidence, handoff active, action just run) -> the policy's action (None: the rules decide)
    (("never mind", "cancel", 0.97, True, None), "action_withdraw_handoff"),
    (("i solved it", "withdraw_request", 0.93, True, None), "action_withdraw_handoff"),
    (("נפתר, תודה", "withdraw_request", 0.9, True, None), "action_withdraw_handoff"),
    (("/withdraw_request", "withdraw_request", 1.0, True, None), "action_withdraw_handoff"),
    # a longer message or an unsure reading is for the agent
    (("i want to cancel my order from last week", "cancel", 0.99, True, None), "action_relay_to_agent"),
    (("cancel it", "cancel", 0.6, True, None), "action_relay_to_agent"),
    (("my card was charged twice", "complain", 0.9, True, None), "action_relay_to_agent"),
    # a question about the wait is never leaving, whatever DIET read (these are its readings of 5 December)
    (("still waiting", "withdraw_request", 1.0, True, None), "action_relay_to_agent"),
    (("كم من الوقت سأنتظر؟", "withdraw_request", 1.0, True, None), "action_relay_to_agent"),
    # ... nor starting over: "هل من جديد؟" ("any news?") was read as a restart, which would end the handoff
    (("هل من جديد؟", "restart", 1.0, True, None), "action_relay_to_agent"),
    (("هل من جديد؟", "restart", 1.0, False, None), "action_ticket_status"),
    (("/restart", "restart", 1.0, False, None), None),
    (("/keep_waiting", "keep_waiting", 1.0, True, None), None),
    (("EXTERNAL: EXTERNAL_agent_message", "EXTERNAL_agent_message", 1.0, True, None), None),
    (("/restart", "restart", 1.0, True, None), None),
    # a typed message read as a restart is for the agent: "i tried again from the start" would wipe the handoff
    (("i tried again from the start", "restart", 1.0, True, None), "action_relay_to_agent"),
    (("ניסיתי שוב מההתחלה", "restart", 1.0, True, None), "action_relay_to_agent"),
    # no handoff: the rules decide; after either action the bot listens
    (("never mind", "cancel", 0.97, False, None), None),
    (("never mind", "cancel", 0.97, True, "action_withdraw_handoff"), "action_listen"),
    (("hello", "greet", 0.97, True, "action_relay_to_agent"), "action_listen"),
    # no handoff, but a ticket the team answers later (or an earlier one): a question about the wait gets its status
    (("any update?", "ask_question", 0.6, False, None, "T-1042"), "action_ticket_status"),
    (("jak dlouho ještě?", "rate_effort", 0.8, False, None, "T-1042"), "action_ticket_status"),
    (("כמה זמן עוד אחכה?", "ask_question", 0.7, False, None, "T-1042"), "action_ticket_status"),
    (("hello", "greet", 0.97, False, "action_ticket_status", "T-1042"), "action_listen"),
    # ... but not without a ticket, nor for a real question, nor in the middle of a form
    (("any update?", "ask_question", 0.6, False, None, None), None),
    (("how long does a refund take?", "ask_question", 0.9, False, None, "T-1042"), None),
    (("any update?", "ask_question", 0.6, False, None, "T-1042", "escalation_form"), None),
]
FIELDS = ("text", "intent", "confidence", "handoff", "after", "ticket", "loop", "said", "next_step")


INTRODUCTION_CASES = [
    # a customer who only said who they are is greeted by name, then the bot listens
    (("please call me Jim", "introduce_self", 1.0, False, None), "utter_nice_to_meet_you"),
    (("please call me Jim", "introduce_self", 1.0, False, "utter_nice_to_meet_you"), "action_listen"),
    # ... but the agent gets it during a handoff, a form asking something takes it, other intents are the rules'
    (("please call me Jim", "introduce_self", 1.0, True, None), None),
    (("my name is Dana", "introduce_self", 1.0, False, None, None, "escalation_form"), None),
    (("hello", "greet", 0.97, False, None), None),
]


ASKED = ASK_HELPED
THANKS_CASES = [
    # a thank-you right under "Did that answer your question?" is a yes, then the effort question or listening
    (("thanks!", "thank", 0.99, False, None, None, None, ASKED), "action_kb_feedback"),
    (("תודה רבה", "thank", 0.99, False, "action_kb_feedback", None, None, ASKED, "ask_effort"), "ces_form"),
    (("díky", "thank", 0.99, False, "action_kb_feedback", None, None, ASKED), "action_listen"),
    (("شكرا", "thank", 0.99, False, "action_kb_feedback ces_form", None, None, ASKED, "ask_effort"), "action_listen"),
    # ... not under another line, during a handoff or a form, for a yes, nor in a turn it did not start
    (("thanks!", "thank", 0.99, False, None, None, None, "utter_greet"), None),
    (("thanks!", "thank", 0.99, False, None, None, None, None), None),
    (("thanks!", "thank", 0.99, True, None, None, None, ASKED), None),
    (("thanks!", "thank", 0.99, False, None, None, "ces_form", ASKED), None),
    (("yes", "affirm", 0.99, False, None, None, None, ASKED), None),
    # ... nor for thanks that say it did not help
    (("thanks anyway", "thank", 0.99, False, None, None, None, ASKED), None),
    (("شكرا على كل حال", "thank", 0.99, False, None, None, None, ASKED), None),
    # after the yes/no action, anything but the effort question or nothing next is the rules' to follow
    (("thanks!", "thank", 0.99, False, "action_kb_feedback", None, None, ASKED, "escalate"), None),
    (("thanks!", "thank", 0.99, False, "ces_form", None, "ces_form", ASKED), None),
]


def predictions(policy: str, cases: list) -> list:
    """What ``policy`` predicts for each case, run in the engine env."""
    payload = [{**dict.fromkeys(FIELDS), **dict(zip(FIELDS, case, strict=False))} for case, _ in cases]
    result = subprocess.run([str(ENGINE_PYTHON), "-c", PREDICT, policy], input=json.dumps(payload), capture_output=True,
                            text=True, cwd=PROJECT_ROOT, env={"PYTHONPATH": str(PROJECT_ROOT)}, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return list(zip([case[0] for case, _ in cases], json.loads(result.stdout.strip().splitlines()[-1]), strict=True))


@pytest.mark.skipif(not ENGINE_PYTHON.exists(), reason="needs the engine env (.venv-engine)")
def test_the_policy_withdraws_only_on_a_button_or_a_short_confident_leaving_message():
    assert predictions("HandoffPolicy", CASES) == [(case[0], want) for case, want in CASES]


@pytest.mark.skipif(not ENGINE_PYTHON.exists(), reason="needs the engine env (.venv-engine)")
def test_a_customer_who_only_said_who_they_are_is_greeted_by_name_outside_a_handoff_and_a_form():
    assert predictions("IntroductionPolicy", INTRODUCTION_CASES) == [(case[0], want) for case, want in INTRODUCTION_CASES]


@pytest.mark.skipif(not ENGINE_PYTHON.exists(), reason="needs the engine env (.venv-engine)")
def test_a_thank_you_right_under_did_that_answer_your_question_is_a_yes():
    assert predictions("ThanksForAnAnswerPolicy", THANKS_CASES) == [(case[0], want) for case, want in THANKS_CASES]
