"""Buttons on a channel that shows none (WhatsApp through Twilio): the options as numbered lines, and the
number the customer types back as the button it names.

Rasa's fallback prints each button on a message of its own as ``1: Title (/payload)``, showing customers
the payload, and a typed "1" then reached NLU as a number (after "Did you mean …?" it was read as an
effort score). Standard library only (with ``trust``, which is too): the connectors and the guard (engine env) call these,
the app env tests them directly.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from bot.engine.channels.trust import from_customer, shown_buttons

_CHOICE = re.compile(r"^\s*#?\s*(\d{1,2})\s*[.):]?\s*$")


def numbered_options(text: str, buttons: Sequence[Mapping[str, Any]]) -> str:
    """``text`` and, one per line under it, each button's title after its number ("1. Return window")."""
    lines = [f"{number}. {button.get('title') or button.get('payload') or ''}"
             for number, button in enumerate(buttons, start=1)]
    return "\n".join([text, *lines]) if text else "\n".join(lines)


def is_number_choice(text: str) -> bool:
    """Whether the message is only a small number ("2", "2.", "#2", "٢"): worth looking at what was offered."""
    return _CHOICE.match(text or "") is not None


def latest_buttons(events: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The buttons of the bot's latest message, when the customer has not written since: a number answers
    only the question just asked (an agent's line after a button, "how many were missing?", has none, so
    a "1" typed for the agent never presses an older button). ``events``: a tracker's, as dicts, oldest first."""
    for event in reversed(list(events)):
        if from_customer(event):
            return []
        if event.get("event") == "bot":
            return shown_buttons(event)
    return []


def numbered_choice(text: str, buttons: Sequence[Mapping[str, Any]]) -> str | None:
    """The payload of the button the customer chose by its number; None when the text is no number in
    range, or when the buttons are numbers themselves (a survey's scale, where "1" is the score 1)."""
    match = _CHOICE.match(text or "")
    if match is None or any(_is_number(button.get("payload")) or _is_number(button.get("title"))
                            for button in buttons):
        return None
    number = int(match.group(1))
    return str(buttons[number - 1]["payload"]) if 1 <= number <= len(buttons) else None


def _is_number(value: object) -> bool:
    return isinstance(value, str) and value.strip().isdigit()
