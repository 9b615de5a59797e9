"""The knowledge-base action's call alone, as Rasa makes it: the part of a KB answer's time that is ours.

A KB answer costs what a canned reply costs plus one call to the action server (docs/performance.md). The
load test measures the whole turn, where Rasa's share and the machine's drift hide a change of a millisecond
or two in the action; this replays Rasa's own request for ``action_answer_question``, the tracker taken from
a real turn of the running stack, to the action server, a new conversation each call (as ``bench-load``'s
static-vs-kb mode sends them) with a pause between calls as between a customer's turns.
"""
from __future__ import annotations

import itertools
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import requests

from bot.benchmarks.processes import latency_summary
from bot.settings import Settings

KB_ACTION = "action_answer_question"
QUESTIONS = {
    "short": "how do I reset my password?",
    "long": "I ordered a blue jacket two weeks ago and it still has not arrived, the tracking page says it is in "
            "the warehouse",
}
"""A question from the shipped KB as customers ask it in a few words, and a longer one typed as people do."""
PAUSE_S = 0.015
"""Between calls: the action server's work after an answer (the query log's write) has its time, as it has
between a customer's turns."""


class ActionCallError(RuntimeError):
    """The KB action's call could not be measured: the question's turn did not run it, or a replay got no answer."""


@dataclass(frozen=True)
class KbActionRequest:
    """Rasa's request for the KB action in the conversation ``sender_id``: its tracker as Rasa sent it (the
    events and slots up to the action, which Rasa logs after the call), and Rasa's ``version``."""

    sender_id: str
    tracker: dict[str, Any]
    version: str

    def body(self, sender_id: str) -> dict[str, Any]:
        """The request for a conversation of its own (its first contact costs what a new customer's does). No
        domain: the endpoint's ``enable_selective_domain`` leaves it out of every call but the form validators'."""
        return {"next_action": KB_ACTION, "sender_id": sender_id, "tracker": {**self.tracker, "sender_id": sender_id},
                "version": self.version}


def kb_action_request(settings: Settings, question: str, http: requests.Session) -> KbActionRequest:
    """What Rasa sent the action server for ``question``: one REST turn, then its tracker up to the KB action."""
    sender = f"rest:bench-action-{uuid.uuid4().hex[:8]}"
    http.post(f"{settings.rasa_url}/webhooks/rest/webhook", json={"sender": sender, "message": question},
              timeout=30).raise_for_status()
    events = _tracker(settings, sender, http)["events"]
    runs = [index for index, event in enumerate(events) if _is_the_kb_action(event)]
    if not runs:
        raise ActionCallError(f"{question!r} was not answered by {KB_ACTION}: nothing to replay")
    tracker = _tracker(settings, sender, http, until=events[runs[0] - 1]["timestamp"])
    tracker["events"] = list(itertools.takewhile(lambda event: not _is_the_kb_action(event), tracker["events"]))
    version = http.get(f"{settings.rasa_url}/version", timeout=10)
    version.raise_for_status()
    return KbActionRequest(sender, tracker, version.json()["version"])


def _tracker(settings: Settings, sender: str, http: requests.Session, until: float | None = None) -> dict[str, Any]:
    """The conversation's tracker as Rasa's API gives it, every event, up to ``until`` when given."""
    params: dict[str, Any] = {"token": settings.rasa_token, "include_events": "ALL"}
    if until is not None:
        params["until"] = until
    answer = http.get(f"{settings.rasa_url}/conversations/{sender}/tracker", params=params, timeout=10)
    answer.raise_for_status()
    return answer.json()


def _is_the_kb_action(event: dict[str, Any]) -> bool:
    return event.get("event") == "action" and event.get("name") == KB_ACTION


def replay(settings: Settings, request: KbActionRequest, calls: int, http: requests.Session,
           pause_s: float = PAUSE_S) -> list[float]:
    """Milliseconds of each of ``calls`` replays of ``request``, each in a conversation of its own
    (``<the request's conversation>-<random>``); an answer without a message for the customer is an error, not a figure."""
    headers = {"Authorization": f"Bearer {settings.action_server_token}"} if settings.action_server_token else {}
    durations = []
    for _ in range(calls):
        body = request.body(f"{request.sender_id}-{uuid.uuid4().hex[:8]}")
        started = time.perf_counter()
        answer = http.post(settings.action_server_url, json=body, headers=headers, timeout=30)
        durations.append((time.perf_counter() - started) * 1000)
        answer.raise_for_status()
        if not answer.json().get("responses"):
            raise ActionCallError(f"the replayed {KB_ACTION} said nothing: {answer.text[:200]}")
        time.sleep(pause_s)
    return durations


def measure_action_calls(settings: Settings, calls: int,
                         questions: Mapping[str, str] = QUESTIONS) -> dict[str, object]:
    """The replayed call's :func:`latency_summary` (its ``count`` is ``calls``) for each of ``questions``, after a
    few unmeasured calls."""
    figures: dict[str, object] = {}
    with requests.Session() as http:
        for name, question in questions.items():
            request = kb_action_request(settings, question, http)
            replay(settings, request, 5, http)  # connections open, caches warm
            durations = replay(settings, request, calls, http)
            figures[name] = latency_summary(durations, digits=2)
    return figures
