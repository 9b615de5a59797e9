"""The web chat's socket.io channel (``bot/engine/channels/socketio.py``) in the channel harness:
sessions bound to server-signed tokens, so a conversation id (which agents see) lets no one in."""
from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bot.engine.channels.trust import identity_hash
from tests.bot.engine.channels.harness import Harness, WebChat, start_harness


@pytest.fixture
def chats(harness):
    opened: list[WebChat] = []

    def open_chat() -> WebChat:
        opened.append(WebChat(harness.url))
        return opened[-1]

    yield open_chat
    for chat in opened:
        chat.close()


def test_a_new_chat_gets_a_signed_session_and_talks_in_its_web_conversation(harness, chats):
    chat = chats()
    session = chat.start()
    assert set(session) == {"session_id", "session_token"}
    assert session["session_token"].startswith(session["session_id"] + ".")
    chat.say("hello", metadata={"language": "cs", "customer_email": "someone@example.com"})
    assert chat.next_message()["text"] == "echo: hello"
    assert harness.messages_from(chat.conversation_id) == [{
        "text": "hello", "sender_id": chat.conversation_id, "input_channel": "socketio",
        "metadata": {"language": "cs"},  # a browser proves no identity
    }]


def test_the_token_brings_a_reconnecting_chat_back_to_its_conversation(harness, chats):
    first = chats()
    session = first.start()
    first.close()
    again = chats()
    assert again.start(session_token=session["session_token"]) == session
    again.say("I'm back")
    assert again.next_message()["text"] == "echo: I'm back"
    assert harness.user_texts(again.conversation_id) == ["I'm back"]


@pytest.mark.parametrize("claim", [
    lambda victim: {"session_id": victim["session_id"]},  # Rasa's own protocol
    lambda victim: {"session_id": f"web:{victim['session_id']}"},
    lambda victim: {"session_token": victim["session_id"]},
    lambda victim: {"session_token": victim["session_id"] + ".forged"},
], ids=["raw-id", "conversation-id", "token-without-signature", "forged-signature"])
def test_knowing_a_victims_id_gets_a_chat_a_new_session_and_none_of_the_victims_messages(harness, chats, claim):
    victim = chats()
    victim_session = victim.start()
    victim.say("my order number is 1182")
    assert victim.next_message()["text"] == "echo: my order number is 1182"

    attacker = chats()
    attacker_session = attacker.start(**claim(victim_session))
    assert attacker_session["session_id"] != victim_session["session_id"]
    attacker.say("cancel my order", session_id=victim_session["session_id"])  # Rasa would believe this field
    assert attacker.next_message()["text"] == "echo: cancel my order"

    assert harness.push("socketio", victim.conversation_id, "Dana here: your refund is on its way").status_code == 200
    assert victim.next_message()["text"] == "Dana here: your refund is on its way"
    assert attacker.nothing_arrives(within=1.5)
    assert harness.user_texts(victim.conversation_id) == ["my order number is 1182"]
    assert harness.user_texts(attacker.conversation_id) == ["cancel my order"]


def test_a_message_before_session_request_reaches_no_conversation(harness, chats):
    chat = chats()
    chat.client.connect(chat.url, socketio_path="/socket.io", transports=["websocket"], wait_timeout=10)
    chat.say("too early", session_id="b" * 32)
    assert chat.nothing_arrives(within=1.5)
    assert harness.messages_from("web:" + "b" * 32) == []
    assert "sent a message before session_request" in harness.log()


class PresenceRecorder:
    """The helpdesk's presence route, as the channel calls it: records each PUT."""

    def __init__(self) -> None:
        self.reports: list[tuple[str, str, dict]] = []
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_PUT(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                recorder.reports.append((self.path, self.headers["Authorization"], body))
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *_: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def wait_for(self, condition: Callable[[list], object], timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while not condition(list(self.reports)):
            assert time.monotonic() < deadline, f"the reports never met the condition: {self.reports}"
            time.sleep(0.05)


SITE_SECRET = "site-secret"
SERVICE_TOKEN = "presence-service-token"


@pytest.fixture(scope="module")
def presence() -> Iterator[PresenceRecorder]:
    recorder = PresenceRecorder()
    threading.Thread(target=recorder._server.serve_forever, daemon=True).start()
    yield recorder
    recorder._server.shutdown()


@pytest.fixture(scope="module")
def identity_harness(presence, tmp_path_factory) -> Iterator[Harness]:
    env = {"IDENTITY_VERIFICATION_SECRET": SITE_SECRET, "HELPDESK_URL": presence.url,
           "HELPDESK_SERVICE_TOKEN": SERVICE_TOKEN}
    with start_harness(env, tmp_path_factory.mktemp("identity-harness")) as running:
        yield running


def test_a_signed_identity_rides_on_every_message_and_a_forged_one_on_none(identity_harness):
    signed, forged = WebChat(identity_harness.url), WebChat(identity_harness.url)
    try:
        signed.start(identity={"user_id": "u-42", "email": "dana@example.com",
                               "user_hash": identity_hash(SITE_SECRET, "u-42\ndana@example.com")})
        forged.start(identity={"user_id": "u-42", "user_hash": identity_hash("guessed", "u-42")})
        signed.say("hi", metadata={"verified_user_id": "admin"})
        forged.say("hi", metadata={"verified_user_id": "u-42", "verified_email": "dana@example.com"})
        [signed_message] = identity_harness.wait_for_messages_from(signed.conversation_id)
        [forged_message] = identity_harness.wait_for_messages_from(forged.conversation_id)
    finally:
        signed.close()
        forged.close()
    assert signed_message["metadata"] == {"verified_user_id": "u-42", "verified_email": "dana@example.com"}
    assert forged_message["metadata"] == {}
    assert "whose user_hash does not match" in identity_harness.log()
    identity_harness.assert_no_secret_logged()


def test_each_chat_opened_and_closed_is_reported_to_the_helpdesk_in_order(identity_harness, presence):
    chat = WebChat(identity_harness.url)
    session = chat.start(identity={"user_id": "u-7", "user_hash": identity_hash(SITE_SECRET, "u-7")})
    chat.start(session_token=session["session_token"])  # the same session again: not a second chat
    chat.close()

    path = f"/api/internal/conversations/web:{session['session_id']}/presence"
    presence.wait_for(lambda reports: sum(report[0] == path for report in reports) >= 2)
    assert [report for report in presence.reports if report[0] == path] == [
        (path, f"Bearer {SERVICE_TOKEN}", {"open": True, "verified_user_id": "u-7"}),
        (path, f"Bearer {SERVICE_TOKEN}", {"open": False})]


def test_a_starting_engine_reports_that_no_chat_is_open_before_any_chat(identity_harness, presence):
    presence.wait_for(lambda reports: reports)
    assert presence.reports[0] == ("/api/internal/presence", f"Bearer {SERVICE_TOKEN}", {"open_sockets": 0})
