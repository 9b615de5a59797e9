"""The production profile: two replicas of every process sharing PostgreSQL and Redis.

Each replica set is started by the same code as `make run` (EFFORTLESS_PROFILE=production):
Rasa keeps conversations in PostgreSQL (SQLTrackerStore) and locks them in Redis
(RedisLockStore); the helpdesk replicas share the ticket database. A customer whose messages
alternate between replicas keeps one coherent conversation, and agents on different helpdesk
replicas see the same queue. A web chat held by one Rasa replica gets the agent replies pushed
through the other (socket.io emits shared through Redis).
"""
import os
import queue
import re
import subprocess
import sys
import time
import uuid
from contextlib import ExitStack

import pytest
import requests
import socketio

from bot.stack.assembly import start_stack
from bot.stack.supervisor import free_port
from tests.e2e.helpers import AgentClient
from tests.e2e.standins import escalate

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]
REPLICAS = 2
REST_TOKEN = uuid.uuid4().hex


@pytest.fixture(scope="module")
def replicas(tmp_path_factory, postgres_url, redis_url):
    shared = {
        "EFFORTLESS_PROFILE": "production",
        "DATABASE_URL": postgres_url,
        "TRACKER_STORE_URL": postgres_url,
        "LOCK_STORE_URL": redis_url,
        "RASA_TOKEN": uuid.uuid4().hex,
        "HELPDESK_SERVICE_TOKEN": uuid.uuid4().hex,
        "SESSION_SECRET": uuid.uuid4().hex,
        "WEB_CHAT_SECRET": uuid.uuid4().hex,  # both replicas sign and check the same web-chat sessions
        "REST_CHANNEL_TOKEN": REST_TOKEN,  # the REST channel is off in production without it
        "BUSINESS_HOURS": "Mon-Sun 00:00-24:00",
        "LOG_LEVEL": "INFO",
    }
    with ExitStack() as running:
        stacks = []
        for index in range(REPLICAS):
            env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "CALLBACK_"))}
            env.pop("RASA_URL", None)
            env.pop("HELPDESK_URL", None)
            env.update(shared)
            env.update({
                "EFFORTLESS_VAR_DIR": str(tmp_path_factory.mktemp(f"replica{index}") / "var"),
                "RASA_PORT": str(free_port()), "ACTION_PORT": str(free_port()), "HELPDESK_PORT": str(free_port()),
            })
            stacks.append((running.enter_context(start_stack(env, timeout_s=240)), env))
        yield stacks


def say(stack, sender, text):
    response = requests.post(f"{stack.settings.rasa_url}/webhooks/rest/webhook", timeout=60,
                             json={"sender": sender, "message": text}, headers={"Authorization": f"Bearer {REST_TOKEN}"})
    response.raise_for_status()
    return [reply.get("text", "") for reply in response.json()]


def test_a_conversation_continues_across_replicas(replicas):
    (first, first_env), (second, _) = replicas
    online_agent(first, first_env, "cara")  # so the bot asks its questions before the ticket (live handoff)
    sender = f"rest:prod-{uuid.uuid4().hex[:8]}"
    assert any("name" in t for t in say(first, sender, "I want to talk to a person"))
    assert any("email" in t for t in say(second, sender, "Noa Cohen"))
    assert any("problem" in t for t in say(first, sender, "noa@example.com"))
    replies = say(second, sender, "my parcel is lost")
    assert any(re.search(r"Your ticket is T-\d+", t) for t in replies), replies


def create_agent(env, email):
    subprocess.run([sys.executable, "-m", "bot", "create-agent", "--email", email, "--name", email.split("@")[0],
                    "--role", "agent", "--password-stdin"], input="correct horse battery\n", text=True, env=env,
                   check=True, capture_output=True)


def online_agent(replica, env, name: str) -> AgentClient:
    email = f"prod-{name}-{uuid.uuid4().hex[:6]}@example.com"
    create_agent(env, email)
    agent = AgentClient.login(replica.settings.helpdesk_url, email, "correct horse battery")
    agent.go_online()
    return agent


def test_agents_on_different_helpdesk_replicas_share_one_queue(replicas):
    (first, first_env), (second, _) = replicas
    emails = [f"prod-{name}-{uuid.uuid4().hex[:6]}@example.com" for name in ("avi", "bea")]
    for email in emails:
        create_agent(first_env, email)
    avi = AgentClient.login(first.settings.helpdesk_url, emails[0], "correct horse battery")
    bea = AgentClient.login(second.settings.helpdesk_url, emails[1], "correct horse battery")
    avi.go_online()  # the live-handoff path: questions first, then the queue
    sender = f"rest:prod-{uuid.uuid4().hex[:8]}"
    replies = [say(first, sender, text) for text in ("I want to talk to a person", "Dana Levi", "dana@example.com",
                                                     "my refund is missing")]
    assert any("Your ticket is" in text for text in replies[-1]), replies
    waiting = [t for t in bea.queue() if t["conversation_id"] == sender]
    assert len(waiting) == 1
    assert avi.claim(waiting[0]["reference"])["status"] == "assigned"
    assert bea.call("POST", f"/tickets/{waiting[0]['id']}/claim").status_code == 409


def test_an_agent_reply_reaches_a_web_chat_held_by_the_other_rasa_replica(replicas):
    (first, _), (second, _) = replicas
    received: queue.Queue[dict] = queue.Queue()
    confirmed: queue.Queue[dict] = queue.Queue()
    web_chat = socketio.Client(reconnection=False)
    web_chat.on("session_confirm", confirmed.put)
    web_chat.on("bot_uttered", received.put)
    web_chat.connect(first.settings.rasa_url, socketio_path="/socket.io", transports=["websocket"])
    try:
        web_chat.emit("session_request", {})
        session_id = f"web:{confirmed.get(timeout=10)['session_id']}"
        web_chat.emit("user_uttered", {"message": "hi"})
        assert "support assistant" in str(received.get(timeout=60))  # the first replica answers its socket

        response = requests.post(
            f"{second.settings.rasa_url}/conversations/{session_id}/trigger_intent",
            params={"output_channel": "latest", "token": second.settings.rasa_token},
            json={"name": "EXTERNAL_agent_message",
                  "entities": {"agent_message": "Hi, Omer here from the second replica", "agent_name": "Omer"}},
            timeout=60,
        )
        assert response.status_code == 200, response.text
        deadline = time.monotonic() + 20
        while "Omer here from the second replica" not in str(received.get(timeout=max(0.1, deadline - time.monotonic()))):
            pass
    finally:
        web_chat.disconnect()


def test_a_live_handoff_survives_kill_9_of_each_process_of_one_replica(replicas):
    """The customer's web chat is held by the second replica; the first replica's Rasa, action server and
    helpdesk are killed in turn (the supervisor restarts each), and the agent uses whichever helpdesk
    answers, as behind a load balancer. Every line arrives exactly once and the conversation has one ticket."""
    (first, first_env), (second, _) = replicas
    email = f"prod-faults-{uuid.uuid4().hex[:6]}@example.com"
    create_agent(first_env, email)
    helpdesks = [stack.settings.helpdesk_url for stack in (first, second)]
    agent = AgentClient.login(helpdesks[0], email, "correct horse battery")
    agent.go_online()
    received: queue.Queue[dict] = queue.Queue()
    confirmed: queue.Queue[dict] = queue.Queue()
    shown: list[str] = []
    web_chat = socketio.Client(reconnection=False)
    web_chat.on("session_confirm", confirmed.put)
    web_chat.on("bot_uttered", received.put)
    web_chat.connect(second.settings.rasa_url, socketio_path="/socket.io", transports=["websocket"])

    def texts() -> list[str]:
        while not received.empty():
            shown.append(str(received.get_nowait().get("text", "")))
        return shown

    def agent_call(method: str, path: str, **kwargs) -> requests.Response:
        """The agent's request through a load balancer: the first helpdesk replica that answers."""
        deadline = time.monotonic() + 120
        while True:
            for url in helpdesks:
                try:
                    response = AgentClient(url, agent.token).call(method, path, **kwargs)
                    if response.status_code < 500:
                        return response
                except requests.ConnectionError:
                    pass
            assert time.monotonic() < deadline, f"no helpdesk replica took {method} {path}"
            time.sleep(1)

    try:
        web_chat.emit("session_request", {})
        conversation_id = f"web:{confirmed.get(timeout=10)['session_id']}"
        escalate(lambda text: web_chat.emit("user_uttered", {"message": text}), texts, {
            r"your name": "Noa Cohen", r"email": "noa@example.com",
            r"what's the problem|pass this on as": "My refund for order 1182 never arrived",
        }, timeout=120)
        waiting = [t for t in agent_call("GET", "/tickets", params={"status": "waiting", "limit": 500}).json()
                   if t["conversation_id"] == conversation_id]
        assert len(waiting) == 1
        ticket_id = waiting[0]["id"]
        assert agent_call("POST", f"/tickets/{ticket_id}/claim").ok

        customer_lines, agent_lines = [], []
        for name in ("rasa", "actions", "helpdesk"):
            first.supervisor.kill(name)
            customer_line = f"customer line while {name} was down {uuid.uuid4().hex[:6]}"
            agent_line = f"agent line while {name} was down {uuid.uuid4().hex[:6]}"
            web_chat.emit("user_uttered", {"message": customer_line})
            assert agent_call("POST", f"/tickets/{ticket_id}/messages", json={"text": agent_line}).ok
            customer_lines.append(customer_line)
            agent_lines.append(agent_line)
            first.supervisor.wait_healthy(name, 420)

        def relayed() -> list[str]:
            messages = agent_call("GET", f"/tickets/{ticket_id}").json()["messages"]
            return [m["body"] for m in messages if m["author_type"] == "customer"]

        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            if all(any(line in t for t in texts()) for line in agent_lines) and all(
                    line in relayed() for line in customer_lines):
                break
            time.sleep(1)
        time.sleep(5)  # a late duplicate would show up now
        assert {line: relayed().count(line) for line in customer_lines} == dict.fromkeys(customer_lines, 1)
        assert {line: sum(line in t for t in texts()) for line in agent_lines} == dict.fromkeys(agent_lines, 1), texts()
        tickets = agent_call("GET", "/tickets", params={"limit": 500}).json()
        assert [t["id"] for t in tickets if t["conversation_id"] == conversation_id] == [ticket_id]
    finally:
        web_chat.disconnect()
