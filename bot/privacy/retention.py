"""Retention: customers' chats and questions older than ``RETENTION_DAYS`` are erased; reports keep their counts.

What counts as old (``cutoff`` = now − ``RETENTION_DAYS``):

- a ticket that is no longer open (resolved or closed) and last changed before the cutoff: it is
  anonymised and its transcript and live-console events deleted;
- a KB question, resolution or CES rating made before the cutoff: anonymised;
- an escalation request that is done or failed and last changed before the cutoff: deleted;
- a Zendesk sync cursor last changed before the cutoff: its conversation id cleared;
- a conversation's customer link with no message since the cutoff, and an e-mail code sent
  before it: deleted;
- a customer record not seen since the cutoff and left without conversations: emptied (its
  identities and e-mails deleted, its name and addresses cleared);
- a Rasa tracker event stored before the cutoff: deleted.

A conversation with an open ticket, or an escalation not yet made, is left alone until it is
finished: the agent needs its history, and Rasa its state.

Each run anonymises a conversation's old rows under one pseudonym; old rows of a conversation
that are pruned on different days get different pseudonyms (see docs/privacy.md#retention).
"""
from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Table, or_, select
from sqlalchemy.orm import Session, sessionmaker

from bot.db import session_scope, utcnow
from bot.helpdesk.tickets import OPEN_STATUSES
from bot.models import Conversation, Customer, CustomerIdentity, EscalationRequest, Ticket
from bot.privacy.locate import with_merged_records
from bot.privacy.tables import (
    POLICIES,
    PSEUDONYM_PREFIX,
    Condition,
    change_lines,
    new_pseudonym,
    no_changes,
    scrub_conversation,
    scrub_customers,
    table,
)
from bot.privacy.trackers import TrackerStore
from bot.settings import Settings

log = logging.getLogger(__name__)

FINISHED_ESCALATIONS = ("done", "failed")
CONVERSATIONS_PER_TRANSACTION = 200
"""Conversations pruned per commit, so other processes never wait long for the database."""
RUN_EVERY_S = 24 * 3600.0
CHECK_EVERY_S = 600.0


def old_rows(cutoff: datetime) -> dict[str, Condition]:
    """Per table, which of a conversation's rows are past retention."""
    return {
        "tickets": lambda t: t.c.status.not_in(OPEN_STATUSES) & (t.c.updated_at < cutoff),
        "escalation_requests": lambda t: t.c.status.in_(FINISHED_ESCALATIONS) & (t.c.updated_at < cutoff),
        "kb_queries": lambda t: t.c.created_at < cutoff,
        "resolutions": lambda t: t.c.created_at < cutoff,
        "survey_ratings": lambda t: t.c.created_at < cutoff,
        "zendesk_tickets": lambda t: t.c.updated_at < cutoff,
        "conversations": lambda t: t.c.last_message_at < cutoff,
        "verification_codes": lambda t: t.c.created_at < cutoff,
    }


def _conversations_with_old_rows(session: Session, conditions: Mapping[str, Condition]) -> list[str]:
    found: set[str] = set()
    for name, condition in conditions.items():
        table_: Table = table(name)
        column = table_.c[POLICIES[name].owner_column]
        query = select(column).where(condition(table_), column.is_not(None), ~column.startswith(PSEUDONYM_PREFIX))
        found.update(session.scalars(query.distinct()))
    return sorted(found)


@dataclass
class PruneResult:
    """Rows changed per table and tracker events deleted by one retention run."""

    cutoff: datetime
    rows: dict[str, int] = field(default_factory=no_changes)
    tracker_events: int = 0

    def lines(self) -> list[str]:
        return change_lines(self.rows, self.tracker_events)


def prune(sessions: sessionmaker, trackers: TrackerStore, *, days: int, now: datetime | None = None) -> PruneResult:
    """Erase what is older than ``days`` days (see the module docstring); safe to run again and
    from several replicas at once (a row is only ever made more anonymous)."""
    if days < 1:
        raise ValueError(f"retention needs at least 1 day, got {days}")
    cutoff = (now or utcnow()) - timedelta(days=days)
    conditions = old_rows(cutoff)
    result = PruneResult(cutoff=cutoff)
    with session_scope(sessions) as session:
        still_open = _open_conversations(session)
        conversations = [c for c in _conversations_with_old_rows(session, conditions) if c not in still_open]
    for start in range(0, len(conversations), CONVERSATIONS_PER_TRANSACTION):
        with session_scope(sessions) as session:
            for conversation_id in conversations[start:start + CONVERSATIONS_PER_TRANSACTION]:
                for name, count in scrub_conversation(session, conversation_id, new_pseudonym(), conditions).items():
                    result.rows[name] += count
    with session_scope(sessions) as session:
        for name, count in scrub_customers(session, with_merged_records(session, _forgotten_customers(session, cutoff))).items():
            result.rows[name] += count
    result.tracker_events = trackers.delete_older_than(cutoff.timestamp(), keep=still_open)
    return result


def _forgotten_customers(session: Session, cutoff: datetime) -> list[int]:
    """Customers not seen since the cutoff, none of whose conversations is left, whose record still
    holds something (an address, a name, an identity)."""
    has_conversation = select(Conversation.id).where(Conversation.customer_id == Customer.id).exists()
    has_identity = select(CustomerIdentity.id).where(CustomerIdentity.customer_id == Customer.id).exists()
    holds_something = or_(Customer.email.is_not(None), Customer.name.is_not(None), Customer.phone.is_not(None), has_identity)
    return list(session.scalars(select(Customer.id).where(
        Customer.merged_into_id.is_(None), Customer.last_seen_at < cutoff, ~has_conversation, holds_something)))


def _open_conversations(session: Session) -> set[str]:
    """Conversations with an open ticket or an escalation still to be made: left alone until finished."""
    tickets = select(Ticket.conversation_id).where(Ticket.status.in_(OPEN_STATUSES))
    escalations = select(EscalationRequest.conversation_id).where(EscalationRequest.status.not_in(FINISHED_ESCALATIONS))
    return set(session.scalars(tickets)) | set(session.scalars(escalations))


class RetentionSchedule:
    """Runs :func:`prune` once a day in the helpdesk (:meth:`run_daily`), when ``RETENTION_DAYS`` is set.

    Every helpdesk replica runs it; a run repeated by another replica finds nothing left to do.
    A run that fails is tried again at the next check.
    """

    def __init__(self, settings: Settings, sessions: sessionmaker, clock: Callable[[], float] = time.monotonic):
        self._days = settings.retention_days
        self._tracker_store_url = settings.tracker_store_url
        self._sessions = sessions
        self._clock = clock
        self._last_run: float | None = None

    def run_if_due(self) -> PruneResult | None:
        """Prune when retention is on and the last run is a day ago (or there was none yet)."""
        if not self._days or (self._last_run is not None and self._clock() - self._last_run < RUN_EVERY_S):
            return None
        started = self._clock()
        with TrackerStore(self._tracker_store_url) as trackers:
            result = prune(self._sessions, trackers, days=self._days)
        self._last_run = started
        log.info("retention (%s days): %s", self._days, "; ".join(result.lines()))
        return result

    async def run_daily(self) -> None:
        """Check every few minutes, off the event loop, until cancelled; returns at once when retention is off.

        A task of its own, so a long run never holds up the delivery of agent replies."""
        while self._days:
            try:
                await asyncio.to_thread(self.run_if_due)
            except Exception:  # a database or tracker store outage: the log says what, the next check retries
                log.exception("retention run failed; will try again in %.0f s", CHECK_EVERY_S)
            await asyncio.sleep(CHECK_EVERY_S)
