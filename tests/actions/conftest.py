"""Fixtures for the Rasa action tests, in the style of RasaHQ/rasa-demo: a ``CollectingDispatcher``,
the domain loaded from ``domain.yml``, trackers built with ``Tracker.from_dict``.

Nothing of ours is mocked: the actions run against a migrated SQLite database, a small real KB and a
real helpdesk service (uvicorn in a subprocess on a free port). ``actions.services.services()`` reads
the environment once per process, so the fixtures set the variables and clear its cache.
"""
from __future__ import annotations

import asyncio
import itertools
import os
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.services import Services, services
from bot.db import migrate
from bot.kb.results import SearchResult
from bot.settings import PROJECT_ROOT, load_settings
from bot.stack.assembly import run_helpdesk
from bot.stack.supervisor import Service, free_port
from tests.bot.kb.kb_articles import write_demo_kb

SERVICE_TOKEN = "service-token-for-action-tests"


def run(action, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
    """``await action.run(...)`` from a plain test (pytest-asyncio is not a dependency)."""
    return asyncio.run(action.run(dispatcher, tracker, domain))


def responses(dispatcher: CollectingDispatcher) -> list[str | None]:
    return [message.get("response") for message in dispatcher.messages]


def slots_set(events: list[dict[str, Any]]) -> dict[str, Any]:
    """The slot values the events set (the last one wins, as in Rasa)."""
    return {event["name"]: event["value"] for event in events if event["event"] == "slot"}


def slots_after(tracker: Tracker, events: list[dict[str, Any]]) -> dict[str, Any]:
    """Every slot's value once the events are applied: the actions send only the SlotSets that change one."""
    return {**tracker.slots, **slots_set(events)}


def user_event(text: str, intent: str | None = None, channel: str = "rest", entities=None, metadata=None,
               timestamp: float | None = None) -> dict[str, Any]:
    """A ``UserUttered`` event as Rasa stores it (button payloads arrive as ``/intent`` text).

    ``EXTERNAL_*`` intents are what the helpdesk triggers; Rasa stores them as external user events.
    """
    if intent and intent.startswith("EXTERNAL_"):
        text, metadata = f"EXTERNAL: {intent}", {"is_external": True, **(metadata or {})}
    ranking = [{"name": intent, "confidence": 0.95}] if intent else []
    return {
        "event": "user",
        "text": text,
        "timestamp": timestamp or time.time(),
        "input_channel": channel,
        "metadata": metadata or {},
        "parse_data": {"text": text, "intent": ranking[0] if ranking else None, "intent_ranking": ranking,
                       "entities": entities or []},
    }


def make_tracker(domain: DomainDict, text: str = "", intent: str | None = None, slots: dict | None = None,
                 history: list[dict] | None = None, channel: str = "rest", entities=None, metadata=None,
                 sender_id: str | None = None, active_loop: dict | None = None,
                 trailing: list[dict] | None = None) -> Tracker:
    """A tracker whose latest message is ``text``; slots start at the domain's initial values.

    ``trailing`` events come after the message (e.g. the slot candidates a form validates).
    """
    values = {name: spec.get("initial_value") for name, spec in domain["slots"].items()}
    values.update(slots or {})
    latest = user_event(text, intent, channel, entities, metadata)
    events = list(history or []) + [latest] + list(trailing or [])
    return Tracker.from_dict({
        "sender_id": sender_id or f"test-{uuid.uuid4().hex[:12]}",
        "slots": values,
        "latest_message": {**latest["parse_data"], "metadata": latest["metadata"]},
        "events": events,
        "paused": False,
        "followup_action": None,
        "active_loop": active_loop or {},
        "latest_action_name": "action_listen",
    })


def form_turn(domain, slot, value, intent="inform", slots=None, sender_id=None):
    """The tracker the escalation form's validation sees after the customer answered ``slot``."""
    return make_tracker(
        domain, value, intent, slots={"requested_slot": slot, **(slots or {})}, sender_id=sender_id,
        active_loop={"name": "escalation_form"},
        trailing=[{"event": "slot", "timestamp": None, "name": slot, "value": value}],
    )


def asked_for(slot: str | None) -> dict:
    """The event of a form asking for ``slot`` (None: the form stopped)."""
    return {"event": "slot", "timestamp": None, "name": "requested_slot", "value": slot}


@pytest.fixture(scope="session")
def domain() -> DomainDict:
    return yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))


@pytest.fixture
def dispatcher() -> CollectingDispatcher:
    return CollectingDispatcher()


@pytest.fixture(scope="session")
def var_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("actions-var")


@pytest.fixture(scope="session")
def database_url(var_dir) -> str:
    url = f"sqlite:///{var_dir / 'effortless.db'}"
    migrate(load_settings({"EFFORTLESS_VAR_DIR": str(var_dir), "DATABASE_URL": url}))
    return url


@pytest.fixture(scope="session")
def kb_dir(tmp_path_factory) -> Path:
    return write_demo_kb(tmp_path_factory.mktemp("kb"))


@pytest.fixture(scope="session")
def topics_file(tmp_path_factory) -> Path:
    """A copy of the shipped always-human topics that a test may break for a moment."""
    path = tmp_path_factory.mktemp("topics") / "always_human_topics.yml"
    path.write_text((PROJECT_ROOT / "data" / "always_human_topics.yml").read_text(encoding="utf-8"), encoding="utf-8")
    return path


def helpdesk_env(var_dir: Path, database_url: str) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(PROJECT_ROOT),
        "EFFORTLESS_VAR_DIR": str(var_dir),
        "DATABASE_URL": database_url,
        "HELPDESK_SERVICE_TOKEN": SERVICE_TOKEN,
        "BUSINESS_HOURS": "24/7",
        "RASA_URL": f"http://127.0.0.1:{free_port()}",  # agent replies are not part of these tests
        "LOG_LEVEL": "WARNING",
    }


@pytest.fixture(scope="session")
def start_helpdesk(var_dir, database_url):
    """Start the real helpdesk service (on a given or free port) on the shared database; every one
    started is stopped at the end of the session."""
    numbers = itertools.count()
    with ExitStack() as running:
        def start(port: int | None = None) -> Service:
            log_dir = var_dir / f"helpdesk-log-{next(numbers)}"
            return running.enter_context(run_helpdesk(helpdesk_env(var_dir, database_url), port or free_port(), log_dir,
                                                      "--log-level", "warning"))

        yield start


@pytest.fixture(scope="session")
def helpdesk(start_helpdesk) -> Service:
    return start_helpdesk()


def action_server_env(var_dir: Path, database_url: str, kb_dir: Path, topics_file: Path, helpdesk_url: str) -> dict[str, str]:
    return {
        "EFFORTLESS_VAR_DIR": str(var_dir),
        "DATABASE_URL": database_url,
        "KB_DIR": str(kb_dir),
        "ALWAYS_HUMAN_TOPICS": str(topics_file),
        "HELPDESK_URL": helpdesk_url,
        "HELPDESK_SERVICE_TOKEN": SERVICE_TOKEN,
        "HTTP_RETRIES": "1",
        "HTTP_TIMEOUT_S": "5",
        "CES_ASK_AFTER": "both",
        "CES_LOW_SCORE_THRESHOLD": "3",
        "COMPANY_NAME": "Acme",
        "TICKET_BACKEND": "builtin",
        "LOG_LEVEL": "WARNING",
    }


@contextmanager
def configured_services(env: dict[str, str]) -> Iterator[Services]:
    """The action server's services as built from ``env`` (the per-process cache is reset around it)."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        services.cache_clear()
        try:
            yield services()
        finally:
            services.cache_clear()


@pytest.fixture(scope="module")
def action_services(var_dir, database_url, kb_dir, topics_file, helpdesk) -> Iterator[Services]:
    """The action server's services, configured like a local install; shared by a module's tests
    (conversations are kept apart by their sender ids)."""
    with configured_services(action_server_env(var_dir, database_url, kb_dir, topics_file, helpdesk.url)) as built:
        yield built


@pytest.fixture
def kb_decides(action_services, monkeypatch):
    """Make every search return ``result``: the situation is set exactly, whatever the search would decide."""
    def decide(result: SearchResult) -> None:
        real = action_services.knowledge_base.current()
        stub = SimpleNamespace(search=lambda question, language="en", exclude_ids=(): result, article=real.article,
                               with_translations=real.with_translations)
        monkeypatch.setattr(action_services.knowledge_base, "current", lambda: stub)
    return decide
