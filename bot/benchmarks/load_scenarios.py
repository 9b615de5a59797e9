"""The Locust scenarios of ``python -m bot bench-load`` (the locustfile; the runner is
:mod:`bot.benchmarks.load`, which also lists the steps and their meaning).

Loaded by ``python -m locust -f`` in a process of its own: Locust patches the standard library for
gevent, so the requests and socket.io clients below are cooperative and a few hundred users fit in
one process. Every step is timed on its own and reported to Locust as a request; whatever goes
wrong in a step (no bot reply in time, an HTTP error, a dropped socket) is a failure with its
reason, and the rest of that conversation is abandoned.
"""
from __future__ import annotations

import json
import queue
import random
import re
import time
import uuid
from collections.abc import Callable
from functools import cache, partial
from pathlib import Path
from typing import Any, TypeVar

import gevent  # type: ignore[import-untyped]  # no stubs; only its hub is used
import requests
import socketio
from locust import User, events, task
from locust.env import Environment
from locust.exception import RescheduleTask

from bot.benchmarks.load import (
    AGENT,
    CONFIG_ENV,
    CONVERSATION,
    DELIVERY,
    KB_QUESTION_TO_PERSON,
    LOCUSTFILE_EXCEPTION,
    MESSAGE,
    REASON_MAX_CHARS,
    ScenarioConfig,
    failure_reason,
    kb_questions,
    sample_question,
)

T = TypeVar("T")
RANDOM = random.Random()

AGENT_REPLY_MARK = re.compile(r"\[load test, sent at (\d+\.\d+)\]")
ESCALATION_REQUEST = "I want to talk to a person"
# The escalation form's questions (English: an escalating conversation is held in English) and answers.
FORM_ANSWERS = {
    r"your name": "Load Tester",
    r"e-?mail": "{email}",
    r"what's the problem|pass this on as": "My refund for order 1182 never arrived",
}
TICKET_CONFIRMATION = re.compile(r"your ticket is T-\d+", re.IGNORECASE)
TICKET_REFERENCE = re.compile(r"\bT-\d+\b")  # in every language's confirmation of a ticket
FORM_STEP = re.compile("|".join([*FORM_ANSWERS, TICKET_CONFIRMATION.pattern]), re.IGNORECASE)
"""A question of the escalation form, or the confirmation that ends it."""
EFFORT_SCORE, EFFORT_COMMENT = "6", "quick and friendly"
STATIC_MESSAGE = "hello"
AGENT_POLL_S = 1.0
SKIPPED_SHOWN, SKIPPED_TEXT_CHARS = 3, 80  # what a timed-out wait reports of the messages it skipped
TURN_QUIET_S = 3.0  # a bot silent this long after a message without buttons has ended its turn  # an agent bot with an empty queue looks again after this long


@cache
def scenario() -> ScenarioConfig:
    import os

    return ScenarioConfig.from_json(os.environ[CONFIG_ENV])


@cache
def questions() -> dict[str, list[str]]:
    return kb_questions(Path(scenario().kb_dir))


def think() -> None:
    """A customer's pause between two messages (``think_time_s``)."""
    time.sleep(RANDOM.uniform(*scenario().think_time_s))


def agent_think() -> None:
    """An agent's pause between two actions (``agent_think_time_s``): agents work a queue, customers read
    and type, so the two are set apart (a 500-customer run with customers' 30-90 s pauses for agents
    left escalated customers waiting minutes for a reply: a staffing figure, not the stack's)."""
    time.sleep(RANDOM.uniform(*scenario().agent_think_time_s))


class StepFailed(Exception):
    """A step did not get what it waited for; the message is the reason Locust reports."""


def payloads(message: dict[str, Any]) -> list[str]:
    """The button payloads of one bot message: REST replies carry ``buttons``, socket.io ``quick_replies``."""
    return [button.get("payload", "") for button in message.get("buttons") or message.get("quick_replies") or []]


def has_payload(*wanted: str) -> Callable[[dict[str, Any]], bool]:
    return lambda message: any(payload in wanted for payload in payloads(message))


def says(pattern: str | re.Pattern[str]) -> Callable[[dict[str, Any]], bool]:
    compiled = re.compile(pattern, re.IGNORECASE) if isinstance(pattern, str) else pattern
    return lambda message: compiled.search(message.get("text") or "") is not None


def anything(_message: dict[str, Any]) -> bool:
    return True


# The end of a KB turn: "did that answer your question?", a guide's "all steps / step by step", or
# suggestions to choose from; each comes with buttons, and comes last. (A question the bot finds
# outside its scope gets one message without buttons.)
def offers_buttons(message: dict[str, Any]) -> bool:
    return bool(payloads(message))


class TimedSteps:
    """Times a step and reports it to Locust under its name; a failure ends the conversation."""

    environment: Environment

    def step(self, kind: str, name: str, action: Callable[[], T], counts: Callable[[T], bool] = lambda _result: True,
             named: Callable[[T], str] | None = None) -> T:
        """``action()``, reported as ``name`` if it fails or if its result ``counts``; a result is reported
        under ``named(result)`` instead when that is given (a step whose outcome decides what it was)."""
        started = time.perf_counter()
        try:
            result = action()
        except Exception as exc:  # noqa: BLE001 - every way a step can fail is a reported failure
            reason = exc if isinstance(exc, StepFailed) else StepFailed(failure_reason(exc))
            self.report(kind, name, (time.perf_counter() - started) * 1000, reason)
            raise RescheduleTask() from exc
        if counts(result):
            self.report(kind, named(result) if named else name, (time.perf_counter() - started) * 1000)
        return result

    def report(self, kind: str, name: str, milliseconds: float, failure: Exception | None = None) -> None:
        self.environment.events.request.fire(request_type=kind, name=name, response_time=milliseconds,
                                             response_length=0, exception=failure, context={})


# --- REST --------------------------------------------------------------------------------------


class RestConversation:
    """One conversation on the REST channel: each message's answer comes back in its response."""

    def __init__(self, http: requests.Session) -> None:
        self.http = http
        self.sender = f"load-{uuid.uuid4().hex[:12]}"

    def say(self, text: str) -> list[dict[str, Any]]:
        config = scenario()
        headers = {"Authorization": f"Bearer {config.rest_token}"} if config.rest_token else {}
        response = self.http.post(f"{config.rasa_url}/webhooks/rest/webhook", json={"sender": self.sender, "message": text},
                                  headers=headers, timeout=config.reply_timeout_s)
        if response.status_code != 200:
            raise StepFailed(f"HTTP {response.status_code}: {response.text[:200]}")
        replies = response.json()
        if not replies:
            raise StepFailed(f"the bot sent no reply to {text[:80]!r}")  # which message, to look into it
        return replies


class RestClient(User, TimedSteps):
    """Closed loop, no think time: one message, its answer, the next message (static-vs-kb)."""

    abstract = True
    step_name = ""

    def wait_time(self) -> float:
        return 0.0

    def on_start(self) -> None:
        self.http = requests.Session()

    def on_stop(self) -> None:
        self.http.close()

    def message(self) -> str:
        raise NotImplementedError

    def named(self, replies: list[dict[str, Any]]) -> str:
        """The step a message's answer is reported under."""
        return self.step_name

    @task
    def send(self) -> None:
        """Each message opens its own conversation, in both phases alike: a KB question the bot rightly
        takes as a complaint opens a ticket and hands the conversation to a person, and the client's next
        questions in it would be relayed to the agents' queue with no bot reply, which is not a KB turn."""
        text = self.message()
        conversation = RestConversation(self.http)
        self.step(MESSAGE, self.step_name, lambda: conversation.say(text), named=self.named)


class StaticClient(RestClient):
    step_name = "static_hello"

    def message(self) -> str:
        return STATIC_MESSAGE


class KbClient(RestClient):
    step_name = "kb_question"

    def message(self) -> str:
        return sample_question(questions(), RANDOM)[1]

    def named(self, replies: list[dict[str, Any]]) -> str:
        """A question the bot took to a person is a step of its own: its answer is a ticket opened in the
        helpdesk and the escalation form's first question, not a KB answer."""
        if any(TICKET_REFERENCE.search(reply.get("text") or "") for reply in replies):
            return KB_QUESTION_TO_PERSON
        return self.step_name


class RestCustomer(User, TimedSteps):
    """A person on the REST channel: a KB question, then "yes, that helped"."""

    weight = 1

    def wait_time(self) -> float:
        return RANDOM.uniform(*scenario().think_time_s)

    def on_start(self) -> None:
        self.http = requests.Session()

    def on_stop(self) -> None:
        self.http.close()

    @task
    def conversation(self) -> None:
        started = time.perf_counter()
        chat = RestConversation(self.http)
        _language, question = sample_question(questions(), RANDOM)
        last = self.step(MESSAGE, "kb_answer", lambda: chat.say(question))[-1]
        if "/show_all_steps" in payloads(last):
            think()
            last = self.step(MESSAGE, "guide_steps", lambda: chat.say("/show_all_steps"))[-1]
        if "/affirm" in payloads(last):
            think()
            self.step(MESSAGE, "did_it_help", lambda: chat.say("/affirm"))
        self.report(CONVERSATION, "rest_conversation", (time.perf_counter() - started) * 1000)


# --- the web chat (socket.io) --------------------------------------------------------------------


class WebChatSession:
    """The widget's protocol: connect, ``session_request``, then ``user_uttered``; the bot's messages
    are queued as they arrive and read in order."""

    def __init__(self, url: str) -> None:
        self.url = url
        # request_timeout bounds the WebSocket handshake (5 s by default): as long as a reply may take.
        self.client = socketio.Client(reconnection=False, request_timeout=scenario().reply_timeout_s)
        self.arrived: queue.Queue[dict[str, Any]] = queue.Queue()
        self.confirmed: queue.Queue[dict[str, Any]] = queue.Queue()
        self.client.on("bot_uttered", self.arrived.put)
        self.client.on("session_confirm", self.confirmed.put)

    def open(self) -> None:
        timeout = scenario().reply_timeout_s
        self.client.connect(self.url, socketio_path="/socket.io", transports=["websocket"], wait_timeout=timeout)
        self.client.emit("session_request", {})
        try:
            self.confirmed.get(timeout=timeout)
        except queue.Empty:
            raise StepFailed(f"no session_confirm within {timeout} s") from None

    def say(self, text: str) -> None:
        if not self.client.connected:
            raise StepFailed("the socket was disconnected")
        self.client.emit("user_uttered", {"message": text})

    def wait_for(self, wanted: Callable[[dict[str, Any]], bool], timeout: float, what: str) -> dict[str, Any]:
        """The first bot message (from those not yet read) that is ``wanted``; the others are skipped,
        and a timeout names the last of them, so a report shows what the bot said instead."""
        deadline = time.monotonic() + timeout
        skipped: list[str] = []
        while (left := deadline - time.monotonic()) > 0:
            try:
                message = self.arrived.get(timeout=left)
            except queue.Empty:
                break
            if wanted(message):
                return message
            skipped.append(str(message.get("text") or sorted(message))[:SKIPPED_TEXT_CHARS])
        said = f"; the bot said: {skipped[-SKIPPED_SHOWN:]}" if skipped else "; the bot said nothing"
        raise StepFailed(f"timeout: no {what} within {timeout:g} s{said}")

    def rest_of_turn(self, last: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        """The message that ends the bot's turn: the first that is ``last``, or whatever came last
        before the bot went quiet for ``TURN_QUIET_S`` (socket.io has no end-of-turn event)."""
        message: dict[str, Any] = {}
        while True:
            try:
                message = self.arrived.get(timeout=TURN_QUIET_S)
            except queue.Empty:
                return message
            if last(message):
                return message

    def exchange(self, text: str, wanted: Callable[[dict[str, Any]], bool], what: str) -> dict[str, Any]:
        self.say(text)
        return self.wait_for(wanted, scenario().reply_timeout_s, what)

    def close(self) -> None:
        self.client.disconnect()


class WebChatCustomer(User, TimedSteps):
    """A person in the web chat: a KB question, "did that help"; some then ask for a person, see the
    agent's reply in the same chat, and rate the effort once the agent resolves the ticket."""

    weight = 3

    def wait_time(self) -> float:
        return RANDOM.uniform(*scenario().think_time_s)

    @task
    def conversation(self) -> None:
        config = scenario()
        escalates = RANDOM.random() < config.escalation_share
        started = time.perf_counter()
        chat = WebChatSession(config.rasa_url)
        try:
            self.step(MESSAGE, "web_connect", chat.open)
            last_said = self.ask_the_kb(chat, "en" if escalates else None)
            if escalates:
                think()
                self.ask_for_a_person(chat, last_said)
                self.see_the_agent_reply(chat)
                self.rate_the_effort(chat)
        finally:
            chat.close()
        self.report(CONVERSATION, "web_conversation", (time.perf_counter() - started) * 1000)

    def ask_the_kb(self, chat: WebChatSession, language: str | None) -> dict[str, Any]:
        """Ask, and answer "did that help" when asked; the last message of the bot's last turn."""
        asked = questions()
        question = RANDOM.choice(asked[language]) if language else sample_question(asked, RANDOM)[1]
        first = self.step(MESSAGE, "kb_answer", lambda: chat.exchange(question, anything, "KB answer"))
        answer = first if offers_buttons(first) else chat.rest_of_turn(offers_buttons)
        if "/show_all_steps" in payloads(answer):
            think()
            answer = self.step(MESSAGE, "guide_steps",
                               lambda: chat.exchange("/show_all_steps", has_payload("/affirm"), "guide steps"))
        if "/affirm" in payloads(answer):
            think()
            answer = self.step(MESSAGE, "did_it_help", lambda: chat.exchange("/affirm", anything, "acknowledgement"))
        return answer

    def ask_for_a_person(self, chat: WebChatSession, last_said: dict[str, Any]) -> None:
        """Ask for a person and fill in the form; a question the bot already handed to a person (a topic
        a person always handles, a frustrated customer) has started the form: it is answered instead."""
        email = f"load-{uuid.uuid4().hex[:10]}@example.com"
        form = {pattern: answer.format(email=email) for pattern, answer in FORM_ANSWERS.items()}
        if says(FORM_STEP)(last_said):
            message = last_said
        else:
            message = self.step(MESSAGE, "escalate",
                                lambda: chat.exchange(ESCALATION_REQUEST, says(FORM_STEP), "escalation form"))
        for _ in range(2 * len(form)):  # a question may be asked again (e.g. an address it could not read)
            text = message.get("text") or ""
            if TICKET_CONFIRMATION.search(text):
                return
            answer = next(answer for pattern, answer in form.items() if re.search(pattern, text, re.IGNORECASE))
            think()
            message = self.step(MESSAGE, "escalation_form", partial(chat.exchange, answer, says(FORM_STEP), "next question"))
        raise self.fail("escalation_form", "the escalation form asked too many questions")

    def see_the_agent_reply(self, chat: WebChatSession) -> None:
        """The agent bot marks its reply with the moment it sent it: the delivery time is measured to it."""
        wait = scenario().agent_wait_timeout_s
        try:
            message = chat.wait_for(says(AGENT_REPLY_MARK), wait, "agent reply")
        except StepFailed as exc:
            raise self.fail("agent_reply_seen", str(exc)) from None
        sent_at = float(AGENT_REPLY_MARK.search(message["text"]).group(1))  # type: ignore[union-attr]  # wanted said so
        self.report(DELIVERY, "agent_reply_seen", max(0.0, time.time() - sent_at) * 1000)

    def rate_the_effort(self, chat: WebChatSession) -> None:
        try:
            chat.wait_for(has_payload(EFFORT_SCORE), scenario().agent_wait_timeout_s, "effort question after the resolution")
        except StepFailed as exc:
            raise self.fail("ces", str(exc)) from None
        think()
        self.step(MESSAGE, "ces", lambda: chat.exchange(EFFORT_SCORE, anything, "comment question"))
        think()
        self.step(MESSAGE, "ces_comment", lambda: chat.exchange(EFFORT_COMMENT, anything, "thanks"))

    def fail(self, name: str, reason: str) -> RescheduleTask:
        """Report a failure that no single request timed (a wait for someone else), and end the conversation."""
        self.report(MESSAGE, name, 0.0, StepFailed(reason))
        return RescheduleTask()


# --- the agent bot (helpdesk API) ----------------------------------------------------------------


class AgentBot(User, TimedSteps):
    """An agent working the queue through the helpdesk API: claim the next ticket, reply, resolve,
    with a person's pauses. Spawned first (``fixed_count``, set from the run's configuration)."""

    fixed_count = 1

    def wait_time(self) -> float:
        return 0.0

    def on_start(self) -> None:
        config = scenario()
        self.http = requests.Session()
        self.api = f"{config.helpdesk_url}/api"
        response = self.step(AGENT, "agent_login", lambda: self.call("POST", "/auth/token", json={
            "email": config.agent_email, "password": config.agent_password}, authorised=False))
        self.http.headers["Authorization"] = f"Bearer {response.json()['token']}"
        self.step(AGENT, "agent_online", lambda: self.call("PUT", "/agents/me/presence", json={"presence": "online"}))

    def on_stop(self) -> None:
        self.http.close()

    def call(self, method: str, path: str, authorised: bool = True, **kwargs: Any) -> requests.Response:
        response = self.http.request(method, self.api + path, timeout=scenario().reply_timeout_s, **kwargs)
        if response.status_code >= 300:
            raise StepFailed(f"HTTP {response.status_code}: {response.text[:200]}")
        return response

    @task
    def work_the_queue(self) -> None:
        # An empty queue (204) is not a claim: only claims that got a ticket are timed.
        claimed = self.step(AGENT, "agent_claim", lambda: self.call("POST", "/tickets/claim-next"),
                            counts=lambda response: response.status_code == 200)
        if claimed.status_code == 204:
            time.sleep(AGENT_POLL_S)
            return
        ticket = claimed.json()["id"]
        agent_think()
        self.step(AGENT, "agent_reply", lambda: self.call("POST", f"/tickets/{ticket}/messages", json={
            "text": f"Thanks for waiting, I'm looking at it now. [load test, sent at {time.time():.3f}]"}))
        agent_think()
        self.step(AGENT, "agent_resolve", lambda: self.call("POST", f"/tickets/{ticket}/resolve"))


@events.init.add_listener
def configure(environment: Environment, **_kwargs: Any) -> None:
    """How many agent bots this run has is the runner's choice (``ScenarioConfig.agents``); the KB's
    questions are read now, before the clock runs, not by the first user that needs one.

    Then brings gevent's clock up to date: the event loop caches "now", and has not run since the
    process started, so Locust's ``--run-time`` would otherwise count the seconds spent above.
    """
    AgentBot.fixed_count = scenario().agents
    questions()
    gevent.get_hub().loop.update_now()


@events.quitting.add_listener
def write_summary(environment: Environment, **_kwargs: Any) -> None:
    """The run's final figures, computed by Locust, for the runner (``ScenarioConfig.summary_file``)."""
    runner = environment.runner
    if runner is None or not scenario().summary_file:
        return
    stats = runner.stats
    ended = stats.last_request_timestamp or stats.start_time
    figures = {
        "duration_s": max(0.0, ended - stats.start_time),
        "steps": [{
            "name": entry.name, "kind": entry.method, "requests": entry.num_requests, "failures": entry.num_failures,
            "p50_ms": entry.get_response_time_percentile(0.5), "p95_ms": entry.get_response_time_percentile(0.95),
            "p99_ms": entry.get_response_time_percentile(0.99),
        } for entry in stats.entries.values() if entry.num_requests or entry.num_failures],
        "failures": [{"step": error.name, "reason": error.error if isinstance(error.error, str) else repr(error.error),
                      "occurrences": error.occurrences} for error in stats.errors.values()],
        # A bug in this file shows as an exception that Locust logs, not as a failed request: it counts too.
        "exceptions": [{"step": LOCUSTFILE_EXCEPTION, "reason": row["msg"][:REASON_MAX_CHARS], "occurrences": row["count"]}
                       for row in runner.exceptions.values()],
    }
    Path(scenario().summary_file).write_text(json.dumps(figures, indent=1), encoding="utf-8")
