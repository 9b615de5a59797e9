"""The production profile behind a real load balancer: two replicas of every process sharing
PostgreSQL and Redis, and Debian's nginx in front with the reference configuration
(deploy/nginx/effortless.conf). Customers and agents talk only to nginx.

Each replica set is started by the same code as `make run` (EFFORTLESS_PROFILE=production):
Rasa keeps conversations in PostgreSQL (SQLTrackerStore) and locks them in Redis
(RedisLockStore); the helpdesk replicas share the ticket database. nginx spreads REST turns and
agent requests over the replicas, and a customer whose turns alternate between them keeps one
coherent conversation. A socket.io session stays on the replica its client's address hashes to,
so long-polling works; an agent reply reaches a web chat held by either replica (socket.io emits
shared through Redis), and the chat survives kill -9 of each process of the other replica.
"""
import os
import queue
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from urllib.parse import urlsplit

import pytest
import requests
import socketio
from requests.adapters import HTTPAdapter

from bot.stack.assembly import RunningStack, start_stack
from bot.stack.supervisor import free_port
from tests.e2e.helpers import AgentClient
from tests.e2e.standins import escalate
from tests.helpers.nginx import TemporaryNginx, nginx_binary

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
        "TRUSTED_PROXIES": "127.0.0.1",  # nginx: the helpdesk reads the client's address from X-Forwarded-For
        # One KB index cache for the replicas, as in a deployment: the second replica reuses the first's build.
        "KB_INDEX_CACHE_DIR": str(tmp_path_factory.getbasetemp() / "kb-index-cache"),
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
            stacks.append((running.enter_context(start_stack(env, timeout_s=600)), env))
        yield stacks


@pytest.fixture(scope="module")
def balancer(replicas) -> Iterator[TemporaryNginx]:
    """nginx in front of the replicas, as deploy/nginx/effortless.conf configures it."""
    stacks = [stack for stack, _ in replicas]
    with TemporaryNginx(nginx_binary(), [s.rasa_url for s in stacks], [s.helpdesk_url for s in stacks]) as nginx:
        yield nginx


def replica_of(response: requests.Response, stacks: list[RunningStack], service: str) -> int:
    """Which replica's ``rasa`` or ``helpdesk`` answered, from the X-Upstream header nginx adds
    (its last address, if nginx moved on from a replica that refused)."""
    answered = response.headers["X-Upstream"].split(",")[-1].strip()
    urls = [s.rasa_url if service == "rasa" else s.helpdesk_url for s in stacks]
    return [urlsplit(url).netloc for url in urls].index(answered)


class SourceAddressAdapter(HTTPAdapter):
    """Connections from one loopback address (127.0.0.2, ...): to nginx, a customer on another machine."""

    def __init__(self, address: str):
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs, source_address=(self.address, 0))


def session_from(address: str) -> requests.Session:
    session = requests.Session()
    session.mount("http://", SourceAddressAdapter(address))
    return session


def addresses_by_replica(balancer: TemporaryNginx, stacks: list[RunningStack]) -> dict[int, str]:
    """One client address per Rasa replica: where nginx sends a new socket.io session from each."""
    found: dict[int, str] = {}
    for last_octet in range(2, 60):
        address = f"127.0.0.{last_octet}"
        handshake = session_from(address).get(f"{balancer.url}/socket.io/", params={"EIO": "4", "transport": "polling"},
                                              timeout=30)
        assert handshake.ok, handshake.text
        found.setdefault(replica_of(handshake, stacks, "rasa"), address)
        if len(found) == len(stacks):
            return found
    raise AssertionError(f"58 client addresses all hashed to the replicas {sorted(found)}")


class PollingWebChat:
    """A web chat that only long-polls (no WebSocket upgrade), from one client address, through nginx;
    ``replicas`` collects which Rasa replica answered each of its HTTP requests."""

    def __init__(self, balancer: TemporaryNginx, stacks: list[RunningStack], address: str):
        self.received: queue.Queue[dict] = queue.Queue()
        self.shown: list[str] = []
        self.replicas: set[int] = set()
        confirmed: queue.Queue[dict] = queue.Queue()
        session = session_from(address)
        session.hooks["response"].append(lambda response, *_, **__: self.replicas.add(
            replica_of(response, stacks, "rasa")))
        self.client = socketio.Client(reconnection=False, http_session=session)
        self.client.on("session_confirm", confirmed.put)
        self.client.on("bot_uttered", self.received.put)
        self.client.connect(balancer.url, socketio_path="/socket.io", transports=["polling"])
        self.client.emit("session_request", {})
        self.conversation_id = f"web:{confirmed.get(timeout=30)['session_id']}"

    def say(self, text: str) -> None:
        self.client.emit("user_uttered", {"message": text})

    def texts(self) -> list[str]:
        while not self.received.empty():
            self.shown.append(str(self.received.get_nowait().get("text", "")))
        return self.shown

    def wait_for(self, fragment: str, timeout_s: float = 60) -> None:
        deadline = time.monotonic() + timeout_s
        while not any(fragment in text for text in self.texts()):
            assert time.monotonic() < deadline, f"{fragment!r} never reached the chat: {self.shown}"
            time.sleep(0.2)

    def close(self) -> None:
        self.client.disconnect()


def say(balancer: TemporaryNginx, stacks: list[RunningStack], sender: str, text: str) -> tuple[int, list[str]]:
    """One REST turn through nginx; returns the Rasa replica that took it and the bot's texts."""
    response = requests.post(f"{balancer.url}/webhooks/rest/webhook", timeout=120,
                             json={"sender": sender, "message": text}, headers={"Authorization": f"Bearer {REST_TOKEN}"})
    response.raise_for_status()
    return replica_of(response, stacks, "rasa"), [reply.get("text", "") for reply in response.json()]


def test_rest_turns_spread_over_the_replicas_and_the_conversation_stays_coherent(replicas, balancer):
    stacks = [stack for stack, _ in replicas]
    online_agent(balancer.url, replicas[0][1], "cara")  # so the bot asks its questions before the ticket (live handoff)
    sender = f"rest:prod-{uuid.uuid4().hex[:8]}"
    answered = set()
    for text, expected in (("I want to talk to a person", r"name"), ("Noa Cohen", r"email"),
                           ("noa@example.com", r"problem"), ("my parcel is lost", r"Your ticket is T-\d+")):
        replica, replies = say(balancer, stacks, sender, text)
        answered.add(replica)
        assert any(re.search(expected, t) for t in replies), (text, replies)
    assert answered == set(range(REPLICAS))  # nginx spread the turns; the shared stores kept them one conversation


def create_agent(env, email):
    subprocess.run([sys.executable, "-m", "bot", "create-agent", "--email", email, "--name", email.split("@")[0],
                    "--role", "agent", "--password-stdin"], input="correct horse battery\n", text=True, env=env,
                   check=True, capture_output=True)


def online_agent(helpdesk_url: str, env, name: str) -> AgentClient:
    email = f"prod-{name}-{uuid.uuid4().hex[:6]}@example.com"
    create_agent(env, email)
    agent = AgentClient.login(helpdesk_url, email, "correct horse battery")
    agent.go_online()
    return agent


def test_agents_behind_the_balancer_share_one_queue_across_helpdesk_replicas(replicas, balancer):
    stacks = [stack for stack, _ in replicas]
    emails = [f"prod-{name}-{uuid.uuid4().hex[:6]}@example.com" for name in ("avi", "bea")]
    for email in emails:
        create_agent(replicas[0][1], email)
    avi, bea = (AgentClient.login(balancer.url, email, "correct horse battery") for email in emails)
    avi.go_online()  # the live-handoff path: questions first, then the queue
    sender = f"rest:prod-{uuid.uuid4().hex[:8]}"
    replies = [say(balancer, stacks, sender, text)[1] for text in ("I want to talk to a person", "Dana Levi",
                                                                  "dana@example.com", "my refund is missing")]
    assert any("Your ticket is" in text for text in replies[-1]), replies
    looks = [bea.call("GET", "/queue") for _ in range(4)]
    assert {replica_of(look, stacks, "helpdesk") for look in looks} == set(range(REPLICAS))
    waiting = [t for t in looks[-1].json() if t["conversation_id"] == sender]
    assert len(waiting) == 1
    assert avi.claim(waiting[0]["reference"])["status"] == "assigned"
    assert bea.call("POST", f"/tickets/{waiting[0]['id']}/claim").status_code == 409


def test_long_polling_web_chats_stick_to_one_replica_and_agent_replies_reach_either(replicas, balancer):
    """Two polling-only chats from client addresses that hash to different replicas: every request
    of each stays on its replica (or the session would be unknown), each has a coherent conversation,
    and agent replies sent through nginx reach both, whichever replica sends them."""
    stacks = [stack for stack, _ in replicas]
    chats = [PollingWebChat(balancer, stacks, address) for _, address in sorted(addresses_by_replica(balancer, stacks).items())]
    try:
        for chat in chats:
            chat.say("hi")
            chat.wait_for("support assistant")
        for index, chat in enumerate(chats):
            senders = set()
            for attempt in range(REPLICAS):
                line = f"Omer here for chat {index}, message {attempt}"
                response = requests.post(
                    f"{balancer.url}/conversations/{chat.conversation_id}/trigger_intent",
                    params={"output_channel": "latest", "token": stacks[0].settings.rasa_token},
                    json={"name": "EXTERNAL_agent_message", "entities": {"agent_message": line, "agent_name": "Omer"}},
                    timeout=120,
                )
                assert response.status_code == 200, response.text
                senders.add(replica_of(response, stacks, "rasa"))
                chat.wait_for(line, timeout_s=30)
            assert senders == set(range(REPLICAS))  # one of them from the replica that does not hold the chat
        assert [chat.replicas for chat in chats] == [{index} for index in range(REPLICAS)]
    finally:
        for chat in chats:
            chat.close()


def test_a_web_chat_upgrades_to_websocket_through_the_balancer(balancer):
    received: queue.Queue[dict] = queue.Queue()
    web_chat = socketio.Client(reconnection=False)
    web_chat.on("bot_uttered", received.put)
    web_chat.connect(balancer.url, socketio_path="/socket.io")  # polling first, then the upgrade, as the widget
    try:
        web_chat.emit("session_request", {})
        web_chat.emit("user_uttered", {"message": "hi"})
        assert "support assistant" in str(received.get(timeout=60))
        assert web_chat.transport() == "websocket"
    finally:
        web_chat.disconnect()


def test_a_live_handoff_survives_kill_9_of_each_process_of_one_replica(replicas, balancer):
    """The customer's long-polling web chat is held by the second replica; the first replica's Rasa,
    action server and helpdesk are killed in turn (the supervisor restarts each) while the agent works
    through nginx, which moves on from a replica that refuses. Every line arrives exactly once and the
    conversation has one ticket."""
    (first, first_env), _ = replicas
    stacks = [stack for stack, _ in replicas]
    email = f"prod-faults-{uuid.uuid4().hex[:6]}@example.com"
    create_agent(first_env, email)
    agent = AgentClient.login(balancer.url, email, "correct horse battery")
    agent.go_online()
    web_chat = PollingWebChat(balancer, stacks, addresses_by_replica(balancer, stacks)[1])

    def agent_call(method: str, path: str, **kwargs) -> requests.Response:
        """Through nginx; a request that was under way in a replica as it died is answered 502 (nginx does
        not re-send it), so the agent tries again, as the console does."""
        deadline = time.monotonic() + 120
        while True:
            response = agent.call(method, path, **kwargs)
            if response.status_code < 500:
                return response
            assert time.monotonic() < deadline, f"nginx found no helpdesk replica for {method} {path}"
            time.sleep(1)

    try:
        escalate(web_chat.say, web_chat.texts, {
            r"your name": "Noa Cohen", r"email": "noa@example.com",
            r"what's the problem|pass this on as": "My refund for order 1182 never arrived",
        }, timeout=120)
        waiting = [t for t in agent_call("GET", "/tickets", params={"status": "waiting", "limit": 500}).json()
                   if t["conversation_id"] == web_chat.conversation_id]
        assert len(waiting) == 1
        ticket_id = waiting[0]["id"]
        assert agent_call("POST", f"/tickets/{ticket_id}/claim").ok

        customer_lines, agent_lines = [], []
        for name in ("rasa", "actions", "helpdesk"):
            first.supervisor.kill(name)
            customer_line = f"customer line while {name} was down {uuid.uuid4().hex[:6]}"
            agent_line = f"agent line while {name} was down {uuid.uuid4().hex[:6]}"
            web_chat.say(customer_line)
            assert agent_call("POST", f"/tickets/{ticket_id}/messages", json={"text": agent_line}).ok
            customer_lines.append(customer_line)
            agent_lines.append(agent_line)
            first.supervisor.wait_healthy(name, 420)

        def relayed() -> list[str]:
            messages = agent_call("GET", f"/tickets/{ticket_id}").json()["messages"]
            return [m["body"] for m in messages if m["author_type"] == "customer"]

        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            if all(any(line in t for t in web_chat.texts()) for line in agent_lines) and all(
                    line in relayed() for line in customer_lines):
                break
            time.sleep(1)
        time.sleep(5)  # a late duplicate would show up now
        assert {line: relayed().count(line) for line in customer_lines} == dict.fromkeys(customer_lines, 1)
        assert {line: sum(line in t for t in web_chat.texts()) for line in agent_lines} == dict.fromkeys(
            agent_lines, 1), web_chat.texts()
        tickets = agent_call("GET", "/tickets", params={"limit": 500}).json()
        assert [t["id"] for t in tickets if t["conversation_id"] == web_chat.conversation_id] == [ticket_id]
        assert web_chat.replicas == {1}  # the whole chat stayed on the replica that was never killed
    finally:
        web_chat.close()
