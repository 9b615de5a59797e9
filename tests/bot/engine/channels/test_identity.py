"""Conversation ids namespaced by channel and signed web-chat sessions
(``bot/engine/channels/identity.py``), called directly in the app env."""
from __future__ import annotations

import pytest

from bot.engine.channels.identity import (
    REST,
    TELEGRAM,
    WEB,
    WHATSAPP,
    conversation_id,
    new_web_session,
    platform_id,
    verified_web_session,
    web_session_token,
)

SECRET = "web-chat-secret"


@pytest.mark.parametrize("prefix, sent, conversation", [
    (TELEGRAM, "52013", "telegram:52013"),
    (REST, "dana", "rest:dana"),
    (REST, "rest:dana", "rest:dana"),  # the id the REST client was given back: still one prefix
    (REST, "telegram:52013", "rest:telegram:52013"),  # another channel's id stays in REST's namespace
    (REST, "web:9f3c", "rest:web:9f3c"),
    (WHATSAPP, "whatsapp:+972501234567", "whatsapp:+972501234567"),  # Twilio's own address format
    (WEB, "telegram:1", "web:telegram:1"),
])
def test_every_conversation_id_carries_exactly_one_prefix_its_own_channels(prefix, sent, conversation):
    assert conversation_id(prefix, sent) == conversation


@pytest.mark.parametrize("prefix, conversation, recipient", [
    (TELEGRAM, "telegram:52013", "52013"),
    (TELEGRAM, "52013", "52013"),  # a conversation from before ids were namespaced
    (REST, "rest:telegram:52013", "telegram:52013"),
    (TELEGRAM, "rest:52013", "rest:52013"),  # never someone else's prefix
])
def test_an_output_channel_hands_the_platform_its_own_id(prefix, conversation, recipient):
    assert platform_id(prefix, conversation) == recipient


def test_a_new_web_session_is_random_and_its_token_verifies():
    session_id, token = new_web_session(SECRET)
    other_id, _ = new_web_session(SECRET)
    assert len(session_id) == 32 and session_id != other_id
    assert token == web_session_token(SECRET, session_id)
    assert verified_web_session(SECRET, token) == session_id


@pytest.mark.parametrize("forge", [
    lambda session_id, token: session_id,  # the bare id an agent can see
    lambda session_id, token: f"web:{session_id}",
    lambda session_id, token: web_session_token("another-secret", session_id),
    lambda session_id, token: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
    lambda session_id, token: "0" * 32 + token[32:],  # another id with this one's signature
    lambda session_id, token: token.upper(),
    lambda session_id, token: token + ".extra",
    lambda session_id, token: "",
    lambda session_id, token: None,
    lambda session_id, token: {"session_id": session_id},
    lambda session_id, token: "../" + token,
    lambda session_id, token: token.replace(".", ".\udcff"),
], ids=["bare-id", "conversation-id", "other-secret", "changed-signature", "other-id", "upper-case", "suffix",
        "empty", "none", "object", "path", "surrogate"])
def test_a_token_this_server_did_not_sign_proves_nothing(forge):
    session_id, token = new_web_session(SECRET)
    assert verified_web_session(SECRET, forge(session_id, token)) is None
