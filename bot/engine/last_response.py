"""The response the bot said last, read from tracker events as dicts (standard library only: the Rasa process
reads its own tracker with it, the action server the tracker Rasa sends it).
"""
from __future__ import annotations

from collections.abc import Mapping, Reversible
from typing import Any


def last_bot_response(events: Reversible[Mapping[str, Any]], this_session: bool = False,
                      skipping: frozenset[str] = frozenset()) -> str | None:
    """The response the bot said last in the conversation (Rasa names it in the message's metadata), so a
    bare "no" can be read as the answer to that question; None when the last message was none, or, with
    ``this_session``, was said before the session began (a question asked yesterday is no longer open).
    Responses in ``skipping`` are passed over, as if not said. ``events`` oldest first, as a tracker lists them; only
    the newest are read, from the end."""
    for event in reversed(events):
        kind = event.get("event")
        if kind == "bot":
            said = (event.get("metadata") or {}).get("utter_action")
            if said not in skipping:
                return said
        elif this_session and kind == "session_started":
            return None
    return None
