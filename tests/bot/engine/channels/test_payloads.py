"""The connectors' pure parsers and signatures (``bot/engine/channels/payloads.py``), called directly
in the app env: the module needs only the standard library."""
from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

import pytest

from bot.engine.channels.payloads import (
    MAX_SENDER_ID_CHARS,
    TELEGRAM_START_MESSAGE,
    IncomingMessage,
    MalformedPayload,
    callback_signature,
    parse_json,
    parse_json_object,
    parse_sender_message,
    parse_telegram_update,
    secrets_match,
    telegram_customer,
    telegram_text_parts,
    twilio_customer,
    twilio_text,
    utf16_length,
)
from tests.e2e.standins import sign, telegram_button_press, telegram_update

# --- JSON bodies and secrets ------------------------------------------------------------------


def test_a_json_body_is_parsed_and_anything_else_is_a_malformed_payload():
    assert parse_json('{"a": [1, "ש"]}'.encode()) == {"a": [1, "ש"]}
    assert parse_json(b"[1, 2]") == [1, 2]
    for body in (b"", b"{not json", b"\xff\xfe\x00binary"):
        with pytest.raises(MalformedPayload, match="the body is not valid JSON"):
            parse_json(body)


def test_a_body_that_must_be_an_object_refuses_other_json():
    assert parse_json_object(b'{"object": "page"}') == {"object": "page"}
    for body in (b"[1, 2]", b'"page"', b"null"):
        with pytest.raises(MalformedPayload, match="the body must be a JSON object"):
            parse_json_object(body)


@pytest.mark.parametrize("provided, matches", [
    ("s3cret", True), ("s3cret ", False), ("S3CRET", False), ("", False), (None, False),
    ("tökën", False), ("t\udcf6k", False),  # Sanic's surrogate escape of an undecodable header byte
], ids=["same", "trailing-space", "case", "empty", "missing", "non-ascii", "undecodable"])
def test_secrets_are_compared_whatever_the_header_holds(provided, matches):
    assert secrets_match("s3cret", provided) is matches


def test_the_callback_signature_is_hex_hmac_sha256_of_the_body_and_the_collector_agrees():
    body = json.dumps({"recipient_id": "gw-1", "text": "שלום"}, ensure_ascii=False).encode()
    expected = "sha256=" + hmac.new(b"k3y", body, hashlib.sha256).hexdigest()
    assert callback_signature("k3y", body) == expected == sign("k3y", body)
    assert callback_signature("k3y", body + b" ") != expected
    assert callback_signature("other", body) != expected


# --- Telegram ---------------------------------------------------------------------------------


def test_a_telegram_text_message_becomes_a_message_from_its_chat_with_the_customers_name():
    assert parse_telegram_update(telegram_update(1001, "Where is my order?")) == IncomingMessage(
        "1001", "Where is my order?", {"customer_name": "Dana Levi", "telegram_username": "dana_l", "language": "en"})


def test_an_edited_telegram_message_is_read_like_a_new_one():
    update = telegram_update(1001, "Where is my parcel?")
    update["edited_message"] = update.pop("message")
    assert parse_telegram_update(update).text == "Where is my parcel?"


def test_a_telegram_button_press_becomes_its_payload_with_the_query_id_to_acknowledge():
    update = telegram_button_press(1002, '/rate_effort{"score": 6}')
    incoming = parse_telegram_update(update)
    assert (incoming.sender_id, incoming.text) == ("1002", '/rate_effort{"score": 6}')
    assert incoming.callback_query_id == update["callback_query"]["id"]


@pytest.mark.parametrize("text, expected", [
    ("/start", TELEGRAM_START_MESSAGE), ("/start campaign-42", TELEGRAM_START_MESSAGE),
    ("/starting", "/starting"), ("please /start", "please /start"),
])
def test_telegrams_start_command_becomes_a_greeting_and_nothing_else_does(text, expected):
    assert parse_telegram_update(telegram_update(1010, text)).text == expected


def without_text(**content: Any) -> dict[str, Any]:
    """A message update from chat 1005 that carries ``content`` instead of text."""
    update = telegram_update(1005, "")
    del update["message"]["text"]
    update["message"].update(content)
    return update


@pytest.mark.parametrize("update", [
    without_text(photo=[{"file_id": "p1", "width": 90, "height": 90}]),
    without_text(location={"latitude": 32.08, "longitude": 34.78}),
    telegram_update(1005, " \n\t "),
    {"update_id": 9, "my_chat_member": {"chat": {"id": 1005}, "date": 0}},
    {"update_id": 10, "callback_query": {"id": "q1", "data": "/greet", "inline_message_id": "i1"}},
], ids=["photo", "location", "blank-text", "membership-change", "inline-mode-button"])
def test_telegram_updates_without_text_for_a_chat_are_ignored(update):
    assert parse_telegram_update(update) is None


@pytest.mark.parametrize("update, error", [
    ([1, 2], "integer update_id"),
    ({"update_id": "7", "message": {"chat": {"id": 1004}, "text": "hi"}}, "integer update_id"),
    ({"update_id": True, "message": {"chat": {"id": 1004}, "text": "hi"}}, "integer update_id"),
    ({"update_id": 7, "message": "hi"}, "message must be an object"),
    ({"update_id": 7, "message": {"text": "hi"}}, "chat must be an object"),
    ({"update_id": 7, "message": {"chat": {"id": "1004"}, "text": "hi"}}, "chat.id must be an integer"),
    ({"update_id": 7, "message": {"chat": {"id": False}, "text": "hi"}}, "chat.id must be an integer"),
    ({"update_id": 7, "message": {"chat": {"id": 1004}, "text": ["hi"]}}, "text must be a string"),
    ({"update_id": 7, "callback_query": "press"}, "callback_query must be an object"),
    ({"update_id": 7, "callback_query": {"id": 5, "data": "/greet", "message": {"chat": {"id": 1004}}}},
     "callback_query.id must be a string"),
    ({"update_id": 7, "callback_query": {"id": "q", "data": 5, "message": {"chat": {"id": 1004}}}},
     "text must be a string"),
], ids=["list", "string-update-id", "bool-update-id", "message-not-object", "no-chat", "string-chat-id",
        "bool-chat-id", "text-not-string", "callback-not-object", "numeric-callback-id", "numeric-button-data"])
def test_a_malformed_telegram_update_is_refused_saying_why(update, error):
    with pytest.raises(MalformedPayload, match=error):
        parse_telegram_update(update)


@pytest.mark.parametrize("user, metadata", [
    ({"id": 1, "first_name": " Dana ", "last_name": "Levi", "username": "dana_l"},
     {"customer_name": "Dana Levi", "telegram_username": "dana_l"}),
    ({"id": 1, "first_name": "יעל"}, {"customer_name": "יעל"}),
    ({"id": 1, "first_name": "Layla", "language_code": "ar"}, {"customer_name": "Layla", "language": "ar"}),
    ({"id": 1, "first_name": "Jan", "language_code": "cs-CZ"}, {"customer_name": "Jan", "language": "cs-CZ"}),
    ({"id": 1, "first_name": "Noa", "language_code": ""}, {"customer_name": "Noa"}),
    ({"id": 1, "first_name": "Noa", "language_code": 5}, {"customer_name": "Noa"}),
    ({"id": 1, "first_name": "  ", "last_name": None, "username": ""}, {}),
    ({"id": 1, "first_name": 7, "username": ["x"]}, {}),
    (None, {}),
    ("dana", {}),
])
def test_the_telegram_customer_is_named_and_their_app_language_hinted_only_from_usable_fields(user, metadata):
    assert telegram_customer(user) == metadata


def test_utf16_length_counts_what_telegram_counts():
    assert utf16_length("abc") == 3
    assert utf16_length("שלום") == 4
    assert utf16_length("🙂") == 2


def test_a_reply_is_split_into_one_telegram_message_per_paragraph():
    assert list(telegram_text_parts("  First.\n\nSecond\nline.\n\n\n\nThird.  ")) == [
        "First.", "Second\nline.", "Third."]


def test_a_long_paragraph_is_cut_within_the_limit_without_splitting_a_character():
    text = "🙂" * 3000 + "x" * 5000  # 11,000 UTF-16 units; the emoji take two each
    parts = list(telegram_text_parts(text))
    assert "".join(parts) == text
    assert [utf16_length(part) for part in parts] == [4096, 4096, 2808]
    assert list(telegram_text_parts("🙂🙂a", limit=3)) == ["🙂", "🙂a"]


# --- the callback and REST channels -----------------------------------------------------------


def test_a_callback_or_rest_payload_becomes_a_message_with_its_metadata():
    metadata = {"customer_name": "Noa Cohen", "customer_email": "noa@example.com"}
    assert parse_sender_message({"sender": "gw-2001", "message": "שלום", "metadata": metadata}) == IncomingMessage(
        "gw-2001", "שלום", metadata)
    assert parse_sender_message({"sender": "gw-2001", "message": "hi"}).metadata == {}
    # blank and long messages are the guard's to handle (ignored; answered with a request to shorten)
    assert parse_sender_message({"sender": "gw", "message": " \n"}).text == " \n"
    assert parse_sender_message({"sender": "gw", "message": "x" * 100_000}).text == "x" * 100_000
    assert parse_sender_message({"sender": "g" * MAX_SENDER_ID_CHARS, "message": "hi"}).sender_id == "g" * 240


@pytest.mark.parametrize("payload, error", [
    (["gw-2004", "hi"], "must be a JSON object"),
    ({"message": "hi"}, "sender must be a non-empty string"),
    ({"sender": " ", "message": "hi"}, "sender must be a non-empty string"),
    ({"sender": 2004, "message": "hi"}, "sender must be a non-empty string"),
    ({"sender": "gw-2004" + "x" * 300, "message": "hi"}, "at most 240"),
    ({"sender": "gw-2004"}, "message must be a string"),
    ({"sender": "gw-2004", "message": {"text": "hi"}}, "message must be a string"),
    ({"sender": "gw-2004", "message": "hi", "metadata": ["a"]}, "metadata must be an object"),
], ids=["list", "no-sender", "blank-sender", "numeric-sender", "huge-sender", "no-message", "message-object",
        "metadata-list"])
def test_a_malformed_callback_or_rest_payload_is_refused_saying_why(payload, error):
    with pytest.raises(MalformedPayload, match=error):
        parse_sender_message(payload)


# --- Twilio (WhatsApp) ------------------------------------------------------------------------


@pytest.mark.parametrize("form, text", [
    ({"From": "whatsapp:+972501234567", "Body": "I need help"}, "I need help"),
    ({"Body": "write to me at dana¡example.com"}, "write to me at dana@example.com"),
    ({"Body": "", "Latitude": "32.08", "Longitude": "34.78"}, "/locationData{'Latitude': 32.08,'Longitude': 34.78}"),
    ({"Body": "here", "Latitude": "32.08", "Longitude": ""}, "here"),
    ({"Body": ""}, None),
    ({"From": "whatsapp:+972501234567", "NumMedia": "1"}, None),
], ids=["text", "carrier-at-sign", "location", "half-a-location", "empty", "media-only"])
def test_a_twilio_message_is_read_as_rasa_reads_it(form, text):
    assert twilio_text(form) == text


@pytest.mark.parametrize("form, metadata", [
    ({"ProfileName": " Yael "}, {"customer_name": "Yael"}),
    ({"ProfileName": "  "}, {}),
    ({}, {}),
])
def test_the_whatsapp_customer_is_named_from_the_profile_name(form, metadata):
    assert twilio_customer(form) == metadata
