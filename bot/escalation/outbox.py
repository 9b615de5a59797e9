"""The escalation outbox: an escalation the bot promised the customer is kept in the shared database
(``escalation_requests``) until its ticket exists and the customer has been told its reference.

The action server records the request (keyed like the ticket, so recording twice is harmless) and
holds it while it calls the ticket backend itself. When that call fails, the row stays ``pending``
and the helpdesk's :class:`EscalationDrainer` creates the ticket later (it runs in every helpdesk
replica's background loop, next to the line delivery, because creating built-in tickets is the
helpdesk's own job and it has no other service to wait for), then tells the customer through the
same durable line delivery as agent replies.

Exactly once, whoever races: the ticket by its unique ``idempotency_key`` (Zendesk: its
``external_id`` and ``Idempotency-Key``); the telling by a compare-and-set ``pending → done`` that
only one of the action and the drainer can win. A hold (``lease_until``) keeps the drainer away
while the action's own call is under way, and runs out if that process dies, so a ``kill -9`` of
any process at any point leaves a row someone finishes.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.db import rows_changed, session_scope, utcnow
from bot.helpdesk import tickets
from bot.helpdesk.backends import TicketBackend
from bot.helpdesk.client import HelpdeskRejected, HelpdeskUnavailable
from bot.helpdesk.rasa_bridge import DeliveryFailed, RasaBridge
from bot.helpdesk.schedule import next_attempt_at, worst_call_s
from bot.helpdesk.schemas import TicketCreate, TicketReceipt
from bot.helpdesk.ticket_rules import HelpdeskPolicy
from bot.models import EscalationRequest, Ticket
from bot.settings import Settings

log = logging.getLogger(__name__)

PENDING, ANNOUNCING, DONE, FAILED = "pending", "announcing", "done", "failed"
KEEP_DONE_FOR = timedelta(days=30)
MAX_ERROR_CHARS = 300


def hold_length(settings: Settings) -> timedelta:
    """How long one holder may take: two backend calls with their retries (Zendesk looks the key up
    before creating), and a margin."""
    return timedelta(seconds=2 * worst_call_s(settings.http_timeout_s, settings.http_retries) + 10)


@dataclass(frozen=True)
class Hold:
    """The caller's hold on one escalation; ``until`` doubles as the owner check."""

    key: str
    until: datetime


# ---------------------------------------------------------------- the action server's side


def hold_for_call(session: Session, *, request: TicketCreate, hold_for: timedelta) -> Hold | None:
    """Record the escalation (once per key) and hold it for the caller's own call to the ticket backend.

    None when it is not the caller's to make: it is done or refused already, or a drainer holds it
    (and will tell the customer).
    """
    now = utcnow()
    hold = Hold(request.idempotency_key, now + hold_for)
    session.add(
        EscalationRequest(
            idempotency_key=request.idempotency_key,
            conversation_id=request.conversation_id,
            request=request.model_dump(mode="json"),
            status=PENDING,
            next_attempt_at=now,
            lease_until=hold.until,
            created_at=now,
            updated_at=now,
        )
    )
    try:
        session.commit()
        return hold
    except IntegrityError:  # recorded before (a re-run action): take it if nobody else has it
        session.rollback()
    taken = rows_changed(
        session,
        update(EscalationRequest)
        .where(EscalationRequest.idempotency_key == hold.key, EscalationRequest.status == PENDING, _free(now))
        .values(lease_until=hold.until)
        .execution_options(synchronize_session=False),
    )
    session.commit()
    return hold if taken == 1 else None


def finish_own_call(session: Session, *, hold: Hold, reference: str) -> bool:
    """The caller's call gave the ticket. True when the caller is the one to tell the customer;
    False when a drainer (whose hold the caller outlived) got there first and tells them itself."""
    won = rows_changed(
        session,
        update(EscalationRequest)
        .where(EscalationRequest.idempotency_key == hold.key, EscalationRequest.status == PENDING)
        .values(**_done(reference))
        .execution_options(synchronize_session=False),
    )
    session.commit()
    return won == 1


def retry_later(session: Session, *, hold: Hold, error: str) -> None:
    """The backend could not be reached: let go, and count the attempt for the drainer's schedule."""
    row = session.scalar(select(EscalationRequest).where(EscalationRequest.idempotency_key == hold.key))
    if row is None or row.lease_until != hold.until:
        return  # our hold ran out and someone else has it now
    row.attempts += 1
    row.last_error = error[:MAX_ERROR_CHARS]
    row.next_attempt_at = next_attempt_at(utcnow(), row.attempts)
    row.lease_until = None
    session.commit()


def refuse(session: Session, *, hold: Hold, error: str) -> None:
    """The backend refused the request as invalid: retrying it cannot help. Kept, with the reason."""
    session.execute(
        update(EscalationRequest)
        .where(EscalationRequest.idempotency_key == hold.key, EscalationRequest.status.in_((PENDING, ANNOUNCING)))
        .values(status=FAILED, last_error=error[:MAX_ERROR_CHARS], lease_until=None, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    session.commit()


def _done(reference: str | None = None) -> dict:
    """The values of a finished row: its request (the customer's details) is no longer needed here."""
    values: dict = {"status": DONE, "lease_until": None, "last_error": None, "request": {}, "updated_at": utcnow()}
    if reference is not None:
        values["ticket_reference"] = reference
    return values


def _free(now: datetime):
    return or_(EscalationRequest.lease_until.is_(None), EscalationRequest.lease_until < now)


# ---------------------------------------------------------------- the helpdesk's side


def due_keys(session: Session, *, now: datetime, builtin: bool, limit: int = 50) -> Sequence[str]:
    """Escalations nobody holds whose next attempt is due. A built-in ticket is always due: the
    drainer creates it in its own database, with no other service to spare."""
    due = EscalationRequest.next_attempt_at <= now
    if builtin:
        due = or_(due, EscalationRequest.status == PENDING)
    return session.scalars(
        select(EscalationRequest.idempotency_key)
        .where(EscalationRequest.status.in_((PENDING, ANNOUNCING)), _free(now), due)
        .order_by(EscalationRequest.next_attempt_at, EscalationRequest.id)
        .limit(limit)
    ).all()


def prune_done(session: Session, *, now: datetime) -> int:
    """Forget finished escalations after :data:`KEEP_DONE_FOR` (their tickets keep everything)."""
    deleted = rows_changed(
        session,
        delete(EscalationRequest).where(
            EscalationRequest.status == DONE, EscalationRequest.updated_at < now - KEEP_DONE_FOR
        ),
    )
    session.commit()
    return deleted


class EscalationDrainer:
    """Creates the tickets of escalations the action server could not hand over, and tells the
    customers; one per helpdesk process, safe across replicas (each row is held by one drainer)."""

    def __init__(
        self,
        settings: Settings,
        session_factory: sessionmaker,
        bridge: RasaBridge,
        policy: HelpdeskPolicy,
        external_backend: TicketBackend | None,
    ):
        self._sessions = session_factory
        self._bridge = bridge
        self._policy = policy
        self._external = external_backend  # None: the built-in helpdesk, i.e. this service's database
        self._hold_for = hold_length(settings)

    def drain_due(self) -> int:
        """Work on every due escalation; one that fails is rescheduled and holds up no other.
        Returns how many were finished."""
        with session_scope(self._sessions) as session:
            keys = list(due_keys(session, now=utcnow(), builtin=self._external is None))
        finished = 0
        for key in keys:
            try:
                finished += self.drain(key)
            except Exception:  # a database hiccup: the hold runs out and the row is tried again
                log.exception("escalation %s: could not be worked on; will retry", key)
        return finished

    def drain(self, key: str) -> bool:
        """Create the escalation's ticket and/or tell the customer; True once it is done."""
        hold, row = self._take(key)
        if hold is None or row is None:
            return False
        if row.status == PENDING:
            if self._external is None:
                return self._create_builtin(row, hold)
            if not self._create_external(row, hold):
                return False
        return self._announce_external(row, hold)

    def _take(self, key: str) -> tuple[Hold | None, EscalationRequest | None]:
        now = utcnow()
        hold = Hold(key, now + self._hold_for)
        with session_scope(self._sessions) as session:
            taken = rows_changed(
                session,
                update(EscalationRequest)
                .where(
                    EscalationRequest.idempotency_key == key,
                    EscalationRequest.status.in_((PENDING, ANNOUNCING)),
                    _free(now),
                )
                .values(lease_until=hold.until)
                .execution_options(synchronize_session=False),
            )
            row = session.scalar(select(EscalationRequest).where(EscalationRequest.idempotency_key == key))
            if row is not None:
                session.expunge(row)
        return (hold, row) if taken == 1 else (None, None)

    def _create_builtin(self, row: EscalationRequest, hold: Hold) -> bool:
        """The ticket in this database, then (if the action did not tell the customer meanwhile) the
        announcement line, in the transaction that marks the escalation done."""
        data = TicketCreate.model_validate(row.request)
        with session_scope(self._sessions) as session:
            ticket, created = tickets.create_ticket(session, data=data, policy=self._policy)
            ticket_id = ticket.id
        with session_scope(self._sessions) as session:
            ticket = session.get_one(Ticket, ticket_id)
            receipt = tickets.receipt(session, ticket=ticket, created=created, policy=self._policy)
            if not self._finish(session, hold, ticket.reference, PENDING):
                session.rollback()
                return False  # the action's own call got the ticket and told the customer
            tickets.announce_ticket(session, ticket=ticket, receipt_json=receipt.model_dump_json())
        log.info("escalation %s: ticket %s created after the helpdesk was unavailable", row.idempotency_key,
                 ticket.reference)
        self._bridge.deliver_ticket(ticket_id)
        return True

    def _create_external(self, row: EscalationRequest, hold: Hold) -> bool:
        """The Zendesk ticket (idempotent by key); on success the row moves on to telling the customer."""
        assert self._external is not None
        try:
            receipt = self._external.create_ticket(TicketCreate.model_validate(row.request))
        except HelpdeskUnavailable as exc:
            self._reschedule(hold, str(exc))
            return False
        except HelpdeskRejected as exc:
            log.error("escalation %s: the ticket backend refused it: %s", row.idempotency_key, exc)
            with session_scope(self._sessions) as session:
                refuse(session, hold=hold, error=str(exc))
            return False
        row.receipt = json.loads(receipt.model_dump_json())
        row.ticket_reference = receipt.reference
        with session_scope(self._sessions) as session:
            moved = rows_changed(
                session,
                update(EscalationRequest)
                .where(*self._held(hold), EscalationRequest.status == PENDING)
                .values(status=ANNOUNCING, receipt=row.receipt, ticket_reference=receipt.reference,
                        attempts=0, last_error=None, updated_at=utcnow())
                .execution_options(synchronize_session=False),
            )
        return moved == 1

    def _announce_external(self, row: EscalationRequest, hold: Hold) -> bool:
        """Tell the customer about a Zendesk ticket: there is no built-in ticket to carry a line, so the
        row itself is retried on the same schedule as lines."""
        entities = {"ticket_receipt": TicketReceipt.model_validate(row.receipt).model_dump_json()}
        try:
            self._bridge.trigger_intent(row.conversation_id, tickets.TICKET_CREATED, entities)
        except DeliveryFailed as failure:
            if failure.permanent:
                with session_scope(self._sessions) as session:
                    refuse(session, hold=hold, error=str(failure))
            else:
                self._reschedule(hold, str(failure))
            return False
        with session_scope(self._sessions) as session:
            return self._finish(session, hold, None, ANNOUNCING)

    def _finish(self, session: Session, hold: Hold, reference: str | None, status: str) -> bool:
        won = rows_changed(
            session,
            update(EscalationRequest)
            .where(*self._held(hold), EscalationRequest.status == status)
            .values(**_done(reference))
            .execution_options(synchronize_session=False),
        )
        return won == 1

    def _reschedule(self, hold: Hold, error: str) -> None:
        log.warning("escalation %s: not finished yet, will retry: %s", hold.key, error)
        with session_scope(self._sessions) as session:
            retry_later(session, hold=hold, error=error)

    @staticmethod
    def _held(hold: Hold) -> tuple:
        return EscalationRequest.idempotency_key == hold.key, EscalationRequest.lease_until == hold.until
