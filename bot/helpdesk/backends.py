"""Where the bot's tickets go: the built-in helpdesk (default) or an external Zendesk.

The actions only see :class:`TicketBackend`; ``TICKET_BACKEND`` picks the implementation through
:func:`make_backend`. Both give the same answers (:class:`TicketReceipt`, :class:`CustomerTicket`,
:class:`Availability`), with ``live_handoff`` telling the bot whether agents answer in the chat
itself (built-in, or Zendesk with its webhook set up: :mod:`bot.helpdesk.zendesk_sync`) or only
by e-mail from Zendesk. Every Zendesk escalation is also recorded locally
(:mod:`bot.helpdesk.zendesk_records`), so reports count it whatever the backend.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any, Protocol

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import sessionmaker

from bot.db import session_scope, utcnow
from bot.helpdesk import zendesk_records
from bot.helpdesk.client import HelpdeskClient, ServiceCaller
from bot.helpdesk.schemas import (
    Availability,
    CustomerTicket,
    TicketCreate,
    TicketReceipt,
)
from bot.helpdesk.text import truncate_with_marker
from bot.helpdesk.ticket_rules import HelpdeskPolicy
from bot.helpdesk.tickets import WITHDRAWN_TEXT, ticket_subject
from bot.helpdesk.zendesk_records import WITHDRAWN_TAG, ZENDESK_STATUSES
from bot.settings import Settings, SettingsError

log = logging.getLogger(__name__)


class TicketBackend(Protocol):
    def create_ticket(self, ticket: TicketCreate) -> TicketReceipt:
        """Create the escalation's ticket; the same ``idempotency_key`` never creates a second one."""

    def relay_message(
        self, conversation_id: str, text: str, author: str = "customer", client_message_id: str | None = None
    ) -> bool:
        """Pass a customer message on; False when the conversation has no open ticket."""

    def change_ticket_language(self, conversation_id: str, language: str) -> TicketReceipt | None:
        """The customer chose another language for their open ticket; its receipt, or None when there is
        none (or the backend does not route by language)."""

    def withdraw(self, conversation_id: str) -> str | None:
        """The customer stopped waiting: close their open ticket as withdrawn; its reference, or None
        when the conversation has no open ticket."""

    def add_customer_details(self, conversation_id: str, name: str | None, email: str | None) -> bool:
        """The name or e-mail the customer gave after their ticket was opened; False when the
        conversation has no open ticket."""

    def ticket_status(
        self, conversation_id: str, customer_id: int | None = None, verified_email: str | None = None,
        reference: str | None = None,
    ) -> list[CustomerTicket]:
        """The tickets of this conversation and of its customer, newest first: the helpdesk's record
        (``customer_id``) or, where tickets have no such record, the address the customer proved
        (``verified_email``, never one they merely typed). A ``reference`` narrows them to that one."""

    def availability(self) -> Availability:
        """Business hours and whether a person can answer now."""


def replies_in_the_chat(settings: Settings) -> bool:
    """Whether agents answer in the customer's chat: not with Zendesk without its webhook, whose agents answer by
    e-mail (the escalation then needs the customer's address)."""
    return settings.ticket_backend != "zendesk" or bool(settings.zendesk_webhook_secret)


def make_backend(settings: Settings, sessions: sessionmaker) -> TicketBackend:
    """The backend ``TICKET_BACKEND`` names; the built-in helpdesk's client already speaks the interface.
    ``sessions`` (the process's database) is where Zendesk escalations are recorded locally."""
    if settings.ticket_backend == "zendesk":
        return ZendeskBackend(settings, sessions)
    return HelpdeskClient(settings)


def zendesk_api(settings: Settings) -> ServiceCaller:
    """Zendesk's API (``/api/v2``) with API-token authentication; says which setting is missing."""
    missing = [
        name
        for name, value in (
            ("ZENDESK_URL", settings.zendesk_url),
            ("ZENDESK_EMAIL", settings.zendesk_email),
            ("ZENDESK_API_TOKEN", settings.zendesk_api_token),
        )
        if not value
    ]
    if missing:
        raise SettingsError(f"TICKET_BACKEND=zendesk needs {', '.join(missing)}")
    return ServiceCaller(
        "Zendesk", settings.zendesk_url.rstrip("/") + "/api/v2", settings, settings.zendesk_api_token,
        auth=(f"{settings.zendesk_email}/token", settings.zendesk_api_token),
    )


def zendesk_ticket(service: ServiceCaller, ticket_id: int) -> dict | None:
    """One Zendesk ticket; None when Zendesk does not have it (404)."""
    response = service.send("GET", f"/tickets/{ticket_id}.json")
    if response.status_code == 404:
        return None
    return service.json(response)["ticket"]


TAG = "effortless"


class ZendeskBackend:
    """Tickets in Zendesk through its Tickets API (``/api/v2``), authenticated with an API token.

    Idempotency: the escalation's key is the ticket's ``external_id`` (looked up before creating)
    and the ``Idempotency-Key`` header. Each ticket is tagged with a hash of the conversation id, so
    relayed messages (public comments) and status questions find it again. Each ticket it creates
    or withdraws is mirrored in the local ``tickets`` table (:mod:`bot.helpdesk.zendesk_records`).
    """

    def __init__(self, settings: Settings, sessions: sessionmaker):
        self._sessions = sessions
        self._service = zendesk_api(settings)
        self._send = self._service.send
        self._checked = self._service.json
        self._policy = HelpdeskPolicy.from_settings(settings)
        # With the webhook, agents' public replies reach the chat, so the bot hands the chat over.
        self._live_handoff = replies_in_the_chat(settings)

    # ------------------------------------------------------------ the interface

    def create_ticket(self, ticket: TicketCreate) -> TicketReceipt:
        existing = self._get("/tickets.json", params={"external_id": ticket.idempotency_key}).get("tickets") or []
        if existing:
            self._record(ticket, existing[0])  # the first call may have died before recording it
            return self._receipt(existing[0], created=False)
        payload: dict[str, Any] = {
            "ticket": {
                "subject": ticket_subject(ticket),
                "comment": {"body": _first_comment(ticket)},
                "requester": {
                    "name": ticket.customer_name or ticket.customer_email or "Chat customer",
                    "email": ticket.customer_email,
                },
                "priority": self._policy.priority_for(ticket.reason, ticket.priority),
                "tags": [
                    TAG,
                    conversation_tag(ticket.conversation_id),
                    f"reason_{ticket.reason}",
                    f"channel_{_tag_safe(ticket.channel)}",
                    f"language_{_tag_safe(ticket.language)}",
                ],
                "external_id": ticket.idempotency_key,
            }
        }
        if not ticket.customer_email:
            del payload["ticket"]["requester"]["email"]
        created = self._call("POST", "/tickets.json", json=payload, headers={"Idempotency-Key": ticket.idempotency_key})
        self._record(ticket, created["ticket"])
        return self._receipt(created["ticket"], created=True)

    def relay_message(
        self, conversation_id: str, text: str, author: str = "customer", client_message_id: str | None = None
    ) -> bool:
        open_ticket = self._open_ticket(conversation_id)
        if open_ticket is None:
            return False
        speaker = "Customer" if author == "customer" else "Bot"
        self._call(
            "PUT",
            f"/tickets/{open_ticket['id']}.json",
            json={"ticket": {"comment": {"body": f"{speaker} (chat): {truncate_with_marker(text)}", "public": True}}},
        )
        return True

    def withdraw(self, conversation_id: str) -> str | None:
        """Zendesk has no "withdrawn": the ticket is solved with a private comment saying why, so its
        agents see it and Zendesk's own reports count it apart by the ``withdrawn`` tag."""
        open_ticket = self._open_ticket(conversation_id)
        if open_ticket is None:
            return None
        self._call(
            "PUT",
            f"/tickets/{open_ticket['id']}.json",
            json={
                "ticket": {
                    "status": "solved",
                    "comment": {"body": WITHDRAWN_TEXT, "public": False},
                    "additional_tags": [WITHDRAWN_TAG],
                }
            },
        )
        if open_ticket.get("external_id"):
            self._in_session(zendesk_records.withdraw, idempotency_key=open_ticket["external_id"])
        return f"#{open_ticket['id']}"

    def add_customer_details(self, conversation_id: str, name: str | None, email: str | None) -> bool:
        """A private comment for Zendesk's agents (the requester stays who Zendesk knows: a typed
        address is no proof of who the customer is)."""
        open_ticket = self._open_ticket(conversation_id)
        if open_ticket is None:
            return False
        details = ", ".join(f"{label}: {value}" for label, value in (("name", name), ("e-mail", email)) if value)
        if details:
            body = f"The customer added their {details}"
            self._call("PUT", f"/tickets/{open_ticket['id']}.json",
                       json={"ticket": {"comment": {"body": body, "public": False}}})
        return True

    def change_ticket_language(self, conversation_id: str, language: str) -> TicketReceipt | None:
        """Zendesk routes by its own rules (its receipts never say a language is uncovered, so the bot
        never offers the choice): nothing to move."""
        return None

    def ticket_status(
        self, conversation_id: str, customer_id: int | None = None, verified_email: str | None = None,
        reference: str | None = None,
    ) -> list[CustomerTicket]:
        found = {t["id"]: t for t in self._search(f"tags:{conversation_tag(conversation_id)}")}
        if verified_email:
            found.update((t["id"], t) for t in self._search(f"requester:{verified_email.strip().lower()}"))
        if reference:
            wanted = reference.strip().lstrip("#")
            found = {ticket_id: t for ticket_id, t in found.items() if str(ticket_id) == wanted}
        tickets = sorted(found.values(), key=lambda t: t["id"], reverse=True)
        return [
            CustomerTicket(
                reference=f"#{t['id']}",
                status=ZENDESK_STATUSES.get(t.get("status", ""), "waiting"),
                subject=t.get("subject") or "",
                created_at=t["created_at"],
                queue_position=None,
                assignee_name=None,
                resolved_at=None,
            )
            for t in tickets
        ]

    def availability(self) -> Availability:
        now = utcnow()
        next_open = self._policy.business_hours.next_open(now)
        return Availability(
            agents_online=None,
            open_now=next_open == now,
            next_open=next_open,
            queue_length=None,
            wait_estimate_minutes=None,
            live_handoff=self._live_handoff,
        )

    # ------------------------------------------------------------ the local record

    def _record(self, ticket: TicketCreate, zendesk_ticket: dict) -> None:
        self._in_session(zendesk_records.record_escalation, data=ticket, zendesk_ticket=zendesk_ticket,
                         priority=self._policy.priority_for(ticket.reason, ticket.priority))

    def _in_session(self, function, /, **kwargs) -> None:
        """Write the local record; a database failure is logged, never the customer's problem: the
        Zendesk ticket exists, and the webhook's sync records it from Zendesk later."""
        try:
            with session_scope(self._sessions) as session:
                function(session, **kwargs)
        except SQLAlchemyError:
            log.exception("Zendesk ticket not recorded locally yet (reports miss it until its next sync)")

    # ------------------------------------------------------------ Zendesk calls

    def _receipt(self, zendesk_ticket: dict, created: bool) -> TicketReceipt:
        hours = self.availability()
        return TicketReceipt(
            reference=f"#{zendesk_ticket['id']}",
            status=ZENDESK_STATUSES.get(zendesk_ticket.get("status", "new"), "waiting"),
            created=created,
            queue_position=None,
            wait_estimate_minutes=None,
            agents_online=None,
            open_now=hours.open_now,
            next_open=hours.next_open,
            live_handoff=self._live_handoff,
        )

    def _open_ticket(self, conversation_id: str) -> dict | None:
        tagged = self._search(f"tags:{conversation_tag(conversation_id)}")
        return next((t for t in tagged if t["status"] in ("new", "open", "pending", "hold")), None)

    def _search(self, terms: str) -> list[dict]:
        results = self._get("/search.json", params={"query": f"type:ticket tags:{TAG} {terms}"}).get("results") or []
        return [r for r in results if r.get("result_type", "ticket") == "ticket"]

    def _get(self, path: str, params: dict) -> dict:
        return self._call("GET", path, params=params)

    def _call(self, method: str, path: str, **kwargs) -> dict:
        return self._checked(self._send(method, path, **kwargs))


# An escalation id is 32 hex digits; a key must fit the helpdesk's 200 characters.
_MAX_WHOLE_CONVERSATION_ID = 200 - 1 - 32
_CUT_MARK = ":cut"


def escalation_key(conversation_id: str, escalation_id: str) -> str:
    """The ticket's idempotency key (Zendesk's ``external_id``): ``{conversation id}:{escalation id}``.

    It names the conversation whole, so Zendesk's webhook finds the chat again; a conversation id too
    long for that is cut and the key marked, and such a ticket is answered by e-mail only.
    """
    if len(conversation_id) <= _MAX_WHOLE_CONVERSATION_ID:
        return f"{conversation_id}:{escalation_id}"
    return f"{conversation_id[:100]}:{escalation_id}{_CUT_MARK}"


def conversation_from_escalation_key(key: str) -> str | None:
    """The conversation an :func:`escalation_key` names; None when it is cut or not such a key."""
    conversation_id, separator, escalation_id = key.rpartition(":")
    if not separator or not conversation_id or len(escalation_id) != 32 or key.endswith(_CUT_MARK):
        return None
    return conversation_id


def conversation_tag(conversation_id: str) -> str:
    """A Zendesk tag naming the conversation (tags allow few characters, so a hash of its id)."""
    return "conversation_" + hashlib.sha256(conversation_id.encode("utf-8")).hexdigest()[:20]


def _tag_safe(value: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in value.lower())[:40]


def _first_comment(ticket: TicketCreate) -> str:
    """The ticket's first comment: description, why it escalated, what the bot tried, the transcript."""
    lines = [
        ticket.description or ticket.subject,
        "",
        f"Escalated by the chat bot: {ticket.reason}",
        f"Conversation: {ticket.conversation_id} ({ticket.channel}, {ticket.language})",
    ]
    if ticket.kb_attempts:
        lines += ["", "Knowledge base articles tried:"]
        lines += [f"- {a.title or a.article_id} (score {a.score}, {a.outcome})" for a in ticket.kb_attempts]
    if ticket.transcript:
        lines += ["", "Transcript:"]
        lines += [f"{line.author}: {line.text}" for line in ticket.transcript]
    return "\n".join(lines)
