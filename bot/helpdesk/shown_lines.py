"""Whether a helpdesk line already reached the customer's chat, read from the conversation's events.

Every intent the helpdesk triggers carries the line's id as the entity :data:`LINE_ENTITY`. Two
places read it: the helpdesk, before trying a line again whose earlier answer never came back
(:mod:`bot.helpdesk.rasa_bridge`), and Rasa itself, under the conversation's lock, before running a
triggered line (:mod:`bot.engine.shown_lines`): a try that timed out on the helpdesk's side may still
be waiting for that lock, and only Rasa sees it finish. Standard library only: the engine env has
neither SQLAlchemy 2 nor requests.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

LINE_ENTITY = "delivery_line_id"


def shown_in(events: Iterable[Mapping[str, Any]], line_id: object) -> bool:
    """Whether the conversation already shows this line: an intent triggered for it (carrying
    :data:`LINE_ENTITY`) was followed by a bot message before the next turn began."""
    triggered = False
    for event in events:
        kind = event.get("event") if isinstance(event, Mapping) else None
        if kind == "user":
            triggered = line_id_of(event) == str(line_id)
        elif kind == "bot" and triggered:
            return True
    return False


def line_id_of(user_event: Mapping[str, Any]) -> str | None:
    """The helpdesk line a user event was triggered for, as text; None for anything else."""
    return triggered_line_id((user_event.get("parse_data") or {}).get("entities"))


def triggered_line_id(entities: object) -> str | None:
    """The helpdesk line in a trigger's entities, as text, in either form Rasa takes: a mapping
    (``{"delivery_line_id": 7}``, what the helpdesk sends) or a list of entities
    (``[{"entity": "delivery_line_id", "value": 7}]``, what the events keep); None when absent."""
    if isinstance(entities, Mapping):
        value = entities.get(LINE_ENTITY)
        return None if value is None else str(value)
    if isinstance(entities, list):
        return next((str(entity.get("value")) for entity in entities
                     if isinstance(entity, Mapping) and entity.get("entity") == LINE_ENTITY), None)
    return None
