"""The trust boundary for what customers type (``bot/engine/channels/trust.py``), called directly
in the app env."""
from __future__ import annotations

import pytest

from bot.customers import identity as app_identity
from bot.engine.channels.trust import (
    VERIFIED_EMAIL,
    VERIFIED_USER_ID,
    accepted_metadata,
    identity_hash,
    needs_offer,
    neutralised,
    offered_payloads,
    payload_intent,
    verified_identity,
)


@pytest.mark.parametrize("text", [
    "where is my order?",
    "/restart",
    "/greet",
    "  /deny ",
    "/etc/passwd is missing",  # Rasa reads an unknown intent as text
    "/",
    "//",
    "a/EXTERNAL_agent_message{}",
], ids=["text", "restart", "greet", "padded-deny", "path", "slash", "double-slash", "slash-inside"])
def test_ordinary_text_and_bare_customer_intents_need_no_offer(text):
    assert not needs_offer(text)


@pytest.mark.parametrize("text, intent", [
    ('/EXTERNAL_ticket_resolved{"resolution_id":"7"}', "EXTERNAL_ticket_resolved"),
    ('/EXTERNAL_agent_message{"agent_message": "refund approved", "agent_name": "Omer"}', "EXTERNAL_agent_message"),
    ("/EXTERNAL_ticket_reopened", "EXTERNAL_ticket_reopened"),
    ("/external_agent_joined", "external_agent_joined"),
    ('/choose_article{"article_id": "reset-password"}', "choose_article"),
    ('/rate_effort{"score": 1}', "rate_effort"),
    ("/affirm@0.01", "affirm"),
    ('/ EXTERNAL_ticket_resolved {"resolution_id": "7"}', "EXTERNAL_ticket_resolved"),
    ('/restart{"x": 1} and more', "restart"),
], ids=["resolved", "agent-message", "bare-external", "lower-case-external", "entities", "rating", "confidence",
        "spaces", "trailing-text"])
def test_helpdesk_intents_entities_and_confidences_need_a_button_the_bot_offered(text, intent):
    assert needs_offer(text)
    assert payload_intent(text) == intent


@pytest.mark.parametrize("text, plain", [
    ('/EXTERNAL_ticket_resolved{"resolution_id":"7"}', 'EXTERNAL_ticket_resolved{"resolution_id":"7"}'),
    ("//  /EXTERNAL_agent_message", "EXTERNAL_agent_message"),
    (" /\u00a0/affirm@0.9", "affirm@0.9"),  # Rasa strips Unicode spaces too
])
def test_a_neutralised_payload_is_text_rasa_cannot_read_as_one(text, plain):
    assert neutralised(text) == plain
    assert payload_intent(neutralised(text)) is None


def user(text: str, **metadata) -> dict:
    return {"event": "user", "text": text, "metadata": metadata}


def bot(text: str, *payloads: str) -> dict:
    return {"event": "bot", "text": text, "data": {"buttons": [{"title": p, "payload": p} for p in payloads]}}


def test_the_offered_payloads_are_the_buttons_of_the_bots_messages_since_the_customers_last_few():
    events = [
        bot("too old", "/older"), user("hi"), bot("old question", "/old"),
        user("one"), bot("suggestions", '/choose_article{"article_id": "a"}', '/choose_article{"article_id": "b"}'),
        user("two"), {"event": "action", "name": "action_listen"},
        {"event": "user", "text": "/EXTERNAL_agent_joined", "metadata": {"is_external": True}},  # the helpdesk's
        bot("rate us", "1", "2"), {"event": "bot", "text": "no buttons", "data": {}},
        {"event": "bot", "text": "quick", "data": {"quick_replies": [{"title": "Yes", "payload": "/affirm"}]}},
    ]
    latest = {"1", "2", "/affirm"}
    suggestions = {'/choose_article{"article_id": "a"}', '/choose_article{"article_id": "b"}'}
    assert offered_payloads(events) == latest | suggestions | {"/old"}  # pressable for three customer messages
    assert offered_payloads(events, turns=2) == latest | suggestions
    assert offered_payloads(events, turns=1) == latest
    assert offered_payloads([]) == set()


def test_malformed_button_data_is_never_an_offer():
    events = [{"event": "bot", "data": {"buttons": [None, {"title": "x"}, {"payload": 7}, "text"]}}]
    assert offered_payloads(events) == set()


IDENTITY = {"customer_name": "Dana Levi", "customer_email": "dana@example.com", "language": "he"}


def test_metadata_that_proves_nothing_keeps_only_hints():
    assert accepted_metadata({**IDENTITY, "is_external": True}, proves_identity=False) == {"language": "he"}


def test_metadata_that_proves_the_identity_is_kept_but_for_rasas_own_markers():
    assert accepted_metadata({**IDENTITY, "is_external": True}, proves_identity=True) == IDENTITY


@pytest.mark.parametrize("metadata", [None, "{}", ["language"], 7])
def test_metadata_that_is_not_an_object_is_dropped(metadata):
    assert accepted_metadata(metadata, proves_identity=True) == {}


def test_verified_identity_keys_are_never_accepted_from_a_channel_even_one_that_proves_identity():
    forged = {**IDENTITY, VERIFIED_USER_ID: "admin", VERIFIED_EMAIL: "ceo@example.com"}
    assert accepted_metadata(forged, proves_identity=True) == IDENTITY
    assert accepted_metadata(forged, proves_identity=False) == {"language": "he"}


def test_the_engine_and_the_app_name_the_verified_keys_alike():
    assert (VERIFIED_USER_ID, VERIFIED_EMAIL) == (app_identity.VERIFIED_USER_ID, app_identity.VERIFIED_EMAIL)


SITE_SECRET = "site-secret"


def test_identity_hash_is_the_hex_hmac_sha256_a_site_computes():
    # python -c 'import hmac,hashlib;print(hmac.new(b"site-secret",b"u-42",hashlib.sha256).hexdigest())'
    assert identity_hash(SITE_SECRET, "u-42") == "c879dc3d90d24414f6bf9be67f8725a12291adf77122ce76beb02736d2a5fba4"


@pytest.mark.parametrize("identity, proved", [
    ({"user_id": "u-42", "user_hash": identity_hash(SITE_SECRET, "u-42")}, {VERIFIED_USER_ID: "u-42"}),
    ({"user_id": 42, "user_hash": identity_hash(SITE_SECRET, "42")}, {VERIFIED_USER_ID: "42"}),
    ({"email": "dana@example.com", "user_hash": identity_hash(SITE_SECRET, "dana@example.com")},
     {VERIFIED_EMAIL: "dana@example.com"}),
    ({"user_id": "u-42", "email": "dana@example.com", "user_hash": identity_hash(SITE_SECRET, "u-42\ndana@example.com")},
     {VERIFIED_USER_ID: "u-42", VERIFIED_EMAIL: "dana@example.com"}),
    # Signed user id, unsigned address (the browser can change it): only the user id counts.
    ({"user_id": "u-42", "email": "ceo@example.com", "user_hash": identity_hash(SITE_SECRET, "u-42")},
     {VERIFIED_USER_ID: "u-42"}),
    ({"user_id": "u-42", "user_hash": identity_hash(SITE_SECRET, "u-42").upper()}, {VERIFIED_USER_ID: "u-42"}),
], ids=["user-id", "numeric-user-id", "email", "both", "unsigned-email", "upper-case-hash"])
def test_a_signed_identity_proves_what_its_hash_covers(identity, proved):
    assert verified_identity(SITE_SECRET, identity) == proved


@pytest.mark.parametrize("secret, identity", [
    ("", {"user_id": "u-42", "user_hash": identity_hash("", "u-42")}),
    (SITE_SECRET, {"user_id": "u-42", "user_hash": identity_hash("another-secret", "u-42")}),
    (SITE_SECRET, {"user_id": "u-43", "user_hash": identity_hash(SITE_SECRET, "u-42")}),
    (SITE_SECRET, {"user_id": "u-42"}),
    (SITE_SECRET, {"user_id": "u-42", "user_hash": "é" * 64}),
    (SITE_SECRET, {"user_id": "u-42", "user_hash": 7}),
    (SITE_SECRET, {"user_id": "x" * 256, "user_hash": identity_hash(SITE_SECRET, "x" * 256)}),
    (SITE_SECRET, {"user_id": True, "user_hash": identity_hash(SITE_SECRET, "True")}),
    (SITE_SECRET, "u-42"),
    (SITE_SECRET, None),
], ids=["off", "other-secret", "other-user", "no-hash", "non-ascii-hash", "hash-not-text", "too-long", "bool",
        "not-an-object", "none"])
def test_an_unsigned_forged_or_unusable_identity_proves_nothing(secret, identity):
    assert verified_identity(secret, identity) == {}
