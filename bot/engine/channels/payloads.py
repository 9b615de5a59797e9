"""What the webhooks carry, parsed and checked: pure functions on the standard library only.

The connectors in this package (which need rasa) call these; the app env tests them directly.
Nothing here does I/O or imports rasa, sanic or a platform's client library.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

TELEGRAM_SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
TELEGRAM_MAX_TEXT = 4096  # UTF-16 code units per message, a Bot API limit
# Telegram sends "/start" when someone opens the bot; Rasa would read it as an unknown intent.
TELEGRAM_START_MESSAGE = "/greet"
CALLBACK_SIGNATURE_HEADER = "X-Effortless-Signature"
# The tracker store's sender_id column holds 255 characters, the channel's prefix included.
MAX_SENDER_ID_CHARS = 240


class MalformedPayload(ValueError):
    """A webhook body the connector cannot turn into a user message; the text says why."""


@dataclass(frozen=True)
class IncomingMessage:
    """What a webhook carries for the bot, once validated."""

    sender_id: str
    text: str
    metadata: dict[str, Any] = field(default_factory=dict)
    callback_query_id: str | None = None


def parse_json(body: bytes) -> Any:
    """A request body parsed as JSON, or :class:`MalformedPayload`."""
    try:
        return json.loads(body)
    except ValueError:  # includes undecodable bytes
        raise MalformedPayload("the body is not valid JSON") from None


def parse_json_object(body: bytes) -> dict[str, Any]:
    """A request body that must be a JSON object, or :class:`MalformedPayload`."""
    payload = parse_json(body)
    if not isinstance(payload, dict):
        raise MalformedPayload("the body must be a JSON object")
    return payload


def secrets_match(expected: str, provided: str | None) -> bool:
    """Constant-time comparison that also copes with non-ASCII header values.

    Sanic decodes undecodable header bytes as surrogates, hence ``surrogateescape``.
    """
    return hmac.compare_digest(
        expected.encode("utf-8"), (provided or "").encode("utf-8", errors="surrogateescape")
    )


# --- Telegram --------------------------------------------------------------------------------


def _object(container: dict[str, Any], key: str, what: str) -> dict[str, Any]:
    value = container.get(key)
    if not isinstance(value, dict):
        raise MalformedPayload(f"{what} must be an object")
    return value


def _is_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def telegram_customer(user: Any) -> dict[str, str]:
    """Metadata naming the Telegram user: ``customer_name`` and ``telegram_username``, and the
    ``language`` hint from their app's ``language_code`` (the conversation's language until they write)."""
    if not isinstance(user, dict):
        return {}
    names = [user.get("first_name"), user.get("last_name")]
    full_name = " ".join(name.strip() for name in names if isinstance(name, str) and name.strip())
    metadata = {}
    if full_name:
        metadata["customer_name"] = full_name
    if isinstance(user.get("username"), str) and user["username"]:
        metadata["telegram_username"] = user["username"]
    if isinstance(user.get("language_code"), str) and user["language_code"]:
        metadata["language"] = user["language_code"]
    return metadata


def parse_telegram_update(update: Any) -> IncomingMessage | None:
    """The user message in a Bot API ``Update``; ``None`` for updates the bot ignores.

    Handled: text messages, edited text messages and inline-button presses; ``/start`` (sent
    when someone opens the bot) becomes a greeting. Other valid updates (photos, stickers,
    channel posts, ...) are acknowledged and dropped.
    """
    if not isinstance(update, dict) or not _is_id(update.get("update_id")):
        raise MalformedPayload("not a Telegram update: an object with an integer update_id is required")
    callback_query_id = None
    if "callback_query" in update:
        query = _object(update, "callback_query", "callback_query")
        if "message" not in query:
            return None  # a button on an inline-mode message: there is no chat to answer in
        message = _object(query, "message", "callback_query.message")
        text, user, callback_query_id = query.get("data"), query.get("from"), query.get("id")
        if not isinstance(callback_query_id, str):
            raise MalformedPayload("callback_query.id must be a string")
    elif "message" in update or "edited_message" in update:
        kind = "message" if "message" in update else "edited_message"
        message = _object(update, kind, kind)
        text, user = message.get("text"), message.get("from")
        if text is None:
            return None  # not a text message
    else:
        return None
    chat = _object(message, "chat", "the message's chat")
    if not _is_id(chat.get("id")):
        raise MalformedPayload("the message's chat.id must be an integer")
    if not isinstance(text, str):
        raise MalformedPayload("the message text must be a string")
    if not text.strip():
        return None
    if text == "/start" or text.startswith("/start "):
        text = TELEGRAM_START_MESSAGE
    return IncomingMessage(str(chat["id"]), text, telegram_customer(user), callback_query_id)


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def telegram_text_parts(text: str, limit: int = TELEGRAM_MAX_TEXT) -> Iterator[str]:
    """Split a reply into Telegram messages: one per paragraph, long paragraphs cut to ``limit``."""
    for paragraph in text.strip().split("\n\n"):
        paragraph = paragraph.strip()
        part: list[str] = []
        part_length = 0
        for char in paragraph:
            char_length = utf16_length(char)
            if part_length + char_length > limit:
                yield "".join(part)
                part, part_length = [], 0
            part.append(char)
            part_length += char_length
        if part:
            yield "".join(part)


# --- Callback (custom gateways) and REST ---------------------------------------------------


def callback_signature(secret: str, body: bytes) -> str:
    """The ``X-Effortless-Signature`` value for ``body``: ``sha256=`` + hex HMAC-SHA256."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def parse_sender_message(payload: Any) -> IncomingMessage:
    """Validate ``{"sender": str, "message": str, "metadata": {...}?}`` (callback and REST bodies).

    An empty message passes (the guard ignores it); its length is the guard's to check too.
    """
    if not isinstance(payload, dict):
        raise MalformedPayload("the body must be a JSON object")
    sender, text, metadata = payload.get("sender"), payload.get("message"), payload.get("metadata")
    if not isinstance(sender, str) or not sender.strip():
        raise MalformedPayload("sender must be a non-empty string")
    if len(sender) > MAX_SENDER_ID_CHARS:
        raise MalformedPayload(f"sender must be at most {MAX_SENDER_ID_CHARS} characters")
    if not isinstance(text, str):
        raise MalformedPayload("message must be a string")
    if metadata is not None and not isinstance(metadata, dict):
        raise MalformedPayload("metadata must be an object")
    return IncomingMessage(sender, text, metadata or {})


# --- Twilio (WhatsApp) -----------------------------------------------------------------------


def twilio_text(form: Mapping[str, Any]) -> str | None:
    """The message text in a Twilio webhook's form, as Rasa reads it: a shared location becomes
    ``/locationData``; ``None`` when there is no text. ``form.get`` gives a field's first value
    (as Sanic's ``request.form`` does)."""
    latitude, longitude = form.get("Latitude"), form.get("Longitude")
    if latitude and longitude:
        return f"/locationData{{'Latitude': {latitude},'Longitude': {longitude}}}"
    text = form.get("Body")
    return text.replace("¡", "@") if text else None  # some carriers turn @ into ¡


def twilio_customer(form: Mapping[str, Any]) -> dict[str, str]:
    """Metadata naming the WhatsApp user: ``customer_name`` from the profile name Twilio passes on."""
    name = (form.get("ProfileName") or "").strip()
    return {"customer_name": name} if name else {}


# ---- signed web-chat sessions (the socket.io channel issues them; the helpdesk checks them too)

WEB_SESSION_ID = re.compile(r"[0-9a-f]{32}")
# Binds the signature to its purpose, so no other HMAC made with the same secret can pass for one.
_WEB_SESSION_LABEL = b"effortless web-chat session\x00"


def _web_session_signature(secret: str, session_id: str) -> str:
    digest = hmac.new(secret.encode("utf-8"), _WEB_SESSION_LABEL + session_id.encode("ascii"), hashlib.sha256)
    return base64.urlsafe_b64encode(digest.digest()).rstrip(b"=").decode("ascii")


def web_session_token(secret: str, session_id: str) -> str:
    """The token that proves ``session_id`` was issued by this server: ``<session id>.<signature>``."""
    return f"{session_id}.{_web_session_signature(secret, session_id)}"


def new_web_session(secret: str) -> tuple[str, str]:
    """A fresh random session id and its token."""
    session_id = secrets.token_hex(16)
    return session_id, web_session_token(secret, session_id)


def verified_web_session(secret: str, token: object) -> str | None:
    """The session id ``token`` proves, or ``None`` for anything this server did not sign."""
    if not isinstance(token, str):
        return None
    session_id, _, signature = token.partition(".")
    if not WEB_SESSION_ID.fullmatch(session_id):
        return None
    expected = _web_session_signature(secret, session_id)
    if not hmac.compare_digest(expected.encode("ascii"), signature.encode("utf-8", errors="surrogateescape")):
        return None
    return session_id
