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
# Set only by Rasa itself (on intents the helpdesk triggers); never accepted from a channel.
RESERVED_METADATA = frozenset({"is_external"})


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


def _from_customer(event: Mapping[str, Any]) -> bool:
    return event.get("event") == "user" and not (event.get("metadata") or {}).get("is_external")


def offered_payloads(events: Iterable[Mapping[str, Any]], turns: int = BUTTON_TURNS) -> set[str]:
    """Button payloads of the bot's messages since the customer's ``turns``-th last message.

    ``events`` are a tracker's events as dicts, oldest first.
    """
    offered: set[str] = set()
    customer_messages = 0
    for event in reversed(list(events)):
        if _from_customer(event):
            customer_messages += 1
            if customer_messages >= turns:
                break
        elif event.get("event") == "bot":
            data = event.get("data") or {}
            for button in (data.get("buttons") or []) + (data.get("quick_replies") or []):
                if isinstance(button, Mapping) and isinstance(button.get("payload"), str):
                    offered.add(button["payload"].strip())
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
