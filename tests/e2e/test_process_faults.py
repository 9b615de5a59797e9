"""Fault injection with every process real: the stack started as `make run` starts it (start_stack),
then ``kill -9`` of Rasa, the action server and the helpdesk in turn. The supervisor brings each one
back while the others keep answering, and afterwards a conversation from before the fault goes on
with its tracker intact. Also: no process of the stack has a secret on its command line, and the
action server answers only Rasa.
"""
from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests

from bot.settings import secret_values
from bot.stack.assembly import start_stack
from bot.stack.supervisor import Supervisor
from tests.e2e.conftest import Stack, stack_env

pytestmark = pytest.mark.e2e

QUESTION = "what payment methods do you accept"  # a faq: answered, then "did that answer" at once
KB_FOLLOW_UP = "Did that answer your question?"


@pytest.fixture(scope="module")
def supervised(tmp_path_factory, standins) -> Iterator[Stack]:
    """A stack of its own (the shared one stays up), restarting what the tests kill."""
    env = stack_env(tmp_path_factory.mktemp("faults"), standins)
    with start_stack(env) as running:
        yield Stack(running=running, env=env)


def command_lines(supervisor: Supervisor) -> dict[int, str]:
    """The command line of every process in the stack's process groups (children included)."""
    groups = {service.running.pid for service in supervisor.services}
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            group = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[2])  # "pid (comm) state ppid pgrp ..."
            if group in groups:
                found[int(entry.name)] = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (FileNotFoundError, ProcessLookupError):
            continue  # ended while we looked
    return found


def assert_no_secret_on_any_command_line(stack: Stack) -> None:
    lines = command_lines(stack.running.supervisor)
    assert {service.running.pid for service in stack.running.supervisor.services} <= set(lines)
    secrets = secret_values(stack.running.settings)
    assert len(secrets) >= 4  # Rasa's API, the action server, the helpdesk's internal API, console sessions
    leaks = [(pid, line) for pid, line in lines.items() for secret in secrets if secret in line]
    assert not leaks, "a secret is visible to ps"


def rasa_status(stack: Stack) -> bool:
    response = requests.get(f"{stack.rasa_url}/status", params={"token": stack.rasa_token}, timeout=5)
    return response.ok and bool(response.json().get("model_file"))


def helpdesk_health(stack: Stack) -> bool:
    return requests.get(f"{stack.helpdesk_url}/health", timeout=5).json()["status"] == "ok"


def texts(replies: list[dict]) -> list[str]:
    return [reply.get("text", "") for reply in replies]


def test_no_process_of_the_stack_has_a_secret_on_its_command_line(supervised):
    assert_no_secret_on_any_command_line(supervised)
    rasa = command_lines(supervised.running.supervisor)[supervised.running.supervisor.service("rasa").running.pid]
    assert "-m bot.engine.serve --enable-api" in rasa and "--auth-token" not in rasa


def test_the_action_server_answers_rasa_and_nobody_else(supervised, sender):
    actions = supervised.running.supervisor.service("actions")
    call = {"next_action": "action_answer_question", "sender_id": sender, "tracker": {"sender_id": sender}, "domain": {}}

    assert requests.post(f"{actions.url}/webhook", json=call, timeout=10).status_code == 401
    assert requests.get(f"{actions.url}/health", timeout=10).ok
    assert KB_FOLLOW_UP in texts(supervised.say(sender, QUESTION))  # Rasa, with the token, ran the KB action


OTHERS_ANSWER: dict[str, list[Callable[[Stack], bool]]] = {
    "rasa": [helpdesk_health],
    "actions": [rasa_status, helpdesk_health],
    "helpdesk": [rasa_status],
}


@pytest.mark.parametrize("name", ["rasa", "actions", "helpdesk"])
def test_a_killed_process_comes_back_while_the_others_keep_serving(supervised, name):
    supervisor = supervised.running.supervisor
    sender = f"rest:faults-{name}-{uuid.uuid4().hex[:8]}"  # the REST channel's own conversation ids
    assert KB_FOLLOW_UP in texts(supervised.say(sender, QUESTION))
    before = supervised.tracker(sender)["events"]

    killed = supervisor.kill(name)
    service = supervisor.service(name)
    checks = 0
    deadline = time.monotonic() + 300
    while not service.healthy.is_set():  # until the supervisor has it back
        assert time.monotonic() < deadline, f"{name} not back: {service.last_line()}"
        for answers in OTHERS_ANSWER[name]:
            assert answers(supervised), f"{answers.__name__} failed while {name} was down"
        checks += 1
        time.sleep(1)
    supervisor.wait_healthy(name, 0)

    assert checks >= 1, f"{name} was back before the others could be checked"
    assert service.running.pid != killed
    assert service.exits[-1].reason == "was killed by SIGKILL (kill -9 or out of memory)"
    assert all(answers(supervised) for answers in (rasa_status, helpdesk_health))
    # The conversation from before the fault goes on, with everything it had.
    assert supervised.tracker(sender)["events"][:len(before)] == before
    assert KB_FOLLOW_UP in texts(supervised.say(sender, "and can I pay with paypal"))
    after = supervised.tracker(sender)["events"]
    assert after[:len(before)] == before and len(after) > len(before)
    assert_no_secret_on_any_command_line(supervised)  # the new process too
