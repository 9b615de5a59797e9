"""The action server's client for the built-in helpdesk's internal API.

Every call has the configured timeout and retries (connection errors, timeouts and 5xx, with
backoff); when the helpdesk stays unreachable it raises :class:`HelpdeskUnavailable`, so the bot
can tell the customer honestly and retry the escalation later — creating a ticket is idempotent,
and relayed messages carry an id, so retries never duplicate anything.
"""

from __future__ import annotations

import uuid
from urllib.parse import quote

import requests

from bot.helpdesk.http import (
    KeepAlive,
    ServiceUnavailable,
    error_detail,
    request_with_retries,
)
from bot.helpdesk.schemas import (
    Availability,
    CustomerDetailsUpdate,
    CustomerTicket,
    RelayMessage,
    TicketCreate,
    TicketLanguageUpdate,
    TicketReceipt,
    WithdrawReceipt,
)
from bot.helpdesk.tickets import NO_OPEN_TICKET
from bot.logging_setup import Redactor
from bot.settings import Settings


class HelpdeskUnavailable(RuntimeError):
    """The helpdesk (or external helpdesk) did not answer after the retries."""


class HelpdeskRejected(ValueError):
    """The helpdesk refused the request as invalid; the message is its explanation."""


class ServiceCaller:
    """One outbound HTTP service: base URL, credentials, the configured timeout and retries.

    Connection failures and 5xx after the retries become :class:`HelpdeskUnavailable`; a 4xx
    becomes :class:`HelpdeskRejected` with the service's explanation (secrets masked).
    """

    def __init__(self, service_name: str, base_url: str, settings: Settings, secret: str, **credentials):
        self._name = service_name
        self._base_url = base_url.rstrip("/")
        self._credentials = credentials
        self._timeout = settings.http_timeout_s
        self._retries = settings.http_retries
        self.redact = Redactor([secret])
        self._keep_alive = KeepAlive()

    def send(self, method: str, path: str, **kwargs) -> requests.Response:
        try:
            return request_with_retries(
                method,
                self._base_url + path,
                timeout_s=self._timeout,
                retries=self._retries,
                redact=self.redact,
                keep_alive=self._keep_alive,
                **self._credentials,
                **kwargs,
            )
        except ServiceUnavailable as exc:
            raise HelpdeskUnavailable(f"{self._name} is unavailable: {exc}") from None

    def json(self, response: requests.Response) -> dict:
        if response.status_code >= 400:
            raise HelpdeskRejected(
                f"{self._name} refused the request (HTTP {response.status_code}): "
                f"{self.redact(error_detail(response))}"
            )
        return response.json()


class HelpdeskClient:
    """Calls ``/api/internal/...`` with the service token. Safe to share between threads."""

    def __init__(self, settings: Settings, base_url: str | None = None):
        self._service = ServiceCaller(
            "the helpdesk", base_url or settings.helpdesk_url, settings, settings.service_token,
            headers={"Authorization": f"Bearer {settings.service_token}"},
        )
        self._send = self._service.send
        self._json = self._service.json

    def create_ticket(self, ticket: TicketCreate) -> TicketReceipt:
        """Create (or, for a repeated ``idempotency_key``, find) the escalation's ticket."""
        response = self._send("POST", "/api/internal/tickets", json=ticket.model_dump(mode="json"))
        return TicketReceipt.model_validate(self._json(response))

    def relay_message(
        self, conversation_id: str, text: str, author: str = "customer", client_message_id: str | None = None
    ) -> bool:
        """Pass a message to the agent; False when the conversation has no open ticket (handoff over)."""
        message = RelayMessage(text=text, author=author, client_message_id=client_message_id or uuid.uuid4().hex)
        response = self._send(
            "POST",
            f"/api/internal/conversations/{quote(conversation_id, safe='')}/messages",
            json=message.model_dump(mode="json"),
        )
        if response.status_code == 404 and error_detail(response) == NO_OPEN_TICKET:
            return False
        self._json(response)
        return True

    def change_ticket_language(self, conversation_id: str, language: str) -> TicketReceipt | None:
        """Move the conversation's open ticket to ``language``; its receipt, or None when it has none."""
        response = self._send(
            "PUT",
            f"/api/internal/conversations/{quote(conversation_id, safe='')}/ticket/language",
            json=TicketLanguageUpdate(language=language).model_dump(mode="json"),
        )
        if response.status_code == 404 and error_detail(response) == NO_OPEN_TICKET:
            return None
        return TicketReceipt.model_validate(self._json(response))

    def withdraw(self, conversation_id: str) -> str | None:
        """The customer stopped waiting: withdraw the conversation's open ticket; its reference, or None
        when there is nothing to withdraw (the handoff already ended)."""
        response = self._send("POST", f"/api/internal/conversations/{quote(conversation_id, safe='')}/ticket/withdraw")
        if response.status_code == 404 and error_detail(response) == NO_OPEN_TICKET:
            return None
        return WithdrawReceipt.model_validate(self._json(response)).reference

    def add_customer_details(self, conversation_id: str, name: str | None, email: str | None) -> bool:
        """Put the name or e-mail the customer gave late on their open ticket; False when it has none."""
        response = self._send(
            "PUT",
            f"/api/internal/conversations/{quote(conversation_id, safe='')}/ticket/customer",
            json=CustomerDetailsUpdate(customer_name=name, customer_email=email).model_dump(mode="json"),
        )
        if response.status_code == 404 and error_detail(response) == NO_OPEN_TICKET:
            return False
        self._json(response)
        return True

    def ticket_status(
        self, conversation_id: str, customer_id: int | None = None, verified_email: str | None = None,
        reference: str | None = None,
    ) -> list[CustomerTicket]:
        """The tickets of this conversation and of its customer record, newest first (optionally one
        reference). The helpdesk knows every ticket's customer, so ``verified_email`` is not needed here."""
        params = {
            k: v for k, v in (("conversation_id", conversation_id), ("customer_id", customer_id), ("reference", reference))
            if v
        }
        response = self._send("GET", "/api/internal/tickets/status", params=params)
        return [CustomerTicket.model_validate(item) for item in self._json(response)["tickets"]]

    def availability(self) -> Availability:
        return Availability.model_validate(self._json(self._send("GET", "/api/internal/availability")))
