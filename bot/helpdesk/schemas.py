"""Request and response bodies of the helpdesk HTTP API (separate input and output shapes).

Output models list their fields explicitly, so a password hash or a session token can never leak
into a response by accident. Message bodies are plain text: clients must render them as text.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from bot.helpdesk.text import MESSAGE_MAX_CHARS, clean_text, normalize_email
from bot.helpdesk.ticket_rules import REASONS
from bot.language import SUPPORTED_LANGUAGES

Priority = Literal["urgent", "high", "normal", "low"]
Presence = Literal["online", "away", "offline"]
Role = Literal["agent", "admin"]
TicketStatusName = Literal["waiting", "assigned", "resolved", "closed", "withdrawn"]


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty or only spaces")
    return value


def known_languages(codes: Iterable[str]) -> list[str]:
    """The language codes an agent speaks, lower-cased, each once, in the order given; ValueError
    naming the unknown code (and the known ones) or an empty list."""
    spoken: list[str] = []
    for raw in codes:
        code = raw.strip().lower()
        if code not in SUPPORTED_LANGUAGES:
            raise ValueError(f"unknown language code {raw.strip()!r}; use one of {', '.join(SUPPORTED_LANGUAGES)}")
        if code not in spoken:
            spoken.append(code)
    if not spoken:
        raise ValueError(f"list at least one language: {', '.join(SUPPORTED_LANGUAGES)}")
    return spoken


LANGUAGES_DESCRIPTION = f"codes of the languages the agent speaks: {', '.join(SUPPORTED_LANGUAGES)}"


# ---------------------------------------------------------------- inputs


class _TextInput(BaseModel):
    """Texts arrive as the customer typed or pasted them: NULs and lone surrogates (which no
    database stores and pydantic refuses) become U+FFFD before validation, so nothing is rejected
    for them."""

    @model_validator(mode="before")
    @classmethod
    def _clean_strings(cls, data):
        return _cleaned(data)


def _cleaned(value):
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {key: _cleaned(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_cleaned(item) for item in value]
    return value


class TranscriptLine(_TextInput):
    author: Literal["customer", "bot", "agent"]
    text: str
    timestamp: datetime | None = Field(None, description="ISO 8601 or Unix seconds; naive times are UTC")


class KbAttempt(_TextInput):
    """One KB article the bot tried before escalating."""

    article_id: str | None = Field(None, max_length=200)
    title: str | None = Field(None, max_length=500)
    score: float | None = Field(None, allow_inf_nan=False)
    outcome: str | None = Field(None, max_length=50)


class TicketCreate(_TextInput):
    """What the bot sends when it escalates. The same ``idempotency_key`` always yields the same ticket."""

    idempotency_key: str = Field(min_length=1, max_length=200)
    conversation_id: str = Field(min_length=1, max_length=255)
    channel: str = Field("rest", min_length=1, max_length=50)
    language: str = Field("en", min_length=2, max_length=10)
    customer_name: str | None = Field(None, max_length=1000)
    customer_email: str | None = Field(None, max_length=254)
    subject: str = Field("", description="one line; longer text is shortened with '…'")
    description: str = Field("", description="longer text is truncated with a visible marker")
    reason: str = Field(description=f"one of: {', '.join(REASONS)}")
    priority: Priority | None = Field(None, description="default: from PRIORITY_RULES by reason, else normal")
    transcript: list[TranscriptLine] = Field(default_factory=list, max_length=5000)
    kb_attempts: list[KbAttempt] = Field(default_factory=list, max_length=100)

    @field_validator("reason")
    @classmethod
    def _known_reason(cls, value: str) -> str:
        if value not in REASONS:
            raise ValueError(f"unknown reason {value!r}; one of {', '.join(REASONS)}")
        return value

    @field_validator("customer_email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        return normalize_email(value) if value and value.strip() else None


class RelayMessage(_TextInput):
    text: str = Field(description=f"longer than {MESSAGE_MAX_CHARS} characters is truncated with a visible marker")
    author: Literal["customer", "bot"] = "customer"
    client_message_id: str | None = Field(
        None,
        max_length=100,
        description="sender's id for this message; a retried request with the same id is stored once",
    )


class LoginRequest(BaseModel):
    email: str = Field(max_length=254)
    password: str = Field(max_length=1024)


class ReplyRequest(_TextInput):
    text: str = Field(min_length=1, max_length=MESSAGE_MAX_CHARS)

    _check = field_validator("text")(_not_blank)


class TransferRequest(BaseModel):
    agent_id: int


class PresenceRequest(BaseModel):
    presence: Presence


class AgentCreate(BaseModel):
    email: str = Field(max_length=254)
    name: str = Field(min_length=1, max_length=200)
    role: Role = "agent"
    password: str = Field(min_length=8, max_length=1024)
    languages: list[str] = Field(["en"], max_length=20, description=LANGUAGES_DESCRIPTION)

    _check = field_validator("name")(_not_blank)
    _languages = field_validator("languages")(known_languages)

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        return normalize_email(value)


class AgentUpdate(BaseModel):
    name: str | None = Field(None, min_length=1, max_length=200)
    role: Role | None = None
    is_active: bool | None = None
    languages: list[str] | None = Field(None, max_length=20, description=LANGUAGES_DESCRIPTION)

    @field_validator("languages")
    @classmethod
    def _languages(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else known_languages(value)


class ProfileUpdate(BaseModel):
    """What an agent may change about themselves."""

    languages: list[str] = Field(max_length=20, description=LANGUAGES_DESCRIPTION)

    _languages = field_validator("languages")(known_languages)


class CustomerDetailsUpdate(_TextInput):
    """Details the customer added after their ticket was opened (outside hours the ticket comes first)."""

    customer_name: str | None = Field(None, max_length=1000)
    customer_email: str | None = Field(None, max_length=254)

    @field_validator("customer_email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        return normalize_email(value) if value and value.strip() else None


class TicketLanguageUpdate(BaseModel):
    """The customer chose another language for their open ticket (e.g. English, to be served sooner)."""

    language: str = Field(min_length=2, max_length=10, description=", ".join(SUPPORTED_LANGUAGES))

    @field_validator("language")
    @classmethod
    def _language(cls, value: str) -> str:
        return known_languages([value])[0]


class SavedReplyCreate(_TextInput):
    title: str = Field(min_length=1, max_length=200)
    body: str = Field(min_length=1, max_length=MESSAGE_MAX_CHARS)

    _check = field_validator("title", "body")(_not_blank)


# ---------------------------------------------------------------- outputs


class _FromOrm(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class AgentRef(_FromOrm):
    id: int
    name: str


class AgentOut(_FromOrm):
    id: int
    email: str
    name: str
    role: Role
    presence: Presence
    online: bool = Field(description="presence is online and the agent was seen in the last minutes")
    is_active: bool
    last_seen_at: datetime | None
    languages: list[str] = Field(description="the languages the agent speaks; claim-next prefers tickets in them")


class MessageOut(_FromOrm):
    id: int
    ticket_id: int
    author_type: Literal["customer", "bot", "agent", "note", "system"]
    agent: AgentRef | None
    body: str = Field(description="plain text, shown as text (never as HTML)")
    created_at: datetime
    delivered: bool = Field(description="false while a line for the customer's chat has not reached it yet")
    delivery_error: str | None = Field(
        description="set when the line failed for good (e.g. `recipient unreachable: ...`); retried only on request"
    )
    delivery_attempts: int = Field(0, description="tries so far to hand the line to the customer's chat")
    next_delivery_at: datetime | None = Field(None, description="when a line not delivered yet is tried again")
    last_delivery_error: str | None = Field(None, description="why the last try failed")
    reached: Literal["chat", "email", "chat_later", "nobody"] | None = Field(
        None,
        description="where the line got: a chat the customer had open, e-mail, a web chat they had left (shown "
        "when they come back), or nobody (a channel that cannot receive pushed lines, such as REST); null "
        "while neither delivered nor e-mailed, for lines not meant for the customer, and for lines delivered "
        "before this field existed",
    )
    email_skipped: Literal["no_address", "email_off"] | None = Field(
        None, description="why a line the customer did not see live (`chat_later`, `nobody`) did not go by e-mail too"
    )


class TicketSla(BaseModel):
    """The ticket against its service-level targets (calendar time, current priority; see docs/agent-console.md#sla)."""

    state: Literal["breached", "warning", "ok", "met"] | None = Field(
        description="breached: a running target is past due (or, when none runs, one was missed); warning: "
        "less than a quarter of a running target, or 15 minutes, is left; ok; met: both targets met; "
        "null: withdrawn"
    )
    due_at: datetime | None = Field(description="the deadline `state` is about (missed or soonest); null when none runs")
    first_response_due_at: datetime = Field(description="created_at + the first-response target of its priority")
    resolution_due_at: datetime = Field(description="created_at + the resolution target of its priority")


class TicketSummary(_FromOrm):
    id: int
    reference: str
    conversation_id: str
    channel: str
    language: str
    customer_name: str | None
    customer_email: str | None
    subject: str
    reason: str
    priority: Priority
    status: TicketStatusName
    assignee: AgentRef | None
    created_at: datetime
    assigned_at: datetime | None
    first_reply_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    updated_at: datetime
    queue_position: int | None = Field(None, description="1 = next to be served; only while waiting")
    sla: TicketSla | None = Field(None, description="set in every answer with tickets; null in live events")


class TicketDetail(TicketSummary):
    """The full context an agent needs: why it escalated, what the bot tried, the whole transcript."""

    description: str
    reason_text: str
    kb_attempts: list[KbAttempt]
    messages: list[MessageOut]


class TicketReceipt(BaseModel):
    """What the bot tells the customer after escalating."""

    reference: str
    status: TicketStatusName
    created: bool = Field(description="false when this idempotency key had already created the ticket")
    queue_position: int | None
    wait_estimate_minutes: int | None = Field(description="null when it cannot be estimated honestly")
    agents_online: int | None = Field(description="null when the helpdesk cannot tell (external helpdesk)")
    open_now: bool
    next_open: datetime | None
    live_handoff: bool = Field(True, description="agents answer in this chat (false for Zendesk without its webhook)")
    language_covered: bool = Field(
        True,
        description="false when agents are online but none of them speaks the ticket's language "
        "(the bot then offers English before the customer waits); true when unknown",
    )


class Availability(BaseModel):
    agents_online: int | None = Field(description="null when the helpdesk cannot tell (external helpdesk)")
    open_now: bool
    next_open: datetime | None = Field(description="now while open; null if business hours never open")
    queue_length: int | None
    wait_estimate_minutes: int | None = Field(description="for a ticket created now; null when unknown")
    live_handoff: bool = True


class CustomerTicket(BaseModel):
    reference: str
    status: TicketStatusName
    subject: str
    created_at: datetime
    queue_position: int | None
    wait_estimate_minutes: int | None = Field(None, description="while waiting; null when it cannot be estimated honestly")
    assignee_name: str | None
    resolved_at: datetime | None


class CustomerTickets(BaseModel):
    tickets: list[CustomerTicket]


class RelayReceipt(BaseModel):
    reference: str
    status: TicketStatusName
    message_id: int


class WithdrawReceipt(BaseModel):
    reference: str
    status: TicketStatusName
    withdrawn_now: bool = Field(description="false when an earlier request had already withdrawn it")


class SessionInfo(BaseModel):
    agent: AgentOut
    csrf_token: str = Field(description="send it back as X-CSRF-Token on state-changing requests")
    expires_at: datetime


class TokenInfo(BaseModel):
    agent: AgentOut
    token: str = Field(description="send as 'Authorization: Bearer <token>'; shown only here")
    expires_at: datetime


class SavedReplyOut(_FromOrm):
    id: int
    title: str
    body: str
    created_at: datetime


class Problem(BaseModel):
    """One thing wrong with a request: where (``["body", "text"]``) and what."""

    loc: list[str | int]
    msg: str
    type: str


class ErrorOut(BaseModel):
    """Every error answer: a sentence, or for a request that does not fit the schema, its problems."""

    detail: str | list[Problem]


def error_responses(descriptions: dict[int, str]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for these error statuses, each with the :class:`ErrorOut` body."""
    return {status: {"model": ErrorOut, "description": description} for status, description in descriptions.items()}


BAD_BODY = {
    400: "the body is not JSON text",
    413: "the body is over this route's size limit; the connection is closed",
    422: "the request does not fit the schema, or a value cannot be used",
}
NEEDS_LOGIN = {
    401: "not logged in, or the session ended",
    403: "not allowed: an admin-only action, another agent's ticket, or (cookie login) no X-CSRF-Token",
}


class KbArticleOut(BaseModel):
    id: str
    title: str
    language: str
    url: str | None
    summary: str
