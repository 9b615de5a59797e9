"""The load test's clients: a web-chat wait that times out says what the bot said instead, so a failed
step in a report can be told from a slow one; a KB question the bot took to a person is a step of its own. Run in a process of its own: importing Locust patches
the standard library with gevent, as it does in the Locust process the load test starts."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from bot.settings import PROJECT_ROOT

WAITS = r"""
import locust  # first, as in Locust's own process: it patches the standard library before anything uses it
import json, queue
from bot.benchmarks.load_scenarios import KbClient, StepFailed, WebChatSession

def session_with(*messages):
    session = WebChatSession.__new__(WebChatSession)  # as the socket fills it, without a connection
    session.arrived = queue.Queue()
    for message in messages:
        session.arrived.put(message)
    return session

def reason(session, wanted, timeout, what):
    try:
        return {"returned": session.wait_for(wanted, timeout, what)}
    except StepFailed as failed:
        return {"failed": str(failed)}

print(json.dumps({
    "skipped": reason(session_with({"text": "Thanks!"}, {"text": "Did you mean one of these?"},
                                   {"buttons": [{"payload": "/affirm"}]}, {"text": "Anything else?"}),
                      lambda message: "your name" in (message.get("text") or ""), 0.2, "escalation form"),
    "silent": reason(session_with(), lambda message: True, 0.1, "reply"),
    "found": reason(session_with({"text": "I'll connect you with a person."}, {"text": "What's your name?"}),
                    lambda message: "your name" in message["text"], 1, "form"),
    "steps": {name: KbClient.named(KbClient.__new__(KbClient), replies) for name, replies in {
        "ticket": [{"text": "No one from our team is online right now. Your ticket is T-1114: I've opened it."},
                   {"text": "And your name?"}],
        "ticket_hebrew": [{"text": "אף נציג לא מחובר כרגע. פתחתי פנייה T-1115 עם השאלה שלך"}],
        "answer": [{"text": "Go to the sign-in page and choose Forgot password?", "buttons": [{"payload": "/affirm"}]}],
        "answer_naming_a_t_shirt": [{"text": "Our T-shirt sizes run from S to XL."}, {"image": "https://x/y.png"}],
    }.items()},
}))
"""


@pytest.fixture(scope="module")
def waits() -> dict:
    run = subprocess.run([sys.executable, "-c", WAITS], capture_output=True, text=True, cwd=PROJECT_ROOT,
                         env={"PYTHONPATH": str(PROJECT_ROOT)}, timeout=120)
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(run.stdout.strip().splitlines()[-1])


def test_a_timed_out_wait_names_the_last_messages_it_skipped(waits):
    reason = waits["skipped"]["failed"]
    assert reason.startswith("timeout: no escalation form within 0.2 s; the bot said: ")
    assert "Did you mean" in reason and "Anything else?" in reason and "['buttons']" in reason
    assert "Thanks!" not in reason  # only the last three


def test_a_timed_out_wait_on_a_silent_bot_says_so(waits):
    assert waits["silent"]["failed"].endswith("the bot said nothing")


def test_a_kb_question_whose_answer_opened_a_ticket_is_reported_as_a_step_of_its_own(waits):
    assert waits["steps"] == {"ticket": "kb_question_to_person", "ticket_hebrew": "kb_question_to_person",
                              "answer": "kb_question", "answer_naming_a_t_shirt": "kb_question"}


def test_the_wanted_message_is_returned_and_the_others_skipped(waits):
    assert waits["found"] == {"returned": {"text": "What's your name?"}}
