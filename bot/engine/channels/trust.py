"""What a customer's message may carry into the bot: the trust boundary, as pure functions.

Standard library only, like ``payloads``: the guard (``guard.py``) calls these, the app env tests
them directly.

Rasa reads a message that looks like ``/intent{"entity": "value"}`` as that intent with those
entities, skipping NLU. That is how buttons work, but typed by hand it would let a customer
trigger the helpdesk's own intents (``/EXTERNAL_ticket_resolved{"resolution_id": "7"}``) or
set any entity. So a customer's text passes as a payload only when it is

- a bare ``/intent`` (no entities, no confidence) for an intent that is not ``EXTERNAL_*``,
  such as ``/restart``; or
- exactly the payload of a button the bot offered in its recent messages.

Anything else is neutralised: its leading ``/`` goes, so NLU reads it as ordinary text.
Metadata from a client that proves nothing about the customer (the web chat, an open REST
channel) is cut down to hints that name no one.
"""
from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable, Mapping
from typing import Any

# Rasa 3.6's own pattern (YAMLStoryReader._regex_message_pattern), applied to the stripped text;
# a test checks the two stay the same.
RASA_PAYLOAD = re.compile(r"^/(?P<name>[^{@]+)(?P<confidence>@[0-9.]+)?(?P<entities>{.+})?(?P<rest>.*)")
HELPDESK_INTENT_PREFIX = "EXTERNAL_"
# A button stays pressable for this many of the customer's messages (Telegram and Slack keep old
# buttons on screen; the web chat removes them at the next message).
BUTTON_TURNS = 3
# What a client that proves nothing about the customer may still say in its metadata.
HINT_METADATA = frozenset({"language"})
# Set by the socket.io channel only, once a host page's signed identity checks out
# (:func:`verified_identity`); bot/customers/identity.py reads them under the same names.
VERIFIED_USER_ID = "verified_user_id"
VERIFIED_EMAIL = "verified_email"
VERIFIED_METADATA = frozenset({VERIFIED_USER_ID, VERIFIED_EMAIL})
# Set only by Rasa itself (on intents the helpdesk triggers) or by our channel code; never accepted from a client.
RESERVED_METADATA = frozenset({"is_external"}) | VERIFIED_METADATA
MAX_IDENTITY_CHARS = 255


def payload_intent(text: str) -> str | None:
    """The intent Rasa would read ``text`` as, when it has the payload form; else ``None``."""
    match = RASA_PAYLOAD.match(text.strip())
    return match["name"].strip() if match else None


def needs_offer(text: str) -> bool:
    """Whether ``text`` is a payload a customer may send only by pressing a button the bot offered."""
    match = RASA_PAYLOAD.match(text.strip())
    if not match:
        return False
    bare = not (match["confidence"] or match["entities"] or match["rest"])
    return not bare or match["name"].strip().upper().startswith(HELPDESK_INTENT_PREFIX)


def neutralised(text: str) -> str:
    """``text`` without the leading ``/`` (and spaces) that would make Rasa read it as a payload."""
    text = text.strip()
    while text.startswith("/"):
        text = text[1:].lstrip()
    return text


def from_customer(event: Mapping[str, Any]) -> bool:
    """Whether a tracker event (as a dict) is a customer's message, not an intent the helpdesk triggered."""
    return event.get("event") == "user" and not (event.get("metadata") or {}).get("is_external")


def shown_buttons(bot_event: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The buttons (and quick replies) of a bot event, in the order shown; malformed ones left out."""
    data = bot_event.get("data") or {}
    return [button for button in (data.get("buttons") or []) + (data.get("quick_replies") or [])
            if isinstance(button, Mapping) and isinstance(button.get("payload"), str)]


def offered_payloads(events: Iterable[Mapping[str, Any]], turns: int = BUTTON_TURNS) -> set[str]:
    """Button payloads of the bot's messages since the customer's ``turns``-th last message.

    ``events`` are a tracker's events as dicts, oldest first.
    """
    offered: set[str] = set()
    customer_messages = 0
    for event in reversed(list(events)):
        if from_customer(event):
            customer_messages += 1
            if customer_messages >= turns:
                break
        elif event.get("event") == "bot":
            offered.update(button["payload"].strip() for button in shown_buttons(event))
    return offered


def accepted_metadata(metadata: object, proves_identity: bool) -> dict[str, Any]:
    """The part of a message's metadata the bot may act on.

    A channel whose metadata proves who the customer is (signed by a gateway, computed by the
    connector from the platform's own data) keeps it all but the reserved keys; any other keeps
    only hints such as the interface language, never a name or an email address.
    """
    if not isinstance(metadata, Mapping):
        return {}
    if proves_identity:
        return {key: value for key, value in metadata.items() if key not in RESERVED_METADATA}
    return {key: value for key, value in metadata.items() if key in HINT_METADATA}


def identity_hash(secret: str, signed: str) -> str:
    """The ``user_hash`` a host page gives for ``signed``: hex HMAC-SHA256 with the shared secret."""
    return hmac.new(secret.encode("utf-8"), signed.encode("utf-8"), hashlib.sha256).hexdigest()


def _identity_part(value: object) -> str | None:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_IDENTITY_CHARS or "\n" in value:
        return None
    return value.strip()


def _signed_by(secret: str, signed: str, user_hash: str) -> bool:
    return hmac.compare_digest(identity_hash(secret, signed), user_hash)


def verified_identity(secret: str, identity: object) -> dict[str, str]:
    """What a host page's ``identity`` (``user_id``, ``email``, ``user_hash``) proves, as trusted
    metadata; nothing when identity verification is off (no ``secret``), unsigned or forged.

    ``user_hash`` signs the user id, or the e-mail address when there is none, or both as
    ``"<user_id>\\n<email>"``. An address counts only when it is signed: a page's script (the
    customer's own browser) can change an unsigned one, and a proven address joins its owner's history.
    """
    if not secret or not isinstance(identity, Mapping):
        return {}
    user_id, email = _identity_part(identity.get("user_id")), _identity_part(identity.get("email"))
    user_hash = identity.get("user_hash")
    if not isinstance(user_hash, str) or not user_hash.isascii():
        return {}
    user_hash = user_hash.strip().lower()
    if user_id and email and _signed_by(secret, f"{user_id}\n{email}", user_hash):
        return {VERIFIED_USER_ID: user_id, VERIFIED_EMAIL: email}
    if user_id:
        return {VERIFIED_USER_ID: user_id} if _signed_by(secret, user_id, user_hash) else {}
    if email and _signed_by(secret, email, user_hash):
        return {VERIFIED_EMAIL: email}
    return {}
