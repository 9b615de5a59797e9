"""Only the SlotSets that change a slot: each event is a row in the tracker store and part of every later
action call's tracker, and one that sets a slot to the value it has tells nobody anything."""
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType


def only_changes(tracker: Tracker, events: list[EventType]) -> list[dict[str, Any]]:
    """``events`` without the SlotSets that set a slot to its current value (other events are kept, in order)."""
    changed = []
    latest = dict(tracker.slots)
    for event in events:
        if event.get("event") == "slot":
            if event["name"] in latest and latest[event["name"]] == event.get("value"):
                continue
            latest[event["name"]] = event.get("value")
        changed.append(event)
    return changed
