"""Erase everything held about one customer (GDPR art. 17), keeping report counts right.

Per conversation of the customer: transcripts and their copies are deleted, the rows reports
count are anonymised (:mod:`bot.privacy.tables`), and the conversation is deleted from Rasa's
tracker store. A customer record none of whose conversations is left is emptied: its identities
and e-mails go.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.customers.store import channel_identity
from bot.db import rows_changed
from bot.models import Conversation, CustomerIdentity
from bot.privacy.locate import Footprint, with_merged_records
from bot.privacy.tables import change_lines, new_pseudonym, no_changes, scrub_conversation, scrub_customers
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
    changes = [scrub_conversation(session, conversation_id, new_pseudonym()) for conversation_id in footprint.conversation_ids]
    changes.append({"customer_identities": _delete_channel_identities(session, footprint.conversation_ids)})
    changes.append(scrub_customers(session, with_merged_records(session, _without_conversations(session, footprint))))
    for changed in changes:
        for name, count in changed.items():
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


def _without_conversations(session: Session, footprint: Footprint) -> list[int]:
    """The footprint's customers none of whose conversations is left (someone with another
    conversation keeps their record: only the erased conversation's part of it goes)."""
    remaining = set(session.scalars(
        select(Conversation.customer_id).where(Conversation.customer_id.in_(footprint.customer_ids))))
    return [customer_id for customer_id in footprint.customer_ids if customer_id not in remaining]


def _delete_channel_identities(session: Session, conversation_ids: Iterable[str]) -> int:
    """The erased conversations' channel ids (a Telegram chat id names the person) leave the customer."""
    identities = [channel_identity(conversation_id) for conversation_id in conversation_ids]
    return sum(rows_changed(session, delete(CustomerIdentity).where(CustomerIdentity.kind == kind,
                                                                     CustomerIdentity.value == value))
               for kind, value in identities)
