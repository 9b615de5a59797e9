"""Delivering agent-side lines to the customer's own chat through Rasa's HTTP API.

For each line the helpdesk triggers an external intent on the customer's conversation::

    POST {RASA_URL}/conversations/{conversation_id}/trigger_intent?output_channel=latest&token=...
    {"name": "EXTERNAL_agent_message", "entities": {"agent_message": "...", "agent_name": "Anna"}}

Rasa runs the predicted action and pushes its messages to the channel the customer last used
(web chat, Telegram, ...), so the customer never polls. Lines are delivered one at a time in id
order by whoever holds the ticket's delivery lease (a conditional UPDATE, so replicas never send
the same line twice at once); a line Rasa did not accept stays ``delivered = false`` and is retried
by :meth:`RasaBridge.deliver_pending`, which the app runs every few seconds. Nothing is dropped.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import quote

from sqlalchemy import select, update
from sqlalchemy.orm import sessionmaker

from bot.db import rows_changed, session_scope, utcnow
from bot.helpdesk import events
from bot.helpdesk.http import (
    KeepAlive,
    ServiceUnavailable,
    backoff_s,
    error_detail,
    request_with_retries,
)
from bot.helpdesk.tickets import pending_delivery_ticket_ids
from bot.logging_setup import Redactor
from bot.models import Ticket, TicketMessage
from bot.settings import Settings

log = logging.getLogger(__name__)

# Rasa refusing the request itself (bad intent, bad entities): retrying the same line cannot help.
PERMANENT_STATUSES = frozenset({400, 404, 413, 422})
RETRY_INTERVAL_S = 3.0


def until_first_failure(ticket_ids: Iterable[int], attempt: Callable[[int], bool]) -> int:
    """Try each ticket in turn and stop at the first that must wait: the service it needs is down,
    so the rest would wait too. Returns how many went through."""
    done = 0
    for ticket_id in ticket_ids:
        if not attempt(ticket_id):
            break
        done += 1
    return done


class DeliveryFailed(Exception):
    """Rasa did not take the line; ``permanent`` when retrying the same request cannot help."""

    def __init__(self, message: str, permanent: bool):
        super().__init__(message)
        self.permanent = permanent


class RasaBridge:
    """Sends a ticket's pending lines to Rasa; one instance per helpdesk process."""

    def __init__(self, settings: Settings, session_factory: sessionmaker):
        self._rasa_url = settings.rasa_url
        self._token = settings.rasa_token
        self._timeout = settings.http_timeout_s
        self._retries = max(0, settings.http_retries)
        self._session_factory = session_factory
        self._redact = Redactor([settings.rasa_token])
        self._keep_alive = KeepAlive()
        worst_send = self._timeout * (self._retries + 1) + sum(backoff_s(i) for i in range(self._retries))
        self._lease_length = timedelta(seconds=worst_send + 10)

    def trigger_intent(self, conversation_id: str, intent: str, entities: dict) -> None:
        """One external intent, with timeout and retries; raises :class:`DeliveryFailed` (token masked)."""
        try:
            response = request_with_retries(
                "POST",
                f"{self._rasa_url}/conversations/{quote(conversation_id, safe='')}/trigger_intent",
                params={"output_channel": "latest", "token": self._token},
                json={"name": intent, "entities": entities},
                timeout_s=self._timeout,
                retries=self._retries,
                redact=self._redact,
                keep_alive=self._keep_alive,
            )
        except ServiceUnavailable as exc:
            raise DeliveryFailed(f"Rasa is unavailable: {exc}", permanent=False) from None
        if response.status_code >= 300:
            detail = self._redact(error_detail(response))
            raise DeliveryFailed(
                f"Rasa answered HTTP {response.status_code}: {detail}",
                permanent=response.status_code in PERMANENT_STATUSES,
            )

    def deliver_pending(self) -> int:
        """Retry every ticket with undelivered lines; stops at the first ticket Rasa cannot take now.

        Returns how many tickets were fully delivered.
        """
        with session_scope(self._session_factory) as session:
            ticket_ids = list(pending_delivery_ticket_ids(session))
        return until_first_failure(ticket_ids, self.deliver_ticket)

    def deliver_ticket(self, ticket_id: int) -> bool:
        """Deliver the ticket's pending lines in order; False when Rasa is unavailable (retry later)."""
        while True:
            lease = self._acquire_lease(ticket_id)
            if lease is None:
                return True  # another worker holds it and re-checks for new lines before letting go
            try:
                finished = self._deliver_while_leased(lease)
            except BaseException:
                self._release_lease(lease)
                raise
            if not finished:
                self._release_lease(lease)
                return False
            # A line committed while we released may have found the lease still taken: look once more.
            if self._next_pending(ticket_id) is None:
                return True

    def _deliver_while_leased(self, lease: _Lease) -> bool:
        """Send lines until none is left (the lease is then released) or Rasa is unavailable (False)."""
        pending = self._next_pending(lease.ticket_id)
        if pending is None:
            self._release_lease(lease)
        while pending is not None:
            message_id, conversation_id, intent, entities = pending
            error = None
            try:
                self.trigger_intent(conversation_id, intent, entities or {})
            except DeliveryFailed as failure:
                log.warning(
                    "delivering message %s of ticket %s to Rasa failed: %s", message_id, lease.ticket_id, failure
                )
                if not failure.permanent:
                    return False
                error = str(failure)[:300]
            pending = self._record(message_id, error, lease)
        return True

    def _next_pending(self, ticket_id: int):
        with session_scope(self._session_factory) as session:
            return self._pending_query(session, ticket_id)

    @staticmethod
    def _pending_query(session, ticket_id: int, after_id: int = 0):
        """(message id, conversation id, intent, entities) of the ticket's oldest undelivered line."""
        return session.execute(
            select(TicketMessage.id, Ticket.conversation_id, TicketMessage.rasa_intent, TicketMessage.rasa_entities)
            .join(Ticket, Ticket.id == TicketMessage.ticket_id)
            .where(
                TicketMessage.ticket_id == ticket_id,
                TicketMessage.id > after_id,
                TicketMessage.delivered.is_(False),
                TicketMessage.delivery_error.is_(None),
                TicketMessage.rasa_intent.is_not(None),
            )
            .order_by(TicketMessage.id)
            .limit(1)
        ).first()

    def _acquire_lease(self, ticket_id: int) -> _Lease | None:
        now = utcnow()
        lease = _Lease(ticket_id, now + self._lease_length)
        free = (Ticket.delivery_lease_until.is_(None)) | (Ticket.delivery_lease_until < now)
        return lease if self._set_lease(ticket_id, free, lease.until) else None

    def _release_lease(self, lease: _Lease) -> None:
        self._set_lease(lease.ticket_id, Ticket.delivery_lease_until == lease.until, None)

    def _set_lease(self, ticket_id: int, condition, until: datetime | None) -> bool:
        with session_scope(self._session_factory) as session:
            changed = rows_changed(
                session,
                update(Ticket)
                .where(Ticket.id == ticket_id, condition)
                .values(delivery_lease_until=until)
                .execution_options(synchronize_session=False),
            )
        return changed == 1

    def _record(self, message_id: int, error: str | None, lease: _Lease):
        """Record one send's outcome and, in the same transaction, renew the lease for the next pending
        line or release it when there is none. Returns that next line (None: done, or lease lost)."""
        with session_scope(self._session_factory) as session:
            next_line = self._pending_query(session, lease.ticket_id, after_id=message_id)
            until = utcnow() + self._lease_length if next_line is not None else None
            renewed = rows_changed(
                session,
                update(Ticket)
                .where(Ticket.id == lease.ticket_id, Ticket.delivery_lease_until == lease.until)
                .values(delivery_lease_until=until)
                .execution_options(synchronize_session=False),
            )
            if renewed != 1:
                session.rollback()
                return None  # our lease ran out and another worker holds the ticket now
            message = session.get_one(TicketMessage, message_id)
            message.delivered = error is None
            message.delivery_error = error
            events.record(session, kind="message_updated", message=message)
        lease.until = until
        return next_line


@dataclass
class _Lease:
    """Our hold on a ticket's delivery; ``until`` doubles as the owner check (only we wrote that value),
    and is None once :meth:`_record` released the lease."""

    ticket_id: int
    until: datetime | None
