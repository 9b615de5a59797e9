"""The web chat's socket.io channel (``bot/engine/channels/socketio.py``) in the channel harness:
sessions bound to server-signed tokens, so a conversation id (which agents see) lets no one in."""
from __future__ import annotations

import pytest

from tests.bot.engine.channels.harness import WebChat


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
