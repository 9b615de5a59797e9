"""Erase everything held about one customer (GDPR art. 17), keeping report counts right.

Per conversation of the customer: transcripts and their copies are deleted, the rows reports
count are anonymised (:mod:`bot.privacy.tables`), and the conversation is deleted from Rasa's
tracker store.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from bot.privacy.locate import Footprint
from bot.privacy.tables import change_lines, new_pseudonym, no_changes, scrub_conversation
from bot.privacy.trackers import TrackerStore


@dataclass(frozen=True)
class Erasure:
    """What an erase changed (``done``) or would change (a dry run): rows per table, tracker events."""

    footprint: Footprint
    rows: dict[str, int]
    tracker_events: int
    done: bool

    def lines(self) -> list[str]:
        """One line per place: ``tickets: 1 anonymised``."""
        return change_lines(self.rows, self.tracker_events, "" if self.done else "would be ")


def erase(session: Session, trackers: TrackerStore, footprint: Footprint, *, confirm: bool) -> Erasure:
    """Erase the footprint; commits ``session``, or without ``confirm`` rolls it back and deletes
    nothing (the counts say what an erase would change).

    The tracker store is changed before the database commits: if it fails, nothing is erased;
    if the commit fails after it, running the erase again finds the rest.
    """
    rows = no_changes()
    for conversation_id in footprint.conversation_ids:
        for name, count in scrub_conversation(session, conversation_id, new_pseudonym()).items():
            rows[name] += count
    if not confirm:
        session.rollback()
        return Erasure(footprint, rows, trackers.count_events(footprint.conversation_ids), done=False)
    try:
        events = trackers.delete_conversations(footprint.conversation_ids)
    except Exception:
        session.rollback()
        raise
    session.commit()
    return Erasure(footprint, rows, events, done=True)
