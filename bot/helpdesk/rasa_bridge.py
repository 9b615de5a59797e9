"""Delivering agent-side lines to the customer's own chat through Rasa's HTTP API.

For each line the helpdesk triggers an external intent on the customer's conversation::

    POST {RASA_URL}/conversations/{conversation_id}/trigger_intent?output_channel=latest&token=...
    {"name": "EXTERNAL_agent_message", "entities": {"agent_message": "...", "agent_name": "Anna"}}

Rasa runs the predicted action and pushes its messages to the channel the customer last used
(web chat, Telegram, ...), so the customer never polls.

Each line is a small state machine kept in ``ticket_messages`` (so nothing is lost across restarts):

- **pending** (``delivered`` false, no ``delivery_error``): sent as soon as it is due. A ticket's lines
  go out one at a time in id order by whoever holds the ticket's delivery lease (a conditional
  UPDATE, so replicas never send the same line twice at once); only the first pending line of a
  ticket is ever tried, so the customer sees them in order.
- A **transient** failure (Rasa down, slow, a 5xx, or an answer in which the bot said nothing:
  Rasa answers 200 even when it could not reach the action server, and drops the action's
  messages) counts an attempt, keeps the error and sets the line's next attempt time
  (:mod:`bot.helpdesk.schedule`); its ticket waits for that time, every other ticket goes on.
- **failed** (``delivery_error``): retrying the same request cannot help. Rasa refused the request
  itself (HTTP 400, 404, 413, 422), or the customer's channel refused the message for good: Rasa's
  connectors raise ``recipient unreachable: <reason>`` (a blocked Telegram bot, a closed WhatsApp
  window), which Rasa answers with HTTP 500. The ticket then remembers the customer as unreachable
  and its later lines fail at once with that reason, until the customer writes again or an agent
  retries a line (:func:`bot.helpdesk.tickets.retry_delivery`).
- **delivered**: the conversation holds the line, which is not the same as the customer seeing it.
  ``reached`` says where it got: ``chat`` (a chat the customer has open), ``chat_later`` (a web chat
  they left; it is there when they come back), ``nobody`` (a channel that cannot receive pushed
  lines, such as REST, or a ticket that came by e-mail), with ``email_skipped`` saying why it did not
  go by e-mail too; or ``email``.

Every change of a line's state is an event, so the agent console shows it live. Each try of an
agent reply or a resolution also asks :func:`bot.email.notify.after_chat_try` whether the customer
must get it by e-mail (not in the chat, or the chat refused it for good); the line is then
``reached: email``, failed in the chat or not.
"""

from __future__ import annotations

import functools
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from http.client import HTTPException
from urllib.parse import quote

from sqlalchemy import Update, bindparam, inspect, select, update
from sqlalchemy.orm import Session, joinedload, sessionmaker

from bot.customers.identity import chat_reach
from bot.db import session_scope, utcnow
from bot.email import notify
from bot.email.inbound import is_email_conversation
from bot.email.outbound import email_enabled
from bot.helpdesk import events
from bot.helpdesk.http import (
    HttpAnswer,
    HttpClientKeepAlive,
    ServiceUnavailable,
    error_detail,
    request_with_retries,
)
from bot.helpdesk.schedule import next_attempt_at, worst_call_s
from bot.helpdesk.shown_lines import LINE_ENTITY, shown_in
from bot.helpdesk.tickets import due_delivery_ticket_ids
from bot.logging_setup import Redactor
from bot.models import Ticket, TicketMessage
from bot.settings import Settings

log = logging.getLogger(__name__)

# Rasa refusing the request itself (bad intent, bad entities): retrying the same line cannot help.
PERMANENT_STATUSES = frozenset({400, 404, 413, 422})
# What Rasa's channel connectors raise when the platform refuses a message for good.
UNREACHABLE_MARK = "recipient unreachable:"
RETRY_INTERVAL_S = 3.0
# With Rasa up, a line the bot keeps not answering (its conversation cannot take it) fails after this many tries.
MAX_UNANSWERED_ATTEMPTS = 5
# Rasa's router matches the raw path (it does not decode %3A), so a conversation id keeps every
# character a path segment may hold as it is: "telegram:42" must not become "telegram%3A42".
PATH_SAFE = "/:@!$&'()*+,;="
# Tickets delivered side by side, so one slow conversation does not hold up the others.
DELIVERY_WORKERS = 4
MAX_ERROR_CHARS = 300
class DeliveryFailed(Exception):
    """Rasa did not take the line. ``permanent`` when retrying the same request cannot help;
    ``unreachable`` when that is because the customer's channel refuses messages for good."""

    def __init__(self, message: str, permanent: bool, unreachable: bool = False, unanswered: bool = False):
        super().__init__(message)
        self.permanent = permanent or unreachable
        self.unreachable = unreachable
        self.unanswered = unanswered


def unreachable_reason(response: HttpAnswer) -> str | None:
    """``recipient unreachable: <reason>`` from a Rasa error answer, else None.

    Rasa wraps a connector's exception as ``{"message": "An unexpected error occurred. Error: ..."}``.
    """
    if response.status_code < 500:
        return None
    try:
        body = response.json()
        text = str(body.get("message", "")) if isinstance(body, dict) else ""
    except ValueError:
        text = response.text
    start = text.find(UNREACHABLE_MARK)
    return text[start:].strip()[:MAX_ERROR_CHARS] if start >= 0 else None


def bot_answered(response: HttpAnswer) -> bool:
    """Whether the triggered turn made the bot say something (every action our lines trigger does).

    Rasa answers 200 with the conversation's events even when the action could not run (the action
    server was down): the events after the triggered intent then hold no ``bot`` message.
    """
    try:
        events = (response.json().get("tracker") or {}).get("events") or []
    except (ValueError, AttributeError):
        return False
    for event in reversed(events):
        kind = event.get("event") if isinstance(event, dict) else None
        if kind == "bot":
            return True
        if kind == "user":
            return False
    return False


@dataclass(frozen=True)
class PendingLine:
    """The first undelivered line of a ticket, with what sending it needs."""

    id: int
    conversation_id: str
    intent: str
    entities: dict
    attempts: int
    due_at: datetime | None
    unreachable_reason: str | None


@dataclass
class _Lease:
    """Our hold on a ticket's delivery; ``until`` doubles as the owner check (only we wrote that value),
    and is None once :meth:`RasaBridge._record` released the lease."""

    ticket_id: int
    until: datetime | None


@dataclass(frozen=True)
class LeasedLine:
    """A ticket's first due line, with the delivery lease taken for it."""

    lease: _Lease
    line: PendingLine


class RasaBridge:
    """Sends tickets' pending lines to Rasa; one instance per helpdesk process."""

    def __init__(self, settings: Settings, session_factory: sessionmaker):
        self._settings = settings
        self._rasa_url = settings.rasa_url
        self._token = settings.rasa_token
        self._timeout = settings.http_timeout_s
        self._session_factory = session_factory
        self._redact = Redactor([settings.rasa_token])
        self._keep_alive = HttpClientKeepAlive()
        # A try of a line at the worst: one look at the conversation and one send (see _send).
        self._try_time = timedelta(seconds=2 * worst_call_s(self._timeout, 0))
        self._lease_length = self._try_time + timedelta(seconds=10)  # and a margin

    def trigger_intent(self, conversation_id: str, intent: str, entities: dict) -> None:
        """One external intent, with timeout and retries; raises :class:`DeliveryFailed` (token masked)."""
        try:
            response = request_with_retries(
                "POST",
                f"{self._rasa_url}/conversations/{quote(conversation_id, safe=PATH_SAFE)}/trigger_intent",
                params={"output_channel": "latest", "token": self._token},
                json={"name": intent, "entities": entities},
                timeout_s=self._timeout,
                # Never resent at once: a try whose answer timed out may still have reached the chat,
                # which only the next scheduled try checks (see _send).
                retries=0,
                redact=self._redact,
                keep_alive=self._keep_alive,
                final=lambda answer: unreachable_reason(answer) is not None,
            )
        except ServiceUnavailable as exc:
            raise DeliveryFailed(f"Rasa is unavailable: {exc}", permanent=False) from None
        if response.status_code < 300:
            if not bot_answered(response):
                raise DeliveryFailed("Rasa took the line but the bot said nothing (is the action server down?)",
                                     permanent=False, unanswered=True)
            return
        reason = unreachable_reason(response)
        if reason is not None:
            raise DeliveryFailed(self._redact(reason), permanent=True, unreachable=True)
        raise DeliveryFailed(
            f"Rasa answered HTTP {response.status_code}: {self._redact(error_detail(response))}",
            permanent=response.status_code in PERMANENT_STATUSES,
        )

    def deliver_pending(self) -> int:
        """Deliver every ticket whose next line is due, several tickets side by side; a ticket that
        fails only reschedules its own line. Returns how many tickets have nothing due left."""
        with session_scope(self._session_factory) as session:
            ticket_ids = list(due_delivery_ticket_ids(session, now=utcnow()))
        if not ticket_ids:
            return 0
        with ThreadPoolExecutor(max_workers=min(DELIVERY_WORKERS, len(ticket_ids))) as pool:
            return sum(pool.map(self.deliver_ticket, ticket_ids))

    def deliver_ticket(self, ticket_id: int) -> bool:
        """Deliver the ticket's due lines in order; False when one must wait for a later attempt."""
        with session_scope(self._session_factory) as session:
            leased = self.lease_due_line(session, ticket_id)
        if leased is None:
            return True  # nothing due, or another worker holds the ticket and will see every line
        return self._deliver_from(leased)

    def deliver_leased(self, leased: LeasedLine) -> bool:
        """Deliver from a line a request leased (:meth:`lease_due_line`) in its transaction, which has committed
        since; False when one must wait for a later attempt. A line that waited its turn after the response until
        its lease has no time left for a try (deliveries queued behind a slow Rasa) is left to the next sweep:
        sent now, it could reach the chat after the sweep took the lease again and sent it too."""
        if leased.lease.until is not None and utcnow() + self._try_time >= leased.lease.until:
            self._release_lease(leased.lease)
            return False
        return self._deliver_from(leased)

    def _deliver_from(self, leased: LeasedLine) -> bool:
        try:
            return self._deliver_while_leased(leased.lease, leased.line)
        except BaseException:
            self._release_lease(leased.lease)
            raise

    def _deliver_while_leased(self, lease: _Lease, line: PendingLine | None) -> bool:
        """Send due lines, starting with ``line``, until none is left (:meth:`_record` then released the
        lease) or one must wait (False; released too)."""
        while line is not None:
            outcome = self._send(line)
            next_line = self._record(line, outcome, lease)
            if outcome.retry_at is not None:
                return False
            line = next_line
        return True

    def _send(self, line: PendingLine) -> _Outcome:
        if is_email_conversation(line.conversation_id):
            return _Outcome()  # an e-mail thread has no chat: its e-mail (bot.email.notify) is the delivery
        if line.unreachable_reason:
            return _Outcome(failed=f"not sent: the customer's chat refused an earlier line ({line.unreachable_reason})")
        if line.attempts and self._already_shown(line):
            log.info("message %s reached the chat on an earlier try whose answer was lost: not sent again", line.id)
            return _Outcome()
        try:
            self.trigger_intent(line.conversation_id, line.intent, {**(line.entities or {}), LINE_ENTITY: line.id})
        except DeliveryFailed as failure:
            log.warning("delivering message %s to Rasa failed (attempt %s): %s", line.id, line.attempts + 1, failure)
            error = str(failure)[:MAX_ERROR_CHARS]
            if failure.unreachable:
                return _Outcome(failed=error, unreachable=error)
            if failure.permanent or (failure.unanswered and line.attempts + 1 >= MAX_UNANSWERED_ATTEMPTS):
                return _Outcome(failed=error)
            return _Outcome(last_error=error, retry_at=next_attempt_at(utcnow(), line.attempts + 1))
        return _Outcome()

    def _already_shown(self, line: PendingLine) -> bool:
        """Whether an earlier try put the line in the chat; when Rasa cannot tell us, we send (again)."""
        try:  # by the same route as the line itself, so the two calls succeed or fail together
            response = self._keep_alive.request(
                "GET",
                f"{self._rasa_url}/conversations/{quote(line.conversation_id, safe=PATH_SAFE)}/tracker",
                params={"token": self._token, "include_events": "AFTER_RESTART"},
                timeout=self._timeout,
            )
            return response.status_code < 400 and shown_in(response.json().get("events") or [], line.id)
        except (OSError, HTTPException, ValueError, AttributeError):
            return False

    def lease_due_line(self, session: Session, ticket_id: int) -> LeasedLine | None:
        """Take the ticket's delivery lease and read its first due line in ``session``'s transaction, which
        the caller commits before delivering (:meth:`deliver_leased`); None when another worker holds the
        lease or no line is due (the lease is then let go in the same transaction).

        A request that adds a line takes the lease in its own transaction, so the line costs no
        transaction of its own before it is sent. The lease's UPDATE comes first: it holds the ticket's row
        (PostgreSQL) or the database's write lock (SQLite) while the line is read. A line committed after
        that read meets the lease still taken when its writer comes to deliver it, and waits until this
        transaction has ended: it then finds the lease free, or taken again by a worker that will read it
        next (:meth:`_record` lets the lease go and takes it again in the same order)."""
        session.flush()  # the lease and the line are read on the session's connection, past the ORM's autoflush
        now = utcnow()
        lease = _Lease(ticket_id, now + self._lease_length)
        if not _set_lease(session, _TAKE_FREE_LEASE, ticket_id=ticket_id, now=now, until=lease.until):
            return None
        line = _first_pending(session, ticket_id)
        if line is None or not _is_due(line, now):
            _set_lease(session, _SET_OWN_LEASE, ticket_id=ticket_id, ours=lease.until, until=None)
            return None
        return LeasedLine(lease, line)

    def _release_lease(self, lease: _Lease) -> None:
        with session_scope(self._session_factory) as session:
            _set_lease(session, _SET_OWN_LEASE, ticket_id=lease.ticket_id, ours=lease.until, until=None)
        lease.until = None

    def _record(self, line: PendingLine, outcome: _Outcome, lease: _Lease) -> PendingLine | None:
        """Record one send's outcome and, in the same transaction, keep the lease for the ticket's next
        due line or let it go. Returns that next line (None: none due, or the lease was lost).

        The lease is let go first, by an UPDATE that checks it is still ours before anything is written,
        and taken again when the line read after it is due: the UPDATE holds the ticket for the reason
        :meth:`lease_due_line` gives, and a ticket with nothing more to send (the common case) needs no
        second one. What needs no write comes before it (reading the line, setting what the try did, building
        its event; undone should the lease be lost): on SQLite, writers wait in line from their first write to
        their commit, so a transaction's work before its first write costs the others nothing. A delivery's
        transaction held the writer for about 4 ms of a ticket's 33 (bench-helpdesk, two workers)."""
        ticket_id = lease.ticket_id
        with session_scope(self._session_factory) as session:
            message = session.execute(_LINE_WITH_AGENT, {"message_id": line.id}).scalar_one()
            reach = _chat_reach(session, line.conversation_id) if outcome.delivered else None
            let_go = {"unreachable": outcome.unreachable} if outcome.unreachable else {}

            def lease_let_go() -> bool:
                return _set_lease(session, _SET_OWN_LEASE_UNREACHABLE if let_go else _SET_OWN_LEASE,
                                  ticket_id=ticket_id, ours=lease.until, until=None, **let_go)

            # A line that may go by e-mail can write before the try is set (queuing the e-mail flushes): its lease
            # is checked first, so a worker that lost it writes nothing.
            checked_first = notify.may_email_after_chat(self._settings, line.intent)
            if checked_first and not lease_let_go():
                lease.until = None
                return None
            with session.no_autoflush:  # the line as it now is, and its event, before the first write
                self._apply(session, message, line, outcome, reach)
                event = events.event_row(kind="message_updated", message=message)
                # Only what the try changed, as the unit of work would: a withdrawal that marked the line
                # meanwhile (its delivery_error) stays.
                state = inspect(message)
                tried = {column: getattr(message, column) for column in _TRY_COLUMNS
                         if state.attrs[column].history.has_changes()}
            session.expunge(message)  # written by _record_try below, not by the unit of work
            if not checked_first and not lease_let_go():
                session.rollback()  # the line's changes are not ours to make
                lease.until = None
                return None  # our lease ran out and another worker holds the ticket now
            if tried:
                session.connection().execute(_record_try(tuple(tried)),
                                             {"message_id": line.id, **{f"new_{c}": v for c, v in tried.items()}})
            next_line = None if outcome.retry_at is not None else _first_pending(session, ticket_id)
            if next_line is not None and not _is_due(next_line, utcnow()):
                next_line = None
            until = None
            if next_line is not None:  # free since our UPDATE above, and held by this transaction
                until = utcnow() + self._lease_length
                _set_lease(session, _TAKE_LET_GO_LEASE, ticket_id=ticket_id, until=until)
            events.add(session, event)
        # Only once committed: should the transaction fail, the lease is still ours to let go (deliver_leased).
        lease.until = until
        return next_line

    def _apply(self, session: Session, message: TicketMessage, line: PendingLine, outcome: _Outcome,
               reach: str | None) -> None:
        """Set on ``message`` what one try did, and e-mail it when the customer will not see it in the chat."""
        message.delivery_attempts = line.attempts + (0 if line.unreachable_reason else 1)
        message.delivered = outcome.delivered
        message.delivery_error = outcome.failed
        message.last_delivery_error = outcome.last_error or outcome.failed
        message.next_delivery_at = outcome.retry_at
        emailed = notify.after_chat_try(session, self._settings, line=message, failed_for_good=outcome.failed is not None)
        if emailed is not None:
            message.reached = "email"
        if reach is not None:
            _record_reach(session, self._settings, message, reach)


@dataclass(frozen=True)
class _Outcome:
    """What one try did: delivered (the default), failed for good (``failed``, and ``unreachable``
    when the customer's channel refused it), or to be tried again at ``retry_at``."""

    failed: str | None = None
    unreachable: str | None = None
    last_error: str | None = None
    retry_at: datetime | None = None

    @property
    def delivered(self) -> bool:
        return self.failed is None and self.retry_at is None


def _chat_reach(session: Session, conversation_id: str) -> str:
    """Where a line the conversation now holds got to (:func:`bot.customers.identity.chat_reach`).

    ``conversation_id`` is the ticket's, passed in: loading the ticket for it was an eighth of a
    delivery's CPU."""
    return "nobody" if is_email_conversation(conversation_id) else chat_reach(session, conversation_id)


def _record_reach(session: Session, settings: Settings, message: TicketMessage, where: str) -> None:
    """Record where a line the conversation now holds got to (``where``, from :func:`_chat_reach`), so the
    console never says Delivered for a line nobody saw. A line already e-mailed stays ``email`` unless the
    customer is in the chat now."""
    if where == "chat" or message.reached != "email":
        message.reached = where
    unseen = message.reached in ("chat_later", "nobody")
    message.email_skipped = _why_not_emailed(session, settings, message) if unseen else None


def _why_not_emailed(session: Session, settings: Settings, message: TicketMessage) -> str | None:
    """Why a line the customer did not see live did not go by e-mail; None for lines that never do."""
    if message.rasa_intent not in notify.KIND_OF_LINE:
        return None
    if not email_enabled(settings):
        return "email_off"
    return "no_address" if notify.recipient(session, message.ticket) is None else None


def _is_due(line: PendingLine, now: datetime) -> bool:
    return line.due_at is None or line.due_at <= now


def _lease_update(condition, **more_values) -> Update:
    """The ticket's delivery lease set to ``:until`` when ``condition`` holds (and ``more_values``)."""
    return (update(Ticket).where(Ticket.id == bindparam("ticket_id"), condition)
            .values(delivery_lease_until=bindparam("until"), **more_values)
            .execution_options(synchronize_session=False))


# Built once, as the other statements a delivery runs most (below): SQLAlchemy builds and keys a statement in 3×
# the time it then takes to run it (about 250 µs against 90), and a ticket's deliveries run about fifteen.
_TAKE_FREE_LEASE = _lease_update(Ticket.delivery_lease_until.is_(None) | (Ticket.delivery_lease_until < bindparam("now")))
_TAKE_LET_GO_LEASE = _lease_update(Ticket.delivery_lease_until.is_(None))
_SET_OWN_LEASE = _lease_update(Ticket.delivery_lease_until == bindparam("ours"))
_SET_OWN_LEASE_UNREACHABLE = _lease_update(Ticket.delivery_lease_until == bindparam("ours"),
                                           unreachable_reason=bindparam("unreachable"))


def _set_lease(session: Session, statement: Update, **parameters) -> bool:
    """Run one of the lease statements above; whether it changed the ticket (its condition held).

    On the session's connection: they need nothing of the ORM, whose handling of an UPDATE copies the statement
    and keys it again (about 110 µs more per run)."""
    return session.connection().execute(statement, parameters).rowcount == 1


_FIRST_PENDING = (
    select(
        TicketMessage.id,
        Ticket.conversation_id,
        TicketMessage.rasa_intent,
        TicketMessage.rasa_entities,
        TicketMessage.delivery_attempts,
        TicketMessage.next_delivery_at,
        Ticket.unreachable_reason,
    )
    .join(Ticket, Ticket.id == TicketMessage.ticket_id)
    .where(
        TicketMessage.ticket_id == bindparam("ticket_id"),
        TicketMessage.delivered.is_(False),
        TicketMessage.delivery_error.is_(None),
        TicketMessage.rasa_intent.is_not(None),
    )
    .order_by(TicketMessage.id)
    .limit(1)
)
# What a try may set on its line (RasaBridge._apply).
_TRY_COLUMNS = ("delivery_attempts", "delivered", "delivery_error", "last_delivery_error", "next_delivery_at",
                "reached", "email_skipped")


@functools.cache
def _record_try(columns: tuple[str, ...]) -> Update:
    """The UPDATE of the ``columns`` a try changed, built once per set: the ORM's unit of work took about 0.4 ms
    of CPU more, in the transaction that holds SQLite's one writer."""
    return (update(TicketMessage).where(TicketMessage.id == bindparam("message_id"))
            .values({column: bindparam(f"new_{column}") for column in columns})
            .execution_options(synchronize_session=False))


# With its agent: the event a try records shows who wrote the line.
_LINE_WITH_AGENT = select(TicketMessage).options(joinedload(TicketMessage.agent)).where(
    TicketMessage.id == bindparam("message_id"))


def _first_pending(session: Session, ticket_id: int) -> PendingLine | None:
    """The ticket's oldest line still to deliver (not failed), with its ticket's unreachable reason."""
    row = session.connection().execute(_FIRST_PENDING, {"ticket_id": ticket_id}).first()  # as _set_lease does
    if row is None:
        return None
    message_id, conversation_id, intent, entities, attempts, due_at, unreachable = row
    return PendingLine(message_id, conversation_id, intent, entities or {}, attempts or 0, due_at, unreachable)
