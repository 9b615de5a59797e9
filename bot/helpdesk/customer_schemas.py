"""Bodies of the customer routes (``/api/customers``, a ticket's customer): records, history, merges.

Like :mod:`bot.helpdesk.schemas`, outputs list their fields explicitly; every text is plain text.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator

from bot.helpdesk.schemas import AgentRef, _FromOrm, _TextInput

Channel = Literal["web", "telegram", "whatsapp", "messenger", "slack", "email", "rest", "other"]


class MergeRequest(_TextInput):
    other_id: int = Field(description="the record merged into this one (it then points here)")
    reason: str = Field(min_length=1, max_length=300, description="why the agent is sure both are one person")

    @field_validator("reason")
    @classmethod
    def _reason_given(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("say why both records are the same person")
        return value.strip()


class CustomerSummary(_FromOrm):
    id: int
    name: str | None
    email: str | None = Field(description="verified e-mail address (a one-time code or a signed identity)")
    phone: str | None = Field(description="verified phone number (the WhatsApp channel itself)")
    language: str
    created_at: datetime
    last_seen_at: datetime
    ticket_count: int
    conversation_count: int


class IdentityOut(_FromOrm):
    kind: str = Field(description="web, telegram, whatsapp, messenger, slack, rest, callback, email or conversation")
    value: str
    proof: Literal["channel", "code", "signed"]
    created_at: datetime


class HistoryEntryOut(_FromOrm):
    """A ticket or a conversation of the customer."""

    kind: Literal["ticket", "conversation"]
    channel: Channel
    at: datetime = Field(description="what newest-first orders by: a ticket's creation, a conversation's last message")
    started_at: datetime
    conversation_id: str
    status: str | None = Field(description="tickets only: waiting, assigned, resolved, closed or withdrawn")
    subject: str | None
    ticket_id: int | None
    reference: str | None
    language: str | None


class CustomerDetail(CustomerSummary):
    redirected_from: int | None = Field(
        None, description="the id asked for, when that record was merged into this one"
    )
    identities: list[IdentityOut]
    history: list[HistoryEntryOut] = Field(description="every ticket and conversation, newest first")


class TicketCustomer(BaseModel):
    """A ticket's customer and what else they asked, on any channel."""

    customer: CustomerSummary | None = Field(description="null for a ticket no customer record holds")
    others: list[HistoryEntryOut] = Field(
        description="the customer's other tickets and conversations (not this ticket's), newest first"
    )
    more: int = Field(description="how many more the customer page lists")


class MergeOut(_FromOrm):
    """One entry of the merge audit."""

    id: int
    kept_customer_id: int
    merged_customer_id: int
    agent: AgentRef | None = Field(description="null when proof merged them (the same verified e-mail)")
    reason: str
    details: dict[str, Any] = Field(description="what moved: counts of identities, conversations, tickets, e-mails")
    created_at: datetime
